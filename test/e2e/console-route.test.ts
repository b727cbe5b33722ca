import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRoute } from '../../src/http/console.js';
import { requestUrl } from '../../src/http/routes.js';
import { startTestServer, stopAll, type TestServer } from '../helpers/server.js';

/** The static side of the console route, over real HTTP, on a dist folder of the test's own. */
let dir: string;
let server: Server;
let base: string;
let app: TestServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'cma-console-'));
  mkdirSync(path.join(dir, 'dist/assets'), { recursive: true });
  writeFileSync(path.join(dir, 'dist/index.html'), '<!doctype html><title>console</title>');
  writeFileSync(path.join(dir, 'dist/assets/index-abc123.js'), 'console.log(1)');
  writeFileSync(path.join(dir, 'dist/assets/index-abc123.css'), 'body{}');
  writeFileSync(path.join(dir, 'secret.txt'), 'outside the dist folder');
  const route = consoleRoute(path.join(dir, 'dist'));
  server = createServer((req, res) => {
    const url = requestUrl(req);
    if (route.matches(url, req)) return void route.handle(req, res, url);
    res.writeHead(418).end('not the console');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  app = await startTestServer();
});
afterAll(async () => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
  await stopAll();
});

/** A raw GET: fetch would normalise `..` and encoded slashes away before they reach the server. */
function get(rawPath: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/`, { method, path: rawPath }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the console route', () => {
  it('serves files with their types; hashed assets cached for a year, index.html never', async () => {
    const js = await get('/assets/index-abc123.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.body).toBe('console.log(1)');
    const css = await get('/assets/index-abc123.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const index = await get('/');
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
    const head = await get('/assets/index-abc123.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('answers page paths with index.html and missing files with 404', async () => {
    for (const page of ['/sign-in', '/projects/0b4e6a0e-6c2b-4c55-9d1e-2f2a4e0e1a11']) {
      const res = await get(page);
      expect(res.status).toBe(200);
      expect(res.body).toContain('<title>console</title>');
    }
    expect((await get('/assets/missing-123.js')).status).toBe(404);
  });

  it('never reads outside its folder', async () => {
    for (const attempt of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/%00.js']) {
      const res = await get(attempt);
      expect(res.body, attempt).not.toContain('outside the dist folder');
      expect([200, 404], attempt).toContain(res.status);
    }
  });

  it('leaves GraphQL, health and other files to the routes after it', async () => {
    expect((await get('/projects/abc/report.xlsx')).body).toBe('not the console');
    expect((await get('/graphql')).body).toBe('not the console');
    expect((await get('/healthz')).body).toBe('not the console');
    expect((await get('/', 'POST')).body).toBe('not the console');
  });

  it('is mounted at / in the service, with GraphQL still at /graphql', async () => {
    const page = await fetch(`${app.base}/`);
    // 200 with the built console, or 503 with how to build it on a clone that has not yet.
    expect([200, 503]).toContain(page.status);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const health = await fetch(`${app.base}/healthz`);
    expect(health.status).toBe(200);
    const gql = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(await gql.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
