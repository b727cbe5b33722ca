import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from '../../../src/database/embedded.js';

/**
 * A PostgreSQL of the test's own (STACK.md pitfall 11): a test that stops PostgreSQL must never
 * stop the suite's shared server. Embedded PostgreSQL on a private port and data directory,
 * with one database created on it; `stop` and `start` take it down and bring it back on the
 * same directory and port, so clients reconnect to the same URL and find their data.
 */
export interface PrivatePostgres {
  /** URL of the test database (not the `postgres` admin database). */
  url: string;
  port: number;
  readonly running: boolean;
  /** Fast shutdown (SIGINT): open sessions are terminated, new connections refused. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

export async function startPrivatePostgres(database = 'cma_faults'): Promise<PrivatePostgres> {
  // mkdtemp makes a 0700 folder; PostgreSQL runs as the `postgres` user when we are root and
  // must be able to enter it (pitfall 2). os.tmpdir() itself is world-traversable.
  const dir = mkdtempSync(path.join(tmpdir(), 'cma-faults-pg-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  let embedded: EmbeddedDatabase | null = await startEmbeddedPostgres({ dir, port });
  const adminUrl = embedded.url;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${database}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;

  const handle: PrivatePostgres = {
    url: url.toString(),
    port,
    get running() {
      return embedded !== null;
    },
    async stop() {
      const running = embedded;
      embedded = null;
      await running?.stop();
    },
    async start() {
      if (embedded) return;
      embedded = await startEmbeddedPostgres({ dir, port });
    },
    async dispose() {
      await handle.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}
