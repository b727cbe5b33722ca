import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between the service and PostgreSQL that reads the client → server half of the
 * wire protocol, so a test can stop the service at an exact point of its work and kill it
 * there, instead of racing it:
 * - `hold` stops one connection at a statement: nothing more is forwarded on it until the test
 *   releases it (the statement runs) or drops it (it never reaches PostgreSQL);
 * - `freezeAfter` lets a statement through and, once PostgreSQL reports its transaction over
 *   (ReadyForQuery, idle: committed or failed), forwards nothing from any connection, new ones
 *   included, until `thaw` (all delivered) or `drop` (all closed: the service died);
 * - `cutAll` resets every connection (a network fault with PostgreSQL still up).
 * One proxy per service process: what a hold or freeze catches is then that process's alone.
 *
 * A statement is a simple query (`Q`: its SQL) or an extended-protocol `Bind` (the SQL of the
 * `Parse` it binds, and its parameters as text), so a test can match the event a statement
 * writes — e.g. a parameter equal to 'CLASSIFY started' — rather than the service's SQL.
 */
export interface PgProxy {
  port: number;
  /** The database URL pointed at the proxy instead of PostgreSQL. */
  url: string;
  hold(match: Matcher, options?: HoldOptions): Hold;
  freezeAfter(match: Matcher): Freeze;
  cutAll(): void;
  connections(): number;
  close(): Promise<void>;
}

export interface Statement {
  sql: string;
  params: (string | null)[];
}
/** A RegExp tests the SQL; a function sees SQL and parameters. */
export type Matcher = RegExp | ((statement: Statement) => boolean);

export interface HoldOptions {
  /** Hold the nth matching statement (1-based, counted over all connections). Default 1. */
  nth?: number;
}

export interface Hold {
  /** Resolves with the held SQL once a connection reaches it; rejects after `timeoutMs`, naming the pattern. */
  reached(timeoutMs?: number): Promise<string>;
  /**
   * Sends the held statement and everything after it on to PostgreSQL. With `thenClose` (the
   * service was killed meanwhile) the statement still runs, as it would have had it left before
   * the kill, and the connection is then closed; resolves once PostgreSQL has closed it.
   */
  release(options?: { thenClose?: boolean }): Promise<void>;
  /** The held statement never reaches PostgreSQL: the connection is closed on both sides. */
  drop(): void;
}

export interface Freeze {
  /** Resolves once the trigger statement's transaction is over and everything stands still. */
  reached(timeoutMs?: number): Promise<void>;
  /** Forwards everything sent meanwhile and carries on. */
  thaw(): void;
  /** Forwards nothing: closes every connection (the service died). */
  drop(): void;
}

interface Link {
  client: Socket;
  upstream: Socket;
  pending: Buffer;
  /** True until the startup packet (and any SSL/GSS request before it) has gone through. */
  untyped: boolean;
  /** SQL of the prepared statements parsed on this connection, by name ('' is the unnamed one). */
  parsed: Map<string, string>;
  held: Buffer[];
  heldBy: Waiter | null;
  frozen: boolean;
  /** Delivering held messages of a dead service, then closing: the client's close must not cut it short. */
  closing: boolean;
  /** A freeze waiting for PostgreSQL to report this connection idle, and the server bytes read meanwhile. */
  freezeWhenIdle: { waiter: Waiter; sql: string; pending: Buffer } | null;
}

interface Waiter {
  kind: 'hold' | 'freeze';
  match: Matcher;
  remaining: number;
  link: Link | null;
  sql: string | null;
  onReached: ((sql: string) => void)[];
}

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;

