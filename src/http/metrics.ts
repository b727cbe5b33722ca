import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsContentType, renderMetrics } from '../services/metrics.js';
import { requestUrl, sendJson, type HttpRoute } from './routes.js';

/**
 * `GET /metrics` in Prometheus text format. With a token, only `Authorization: Bearer <token>`
 * gets it (401 otherwise). Mountable on any process's port (API or worker role), or served on
 * a port of its own with `startMetricsServer`.
 */
export function metricsRoute(opts: { token?: string }): HttpRoute {
  const expected = opts.token ? digest(opts.token) : null;
  return {
    name: 'metrics',
    matches: (url) => url.pathname === '/metrics',
    async handle(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'use GET' }, { allow: 'GET, HEAD' });
      if (expected && !authorized(req, expected)) {
        return sendJson(res, 401, { error: 'metrics need "Authorization: Bearer <METRICS_TOKEN>"' }, { 'www-authenticate': 'Bearer realm="metrics"' });
      }
      const body = await renderMetrics();
      res.writeHead(200, { 'content-type': metricsContentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
  };
}

// Compared as digests: equal length, constant time, whatever the client sends.
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function authorized(req: IncomingMessage, expected: Buffer): boolean {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  return token !== undefined && timingSafeEqual(digest(token), expected);
}

/** `/metrics` alone on its own port (METRICS_PORT), so it need not be reachable where the API is. */
export async function startMetricsServer(opts: { host: string; port: number; token?: string }): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const route = metricsRoute(opts);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = requestUrl(req);
    if (!route.matches(url, req)) return sendJson(res, 404, { error: 'not found: GET /metrics' });
    Promise.resolve(route.handle(req, res, url)).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'could not collect metrics' });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    server,
    url: `http://${host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * `/metrics` for one process: a route on its main port, or (with `port` set) a server of its
 * own started and stopped with the process. Any role mounts it the same way.
 */
export function mountMetrics(opts: { token?: string; port?: number; host: string }) {
  let separate: Awaited<ReturnType<typeof startMetricsServer>> | null = null;
  return {
    routes: opts.port === undefined ? [metricsRoute(opts)] : [],
    /** The separate server's URL, once started. */
    url: () => separate?.url,
    async start(): Promise<void> {
      if (opts.port !== undefined && !separate) separate = await startMetricsServer({ host: opts.host, port: opts.port, token: opts.token });
    },
    async stop(): Promise<void> {
      await separate?.close();
      separate = null;
    },
  };
}
