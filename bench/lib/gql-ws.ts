import WebSocket from 'ws';
import { nowMs } from './stats.js';

/**
 * A lean client of the graphql-ws protocol (`graphql-transport-ws`) on a raw `ws` socket, and
 * of the raw baseline broadcast server, with the same per-message work for both (one
 * JSON.parse), so client cost does not tilt a comparison. Not graphql-ws's `createClient`:
 * thousands of these share two cores with the server.
 */
export interface NextPayload {
  data?: Record<string, unknown> | null;
  errors?: unknown[];
}

type OnNext = (payload: NextPayload, receivedAt: number) => void;

interface Sub {
  onNext: OnNext;
  onEnd: (error?: unknown) => void;
}

export class ProtocolSocket {
  private readonly subs = new Map<string, Sub>();
  private closedBy: string | null = null;

  private constructor(
    readonly ws: WebSocket,
    readonly raw: boolean,
  ) {
    ws.on('message', (data: Buffer) => this.onMessage(data));
    ws.on('close', (code, reason) => {
      this.closedBy = `${code} ${String(reason)}`;
      for (const sub of this.subs.values()) sub.onEnd(new Error(`socket closed: ${this.closedBy}`));
      this.subs.clear();
    });
    ws.on('error', () => undefined); // surfaces as 'close'
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Opens a socket; for graphql-ws also does connection_init → connection_ack with the token.
   * `raw` connects to the baseline server instead, which needs no handshake.
   */
  static connect(url: string, opts: { token?: string; localAddress?: string; raw?: boolean; timeoutMs?: number } = {}): Promise<ProtocolSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, opts.raw ? [] : ['graphql-transport-ws'], {
        localAddress: opts.localAddress,
        perMessageDeflate: false,
        handshakeTimeout: opts.timeoutMs ?? 30_000,
      });
      const fail = (err: Error) => {
        clearTimeout(timer);
        ws.terminate();
        reject(err);
      };
      const timer = setTimeout(() => fail(new Error('connect timed out')), opts.timeoutMs ?? 30_000);
      ws.once('error', fail);
      ws.once('open', () => {
        if (opts.raw) {
          clearTimeout(timer);
          ws.off('error', fail);
          resolve(new ProtocolSocket(ws, true));
          return;
        }
        ws.send(JSON.stringify({ type: 'connection_init', payload: opts.token ? { authorization: `Bearer ${opts.token}` } : {} }));
        ws.once('message', (data: Buffer) => {
          const msg = JSON.parse(String(data)) as { type: string };
          if (msg.type !== 'connection_ack') return fail(new Error(`expected connection_ack, got ${String(data).slice(0, 200)}`));
          clearTimeout(timer);
          ws.off('error', fail);
          resolve(new ProtocolSocket(ws, false));
        });
        ws.once('close', (code, reason) => fail(new Error(`closed during init: ${code} ${String(reason)}`)));
      });
    });
  }

  /**
   * Subscribes; resolves with the first `next` (the status stream's current state, or the
   * baseline's `subscribed` ack). Later messages go to `onNext` with their receive time.
   */
  subscribe(id: string, query: string, variables: Record<string, unknown>, onNext: OnNext, onEnd: (error?: unknown) => void = () => undefined): Promise<NextPayload> {
    return new Promise((resolve, reject) => {
      let first = true;
      this.subs.set(id, {
        onNext: (payload, at) => {
          if (first) {
            first = false;
            if (payload.errors?.length) reject(new Error(`subscription error: ${JSON.stringify(payload.errors)}`));
            else resolve(payload);
            return;
          }
          onNext(payload, at);
        },
        onEnd: (error) => {
          if (first) reject(error instanceof Error ? error : new Error(`subscription ended before its first event: ${JSON.stringify(error)}`));
          onEnd(error);
        },
      });
      const topic = variables.projectId;
      this.ws.send(this.raw ? JSON.stringify({ type: 'subscribe', id, topic }) : JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    });
  }

  complete(id: string): void {
    this.subs.delete(id);
    if (this.open) this.ws.send(JSON.stringify({ id, type: 'complete' }));
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close(1000);
      setTimeout(() => this.ws.terminate(), 5000).unref();
    });
  }

  private onMessage(data: Buffer): void {
    const at = nowMs();
    const msg = JSON.parse(String(data)) as { id?: string; type: string; payload?: unknown };
    switch (msg.type) {
      case 'next': {
        this.subs.get(msg.id ?? '')?.onNext(msg.payload as NextPayload, at);
        break;
      }
      case 'error': {
        const sub = this.subs.get(msg.id ?? '');
        this.subs.delete(msg.id ?? '');
        sub?.onNext({ errors: msg.payload as unknown[] }, at);
        sub?.onEnd(msg.payload);
        break;
      }
      case 'complete': {
        const sub = this.subs.get(msg.id ?? '');
        this.subs.delete(msg.id ?? '');
        sub?.onEnd();
        break;
      }
      case 'ping':
        this.ws.send('{"type":"pong"}');
        break;
      default:
        break;
    }
  }
}
