import { getOperationAST, GraphQLError, isSchema, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { AppError } from '../services/errors.js';
import type { Logger } from '../services/logger.js';
import { metrics } from '../services/metrics.js';

/**
 * One metric sample and one log line per GraphQL operation: its root field, type, duration
 * and error codes. The label is the operation's first root field (a field of the schema: a
 * closed set), never the client's operation name, which is free text; the name goes to the
 * log line only, cut to 64 characters. Requests that fail before execution (unparseable,
 * invalid, over a limit) count as "invalid".
 */
export function useOperationMetrics(logger: Logger): Plugin {
  return createOperationMetrics(logger).plugin;
}

/** The plugin, and the same record for operations run outside yoga (graphql-ws's lean path). */
export function createOperationMetrics(logger: Logger): {
  plugin: Plugin;
  /** Call when the operation started; call what it returns with its result's errors. */
  start(args: { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null }): (errors: readonly unknown[] | undefined) => void;
} {
  const log = logger.child({ component: 'graphql' });
  const started = new WeakMap<Request, { at: number; operationName: string | undefined; executed: boolean }>();
  let rootFields: { schema: GraphQLSchema; names: Set<string> } | null = null;

  const label = (schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined) => {
    if (rootFields?.schema !== schema) rootFields = { schema, names: rootFieldNames(schema) };
    const operation = getOperationAST(document, operationName);
    const first = operation?.selectionSet.selections.find((s) => s.kind !== 'Field' || s.name.value !== '__typename');
    const type = operation?.operation ?? 'unknown';
    if (!first || first.kind !== 'Field') return { operation: 'other', type };
    const name = first.name.value;
    if (name === '__schema' || name === '__type') return { operation: 'introspection', type };
    return { operation: rootFields.names.has(name) ? name : 'other', type };
  };

  const record = (op: { operation: string; type: string }, operationName: unknown, began: number, errors: readonly unknown[] | undefined) => {
    const codes = (errors ?? []).map(errorCode);
    const seconds = (performance.now() - began) / 1000;
    metrics.operation(op.operation, op.type, seconds, codes);
    log.info(
      {
        operation: op.operation,
        type: op.type,
        ...(typeof operationName === 'string' && operationName ? { operationName: operationName.slice(0, 64) } : {}),
        ms: Math.round(seconds * 10_000) / 10,
        ...(codes.length > 0 ? { errorCode: codes[0], errors: codes.length } : {}),
      },
      'graphql operation',
    );
  };

  const requestOf = (contextValue: unknown): Request | undefined => (contextValue as { request?: Request } | undefined)?.request;

  const plugin: Plugin = {
    onParams({ request, params }) {
      started.set(request, { at: performance.now(), operationName: params.operationName, executed: false });
    },
    onExecute({ args }) {
      const request = requestOf(args.contextValue);
      const entry = request ? started.get(request) : undefined;
      if (entry) entry.executed = true;
      const began = entry?.at ?? performance.now();
      const op = isSchema(args.schema) ? label(args.schema, args.document, args.operationName) : { operation: 'other', type: 'unknown' };
      return {
        onExecuteDone({ result }) {
          // An incremental (@defer) result is counted without its later parts' errors.
          const single = Symbol.asyncIterator in (result as object) ? undefined : (result as ExecutionResult);
          record(op, args.operationName, began, single?.errors);
        },
      };
    },
    onSubscribe({ args }) {
      const request = requestOf(args.contextValue);
      const entry = request ? started.get(request) : undefined;
      if (entry) entry.executed = true;
      const began = entry?.at ?? performance.now();
      const op = label(args.schema, args.document, args.operationName);
      return {
        onSubscribeResult({ result }) {
          const single = Symbol.asyncIterator in (result as object) ? undefined : (result as ExecutionResult);
          record(op, args.operationName, began, single?.errors);
        },
        onSubscribeError({ error }) {
          record(op, args.operationName, began, [error]);
        },
      };
    },
    onResultProcess({ request, result }) {
      const entry = started.get(request);
      if (!entry || entry.executed) return;
      entry.executed = true; // once per request, even for a batch
      const single = Array.isArray(result) || Symbol.asyncIterator in (result as object) ? undefined : (result as ExecutionResult);
      record({ operation: 'invalid', type: 'unknown' }, entry.operationName, entry.at, single?.errors);
    },
  };
  return {
    plugin,
    start(args) {
      const began = performance.now();
      return (errors) => record(label(args.schema, args.document, args.operationName), args.operationName, began, errors);
    },
  };
}

function rootFieldNames(schema: GraphQLSchema): Set<string> {
  const names = new Set<string>();
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    for (const name of Object.keys(type?.getFields() ?? {})) names.add(name);
  }
  return names;
}

// yoga's own codes for requests it cannot run; the API answers them as BAD_USER_INPUT.
const YOGA_REQUEST_CODES = new Set(['REQUEST_ENTITY_TOO_LARGE', 'BAD_REQUEST', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'OPERATION_RESOLUTION_FAILURE']);

/** The code a client sees: the masked error's, or what masking will give it. */
function errorCode(error: unknown): string {
  if (error instanceof GraphQLError) {
    const code = error.extensions?.code;
    if (typeof code === 'string') return YOGA_REQUEST_CODES.has(code) ? 'BAD_USER_INPUT' : code;
    if (error.originalError instanceof AppError) return error.originalError.code;
    if (error.originalError instanceof GraphQLError && typeof error.originalError.extensions?.code === 'string') return error.originalError.extensions.code;
    return error.originalError ? 'INTERNAL_SERVER_ERROR' : 'BAD_USER_INPUT';
  }
  if (error instanceof AppError) return error.code;
  return 'INTERNAL_SERVER_ERROR';
}
