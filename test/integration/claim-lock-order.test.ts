import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOrm } from '../../src/database/orm.js';
import type { Sql } from '../../src/database/sql.js';
import { PIPELINE_STAGES } from '../../src/entities/index.js';
import { claimAndCreateRun } from '../../src/services/pipeline/claim.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/deferred.js';

// The firm row's lock on a real PostgreSQL: real connections stepped through the service's own
// claim statement into the interleaving that deadlocked (40P01) before, each step waiting until
// the connection is blocked on a row lock. deadlock_timeout is short: an order that can cycle
// fails at once with "deadlock detected".

let database: TestDatabase;
const sessions: Session[] = [];
let admin: pg.Client;
let firmId: string;

interface Session {
  sql: Sql;
  pid: number;
  client: pg.Client;
}

async function session(): Promise<Session> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query(`set deadlock_timeout = '50ms'`);
  // A wait this test did not plan for fails the test instead of hanging it.
  await client.query(`set lock_timeout = '10s'`);
  const sql: Sql = {
    query: async <T,>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as T[],
    tx: async (fn) => {
      await client.query('begin');
      try {
        const result = await fn(sql);
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback');
        throw err;
      }
    },
  };
  const [{ pid }] = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows as [{ pid: number }];
  const s = { sql, pid, client };
  sessions.push(s);
  return s;
}

/**
 * Resolves once `s` waits for a row lock (another transaction's row, or its place in the row's
 * queue), or its statement has ended. Not any heavyweight lock: a short wait to extend a table
 * is one too, and would let the test go on before the statement reached the row.
 */
async function blocked(s: Session, statement?: Promise<unknown>): Promise<void> {
  let ended = false;
  void statement?.then(
    () => (ended = true),
    () => (ended = true),
  );
  await waitFor(async () => {
    if (ended) return true;
    const { rows } = await admin.query<{ waiting: boolean }>(
      `select wait_event_type = 'Lock' and wait_event in ('transactionid', 'tuple') as waiting from pg_stat_activity where pid = $1`,
      [s.pid],
    );
    return rows[0]?.waiting === true;
  }, `connection ${s.pid} to wait for a lock`);
}

/** A statement's outcome: its value, or the SQLSTATE it failed with. */
async function outcome<T>(p: Promise<T>): Promise<{ value: T } | { error: string }> {
  try {
    return { value: await p };
  } catch (err) {
    return { error: `${(err as { code?: string }).code ?? ''} ${(err as Error).message}` };
  }
}

async function newProject(name: string): Promise<string> {
  const { rows } = await admin.query<{ id: string }>(`insert into cma_projects (firm_id, name) values ($1, $2) returning id`, [firmId, name]);
  return rows[0]!.id;
}

const claim = (s: Session, projectId: string, owner: string | null, firmMaxActiveRuns = 100) =>
  claimAndCreateRun(s.sql, {
    projectId,
    firmId,
    restart: false,
    owner,
    stages: PIPELINE_STAGES,
    message: 'Processing started',
    queuedMessage: 'Queued: waiting for a free pipeline slot',
    firmMaxActiveRuns,
  });

async function runningCountsAgree(): Promise<void> {
  const { rows } = await admin.query<{ counted: number; kept: number }>(
    `select (select count(*)::int from pipeline_runs where firm_id = $1 and status = 'RUNNING') as counted,
            running_runs as kept from firms where id = $1`,
    [firmId],
  );
  expect(rows[0]!.kept).toBe(rows[0]!.counted);
}

beforeAll(async () => {
  database = await createTestDatabase();
  const orm = await createOrm(database.url);
  await orm.close(true);
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});
beforeEach(async () => {
  // Each test has a firm of its own, with nothing running.
  const { rows } = await admin.query<{ id: string }>(`insert into firms (name) values ('Lock order') returning id`);
  firmId = rows[0]!.id;
});
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.client.end().catch(() => undefined)));
  // The queue is every firm's: a run left queued would go before the next test's starts.
  await admin.query(`update pipeline_runs set status = 'CANCELLED', lease_owner = null where status in ('QUEUED', 'RUNNING')`);
});
afterAll(async () => {
  await admin?.end();
  await database?.drop();
});

describe('the firm row is locked before the rows of a run and its project', () => {
  it('two starts of one project, one with a pipeline slot and one without, while the firm is busy: one wins, none deadlocks', async () => {
    const [gate, withSlot, withoutSlot] = [await session(), await session(), await session()];
    const projectId = await newProject('raced');
    // The firm runs as many runs as it may (cap 1): a start with a slot locks the firm's row,
    // finds no place and queues its run, so it never updates the row (which would make the
    // starts waiting for it race each other to the row's new version).
    expect((await claim(gate, await newProject('running'), 'gate-owner', 1))?.run.status).toBe('RUNNING');

    // A start of another project with a slot is in flight: it holds the firm's row.
    await gate.client.query('begin');
    expect((await claim(gate, await newProject('in flight'), 'gate-owner', 1))?.run.status).toBe('QUEUED');
    // A start of the project with a slot waits for the firm's row, its snapshot taken.
    const a = outcome(claim(withSlot, projectId, 'owner-a', 1));
    await blocked(withSlot, a);
    // A start of the project without a slot (its run only queued) claims the project and, at the
    // end of its statement, checks its run's foreign key to the firm (FOR KEY SHARE of its row).
    const b = outcome(claim(withoutSlot, projectId, null, 1));
    await blocked(withoutSlot, b);
    await gate.client.query('commit');

    const results = [await a, await b];
    expect(results.filter((r) => 'error' in r)).toEqual([]);
    expect(results.filter((r) => 'value' in r && r.value !== null)).toHaveLength(1);
    await runningCountsAgree();
  });
});
