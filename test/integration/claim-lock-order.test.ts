import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOrm } from '../../src/database/orm.js';
import type { Sql } from '../../src/database/sql.js';
import { PIPELINE_STAGES } from '../../src/entities/index.js';
import { claimAndCreateRun } from '../../src/services/pipeline/claim.js';
import { recoverExpiredRuns } from '../../src/services/pipeline/recovery.js';
import * as store from '../../src/services/pipeline/run-store.js';
import { createLogger } from '../../src/services/logger.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/deferred.js';
import { stubStages } from '../helpers/held-stages.js';

// The lock order of src/services/pipeline/lock-order.ts on a real PostgreSQL. Each test steps
// real connections through the service's own statements into an interleaving that deadlocked
// (40P01) before the order was fixed, holding a row where a concurrent start or progress tick
// holds it, and waits until each connection is blocked on a row lock before the next step. The
// third test guards the order between a run's end and lease recovery, which locking the firm
// first in the run's end alone would have made cycle. deadlock_timeout is short: an order that
// can cycle fails at once with "deadlock detected".

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

/** The runner's end of a run that failed in EXTRACT (run-execution.ts `finish`). */
const failRun = (s: Session, projectId: string, runId: string, owner: string) =>
  store.transition(
    s.sql,
    projectId,
    { status: 'ERROR', isProcessing: false, currentStage: 'EXTRACT', errorMessage: 'EXTRACT failed: no documents' },
    { runId, message: 'EXTRACT failed: no documents' },
    store.finishGuard(runId, owner, 'ERROR', 'EXTRACT failed: no documents', 'EXTRACT'),
  );

/** Holds the firm's row as a start or a take does, until the returned function commits. */
async function holdFirm(s: Session): Promise<() => Promise<void>> {
  await s.client.query('begin');
  await s.client.query('select 1 from firms where id = $1 for no key update', [firmId]);
  return async () => void (await s.client.query('commit'));
}

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

  it("a start whose snapshot predates the project's previous run, queued on the firm while that run ends: no deadlock", async () => {
    // The second start lines up behind the queued one only if it loses their race to the firm
    // row's new version (the first start's trigger updated it); if it wins, it sees the project
    // being processed and ends, and the interleaving is set up again.
    for (let attempt = 1; ; attempt++) {
      const [gate, queue, late, runner] = [await session(), await session(), await session(), await session()];
      const projectId = await newProject('started twice');

      // A start of another project is in flight (the gate), one more is queued on the firm's
      // row (the queue), and behind them a second start of the project, its snapshot taken
      // while the project was idle.
      await gate.client.query('begin');
      expect(await claim(gate, await newProject('in flight'), 'gate-owner')).not.toBeNull();
      const queueGot = outcome(holdFirm(queue));
      await blocked(queue, queueGot);
      let secondEnded = false;
      const second = outcome(claim(late, projectId, 'owner-late')).finally(() => (secondEnded = true));
      await blocked(late, second);
      // The first start of the project goes through (the gate's transaction stands for it).
      const first = await claim(gate, projectId, 'owner-first');
      expect(first?.run.status).toBe('RUNNING');
      await gate.client.query('commit');
      const released = await queueGot;
      if (!('value' in released)) throw new Error(`the queued start failed: ${released.error}`);
      await blocked(late, second);
      if (secondEnded) {
        expect(await second).toEqual({ value: null });
        await released.value();
        if (attempt === 5) throw new Error('the second start never lined up behind the queued one');
        continue;
      }
      // Its run fails EXTRACT at once and ends while the firm's row is still taken.
      const end = outcome(failRun(runner, projectId, first!.run.id, 'owner-first'));
      await blocked(runner, end);
      await released.value();

      const [secondResult, endResult] = [await second, await end];
      expect(secondResult).toEqual({ value: null }); // CONFLICT: the project was being processed
      expect(endResult).toMatchObject({ value: { status: 'ERROR', runId: first!.run.id } });
      await runningCountsAgree();
      return;
    }
  });

  it("a run's end and lease recovery of the same run, in either order on the firm's row: no deadlock", async () => {
    const [gate, runner, rescuer] = [await session(), await session(), await session()];
    const projectId = await newProject('slow runner');
    const started = await claim(gate, projectId, 'slow-owner');
    // The runner is alive but late: its lease looks expired.
    await admin.query(`update pipeline_runs set heartbeat_at = now() - interval '1 hour' where id = $1`, [started!.run.id]);

    const release = await holdFirm(gate);
    const end = outcome(failRun(runner, projectId, started!.run.id, 'slow-owner'));
    await blocked(runner, end);
    const recovered = outcome(
      recoverExpiredRuns({ sql: rescuer.sql, stages: stubStages(), leaseSeconds: 30, maxAttempts: 3, logger: createLogger('silent') }),
    );
    await blocked(rescuer, recovered);
    await release();

    const [endResult, recoveredResult] = [await end, await recovered];
    expect(endResult).toMatchObject({ value: { status: 'ERROR' } });
    expect(recoveredResult).toEqual({ value: [] });
    await runningCountsAgree();
  });

  it("lease recovery against the late runner's stage step: no deadlock", async () => {
    const [gate, runner, rescuer] = [await session(), await session(), await session()];
    const projectId = await newProject('slow step');
    const started = await claim(gate, projectId, 'slow-owner');
    const runId = started!.run.id;
    await admin.query(`update pipeline_stage_runs set status = 'DONE' where run_id = $1 and stage = 'EXTRACT'`, [runId]);
    await admin.query(`update pipeline_stage_runs set status = 'RUNNING' where run_id = $1 and stage = 'CLASSIFY'`, [runId]);
    await admin.query(`update pipeline_runs set heartbeat_at = now() - interval '1 hour' where id = $1`, [runId]);

    // A progress tick of the project is in flight (it holds the project's row).
    await gate.client.query('begin');
    await gate.client.query('select 1 from cma_projects where id = $1 for no key update', [projectId]);
    // The late runner's CLASSIFY ends: stage row, then the project (waits for the tick).
    const step = outcome(
      store.transition(
        runner.sql,
        projectId,
        { status: 'PROCESSING', currentStage: 'CLASSIFY', progress: 0.5 },
        { runId, message: 'CLASSIFY finished' },
        store.stageGuard(runId, 'slow-owner', 'CLASSIFY', 'DONE', 1),
      ),
    );
    await blocked(runner, step);
    // Recovery takes the run back meanwhile (it waits for the stage row the step holds).
    const recovered = outcome(
      recoverExpiredRuns({ sql: rescuer.sql, stages: stubStages(), leaseSeconds: 30, maxAttempts: 3, logger: createLogger('silent') }),
    );
    await blocked(rescuer, recovered);
    await gate.client.query('commit');

    const [stepResult, recoveredResult] = [await step, await recovered];
    expect(stepResult).toMatchObject({ value: { stage: 'CLASSIFY' } });
    expect(recoveredResult).toMatchObject({ value: [{ status: 'QUEUED', runId }] });
    const stages = await admin.query(`select stage, status from pipeline_stage_runs where run_id = $1 order by position`, [runId]);
    expect(stages.rows.slice(0, 2)).toEqual([
      { stage: 'EXTRACT', status: 'DONE' },
      { stage: 'CLASSIFY', status: 'DONE' },
    ]);
    await runningCountsAgree();
  });
});
