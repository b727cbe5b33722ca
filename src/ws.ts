import { GraphQLError, type ExecutionResult } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import { createContext, type Context, type Services } from './context.js';
import type { Viewer } from './services/auth.js';
import { createLocalConnectionCounter, type ConnectionCounter } from './services/connection-counter.js';
import { AppError } from './services/errors.js';
import { metrics } from './services/metrics.js';
import { ExpiryQueue } from './ws-expiry.js';
import type { LeanSubscriptions } from './ws-lean-status.js';
import { serveGraphqlWs, WsConnection } from './ws-transport.js';

/** graphql-ws close code for a refused or expired token. */
export const CLOSE_FORBIDDEN = 4403;
/** WebSocket close code for a connection over the per-address limit. */
export const CLOSE_POLICY_VIOLATION = 1008;

/**
 * graphql-ws on the yoga instance: the same schema, plugins and error masking as HTTP, with the
 * token from `connectionParams.authorization`, verified once: each operation checks its claims
 * again (revocation, expiry) without the token being kept. A bad token refuses the connection
 * (4403); the socket is closed with 4403 when the token expires, or within about
 * `revocationCheckMs` of it being revoked (signed out, password changed, user removed) by any
 * process.
 */
export function attachGraphqlWs({
  wss,
  yoga,
  services,
  limits,
  connections,
  revocationCheckMs = 2000,
  lean,
}: {
  wss: WebSocketServer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  yoga: YogaServerInstance<any, Context>;
  services: Services;
  limits: { maxConnectionsPerIp: number; maxSubscriptionsPerConnection: number; maxBufferedBytes: number };
  /** Where connections per address are counted; this process's memory by default. */
  connections?: ConnectionCounter;
  revocationCheckMs?: number;
  /** `projectStatus` without envelop's per-subscription wrappers (src/ws-lean-status.ts). */
  lean?: LeanSubscriptions;
}) {
  const log = services.logger.child({ component: 'graphql-ws' });
  // Connections per client address (across processes when counted in Redis): one more than
  // the limit is closed at once (1008). A socket that closes before it was counted is released
  // as soon as the count arrives.
  // graphql-ws's onConnect waits for the count, so a connection over the limit is never acked.
  const counter = connections ?? createLocalConnectionCounter();
  // Closed with 4403 at their token's expiry: one timer for all, not one per connection.
  const expiries = new ExpiryQueue<ApiConnection>((conn) => conn.socket.close(CLOSE_FORBIDDEN, 'Forbidden: token expired'));
  // Signed-in connections (those with a viewer) are checked together on one timer: one query
  // per stale user, not per socket.
  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    const entries: ApiConnection[] = [];
    for (const conn of transport.connections()) if (conn.viewer && !conn.isClosed) entries.push(conn);
    if (entries.length === 0) return;
    sweeping = true;
    try {
      const refused = await services.auth.refused(entries.map((e) => e.viewer!));
      refused.forEach((why, i) => {
        if (why) entries[i]!.socket.close(CLOSE_FORBIDDEN, 'Forbidden: token revoked');
      });
    } catch (err) {
      // The database unreachable is no proof of revocation: the next sweep tries again.
      log.warn({ err }, 'could not check open connections for revoked tokens');
    } finally {
      sweeping = false;
    }
  };
  const sweeper = setInterval(() => void sweep(), revocationCheckMs);
  sweeper.unref();
  const connection = (socket: WebSocket, request: IncomingMessage) => {
    const conn = new ApiConnection(socket, request);
    metrics.wsConnected();
    conn.overLimit = counter.open(conn.clientIp).then((count) => {
      if (conn.isClosed) return void counter.close(conn.clientIp), false;
      conn.counter = counter;
      if (count <= limits.maxConnectionsPerIp) return false;
      metrics.rateLimited('ws-connections');
      socket.close(CLOSE_POLICY_VIOLATION, `Too many connections from this address (max ${limits.maxConnectionsPerIp})`);
      return true;
    });
    return conn;
  };
  const transport = serveGraphqlWs<ApiConnection>({
    wss,
    log,
    connection,
    options: {
      execute: (args) => (args.rootValue as Enveloped).execute(args),
      subscribe: (args) => (args.rootValue === LEAN ? lean!.subscribe(args) : (args.rootValue as Enveloped).subscribe(args)),
      // Every result, single or streamed, passes here just before it is sent: no wrapper
      // iterator per subscription. (Direct frames carry error-free results only.)
      onNext: (_ctx, _id, _payload, _args, result) => stripHttp(result),
      onConnect: async (ctx) => {
        const conn = ctx.extra;
        // Closed with 1008 already; returning false makes graphql-ws close it too (a no-op now).
        if (await conn.overLimit) return false;
        conn.overLimit = null;
        const header = ctx.connectionParams?.authorization;
        if (header === undefined) return true; // anonymous: only signUp/login will work
        try {
          const token = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
          if (!token) return false;
          const viewer = await services.auth.authenticate(token);
          // A socket that closed during the check has had its onClose already: nothing to watch.
          if (conn.socket.readyState !== conn.socket.OPEN) return false;
          conn.viewer = viewer;
          expiries.add(conn, viewer.expiresAt);
          // Operations use the verified claims from here on; nothing else in the params is read.
          (ctx as { connectionParams?: unknown }).connectionParams = undefined;
          return true;
        } catch (err) {
          if (err instanceof AppError) return false;
          throw err;
        }
      },
      onClose: (ctx) => {
        const conn = ctx.extra;
        if (conn.viewer) expiries.delete(conn, conn.viewer.expiresAt);
        conn.viewer = null;
      },
      onSubscribe: async (ctx, id, payload) => {
        // graphql-ws has already registered this subscription: count it among the current ones.
        if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerConnection) {
          metrics.rateLimited('ws-subscriptions');
          return [
            new GraphQLError(`too many subscriptions on this connection (max ${limits.maxSubscriptionsPerConnection})`, {
              extensions: { code: 'RATE_LIMITED' },
            }),
          ];
        }
        // Only what the context factory and plugins read: this object lives as long as the
        // subscription, so every field here is paid for per subscriber.
        const socket = ctx.extra.socket;
        const head = ownBuffer(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
        const sendRawResult = (json: Buffer) => {
          if (sendFrame(socket, head, json, limits.maxBufferedBytes)) return;
          metrics.slowClientClosed();
          log.warn({ clientIp: ctx.extra.clientIp, maxBufferedBytes: limits.maxBufferedBytes }, 'closed a graphql-ws client that does not read its messages (1013)');
        };
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          clientIp: ctx.extra.clientIp,
          params: payload,
          claims: ctx.extra.viewer,
          closesAtTokenExpiry: true,
          sendRawResult,
        });
        let document;
        try {
          document = parse(payload.query);
        } catch (err) {
          return [withCode(err as GraphQLError)];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors.map(withCode);
        const args = { schema, operationName: payload.operationName, document, variableValues: payload.variables };
        if (lean?.accepts(document, payload.operationName)) {
          // The context the factory would build, without the plugins' fields merged into it.
          const contextValue = await createContext(services, ctx.extra.viewer, ctx.extra.clientIp);
          contextValue.closesAtTokenExpiry = true;
          contextValue.sendRawResult = sendRawResult;
          return { ...args, contextValue, rootValue: LEAN };
        }
        return { ...args, contextValue: await contextFactory(), rootValue: { execute, subscribe } };
      },
    },
  });
  return {
    dispose: async () => {
      clearInterval(sweeper);
      expiries.dispose();
      await transport.dispose();
    },
    terminate: () => transport.terminate(),
  };
}

