import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import type { Logger } from './services/logger.js';

const CONNECTION = Symbol('graphql-ws connection');
type TaggedSocket = WebSocket & { [CONNECTION]?: WsConnection };

/**
 * One graphql-ws connection: the socket graphql-ws's core talks to and the `extra` its hooks
 * see. The transport-free core (`makeServer`) on `ws`, like graphql-ws's own `useServer`
 * (graphql-ws/use/ws), with the same protocol and close codes, but lighter per connection:
 * `useServer` keeps a keep-alive interval, an init timer that lives until the close, and eight
 * closures per socket; here one object per socket, listeners shared by every socket (`this` is
 * the socket), and one keep-alive timer for all of them. Subclass it for the product's own
 * per-connection state.
 */
export class WsConnection {
  /** The peer's address, read once from the upgrade request (which is not kept). */
  readonly clientIp: string;
  private handle: ((data: string) => Promise<void>) | null = null;
  /** graphql-ws's close callback. */
  closed: ((code: number, reason: string) => Promise<void>) | null = null;
  /** A ping was sent and its pong has not come back yet. */
  awaitingPong = false;
  /** Until `connection_init` arrives. */
  initTimer: NodeJS.Timeout | null = null;
  slot = 0;
  transport: Transport | null = null;

  constructor(
    readonly socket: WebSocket,
    request: IncomingMessage,
  ) {
    this.clientIp = request.socket.remoteAddress ?? 'unknown';
  }

  get protocol(): string {
    return this.socket.protocol;
  }

  /** Resolves once written, as `useServer`'s does: graphql-ws awaits each message in order. */
  send(data: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState !== this.socket.OPEN) return resolve();
      this.socket.send(data, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  onMessage(cb: (data: string) => Promise<void>): void {
    this.handle = cb;
    this.socket.on('message', onSocketMessage);
  }

  /** Called when the socket has closed, before graphql-ws ends its operations. */
  socketClosed(): void {}

  async receive(data: string): Promise<void> {
    try {
      await this.handle?.(data);
    } catch (err) {
      this.transport?.log.error({ err }, 'internal error while handling a graphql-ws message');
      this.socket.close(CloseCode.InternalServerError, 'Internal server error');
    }
  }
}

interface Transport {
  log: Logger;
  /** Connections by keep-alive slot: one slot is pinged per tick, so pings are spread out. */
  slots: Set<WsConnection>[];
  /** Set while disposing: called when the last connection has closed. */
  onEmpty: (() => void) | null;
}

/** Sockets are pinged in this many groups, one group per tick (a tick is keepAlive / SLOTS). */
const SLOTS = 48;

function onSocketMessage(this: TaggedSocket, data: RawData): void {
  void this[CONNECTION]?.receive(String(data));
}

function onSocketPong(this: TaggedSocket): void {
  const conn = this[CONNECTION];
  if (conn) conn.awaitingPong = false;
}

function onSocketError(this: TaggedSocket, err: Error): void {
  this[CONNECTION]?.transport?.log.error({ err }, 'graphql-ws socket error');
  this.close(CloseCode.InternalServerError, 'Internal server error');
}

function onSocketClose(this: TaggedSocket, code: number, reason: Buffer): void {
  const conn = this[CONNECTION];
  if (!conn) return;
  if (conn.initTimer) clearTimeout(conn.initTimer);
  conn.initTimer = null;
  const transport = conn.transport;
  transport?.slots[conn.slot]?.delete(conn);
  if (transport?.onEmpty && transport.slots.every((slot) => slot.size === 0)) transport.onEmpty();
  conn.socketClosed();
  void conn.closed?.(code, String(reason));
}

function onInitTimeout(conn: WsConnection): void {
  conn.initTimer = null;
  conn.socket.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
}

/**
 * graphql-ws on `wss`. Each socket gets `connection(socket, request)` as graphql-ws's `extra`;
 * a socket that sends no `connection_init` within `initTimeoutMs` is closed (4408); every
 * socket is pinged every `keepAliveMs` and terminated when the previous ping got no pong.
 */
export function serveGraphqlWs<C extends WsConnection>(args: {
  wss: WebSocketServer;
  options: ServerOptions<Record<PropertyKey, unknown>, C>;
  connection: (socket: WebSocket, request: IncomingMessage) => C;
  log: Logger;
  keepAliveMs?: number;
  initTimeoutMs?: number;
}): {
  dispose(): Promise<void>;
  /** Cuts every socket at once (after a `dispose` that took too long). */
  terminate(): void;
  /** Every open connection. */
  connections(): Iterable<C>;
} {
  const { wss, log, keepAliveMs = 12_000, initTimeoutMs = 10_000 } = args;
  const onConnect = args.options.onConnect;
  const server = makeServer<Record<PropertyKey, unknown>, C>({
    ...args.options,
    connectionInitWaitTimeout: 0, // ours, below: cleared and dropped at connection_init
    onConnect: (ctx) => {
      if (ctx.extra.initTimer) clearTimeout(ctx.extra.initTimer);
      ctx.extra.initTimer = null;
      return onConnect?.(ctx);
    },
  });
  const transport: Transport = { log, slots: Array.from({ length: SLOTS }, () => new Set<WsConnection>()), onEmpty: null };
  let nextSlot = 0;
  let tick = 0;
  const keepAlive = setInterval(() => {
    const slot = transport.slots[tick++ % SLOTS]!;
    for (const conn of slot) {
      if (conn.awaitingPong) {
        conn.socket.terminate();
        continue;
      }
      if (conn.socket.readyState !== conn.socket.OPEN) continue;
      conn.awaitingPong = true;
      conn.socket.ping();
    }
  }, keepAliveMs / SLOTS);
  keepAlive.unref();

  wss.options.handleProtocols = handleProtocols;
  wss.once('error', (err) => {
    log.error({ err }, 'internal error on the WebSocket server');
    for (const conn of connections()) conn.socket.close(CloseCode.InternalServerError, 'Internal server error');
  });
  wss.on('connection', (socket: TaggedSocket, request) => {
    const conn = args.connection(socket, request);
    socket[CONNECTION] = conn;
    conn.transport = transport;
    conn.slot = nextSlot++ % SLOTS;
    transport.slots[conn.slot]!.add(conn);
    // `on`, not `once`: once wraps each listener in a closure and a state object per socket.
    // A socket emits 'close' once; a second 'error' closes a closing socket again (a no-op).
    socket.on('error', onSocketError);
    socket.on('pong', onSocketPong);
    if (initTimeoutMs > 0 && isFinite(initTimeoutMs)) conn.initTimer = setTimeout(onInitTimeout, initTimeoutMs, conn);
    conn.closed = server.opened(conn, conn);
    socket.on('close', onSocketClose);
  });
  function* connections(): Iterable<C> {
    for (const slot of transport.slots) yield* slot as Set<C>;
  }
  return {
    connections,
    terminate: () => {
      for (const conn of [...connections()]) conn.socket.terminate();
    },
    /** Closes every socket (1001) and resolves once their close handshakes are done. */
    dispose: async () => {
      clearInterval(keepAlive);
      // First no new sockets (an upgrade still in its handshake is refused with 503), then the
      // open ones closed.
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
      const closed = new Promise<void>((resolve) => {
        transport.onEmpty = resolve;
        if (transport.slots.every((slot) => slot.size === 0)) resolve();
      });
      for (const conn of [...connections()]) conn.socket.close(1001, 'Going away');
      await closed;
    },
  };
}