export async function startPgProxy(databaseUrl: string): Promise<PgProxy> {
  const target = new URL(databaseUrl);
  const links = new Set<Link>();
  const waiters: Waiter[] = [];
  let frozen = false;

  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    const link: Link = {
      client,
      upstream,
      pending: Buffer.alloc(0),
      untyped: true,
      parsed: new Map(),
      held: [],
      heldBy: null,
      frozen,
      closing: false,
      freezeWhenIdle: null,
    };
    links.add(link);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    upstream.on('data', (chunk) => {
      // Freeze before the client can see its statement's end, so it can send nothing after it.
      if (link.freezeWhenIdle && reportsIdle(link, chunk)) freeze(link);
      if (!client.destroyed) client.write(chunk);
    });
    client.on('data', (chunk) => onClientData(link, chunk));
    client.on('close', () => {
      // A held or frozen connection stays open upstream until the test decides.
      if (!link.heldBy && !link.frozen && !link.closing) upstream.destroy();
    });
    upstream.on('close', () => {
      client.destroy();
      links.delete(link);
    });
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });

  function onClientData(link: Link, chunk: Buffer): void {
    link.pending = link.pending.length === 0 ? chunk : Buffer.concat([link.pending, chunk]);
    for (let message = nextMessage(link); message; message = nextMessage(link)) {
      if (link.heldBy || link.frozen) {
        link.held.push(message.bytes);
        continue;
      }
      const statement = message.statement;
      const waiter = statement ? matchingWaiter(statement) : null;
      if (waiter?.kind === 'hold') {
        link.heldBy = waiter;
        link.held.push(message.bytes);
        reach(waiter, link, statement!.sql);
        continue;
      }
      link.upstream.write(message.bytes);
      if (waiter?.kind === 'freeze') {
        waiter.link = link; // taken: no other statement triggers it again
        link.freezeWhenIdle = { waiter, sql: statement!.sql, pending: Buffer.alloc(0) };
      }
    }
  }

  /** Reads server messages (type, int32 length) until a ReadyForQuery with status idle ('I'). */
  function reportsIdle(link: Link, chunk: Buffer): boolean {
    const state = link.freezeWhenIdle!;
    let buf = state.pending.length === 0 ? chunk : Buffer.concat([state.pending, chunk]);
    while (buf.length >= 5 && buf.length >= buf.readInt32BE(1) + 1) {
      const length = buf.readInt32BE(1) + 1;
      if (buf[0] === 0x5a /* Z */ && buf[5] === 0x49 /* I */) return true;
      buf = buf.subarray(length);
    }
    state.pending = Buffer.from(buf);
    return false;
  }

  function freeze(link: Link): void {
    const { waiter, sql } = link.freezeWhenIdle!;
    link.freezeWhenIdle = null;
    frozen = true;
    for (const l of links) l.frozen = true;
    reach(waiter, link, sql);
  }

  function reach(waiter: Waiter, link: Link, sql: string): void {
    waiter.link = link;
    waiter.sql = sql;
    waiter.onReached.splice(0).forEach((fn) => fn(sql));
  }

  /** Cuts the next complete message off `pending`, with the statement it carries, if any. */
  function nextMessage(link: Link): { bytes: Buffer; statement: Statement | null } | null {
    const buf = link.pending;
    if (link.untyped) {
      if (buf.length < 8 || buf.length < buf.readInt32BE(0)) return null;
      const length = buf.readInt32BE(0);
      const code = buf.readInt32BE(4);
      if (code !== SSL_REQUEST && code !== GSS_REQUEST) link.untyped = false;
      link.pending = buf.subarray(length);
      return { bytes: buf.subarray(0, length), statement: null };
    }
    if (buf.length < 5 || buf.length < buf.readInt32BE(1) + 1) return null;
    const length = buf.readInt32BE(1) + 1;
    const bytes = buf.subarray(0, length);
    link.pending = buf.subarray(length);
    const type = String.fromCharCode(bytes[0]!);
    if (type === 'Q') return { bytes, statement: { sql: cString(bytes, 5).value, params: [] } };
    if (type === 'P') {
      const name = cString(bytes, 5);
      link.parsed.set(name.value, cString(bytes, name.next).value);
    } else if (type === 'B') {
      return { bytes, statement: parseBind(bytes, link.parsed) };
    }
    return { bytes, statement: null };
  }

  function matchingWaiter(statement: Statement): Waiter | null {
    for (const waiter of waiters) {
      if (!waiter.link && matches(waiter.match, statement) && --waiter.remaining === 0) return waiter;
    }
    return null;
  }

  function forget(waiter: Waiter): void {
    const index = waiters.indexOf(waiter);
    if (index >= 0) waiters.splice(index, 1);
  }

  function settle(waiter: Waiter, how: 'deliver' | 'deliver-then-close' | 'drop'): Promise<void> {
    forget(waiter);
    const link = waiter.link;
    if (!link) return Promise.resolve();
    link.heldBy = null;
    return flush(link, how);
  }

  /** Sends a link's held messages on (or drops them), unless it is still held or frozen. */
  function flush(link: Link, how: 'deliver' | 'deliver-then-close' | 'drop'): Promise<void> {
    if (link.heldBy || link.frozen) return Promise.resolve();
    const held = link.held.splice(0);
    if (how === 'drop') {
      link.upstream.destroy();
      link.client.destroy();
      return Promise.resolve();
    }
    link.closing = how === 'deliver-then-close';
    for (const bytes of held) link.upstream.write(bytes);
    if (!link.closing) return Promise.resolve();
    // PostgreSQL runs what it was sent, then sees the connection end (no reset: it reads all first).
    return new Promise((resolve) => {
      if (link.upstream.closed) return resolve();
      link.upstream.once('close', () => resolve());
      link.upstream.end();
    });
  }

  function unfreeze(w: Waiter, how: 'deliver' | 'drop'): void {
    forget(w);
    frozen = false;
    for (const link of [...links]) {
      link.frozen = false;
      void flush(link, how);
    }
  }

  function waiter(kind: Waiter['kind'], match: Matcher, options: HoldOptions): Waiter {
    const w: Waiter = { kind, match, remaining: options.nth ?? 1, link: null, sql: null, onReached: [] };
    waiters.push(w);
    return w;
  }

  function reached(w: Waiter, timeoutMs: number): Promise<string> {
    if (w.sql !== null) return Promise.resolve(w.sql);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no statement matching ${describe(w.match)} reached the proxy within ${timeoutMs} ms`)),
        timeoutMs,
      );
      w.onReached.push((sql) => {
        clearTimeout(timer);
        resolve(sql);
      });
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('proxy has no port');
  const proxied = new URL(databaseUrl);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(address.port);

  return {
    port: address.port,
    url: proxied.toString(),
    hold(match, options = {}) {
      const w = waiter('hold', match, options);
      return {
        reached: (timeoutMs = 20_000) => reached(w, timeoutMs),
        release: (options = {}) => settle(w, options.thenClose ? 'deliver-then-close' : 'deliver'),
        drop: () => void settle(w, 'drop'),
      };
    },
    freezeAfter(match) {
      const w = waiter('freeze', match, {});
      return {
        reached: async (timeoutMs = 20_000) => void (await reached(w, timeoutMs)),
        thaw: () => unfreeze(w, 'deliver'),
        drop: () => unfreeze(w, 'drop'),
      };
    },
    cutAll() {
      for (const link of links) {
        link.client.resetAndDestroy();
        link.upstream.resetAndDestroy();
      }
      links.clear();
    },
    connections: () => links.size,
    async close() {
      waiters.splice(0);
      for (const link of links) {
        link.client.destroy();
        link.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function matches(matcher: Matcher, statement: Statement): boolean {
  return matcher instanceof RegExp ? matcher.test(statement.sql) : matcher(statement);
}

function describe(matcher: Matcher): string {
  return matcher instanceof RegExp ? String(matcher) : matcher.toString().replace(/\s+/g, ' ').slice(0, 120);
}

function cString(bytes: Buffer, start: number): { value: string; next: number } {
  const end = bytes.indexOf(0, start);
  const stop = end < 0 ? bytes.length : end;
  return { value: bytes.toString('utf8', start, stop), next: stop + 1 };
}

/** Bind: portal, statement name, parameter format codes, then the parameters (length-prefixed). */
function parseBind(bytes: Buffer, parsed: Map<string, string>): Statement {
  const portal = cString(bytes, 5);
  const name = cString(bytes, portal.next);
  let at = name.next;
  const formats = bytes.readInt16BE(at);
  at += 2 + 2 * formats;
  const count = bytes.readInt16BE(at);
  at += 2;
  const params: (string | null)[] = [];
  for (let i = 0; i < count; i++) {
    const length = bytes.readInt32BE(at);
    at += 4;
    if (length < 0) params.push(null);
    else {
      params.push(bytes.toString('utf8', at, at + length));
      at += length;
    }
  }
  return { sql: parsed.get(name.value) ?? '', params };
}
