import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import type { LiveDeliverable, LiveReceiver } from '../services/status-stream.js';

/**
 * Executes a subscription event once per distinct operation, not once per subscriber: all
 * subscribers of a project receive the same event object from the status hub, so the result
 * for a given document, operation name and variables is computed by the first and reused by
 * the others. Safe because subscription payloads here are resolved from the event alone (no
 * per-caller data; authorisation happens when the subscription starts).
 *
 * When the transport can write a serialised result straight to its client (`sendRawResult`,
 * graphql-ws) and the source stream can hand over its live events (`LiveDeliverable`), live
 * results are also serialised once per event and operation and written directly, with no
 * promise or iterator per subscriber. Only error-free results, computed synchronously, go that
 * way: anything else takes the iterator path, where error masking and the other result hooks
 * apply.
 */
export function createSharedSubscriptionResults(): SharedSubscriptionResults {
  const shared: SharedResults = new WeakMap();
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;

  const keyOf = (args: ExecutionArgs) => {
    let id = documentIds.get(args.document);
    if (id === undefined) documentIds.set(args.document, (id = nextDocumentId++));
    return `${id}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}`;
  };

  const subscribe = async (args: ExecutionArgs, maskError?: (error: unknown) => GraphQLError) => {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) {
      const result = source as ExecutionResult;
      return maskError && result.errors ? { ...result, errors: result.errors.map((e) => maskError(e)) } : result;
    }
    const results = new SharedResultStream(source as AsyncIterable<unknown>, args, keyOf(args), shared, maskError ?? null);
    const sendRaw = (args.contextValue as Partial<Context> | undefined)?.sendRawResult;
    if (sendRaw && isLiveDeliverable(source)) results.sendLiveWith(source, sendRaw);
    return results;
  };

  return {
    plugin: {
      onSubscribe({ setSubscribeFn }) {
        setSubscribeFn((args) => subscribe(args));
      },
    },
    subscribe,
  };
}

export interface SharedSubscriptionResults {
  /** For yoga: every subscription it runs goes through `subscribe`. */
  plugin: Plugin;
  /**
   * graphql-js `subscribe` with shared results. With `maskError`, for a caller outside yoga's
   * plugins: errors in results, and errors the stream throws, are masked with it.
   */
  subscribe(args: ExecutionArgs, maskError?: (error: unknown) => GraphQLError): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;
}

/** Per event object, per operation key: the result, and its JSON once someone has sent it. */
type SharedResults = WeakMap<object, Map<string, { result: ExecutionResult | Promise<ExecutionResult>; json?: Buffer }>>;

/**
 * One subscription's results: the source's events mapped through the shared results. A class,
 * not closures, because one lives per subscriber for as long as the subscription.
 */
class SharedResultStream implements AsyncIterableIterator<ExecutionResult>, LiveReceiver<object> {
  private readonly source: AsyncIterator<unknown>;
  private sendRaw: ((json: Buffer) => void) | null = null;

  constructor(
    source: AsyncIterable<unknown>,
    private readonly args: ExecutionArgs,
    private readonly key: string,
    private readonly shared: SharedResults,
    private readonly maskError: ((error: unknown) => GraphQLError) | null,
  ) {
    this.source = source[Symbol.asyncIterator]();
  }

  sendLiveWith(source: LiveDeliverable<object>, sendRaw: (json: Buffer) => void): void {
    this.sendRaw = sendRaw;
    source.deliverLiveTo(this);
  }

  receiveLive(event: object): boolean {
    const entry = this.entryFor(event);
    if (entry.json === undefined) {
      if (entry.result instanceof Promise || entry.result.errors) return false;
      entry.json = Buffer.from(JSON.stringify(entry.result));
    }
    this.sendRaw!(entry.json);
    return true;
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  async next(): Promise<IteratorResult<ExecutionResult>> {
    let next: IteratorResult<unknown>;
    try {
      next = await this.source.next();
    } catch (err) {
      throw this.maskError ? this.maskError(err) : err;
    }
    if (next.done) return next;
    const payload = next.value;
    const result = await (typeof payload === 'object' && payload !== null ? this.entryFor(payload).result : execute({ ...this.args, rootValue: payload }));
    if (!this.maskError || !result.errors) return { done: false, value: result };
    // A copy: the shared result is the same object for every subscriber.
    return { done: false, value: { ...result, errors: result.errors.map(this.maskError) } };
  }

  // `return` passes through so the source (and its hub sink) stops.
  return(): Promise<IteratorResult<ExecutionResult>> {
    return (this.source.return?.() ?? Promise.resolve({ done: true, value: undefined })) as Promise<IteratorResult<ExecutionResult>>;
  }

  throw(err: unknown): Promise<IteratorResult<ExecutionResult>> {
    return (this.source.throw ? this.source.throw(err) : Promise.reject(err)) as Promise<IteratorResult<ExecutionResult>>;
  }

  private entryFor(payload: object) {
    let byKey = this.shared.get(payload);
    if (!byKey) this.shared.set(payload, (byKey = new Map()));
    let entry = byKey.get(this.key);
    if (!entry) byKey.set(this.key, (entry = { result: execute({ ...this.args, rootValue: payload }) }));
    return entry;
  }
}

function isLiveDeliverable(source: object): source is LiveDeliverable<object> {
  return typeof (source as Partial<LiveDeliverable<object>>).deliverLiveTo === 'function';
}
