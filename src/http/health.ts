import type { Sql } from '../database/sql.js';
import { sendJson, type HttpRoute } from './routes.js';

/** `/healthz`: the process is up. `/readyz`: the database answers within 2 s (503 otherwise). */
export function healthRoutes(sql: Sql): HttpRoute[] {
  return [
    {
      name: 'healthz',
      matches: (url) => url.pathname === '/healthz',
      handle: (_req, res) => sendJson(res, 200, { status: 'ok' }),
    },
    {
      name: 'readyz',
      matches: (url) => url.pathname === '/readyz',
      async handle(_req, res) {
        try {
          await withTimeout(sql.query('select 1'), 2000);
          sendJson(res, 200, { status: 'ready' });
        } catch {
          sendJson(res, 503, { status: 'unavailable', reason: 'database does not answer' });
        }
      },
    },
  ];
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]);
}
