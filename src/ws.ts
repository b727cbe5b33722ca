import { GraphQLError, type ExecutionResult } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import type { WebSocketServer } from 'ws';
import type { Context, Services } from './context.js';
import { AppError } from './services/errors.js';

/** graphql-ws close code for a refused or expired token. */
export const CLOSE_FORBIDDEN = 4403;
/** WebSocket close code for a connection over the per-address limit. */
export const CLOSE_POLICY_VIOLATION = 1008;

/**
 * graphql-ws on the yoga instance: the same schema, plugins and error masking as HTTP, with the
 * token from `connectionParams.authorization`. A bad token refuses the connection (4403); the
 * socket is closed with 4403 when the token expires.
 */
export function attachGraphqlWs({
  wss,
  yoga,
  services,
  limits,
}: {
  wss: WebSocketServer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  yoga: YogaServerInstance<any, Context>;
  services: Services;
  limits: { maxConnectionsPerIp: number; maxSubscriptionsPerConnection: number };
}) {
  const expiryTimers = new WeakMap<object, NodeJS.Timeout>();
  // Connections per client address: one more than the limit is closed at once (1008).
  const perAddress = new Map<string, number>();
  wss.on('connection', (socket, request) => {
    const address = request.socket.remoteAddress ?? 'unknown';
    const count = (perAddress.get(address) ?? 0) + 1;
    perAddress.set(address, count);
    socket.once('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
    if (count > limits.maxConnectionsPerIp) {
      socket.close(CLOSE_POLICY_VIOLATION, `Too many connections from this address (max ${limits.maxConnectionsPerIp})`);
    }
  });
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
        // graphql-ws has already registered this subscription: count it among the current ones.
        if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerConnection) {
          return [
            new GraphQLError(`too many subscriptions on this connection (max ${limits.maxSubscriptionsPerConnection})`, {
              extensions: { code: 'RATE_LIMITED' },
            }),
          ];
        }
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

/** A query that does not parse or validate, in API.md's terms (and without yoga's `http`). */
function withCode(error: GraphQLError): GraphQLError {
  const { http: _http, ...extensions } = error.extensions ?? {};
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...extensions, code: 'BAD_USER_INPUT' },
  });
}
