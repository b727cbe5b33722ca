import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeClients, collect, createProject, gqlOk, signUp, wsClient } from '../helpers/client.js';
import { holdStages, stubStages } from '../helpers/held-stages.js';
import { START, STATUS, type StatusEvent } from '../helpers/operations.js';
import { startTestServer, stopAll } from '../helpers/server.js';

afterEach(closeClients);
afterAll(stopAll);

// Needs a Redis server: CI (.ci/run) starts the machine's and sets TEST_REDIS_URL.
const redisUrl = process.env.TEST_REDIS_URL;

describe.runIf(redisUrl)('status events across server processes (REDIS_URL)', () => {
  it('delivers the events of a run executing on one server to a subscriber connected to another', async () => {
    const gates = holdStages(stubStages());
    const runner = { pollIntervalMs: 100 };
    gates.hold('*', 'EXTRACT');
    const front = await startTestServer({ config: { redisUrl, pipelineConcurrency: 1 }, deps: { stages: gates.stages, runner } });
    const back = await startTestServer({ database: front.database, config: { redisUrl }, deps: { stages: gates.stages, runner } });

    // The front server's one slot is busy, so the next start is queued and the back server takes it.
    const busy = await signUp(front.url);
    const busyProject = await createProject(front.url, busy.token);
    await gqlOk(front.url, START, { id: busyProject }, busy.token);
    await gates.entered(busyProject, 'EXTRACT');

    const { token } = await signUp(front.url);
    const projectId = await createProject(front.url, token);
    const sub = collect<StatusEvent>(wsClient(front.wsUrl, token), STATUS, { id: projectId });
    await sub.next(() => true);
    const started = await gqlOk(front.url, START, { id: projectId }, token);
    expect(started.startProcessing.project.status).toBe('QUEUED');
    const ctx = await gates.entered(projectId, 'EXTRACT');
    const [row] = await back.app.services.sql.query<{ owner: string }>('select lease_owner as owner from pipeline_runs where id = $1', [ctx.runId]);
    expect(row!.owner).toBe(back.app.runner.instanceId);

    gates.release(projectId, 'EXTRACT');
    const final = await sub.next((e) => e.projectStatus.status === 'COMPLETED');
    expect(final.projectStatus.runId).toBe(started.startProcessing.run.id);
    const stages = sub.events.filter((e) => e.projectStatus.message?.endsWith(' finished')).map((e) => e.projectStatus.stage);
    expect(stages).toEqual(['EXTRACT', 'CLASSIFY', 'REVIEW', 'VALIDATE', 'GENERATE']);
    gates.release(busyProject, 'EXTRACT');
  });
});
