import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Stage } from '../../src/services/pipeline/stage.js';
import { closeClients, collect, createProject, gqlOk, signUp, wsClient } from '../helpers/client.js';
import { waitFor } from '../helpers/deferred.js';
import { holdStages, stubStages } from '../helpers/held-stages.js';
import { PROJECT, START, STATUS, type StatusEvent } from '../helpers/operations.js';
import { startTestServer, stopAll, type TestServer } from '../helpers/server.js';

afterEach(closeClients);
afterAll(stopAll);

const runner = { pollIntervalMs: 100, progressIntervalMs: 20 };
const WAITING = 'EXTRACT waiting for a CPU slot';
const CANCEL = 'mutation($id: ID!) { cancelProcessing(projectId: $id) { status isProcessing latestRun { status } } }';

/** Counts how many CPU-heavy stage bodies are running at once, across every server of the test. */
function watchOverlap(stages: Stage[]) {
  let running = 0;
  let most = 0;
  return {
    stages: stages.map((stage): Stage =>
      stage.cpuBound
        ? {
            ...stage,
            async run(ctx) {
              most = Math.max(most, ++running);
              try {
                return await stage.run(ctx);
              } finally {
                running -= 1;
              }
            },
          }
        : stage,
    ),
    most: () => most,
  };
}

/** EXTRACT and CLASSIFY as CPU-heavy stages; every EXTRACT held until the test releases it. */
function heldCpuStages() {
  const gates = holdStages(stubStages({ cpuBound: ['EXTRACT', 'CLASSIFY'] }));
  gates.hold('*', 'EXTRACT');
  return { gates, ...watchOverlap(gates.stages) };
}

async function newProject(server: TestServer) {
  const account = await signUp(server.url);
  const projectId = await createProject(server.url, account.token);
  return { ...account, projectId, status: collect<StatusEvent>(wsClient(server.wsUrl, account.token), STATUS, { id: projectId }) };
}
const completed = (e: StatusEvent) => e.projectStatus.status === 'COMPLETED';

