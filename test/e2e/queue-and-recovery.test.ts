import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeClients, collect, createProject, gql, gqlOk, signUp, wsClient } from '../helpers/client.js';
import { holdStages, stubStages, type HeldStages } from '../helpers/held-stages.js';
import { startTestServer, stopAll, type TestServer } from '../helpers/server.js';
import { START, STATUS, type StatusEvent } from '../helpers/operations.js';

afterEach(closeClients);
afterAll(stopAll);

async function newProject(server: TestServer) {
  const account = await signUp(server.url);
  return { ...account, projectId: await createProject(server.url, account.token) };
}

const runner = { pollIntervalMs: 100, progressIntervalMs: 20 };

describe('slots and the queue', () => {
  it('queues starts beyond PIPELINE_CONCURRENCY and starts them in order as slots free', async () => {
    const gates = holdStages(stubStages());
    gates.hold('*', 'EXTRACT');
    const server = await startTestServer({ config: { pipelineConcurrency: 2 }, deps: { stages: gates.stages, runner } });
    const projects = [];
    for (let i = 0; i < 4; i++) projects.push(await newProject(server));
    const statuses = [];
    for (const p of projects) {
      const res = await gqlOk(server.url, START, { id: p.projectId }, p.token);
      statuses.push(res.startProcessing.project.status);
    }
    expect(statuses).toEqual(['PROCESSING', 'PROCESSING', 'QUEUED', 'QUEUED']);
    const [a, b, c, d] = projects.map((p) => p.projectId) as [string, string, string, string];
    const watchC = collect<StatusEvent>(wsClient(server.wsUrl, projects[2]!.token), STATUS, { id: c });
    const watchD = collect<StatusEvent>(wsClient(server.wsUrl, projects[3]!.token), STATUS, { id: d });
    expect((await watchC.next(() => true)).projectStatus).toMatchObject({ status: 'QUEUED', message: 'Queued: waiting for a free pipeline slot (place 1 in the queue)' });

    await gates.entered(a, 'EXTRACT');
    await gates.entered(b, 'EXTRACT');
    gates.release(a, 'EXTRACT');
    await gates.entered(c, 'EXTRACT'); // C, queued first, takes A's slot
    expect(gates.entries(d, 'EXTRACT')).toBe(0);
    expect(watchD.events.at(-1)?.projectStatus.status).toBe('QUEUED');
    gates.release(b, 'EXTRACT');
    await gates.entered(d, 'EXTRACT');
    gates.release(c, 'EXTRACT');
    gates.release(d, 'EXTRACT');
    await watchC.next((e) => e.projectStatus.status === 'COMPLETED');
    await watchD.next((e) => e.projectStatus.status === 'COMPLETED');
    expect(watchC.events.map((e) => e.projectStatus.status)).toContain('PROCESSING');
  });

  it('cancels a queued run without it ever starting', async () => {
    const gates = holdStages(stubStages());
    gates.hold('*', 'EXTRACT');
    const server = await startTestServer({ config: { pipelineConcurrency: 1 }, deps: { stages: gates.stages, runner } });
    const busy = await newProject(server);
    const waiting = await newProject(server);
    await gqlOk(server.url, START, { id: busy.projectId }, busy.token);
    const queued = await gqlOk(server.url, START, { id: waiting.projectId }, waiting.token);
    expect(queued.startProcessing.project.status).toBe('QUEUED');
    const cancelled = await gqlOk(server.url, 'mutation($id: ID!) { cancelProcessing(projectId: $id) { status isProcessing latestRun { status } } }', { id: waiting.projectId }, waiting.token);
    expect(cancelled.cancelProcessing).toEqual({ status: 'CANCELLED', isProcessing: false, latestRun: { status: 'CANCELLED' } });
    gates.release(busy.projectId, 'EXTRACT');
    await gates.entered(busy.projectId, 'GENERATE');
    expect(gates.entries(waiting.projectId, 'EXTRACT')).toBe(0);
  });
});

describe('several server processes on one database', () => {
  it('lets exactly one of racing starts spread over two servers win', async () => {
    const gates = holdStages(stubStages());
    gates.hold('*', 'EXTRACT');
    const one = await startTestServer({ deps: { stages: gates.stages, runner } });
    const two = await startTestServer({ database: one.database, deps: { stages: gates.stages, runner } });
    const { token, projectId } = await newProject(one);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => gql((i % 2 ? one : two).url, START, { id: projectId }, token)),
    );
    expect(results.filter((r) => r.data?.startProcessing)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.errors?.[0]?.extensions?.code === 'CONFLICT')).toHaveLength(29);
    const runs = await one.app.services.sql.query('select id from pipeline_runs where project_id = $1', [projectId]);
    expect(runs).toHaveLength(1);
    gates.release(projectId, 'EXTRACT');
  });

  it('lets a server with free slots take work queued on a busy one', async () => {
    const gates = holdStages(stubStages());
    gates.hold('*', 'EXTRACT');
    const busy = await startTestServer({ config: { pipelineConcurrency: 1 }, deps: { stages: gates.stages, runner } });
    const first = await newProject(busy);
    await gqlOk(busy.url, START, { id: first.projectId }, first.token);
    const second = await newProject(busy);
    const queued = await gqlOk(busy.url, START, { id: second.projectId }, second.token);
    expect(queued.startProcessing.project.status).toBe('QUEUED');

    const idle = await startTestServer({ database: busy.database, deps: { stages: gates.stages, runner } });
    const ctx = await gates.entered(second.projectId, 'EXTRACT');
    const [run] = await idle.app.services.sql.query<{ owner: string }>('select lease_owner as owner from pipeline_runs where id = $1', [ctx.runId]);
    expect(run!.owner).toBe(idle.app.runner.instanceId);
    gates.release(first.projectId, 'EXTRACT');
    gates.release(second.projectId, 'EXTRACT');
  });
});

