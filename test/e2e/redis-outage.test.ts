import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { closeClients, collect, createProject, gqlOk, signUp, upload, wsClient } from '../helpers/client.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startPgProxy, type PgProxy, type Statement } from '../helpers/faults/pg-proxy.js';
import { START, STATUS, type StatusEvent } from '../helpers/operations.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { trialBalanceCsv } from '../helpers/trial-balance.js';

/**
 * Redis killed in the middle of a run and back 3 s later, with the run executing on one process
 * and its subscriber connected to another (real processes, `src/main.ts`, a Redis of the test's
 * own): the run's process survives, the run completes, and the subscriber receives every stored
 * event of the run exactly once, in order, the final status included. The run's process reaches
 * PostgreSQL through a proxy that holds it at two events, so the outage falls between them: the
 * events from EXTRACT's end to REVIEW's end are stored while Redis is down.
 */

const hasParam = (value: string) => (s: Statement) => s.params.includes(value);
const SECRET = 'redis-outage-secret-that-is-long-enough-0123456789';
const PREFIX = `cma-outage-${process.pid}:`;

let database: TestDatabase;
let redis: PrivateRedis;
let proxy: PgProxy;
const children: ChildServer[] = [];
const dirs: string[] = [];

function service(env: Record<string, string>): Promise<ChildServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cma-redis-outage-'));
  dirs.push(dir);
  return spawnServer({ DATA_DIR: dir, REDIS_URL: redis.url, REDIS_KEY_PREFIX: PREFIX, JWT_SECRET: SECRET, ...env }).then((child) => {
    children.push(child);
    return child;
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  redis = await startPrivateRedis();
  proxy = await startPgProxy(database.url);
});
afterEach(closeClients);
afterAll(async () => {
  for (const child of children) child.process.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
  await proxy?.close();
  await redis?.kill();
  await database?.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('a Redis outage in the middle of a run', () => {
  it('costs no process, no run and no stored event for a subscriber on another process', async () => {
    const runner = await service({ DATABASE_URL: proxy.url });
    const front = await service({ DATABASE_URL: database.url });

    const account = await signUp(front.url);
    const projectId = await createProject(front.url, account.token);
    // The document goes to the process that runs the pipeline (documents live on its disk).
    const uploaded = await upload(runner.url, account.token, projectId, { name: 'tb.csv', content: trialBalanceCsv(300, 2) });
    expect(uploaded.errors).toBeUndefined();

    const sub = collect<StatusEvent>(wsClient(front.wsUrl, account.token), STATUS, { id: projectId });
    const first = await sub.next(() => true);

    const beforeOutage = proxy.hold(hasParam('EXTRACT finished'));
    const afterOutage = proxy.hold(hasParam('VALIDATE started'));
    const started = await gqlOk(runner.url, START, { id: projectId }, account.token);
    expect(started.startProcessing.run.status).toBe('RUNNING');
    await beforeOutage.reached();

    await redis.kill();
    const downAt = Date.now();
    await beforeOutage.release();
    // EXTRACT's end, CLASSIFY, REVIEW: stored while Redis is down, published into nothing.
    await afterOutage.reached();
    await sleep(Math.max(0, 3000 - (Date.now() - downAt)));
    await redis.start();
    await afterOutage.release();

    const final = await sub.next((e) => e.projectStatus.status === 'COMPLETED', 60_000);
    expect(final.projectStatus.runId).toBe(started.startProcessing.run.id);

    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const { rows } = await db
      .query<{ sequence: number; message: string }>(
        'select sequence, message from project_status_events where project_id = $1 and sequence > $2 order by sequence',
        [projectId, first.projectStatus.sequence],
      )
      .finally(() => db.end());
    const storedSequences = rows.map((r) => r.sequence);
    const received = sub.events.map((e) => e.projectStatus.sequence);
    // In order, never twice (ticks included), and every stored event among them.
    expect([...received].sort((a, b) => a - b)).toEqual(received);
    expect(new Set(received).size).toBe(received.length);
    expect(storedSequences.filter((s) => !received.includes(s))).toEqual([]);
    expect(rows.map((r) => r.message)).toContain('CLASSIFY finished');
    expect(sub.events.filter((e) => e.projectStatus.status === 'COMPLETED')).toHaveLength(1);

    // Both processes lived through it; the outage was logged, once per process and role.
    expect(runner.process.exitCode).toBeNull();
    expect(front.process.exitCode).toBeNull();
    const publishFailures = runner.logs.filter((l) => String(l.msg).startsWith('could not publish'));
    expect(publishFailures).toHaveLength(1);
  }, 120_000);
});