describe('CPU_STAGE_CONCURRENCY=1', () => {
  it('runs two runs’ EXTRACT one after the other, the second visibly waiting, and completes both', async () => {
    const { gates, stages, most } = heldCpuStages();
    const server = await startTestServer({ config: { cpuStageConcurrency: 1 }, deps: { stages, runner } });
    const a = await newProject(server);
    const b = await newProject(server);
    await gqlOk(server.url, START, { id: a.projectId }, a.token);
    await gates.entered(a.projectId, 'EXTRACT');

    const started = await gqlOk(server.url, START, { id: b.projectId }, b.token);
    expect(started.startProcessing.project.status).toBe('PROCESSING'); // it has a pipeline slot
    const waiting = await b.status.next((e) => e.projectStatus.message === WAITING);
    expect(waiting.projectStatus).toMatchObject({ status: 'PROCESSING', stage: 'EXTRACT' });
    const polled = await gqlOk(server.url, PROJECT, { id: b.projectId }, b.token);
    expect(polled.project).toMatchObject({ status: 'PROCESSING', currentStage: 'EXTRACT' });
    expect(polled.project.latestRun.stages[0]).toMatchObject({ stage: 'EXTRACT', status: 'PENDING' });
    expect(gates.entries(b.projectId, 'EXTRACT')).toBe(0);

    gates.release(a.projectId, 'EXTRACT');
    await gates.entered(b.projectId, 'EXTRACT');
    gates.release(b.projectId, 'EXTRACT');
    await a.status.next(completed);
    await b.status.next(completed);
    expect(most()).toBe(1);
  });

  it('cancels a run waiting for a CPU slot; it never runs EXTRACT and the next in line gets the slot', async () => {
    const { gates, stages, most } = heldCpuStages();
    const server = await startTestServer({ config: { cpuStageConcurrency: 1 }, deps: { stages, runner } });
    const [a, b, c] = [await newProject(server), await newProject(server), await newProject(server)];
    await gqlOk(server.url, START, { id: a.projectId }, a.token);
    await gates.entered(a.projectId, 'EXTRACT');
    await gqlOk(server.url, START, { id: b.projectId }, b.token);
    await b.status.next((e) => e.projectStatus.message === WAITING);
    await gqlOk(server.url, START, { id: c.projectId }, c.token);
    await c.status.next((e) => e.projectStatus.message === WAITING);

    const cancelled = await gqlOk(server.url, CANCEL, { id: b.projectId }, b.token);
    expect(cancelled.cancelProcessing).toEqual({ status: 'CANCELLED', isProcessing: false, latestRun: { status: 'CANCELLED' } });
    expect(b.status.events.at(-1)?.projectStatus).toMatchObject({ status: 'CANCELLED', message: 'Processing cancelled' });

    gates.release(a.projectId, 'EXTRACT');
    await gates.entered(c.projectId, 'EXTRACT');
    gates.release(c.projectId, 'EXTRACT');
    await a.status.next(completed);
    await c.status.next(completed);
    expect(gates.entries(b.projectId, 'EXTRACT')).toBe(0);
    expect(most()).toBe(1);
  });

  it('keeps a waiting run’s lease fresh, hands it back on a graceful stop, and another server finishes it', async () => {
    const { gates, stages, most } = heldCpuStages();
    // A 2 s lease: without heartbeats while it waits, the run would be recovered within ~3 s.
    const leaving = await startTestServer({ config: { cpuStageConcurrency: 1, leaseSeconds: 2 }, deps: { stages, runner } });
    const a = await newProject(leaving);
    const b = await newProject(leaving);
    await gqlOk(leaving.url, START, { id: a.projectId }, a.token);
    await gates.entered(a.projectId, 'EXTRACT');
    await gqlOk(leaving.url, START, { id: b.projectId }, b.token);
    const waiting = await b.status.next((e) => e.projectStatus.message === WAITING);
    const waitingSince = new Date(waiting.projectStatus.at).getTime();

    const lease = () =>
      leaving.app.services.sql
        .query<{ owner: string | null; status: string; heartbeatMs: number | null }>(
          `select lease_owner as owner, status, (extract(epoch from heartbeat_at) * 1000)::float8 as "heartbeatMs"
           from pipeline_runs where project_id = $1`,
          [b.projectId],
        )
        .then((rows) => rows[0]!);
    // Renewed more than a whole lease after the wait began: the heartbeat covers waiting runs.
    await waitFor(async () => ((await lease()).heartbeatMs ?? 0) > waitingSince + 2500, 'a heartbeat 2.5 s into the wait');
    expect(await lease()).toMatchObject({ owner: leaving.app.runner.instanceId, status: 'RUNNING' });
    expect(b.status.events.some((e) => e.projectStatus.message?.startsWith('resuming'))).toBe(false);

    await leaving.app.stop();
    expect(await lease()).toMatchObject({ owner: null, status: 'QUEUED', heartbeatMs: null });
    // Read from the event log: the stopping server closes its sockets as it hands runs back.
    const [last] = await leaving.app.services.sql.query(
      'select status, message from project_status_events where project_id = $1 order by sequence desc limit 1',
      [b.projectId],
    );
    expect(last).toEqual({ status: 'QUEUED', message: 'paused during EXTRACT: the server is stopping; another server resumes it' });
    expect(gates.entries(b.projectId, 'EXTRACT')).toBe(0);

    gates.release(a.projectId, 'EXTRACT');
    gates.release(b.projectId, 'EXTRACT');
    const staying = await startTestServer({ database: leaving.database, config: { cpuStageConcurrency: 1 }, deps: { stages, runner } });
    for (const { token, projectId } of [a, b]) {
      await collect<StatusEvent>(wsClient(staying.wsUrl, token), STATUS, { id: projectId }).next(completed);
    }
    expect(await staying.app.services.sql.query('select 1 from pipeline_runs where status <> $1', ['COMPLETED'])).toEqual([]);
    expect(most()).toBe(1);
  });
});