describe('leases', () => {
  it('resumes a run whose runner stopped heartbeating from its last finished stage', async () => {
    const gates = holdStages(stubStages());
    gates.hold('*', 'CLASSIFY');
    const dead = await startTestServer({ deps: { stages: gates.stages, runner } });
    const { token, projectId } = await newProject(dead);
    const started = await gqlOk(dead.url, START, { id: projectId }, token);
    const runId = started.startProcessing.run.id;
    await gates.entered(projectId, 'CLASSIFY');
    // The runner "dies": its lease is long expired (graphile-worker's trick of backdating).
    await dead.app.services.sql.query(`update pipeline_runs set heartbeat_at = now() - interval '1 hour' where id = $1`, [runId]);

    const rescuer = await startTestServer({ database: dead.database, deps: { stages: gates.stages, runner } });
    const sub = collect<StatusEvent>(wsClient(rescuer.wsUrl, token), STATUS, { id: projectId, after: 0 });
    await rescuer.app.runner.recover();
    const resumed = await sub.next((e) => e.projectStatus.message === 'resuming: the server running this project stopped while running CLASSIFY');
    expect(resumed.projectStatus).toMatchObject({ status: 'QUEUED', runId });

    // The rescuer takes it, skips the finished EXTRACT and re-runs CLASSIFY.
    await waitForEntries(gates, projectId, 'CLASSIFY', 2);
    gates.release(projectId, 'CLASSIFY');
    const final = await sub.next((e) => e.projectStatus.status === 'COMPLETED');
    expect(final.projectStatus.runId).toBe(runId);
    expect(gates.entries(projectId, 'EXTRACT')).toBe(1);
    const [row] = await rescuer.app.services.sql.query<{ attempts: number; status: string; owner: string | null }>(
      'select attempts, status, lease_owner as owner from pipeline_runs where id = $1',
      [runId],
    );
    expect(row).toEqual({ attempts: 2, status: 'COMPLETED', owner: null });
    const polled = await gqlOk(rescuer.url, 'query($id: ID!) { project(id: $id) { status isProcessing } }', { id: projectId }, token);
    expect(polled.project).toEqual({ status: 'COMPLETED', isProcessing: false });
  });

  it('ends a run INTERRUPTED, project ERROR, when it cannot be resumed', async () => {
    const gates = holdStages(stubStages({ resumable: { VALIDATE: false } }));
    gates.hold('*', 'VALIDATE');
    const dead = await startTestServer({ deps: { stages: gates.stages, runner } });
    const { token, projectId } = await newProject(dead);
    const started = await gqlOk(dead.url, START, { id: projectId }, token);
    await gates.entered(projectId, 'VALIDATE');
    await dead.app.services.sql.query(`update pipeline_runs set heartbeat_at = now() - interval '1 hour' where id = $1`, [started.startProcessing.run.id]);
    await dead.app.runner.recover();
    const polled = await gqlOk(dead.url, 'query($id: ID!) { project(id: $id) { status isProcessing errorMessage latestRun { status errorMessage } } }', { id: projectId }, token);
    expect(polled.project).toMatchObject({
      status: 'ERROR',
      isProcessing: false,
      errorMessage: 'interrupted: the server stopped while running VALIDATE, and VALIDATE cannot be resumed; start processing again',
      latestRun: { status: 'INTERRUPTED' },
    });
    gates.release(projectId, 'VALIDATE'); // the deposed execution finds its lease gone and writes nothing
  });

  it('hands running runs back on a graceful stop, and another server finishes them', async () => {
    const gates = holdStages(stubStages());
    gates.hold('*', 'EXTRACT');
    const leaving = await startTestServer({ deps: { stages: gates.stages, runner } });
    const { token, projectId } = await newProject(leaving);
    await gqlOk(leaving.url, START, { id: projectId }, token);
    await gates.entered(projectId, 'EXTRACT');
    await leaving.app.stop();
    const [row] = await leaving.app.services.sql.query<{ status: string; projectStatus: string; isProcessing: boolean }>(
      `select r.status, p.status as "projectStatus", p.is_processing as "isProcessing"
       from pipeline_runs r join cma_projects p on p.id = r.project_id where r.project_id = $1`,
      [projectId],
    );
    expect(row).toEqual({ status: 'QUEUED', projectStatus: 'QUEUED', isProcessing: true });

    const staying = await startTestServer({ database: leaving.database, deps: { stages: gates.stages, runner } });
    await waitForEntries(gates, projectId, 'EXTRACT', 2);
    gates.release(projectId, 'EXTRACT');
    const sub = collect<StatusEvent>(wsClient(staying.wsUrl, token), STATUS, { id: projectId });
    await sub.next((e) => e.projectStatus.status === 'COMPLETED');
  });
});

describe('subscriptions and token expiry', () => {
  it('ends the subscription when the token expires', async () => {
    const server = await startTestServer({ config: { jwtExpiresIn: '2s' } });
    const { token, projectId } = await newProject(server);
    const closed = new Promise<number>((resolve) => {
      const client = wsClient(server.wsUrl, token, { on: { closed: (e) => resolve((e as { code: number }).code) } });
      collect<StatusEvent>(client, STATUS, { id: projectId });
    });
    expect(await closed).toBe(4403);
  });
});

async function waitForEntries(gates: HeldStages, projectId: string, stage: 'EXTRACT' | 'CLASSIFY', count: number) {
  while (gates.entries(projectId, stage) < count) await gates.entered(projectId, stage).then(() => new Promise((r) => setImmediate(r)));
}
