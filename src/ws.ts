import type { ExecutionResult, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import type { WebSocketServer } from 'ws';
import type { Context, Services } from './context.js';
import { AppError } from './services/errors.js';

/** graphql-ws close code for a refused or expired token. */
export const CLOSE_FORBIDDEN = 4403;

/**
 * graphql-ws on the yoga instance: the same schema, plugins and error masking as HTTP, with the
 * token from `connectionParams.authorization`. A bad token refuses the connection (4403); the
 * socket is closed with 4403 when the token expires.
 */
export function attachGraphqlWs({
  wss,
  yoga,
  services,
}: {
  wss: WebSocketServer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  yoga: YogaServerInstance<any, Context>;
  services: Services;
}) {
  const expiryTimers = new WeakMap<object, NodeJS.Timeout>();
  const disposable = useServer(
    {
      connectionInitWaitTimeout: 10_000,
      execute: (args) => (args.rootValue as Enveloped).execute(args).then(stripHttp),
      subscribe: async (args) => mapResults(await (args.rootValue as Enveloped).subscribe(args)),
      onConnect: async (ctx) => {
        const header = ctx.connectionParams?.authorization;
        if (header === undefined) return true; // anonymous: only signUp/login will work
        try {
          const token = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
          if (!token) return false;
          const viewer = await services.auth.verify(token);
          const ms = Math.min(viewer.expiresAt * 1000 - Date.now(), 2 ** 31 - 1);
          const timer = setTimeout(() => ctx.extra.socket.close(CLOSE_FORBIDDEN, 'Forbidden: token expired'), ms);
          timer.unref();
          expiryTimers.set(ctx, timer);
          return true;
        } catch (err) {
          if (err instanceof AppError) return false;
          throw err;
        }
      },
      onClose: (ctx) => clearTimeout(expiryTimers.get(ctx)),
      onSubscribe: async (ctx, _id, payload) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          connectionParams: ctx.connectionParams,
        });
        let document;
        try {
          document = parse(payload.query);
        } catch (err) {
          return [withCode(err as GraphQLError)];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors.map(withCode);
        return {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
    },
    wss,
  );
  return { dispose: async () => void (await disposable.dispose()) };
}

interface Enveloped {
  execute(args: unknown): Promise<ExecutionResult>;
  subscribe(args: unknown): Promise<AsyncIterable<ExecutionResult> | ExecutionResult>;
}

/** The HTTP status travels in `extensions.http` for yoga; it means nothing on a socket. */
function stripHttp(result: ExecutionResult): ExecutionResult {
  if (!result.errors) return result;
  return {
    ...result,
    errors: result.errors.map((e) => {
      if (!e.extensions?.http) return e;
      const { http: _http, ...extensions } = e.extensions;
      return Object.assign(Object.create(Object.getPrototypeOf(e)), e, { extensions });
    }),
  };
}

function mapResults(result: AsyncIterable<ExecutionResult> | ExecutionResult) {
  if (!(Symbol.asyncIterator in result)) return stripHttp(result);
  const source = result[Symbol.asyncIterator]();
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: async () => {
      const r = await source.next();
      return r.done ? r : { done: false, value: stripHttp(r.value) };
    },
    return: async () => (await source.return?.()) ?? { done: true as const, value: undefined },
  } as AsyncIterableIterator<ExecutionResult>;
}

function withCode(error: GraphQLError): GraphQLError {
  if (error.extensions?.code) return error;
  Object.assign(error, { extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } });
  return error;
}
