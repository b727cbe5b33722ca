import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import type { LiveDeliverable } from '../services/status-stream.js';

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
export function useSharedSubscriptionResults(): Plugin {
  const shared = new WeakMap<object, Map<string, SharedResult>>();
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;

  const keyOf = (args: ExecutionArgs) => {
    let id = documentIds.get(args.document);
    if (id === undefined) documentIds.set(args.document, (id = nextDocumentId++));
    return `${id}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}`;
  };

  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args) => {
        const source = await createSourceEventStream(args);
        if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
        const key = keyOf(args);
        const resultFor = (payload: object): SharedResult => {
          let byKey = shared.get(payload);
          if (!byKey) shared.set(payload, (byKey = new Map()));
          let entry = byKey.get(key);
          if (!entry) byKey.set(key, (entry = { result: execute({ ...args, rootValue: payload }) }));
          return entry;
        };
        const sendRaw = (args.contextValue as Partial<Context> | undefined)?.sendRawResult;
        if (sendRaw && isLiveDeliverable(source)) {
          source.deliverLiveTo((payload) => {
            const entry = resultFor(payload);
            if (entry.json === undefined) {
              if (entry.result instanceof Promise || entry.result.errors) return false;
              entry.json = Buffer.from(JSON.stringify(entry.result));
            }
            sendRaw(entry.json);
            return true;
          });
        }
        return mapAsyncIterable(source as AsyncIterable<unknown>, (payload) =>
          typeof payload === 'object' && payload !== null ? resultFor(payload).result : execute({ ...args, rootValue: payload }),
        );
      });
    },
  };
}

interface SharedResult {
  result: ExecutionResult | Promise<ExecutionResult>;
  /** The result as UTF-8 JSON, made by the first subscriber that writes it directly. */
  json?: Buffer;
}

function isLiveDeliverable(source: object): source is LiveDeliverable & AsyncIterable<object> {
  return typeof (source as Partial<LiveDeliverable>).deliverLiveTo === 'function';
}

/** Maps an async iterable, passing `return` through so the source (and its listener) stops. */
function mapAsyncIterable<T, R>(source: AsyncIterable<T>, fn: (value: T) => R | Promise<R>): AsyncIterableIterator<R> {
  const iterator = source[Symbol.asyncIterator]();
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      const result = await iterator.next();
      return result.done ? result : { done: false, value: await fn(result.value) };
    },
    return: () => (iterator.return ? iterator.return() : Promise.resolve({ done: true, value: undefined })) as Promise<IteratorResult<R>>,
    throw: (err: unknown) => (iterator.throw ? iterator.throw(err) : Promise.reject(err)) as Promise<IteratorResult<R>>,
  };
}
