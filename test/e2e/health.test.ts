import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/database.js';
import { startTestServer, stopAll } from '../helpers/server.js';

afterAll(stopAll);

describe('health endpoints', () => {
  it('healthz is 200 while the process is up; readyz is 200 only while the database answers', async () => {
    const database = await createTestDatabase();
    const server = await startTestServer({ database });
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.base}/readyz`)).status).toBe(200);

    // Pull the database out from under the running server.
    await database.drop();
    const ready = await fetch(`${server.base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable' });
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
  });

  it('serves the GraphiQL playground to a browser, from the package (no CDN)', async () => {
    const server = await startTestServer();
    const res = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('GraphiQL');
    expect(html).not.toMatch(/unpkg\.com|jsdelivr/);
  });
});
