import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpRoute } from './routes.js';

/** Where `npm install` (or `npm run build:web`) puts the built console. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** Paths other routes and GraphQL own; the console never answers them, even as a fallback. */
const NOT_MINE = /^\/(graphql|healthz|readyz|metrics)(\/|$)/;

/**
 * The web console at `/`: files from web/dist with their content types; hashed files under
 * assets/ cached for a year, index.html never cached (so a new build shows at once); any
 * other extension-less page path gets index.html (the console routes in the browser). Only
 * files inside web/dist are ever read. List it LAST: it answers every GET it does not exclude.
 */
export function consoleRoute(dir: string = CONSOLE_DIR): HttpRoute {
  const root = path.resolve(dir);
  return {
    name: 'console',
    matches(url, req) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      if (NOT_MINE.test(url.pathname)) return false;
      // A file-looking path it does not have (e.g. /projects/<id>/report.xlsx) is left to the
      // routes and GraphQL after it; page paths all fall back to index.html.
      return !path.extname(url.pathname) || url.pathname.startsWith('/assets/') || path.extname(url.pathname) in TYPES;
    },
    async handle(req, res, url) {
      let relative: string;
      try {
        relative = decodeURIComponent(url.pathname);
      } catch {
        return notFound(res);
      }
      if (relative.includes('\0')) return notFound(res);
      const file = path.resolve(root, `.${path.posix.normalize(relative)}`);
      if (file !== root && !file.startsWith(root + path.sep)) return notFound(res);

      const found = await stat(file).catch(() => null);
      if (found?.isFile()) return sendFile(req, res, file, found.size, relative.startsWith('/assets/'));
      if (path.extname(relative)) return notFound(res);
      // A page of the console (/, /sign-in, /projects/<id>): the app decides what to show.
      const index = path.join(root, 'index.html');
      const indexStat = await stat(index).catch(() => null);
      if (!indexStat?.isFile()) return notBuilt(res);
      return sendFile(req, res, index, indexStat.size, false);
    },
  };
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: string, size: number, hashed: boolean): void {
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') return void res.end();
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end('not found');
}

function notBuilt(res: ServerResponse): void {
  res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(
    '<!doctype html><meta charset="utf-8"><title>CMA console</title><p>The web console has not been built yet: ' +
      'run <code>npm run build:web</code> (or <code>npm install</code>), then reload. ' +
      'The API and its playground are at <a href="/graphql">/graphql</a>.</p>',
  );
}
