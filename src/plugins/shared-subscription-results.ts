import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Executes a subscription event once per distinct operation, not once per subscriber: all
 * subscribers of a project receive the same event object from the status hub, so the result
 * for a given document, operation name and variables is computed by the first and reused by
 * the others. Safe because subscription payloads here are resolved from the event alone (no
 * per-caller data; authorisation happens when the subscription starts).
 */
export function useSharedSubscriptionResults(): Plugin {
  const results = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();
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
        return mapAsyncIterable(source as AsyncIterable<unknown>, (payload) => {
          if (typeof payload !== 'object' || payload === null) return execute({ ...args, rootValue: payload });
          let byKey = results.get(payload);
          if (!byKey) results.set(payload, (byKey = new Map()));
          let result = byKey.get(key);
          if (!result) byKey.set(key, (result = Promise.resolve(execute({ ...args, rootValue: payload }))));
          return result;
        });
      });
    },
  };
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
