import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, createProject, gqlOk, signUp, upload } from '../helpers/client.js';
import { createCluster, type Cluster, type Member } from '../helpers/cluster.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { follow } from '../helpers/follow.js';
import { START } from '../helpers/operations.js';
import { trialBalanceCsv } from '../helpers/trial-balance.js';

let database: TestDatabase;
let redis: PrivateRedis;
let cluster: Cluster;
let db: pg.Client;
const followers: ReturnType<typeof follow>[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  redis = await startPrivateRedis();
  cluster = createCluster({ databaseUrl: database.url, redisUrl: redis.url, env: { LEASE_SECONDS: '5', PIPELINE_CONCURRENCY: '1' } });
  db = new pg.Client({ connectionString: database.url });
  await db.connect();
});
afterAll(async () => {
  await Promise.all(followers.map((f) => f.close()));
  await closeClients();
  await cluster?.dispose();
  await db?.end().catch(() => undefined);
  await redis?.stop();
  await database?.drop();
});

const RUNS = 10;

describe('a rolling restart of every API and worker process', () => {
  it('while 10 runs are in flight: all COMPLETED, each once, no event twice at any subscriber', async () => {
    const apis: Member[] = [await cluster.api(), await cluster.api()];
    const workers: Member[] = [await cluster.worker(), await cluster.worker()];
    let turn = 0;
    // A live API process, never one being stopped: the followers reconnect to these.
    const pickApi = () => apis[turn++ % apis.length]!;

    const { token } = await signUp(apis[0]!.url);
    const csv = trialBalanceCsv(6_000, 2);
    const projects: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const projectId = await createProject(apis[i % 2]!.url, token, `Project ${i}`);
      expect((await upload(apis[i % 2]!.url, token, projectId, { name: 'tb.csv', content: csv })).errors).toBeUndefined();
      projects.push(projectId);
    }
    followers.push(...projects.map((id) => follow(pickApi, token, id, 280_000)));
    for (const [i, projectId] of projects.entries()) await gqlOk(apis[i % 2]!.url, START, { id: projectId }, token);

    // Restart first a worker that is running a run right now, so the restart cuts into work.
    const first = await Promise.race(followers.map((f) => f.seen((e) => e.message === 'EXTRACT started')));
    const { rows: running } = await db.query("select lease_owner from pipeline_runs where id = $1 and status = 'RUNNING'", [first.runId]);
    const busy = cluster.byLeaseOwner(running[0]!.lease_owner)!;
    const idle = workers.find((w) => w !== busy)!;
    const order: [Member[], Member][] = [[workers, busy], [apis, apis[0]!], [workers, idle], [apis, apis[1]!]];
    for (const [group, member] of order) {
      group.splice(group.indexOf(member), 1);
      expect(await cluster.stop(member)).toBe(0);
      group.push(member.role === 'api' ? await cluster.api() : await cluster.worker());
    }

    const streams = await Promise.all(followers.map((f) => f.final));
    for (const [i, events] of streams.entries()) {
      expect(events.at(-1)!.status, JSON.stringify(events.slice(-3))).toBe('COMPLETED');
      const sequences = events.map((e) => e.sequence);
      expect(new Set(sequences).size, `project ${i}: an event arrived twice`).toBe(sequences.length);
      expect(sequences, `project ${i}: events out of order`).toEqual([...sequences].sort((a, b) => a - b));
    }
    // The first worker stopped mid-run and handed it back.
    const handedBack = streams.flat().filter((e) => e.message?.includes('the server is stopping; another server resumes it'));
    expect(handedBack.length).toBeGreaterThan(0);

    const { rows: runs } = await db.query('select project_id, status from pipeline_runs where project_id = any($1::uuid[])', [projects]);
    expect(runs.map((r) => r.status)).toEqual(Array(RUNS).fill('COMPLETED'));
    const { rows: dupes } = await db.query(
      `select project_id, message, count(*)::int as n from project_status_events
        where project_id = any($1::uuid[]) and (message like '% finished' or status = 'COMPLETED')
        group by 1, 2 having count(*) > 1`,
      [projects],
    );
    expect(dupes).toEqual([]);
    const { rows: items } = await db.query(
      `select count(*)::int as n, count(distinct (document_id, row_number))::int as d from line_items where project_id = any($1::uuid[])`,
      [projects],
    );
    expect(items[0]).toEqual({ n: RUNS * (csv.trim().split('\n').length - 1), d: RUNS * (csv.trim().split('\n').length - 1) });
  }, 420_000);
});
