import { describe, expect, it } from 'vitest';
import { spawnServer } from '../helpers/child-server.js';

// The real entry point, as `ROLE=api npm start` would run it on a machine set up by hand.
describe('ROLE on the command line', () => {
  it('refuses to start an API or worker process without JWT_SECRET and DATABASE_URL, saying why, and exits 1', async () => {
    await expect(spawnServer({ ROLE: 'api' })).rejects.toThrow(/exited \(1\) before it was ready: Invalid configuration:\n {2}- JWT_SECRET: is required with ROLE=api: .*\n {2}- DATABASE_URL: is required with ROLE=api: /);
    await expect(spawnServer({ ROLE: 'worker', JWT_SECRET: 'w'.repeat(40) })).rejects.toThrow(
      /exited \(1\) before it was ready: Invalid configuration:\n {2}- DATABASE_URL: is required with ROLE=worker: API and worker processes share their queue, documents and events through one PostgreSQL/,
    );
  });
});
