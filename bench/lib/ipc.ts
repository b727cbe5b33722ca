import type { ChildProcess } from 'node:child_process';

/**
 * Request/response over a child process's IPC channel, both ends. A request is
 * `{ id, type, payload }`, its reply `{ id, ok, result | error }`; a notification (child → parent,
 * no reply) is `{ event, payload }`. Every load generator, baseline server and the server probe
 * speak this, so the orchestrator drives them all the same way.
 */
interface Request {
  id: number;
  type: string;
  payload: unknown;
}
interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}
interface Notification {
  event: string;
  payload: unknown;
}

export interface Peer {
  request<T = unknown>(type: string, payload?: unknown, timeoutMs?: number): Promise<T>;
  /** Calls `fn` for every notification named `event`; returns an unsubscribe function. */
  on(event: string, fn: (payload: unknown) => void): () => void;
}

/**
 * The parent's side of a child's IPC channel. Pending requests fail when the child exits
 * (`exited` settles: its exit, or a spawn that failed), and a request sent after that fails too.
 */
export function connectPeer(child: ChildProcess, name: string, exited: Promise<number | string>): Peer {
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  child.on('message', (raw: unknown) => {
    const msg = raw as Partial<Reply & Notification>;
    if (typeof msg.event === 'string') {
      for (const fn of listeners.get(msg.event) ?? []) fn(msg.payload);
      return;
    }
    if (typeof msg.id !== 'number') return;
    const waiter = pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id);
    clearTimeout(waiter.timer);
    if (msg.ok) waiter.resolve(msg.result);
    else waiter.reject(new Error(`${name}: ${msg.error ?? 'failed'}`));
  });
  void exited.then((exit) => {
    for (const [id, waiter] of pending) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`${name} exited (${exit}) while request ${id} was pending`));
    }
    pending.clear();
  });
  return {
    request<T>(type: string, payload?: unknown, timeoutMs = 120_000): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}: ${type} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        child.send({ id, type, payload } satisfies Request, (err) => {
          if (!err) return;
          pending.delete(id);
          clearTimeout(timer);
          reject(new Error(`${name}: could not send ${type}: ${err.message}`));
        });
      });
    },
    on(event, fn) {
      const set = listeners.get(event) ?? new Set();
      set.add(fn);
      listeners.set(event, set);
      return () => set.delete(fn);
    },
  };
}

export type Handlers = Record<string, (payload: never) => unknown>;

/**
 * The child's side: answers requests with `handlers`, and exits when the parent goes away
 * (so a killed orchestrator never leaves load generators behind).
 */
export function serveParent(handlers: Handlers, options: { onDisconnect?: () => void } = {}): void {
  if (!process.send) throw new Error('this script is meant to be forked by bench/run.ts (no IPC channel)');
  process.on('message', (raw: unknown) => {
    const msg = raw as Partial<Request>;
    if (typeof msg.id !== 'number' || typeof msg.type !== 'string') return;
    const handler = handlers[msg.type] as ((payload: unknown) => unknown) | undefined;
    const id = msg.id;
    // With a callback, a parent that is already gone is not an 'error' event (which would
    // crash this child with a stack instead of letting it exit on 'disconnect').
    const reply = (r: Omit<Reply, 'id'>) => process.send?.({ id, ...r } satisfies Reply, undefined, undefined, () => undefined);
    if (!handler) return reply({ ok: false, error: `unknown request ${msg.type}` });
    Promise.resolve()
      .then(() => handler(msg.payload))
      .then(
        (result) => reply({ ok: true, result }),
        (err: unknown) => reply({ ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }),
      );
  });
  process.on('disconnect', options.onDisconnect ?? (() => process.exit(0)));
}

/** Child → parent notification. */
export function notifyParent(event: string, payload?: unknown): void {
  process.send?.({ event, payload } satisfies Notification, undefined, undefined, () => undefined);
}

/**
 * Sends `message` to a child without a reply, and never throws or emits: `child.send` without
 * a callback reports a closed channel or a failed write as an 'error' event on the child, which
 * kills the sender when nothing listens. Resolves false when the message could not be sent.
 */
export function sendQuietly(child: ChildProcess, message: object): Promise<boolean> {
  if (!child.connected) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      child.send(message, (err) => resolve(!err));
    } catch {
      resolve(false);
    }
  });
}
