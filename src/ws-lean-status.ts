import { getOperationAST, Kind, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLError, type GraphQLSchema } from 'graphql';
import type { SharedSubscriptionResults } from './plugins/shared-subscription-results.js';

/** The subscriptions this path runs: each is held by thousands of clients at once. */
const LEAN_FIELDS = new Set(['projectStatus']);

/**
 * graphql-ws's lean path for `projectStatus`: parsed and validated by yoga as any operation
 * (its caches, the limits), then run by graphql-js through the shared results, without
 * envelop's per-subscription wrappers (a context merged from every plugin, the enveloped
 * functions, and up to three iterator wrappers with ~20 closures, all kept for the
 * subscription's life). What those wrappers did for this operation is done here: errors are
 * masked with the same function as yoga's (in results, and thrown by the stream), and the
 * operation is recorded in the metrics and log as the plugin records it.
 */
export interface LeanSubscriptions {
  /** True when the operation to run is a subscription of one of the lean fields only. */
  accepts(document: DocumentNode, operationName: string | null | undefined): boolean;
  subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;
}

export function createLeanSubscriptions(deps: {
  results: SharedSubscriptionResults;
  /** yoga's `maskedErrors.maskError`. */
  maskError: (error: unknown, message: string) => Error;
  /** `createOperationMetrics(...).start`. */
  record: (args: { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null }) => (errors: readonly unknown[] | undefined) => void;
}): LeanSubscriptions {
  const mask = (error: unknown) => deps.maskError(error, UNEXPECTED) as GraphQLError;
  return {
    accepts(document, operationName) {
      const operation = getOperationAST(document, operationName);
      if (operation?.operation !== 'subscription' || operation.selectionSet.selections.length !== 1) return false;
      const [field] = operation.selectionSet.selections;
      return field?.kind === Kind.FIELD && LEAN_FIELDS.has(field.name.value) && !field.directives?.length;
    },
    async subscribe(args) {
      const done = deps.record(args);
      try {
        const result = await deps.results.subscribe(args, mask);
        done(Symbol.asyncIterator in result ? undefined : (result as ExecutionResult).errors);
        return result;
      } catch (err) {
        done([err]);
        throw mask(err);
      }
    },
  };
}

/** yoga's default `maskedErrors.errorMessage`. */
const UNEXPECTED = 'Unexpected error.';
