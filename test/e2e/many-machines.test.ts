import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, collect, createProject, gqlOk, signUp, upload, wsClient } from '../helpers/client.js';
import { createCluster, type Cluster, type Member } from '../helpers/cluster.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/deferred.js';
import { START, STATUS, type StatusEvent } from '../helpers/operations.js';
import { trialBalanceCsv } from '../helpers/trial-balance.js';

// API and worker processes of the real entry point (src/main.ts), each with its own DATA_DIR
// and port, sharing only this file's database and a Redis server of the test's own.
let database: TestDatabase;
let redis: PrivateRedis;
let cluster: Cluster;
let db: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  redis = await startPrivateRedis();
  cluster = createCluster({ databaseUrl: database.url, redisUrl: redis.url, env: { LEASE_SECONDS: '3', PIPELINE_CONCURRENCY: '2' } });
  db = new pg.Client({ connectionString: database.url });
});
afterAll(async () => {
  await closeClients();
  await cluster?.dispose();
  await db?.end().catch(() => undefined);
  await redis?.stop();
  await database?.drop();
});

/** Whether `member` logged the end (COMPLETED) of the project's run: it ran its last stage. */
// The log line comes through the worker's stdout, the final event through Redis and another
// process: either may reach the test first, so the line is waited for (bounded).
const endedHere = (member: Member, projectId: string) =>
  waitFor(async () => member.logs.some((l) => l.msg === 'run ended' && l.projectId === projectId && l.status === 'COMPLETED'), `'run ended' logged by ${member.url}`, 10_000)
    .then(() => true, () => false);

const dataRows = (csv: string) => csv.trim().split('\n').length - 1;

/** No run twice, no line item twice, each stage finished once, one final status. */
async function expectOneCleanRun(projectId: string, rows: number): Promise<void> {
  const { rows: runs } = await db.query('select status from pipeline_runs where project_id = $1', [projectId]);
  expect(runs).toEqual([{ status: 'COMPLETED' }]);
  const { rows: [items] } = await db.query(
    'select count(*)::int as n, count(distinct (document_id, row_number))::int as distinct_rows from line_items where project_id = $1',
    [projectId],
  );
  expect(items).toEqual({ n: rows, distinct_rows: rows });
  const { rows: finished } = await db.query(
    `select message, count(*)::int as n from project_status_events
      where project_id = $1 and (message like '% finished' or status = 'COMPLETED') group by message order by message`,
    [projectId],
  );
  expect(finished.every((r) => r.n === 1), JSON.stringify(finished)).toBe(true);
  expect(finished.map((r) => r.message)).toEqual(expect.arrayContaining(['EXTRACT finished', 'CLASSIFY finished', 'GENERATE finished']));
}

describe('API and worker processes on one PostgreSQL and one Redis', () => {
  let apis: Member[] = [];
  let workers: Member[] = [];

  it('an API process with no worker queues a start and says so; a worker that comes up runs it, followed live from another API process', async () => {
    await db.connect();
    apis = [await cluster.api(), await cluster.api()];
    const [front, other] = apis as [Member, Member];
    const { token } = await signUp(front.url);
    const projectId = await createProject(front.url, token);
    const csv = trialBalanceCsv(2_000, 2);
    expect((await upload(front.url, token, projectId, { name: 'tb.csv', content: csv })).errors).toBeUndefined();

    // Followed from the other API process: the events travel from the worker through Redis.
    const sub = collect<StatusEvent>(wsClient(other.wsUrl, token), STATUS, { id: projectId });
    await sub.next(() => true);
    const started = await gqlOk(front.url, START, { id: projectId }, token);
    expect(started.startProcessing.project.status).toBe('QUEUED');
    const queued = await sub.next((e) => e.projectStatus.status === 'QUEUED');
    expect(queued.projectStatus.message).toBe('Queued: no worker is running yet; waiting for a worker to start (place 1 in the queue)');

    workers = [await cluster.worker()];
    const final = await sub.next((e) => ['COMPLETED', 'ERROR'].includes(e.projectStatus.status), 60_000);
    expect(final.projectStatus.status).toBe('COMPLETED');
    const sequences = sub.events.map((e) => e.projectStatus.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBe(sequences.length);
    expect(await endedHere(workers[0]!, projectId)).toBe(true);
    await expectOneCleanRun(projectId, dataRows(csv));

    // With a worker alive, a queued start no longer says there is none.
    const { rows: [alive] } = await db.query('select count(*)::int as n from pipeline_workers');
    expect(alive.n).toBe(1);
  }, 180_000);

  it('a worker serves health checks on its port and no GraphQL', async () => {
    const worker = workers[0]!;
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${worker.url}/readyz`)).status).toBe(200);
    const graphql = await fetch(`${worker.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(graphql.status).toBe(404);
    expect(((await graphql.json()) as { error: string }).error).toMatch(/pipeline worker \(ROLE=worker\)/);
  });

  it('kill -9 of the worker running EXTRACT: the other worker resumes the run once its lease expires; one run, no duplicate line items or events', async () => {
    workers.push(await cluster.worker());
    const [front, other] = apis as [Member, Member];
    const { token } = await signUp(front.url);
    const projectId = await createProject(front.url, token);
    const csv = trialBalanceCsv(80_000, 2);
    expect((await upload(front.url, token, projectId, { name: 'big.csv', content: csv })).errors).toBeUndefined();

    const sub = collect<StatusEvent>(wsClient(other.wsUrl, token), STATUS, { id: projectId });
    await sub.next(() => true);
    await gqlOk(front.url, START, { id: projectId }, token);
    // Mid-EXTRACT: its first progress tick.
    await sub.next((e) => e.projectStatus.stage === 'EXTRACT' && e.projectStatus.progress > 0 && e.projectStatus.message === null, 60_000);
    const { rows: [run] } = await db.query("select lease_owner from pipeline_runs where project_id = $1 and status = 'RUNNING'", [projectId]);
    const victim = cluster.byLeaseOwner(run.lease_owner)!;
    expect(workers).toContain(victim);
    victim.process.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    const survivor = workers.find((w) => w !== victim)!;
    workers = [survivor];

    const resumed = await sub.next((e) => e.projectStatus.message?.startsWith('resuming: the server running this project stopped while running EXTRACT') ?? false, 60_000);
    const final = await sub.next((e) => ['COMPLETED', 'ERROR'].includes(e.projectStatus.status), 120_000);
    expect(final.projectStatus.status).toBe('COMPLETED');
    expect(resumed.projectStatus.runId).toBe(final.projectStatus.runId);
    expect(await endedHere(survivor, projectId)).toBe(true);
    const { rows: [after] } = await db.query('select attempts from pipeline_runs where project_id = $1', [projectId]);
    expect(after.attempts).toBe(2);
    const sequences = sub.events.map((e) => e.projectStatus.sequence);
    expect(new Set(sequences).size).toBe(sequences.length);
    await expectOneCleanRun(projectId, dataRows(csv));
  }, 240_000);
});
