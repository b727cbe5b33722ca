import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/database/embedded.js';

/** The bench's own database, on the local server named by the environment or an embedded one. */
export interface BenchDatabase {
  url: string;
  /** Where the database was created from, and its name: what the janitor needs to drop it. */
  adminUrl: string;
  name: string;
  /** The embedded cluster's data folder, when embedded. */
  embeddedDataDir: string | null;
  /** Where it lives, for the report: `local server` or `embedded`. */
  engine: string;
  serverVersion: string;
  drop(): Promise<void>;
}

/**
 * DATABASE_URL or TEST_DATABASE_URL names a server: a fresh `cma_bench_<hex>` database is
 * created on it and dropped after. Without either, an embedded PostgreSQL is started under
 * `tmpDir` (here, not inside the server child, so the baselines reach the same engine).
 */
export async function createBenchDatabase(tmpDir: string): Promise<BenchDatabase> {
  const configured = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  let embedded: EmbeddedDatabase | undefined;
  let admin = configured;
  if (!admin) {
    embedded = await startEmbeddedPostgres({ dir: path.join(tmpDir, 'postgres') });
    admin = embedded.url;
  }
  const host = new URL(admin).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    await embedded?.stop();
    throw new Error(`the bench runs on loopback only; ${host} is not a local address`);
  }
  const name = `cma_bench_${randomBytes(4).toString('hex')}`;
  const serverVersion = await adminQuery(admin, `create database ${name}`).then(() =>
    adminQuery(admin, 'show server_version').then((r) => String(r[0]?.server_version ?? '?')),
  );
  const url = new URL(admin);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    adminUrl: admin,
    name,
    embeddedDataDir: embedded ? path.join(tmpDir, 'postgres', 'pg') : null,
    engine: embedded ? 'embedded' : 'local server',
    serverVersion,
    async drop() {
      if (dropped) return;
      dropped = true;
      try {
        await adminQuery(admin, `drop database if exists ${name} with (force)`);
      } finally {
        await embedded?.stop();
      }
    },
  };
}

async function adminQuery(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(text)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

/** Fresh DRAFT projects of `firmId`, inserted directly (seeding is not what is measured). */
export async function seedProjects(db: pg.Pool, firmId: string, count: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let done = 0; done < count; done += 20_000) {
    const n = Math.min(20_000, count - done);
    const { rows } = await db.query<{ id: string }>(
      `insert into cma_projects (firm_id, name) select $1, $2 || ' ' || g from generate_series($3::int, $4::int) g returning id`,
      [firmId, prefix, done + 1, done + n],
    );
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}

/**
 * Ends the runs the claim baseline left RUNNING (and frees their projects), before the service's
 * lease recovery would take them for its own.
 */
/**
 * `db.query`, run again when PostgreSQL rolls it back as a deadlock victim: the bench's clean-up
 * statements touch many runs at once while the service is still taking queued ones (seen:
 * the service's take and `settle`'s cancel, each holding a run the other wanted; they now lock
 * the firms first, as the service does, and this stays as the last line).
 */
export async function queryRetried(db: pg.Pool, text: string, params?: unknown[]): Promise<pg.QueryResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.query(text, params);
    } catch (err) {
      if ((err as { code?: string }).code !== '40P01' || attempt >= 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
    }
  }
}

export async function closeBaselineRuns(db: pg.Pool, owner: string): Promise<number> {
  const { rowCount } = await queryRetried(db, 
    // Firms first, then their runs: the service's lock order (src/services/pipeline/lock-order.ts).
    `with f as (
       select id from firms where id in (select firm_id from pipeline_runs where lease_owner = $1 and status in ('QUEUED', 'RUNNING'))
       order by id for no key update),
     r as (
       update pipeline_runs set status = 'CANCELLED', finished_at = now(), lease_owner = null, heartbeat_at = null
       where lease_owner = $1 and status in ('QUEUED', 'RUNNING') and exists (select 1 from f) returning project_id)
     update cma_projects p set is_processing = false, status = 'CANCELLED' from r where p.id = r.project_id`,
    [owner],
  );
  return rowCount ?? 0;
}