/** A graphql-ws connection with what the API keeps per connection. */
class ApiConnection extends WsConnection {
  /** The per-address count, until onConnect has read it. */
  overLimit: Promise<boolean> | null = null;
  /** Where this connection was counted, until the count is released at the close. */
  counter: ConnectionCounter | null = null;
  /**
   * The token's claims as verified at `connection_init` (the token itself is not kept: ~300
   * bytes per connection); each operation checks them again (revocation, expiry).
   */
  viewer: Viewer | null = null;
  isClosed = false;

  override socketClosed(): void {
    metrics.wsDisconnected();
    this.isClosed = true;
    this.counter?.close(this.clientIp);
    this.counter = null;
  }
}

/** WebSocket close code "try again later", for a client that does not keep up. */
export const CLOSE_TOO_SLOW = 1013;

/**
 * Writes a graphql-ws `next` message made of this operation's head and a payload shared by
 * every subscriber: one small buffer and two copies, with no string to build, measure or
 * encode per subscriber. A closed socket drops it (its operations are ending). Returns false
 * when it closed the socket instead, the client being too far behind.
 */
function sendFrame(socket: WebSocket, head: Buffer, payload: Buffer, maxBufferedBytes: number): boolean {
  if (socket.readyState !== socket.OPEN) return true;
  // A client this far behind is closed rather than buffered for without bound.
  if (socket.bufferedAmount > maxBufferedBytes) {
    socket.close(CLOSE_TOO_SLOW, 'client is not reading its messages');
    return false;
  }
  const frame = Buffer.allocUnsafe(head.length + payload.length + 1);
  head.copy(frame, 0);
  payload.copy(frame, head.length);
  frame[frame.length - 1] = CLOSING_BRACE;
  socket.send(frame, { binary: false });
  return true;
}
const CLOSING_BRACE = 0x7d;

/**
 * `text` as UTF-8 in a buffer of its own, for one that lives as long as a subscription. A small
 * `Buffer.from` is a slice of Node's shared 8 KiB pool, which every frame sent is cut from too:
 * one long-lived head kept its whole pool alive (measured: 2.1 KB of ArrayBuffers per
 * subscription at 10,000).
 */
function ownBuffer(text: string): Buffer {
  const buffer = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  buffer.write(text);
  return buffer;
}

/** The root value that marks an operation for the lean path (its root resolver ignores it). */
const LEAN = Object.freeze({});

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
