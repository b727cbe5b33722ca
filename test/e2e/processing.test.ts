import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeClients, collect, createProject, gql, gqlOk, signUp, wsClient } from '../helpers/client.js';
import { holdStages, stubStages } from '../helpers/held-stages.js';
import { PROJECT, START, STATUS, type StatusEvent } from '../helpers/operations.js';
import { startTestServer, stopAll, type TestServer } from '../helpers/server.js';

const gates = holdStages(stubStages());
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ deps: { stages: gates.stages, runner: { progressIntervalMs: 20 } } });
});
afterEach(closeClients);
afterAll(stopAll);

async function newProject() {
  const account = await signUp(server.url);
  return { ...account, projectId: await createProject(server.url, account.token) };
}

const isFinal = (e: StatusEvent) => ['COMPLETED', 'ERROR', 'CANCELLED', 'REVIEWING'].includes(e.projectStatus.status);

describe('startProcessing and the status stream', () => {
  it('returns PROCESSING before any stage work, streams every stage in order, and ends COMPLETED', async () => {
    const { token, projectId } = await newProject();
    gates.hold(projectId, 'EXTRACT');
    const sub = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId });
    const initial = await sub.next(() => true);
    expect(initial.projectStatus).toMatchObject({ projectId, status: 'DRAFT', sequence: 0, progress: 0 });

    const started = await gqlOk(server.url, START, { id: projectId }, token);
    expect(started.startProcessing).toMatchObject({
      message: 'Processing started',
      project: { id: projectId, status: 'PROCESSING', isProcessing: true, progress: 0, errorMessage: null },
      run: { status: 'RUNNING' },
    });
    expect(started.startProcessing.run.stages.map((s: { stage: string }) => s.stage)).toEqual(['EXTRACT', 'CLASSIFY', 'REVIEW', 'VALIDATE', 'GENERATE']);

    // EXTRACT is held: the stage has been entered, nothing has finished.
    await gates.entered(projectId, 'EXTRACT');
    gates.progress(projectId, 'EXTRACT', 0.5);
    const tick = await sub.next((e) => e.projectStatus.stage === 'EXTRACT' && e.projectStatus.progress > 0);
    expect(tick.projectStatus.progress).toBeCloseTo(0.5 / 5, 5);
    gates.release(projectId, 'EXTRACT');

    const final = await sub.next(isFinal);
    expect(final.projectStatus).toMatchObject({ status: 'COMPLETED', progress: 1, stage: null, errorMessage: null });

    const sequences = sub.events.map((e) => e.projectStatus.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBe(sequences.length);
    const stageStarts = sub.events.filter((e) => e.projectStatus.message?.endsWith(' started') && e.projectStatus.stage).map((e) => e.projectStatus.stage);
    expect(stageStarts).toEqual(['EXTRACT', 'CLASSIFY', 'REVIEW', 'VALIDATE', 'GENERATE']);

    // Polling shows what the last event said.
    const polled = await gqlOk(server.url, PROJECT, { id: projectId }, token);
    expect(polled.project).toMatchObject({ status: 'COMPLETED', isProcessing: false, currentStage: null, progress: 1, errorMessage: null });
    expect(polled.project.latestRun.status).toBe('COMPLETED');
    expect(polled.project.latestRun.stages.every((s: { status: string }) => s.status === 'DONE')).toBe(true);
  });

  it('refuses a second start while one runs with CONFLICT and HTTP 409, then allows one after it ends', async () => {
    const { token, projectId } = await newProject();
    gates.hold(projectId, 'CLASSIFY');
    await gqlOk(server.url, START, { id: projectId }, token);
    const second = await gql(server.url, START, { id: projectId }, token);
    expect(second.status).toBe(409);
    expect(second.errors?.[0]).toMatchObject({ message: 'this project is already being processed', extensions: { code: 'CONFLICT' } });

    await gates.entered(projectId, 'CLASSIFY');
    const sub = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId });
    gates.release(projectId, 'CLASSIFY');
    await sub.next((e) => e.projectStatus.status === 'COMPLETED');
    const again = await gqlOk(server.url, START, { id: projectId }, token);
    expect(again.startProcessing.project.status).toBe('PROCESSING');
    await gates.entered(projectId, 'CLASSIFY');
    gates.release(projectId, 'CLASSIFY');
    await sub.next((e) => e.projectStatus.status === 'COMPLETED' && e.projectStatus.runId === again.startProcessing.run.id);
  });

  it('lets exactly one of 50 racing starts win', async () => {
    const { token, projectId } = await newProject();
    gates.hold(projectId, 'EXTRACT');
    const results = await Promise.all(Array.from({ length: 50 }, () => gql(server.url, START, { id: projectId }, token)));
    const winners = results.filter((r) => r.data?.startProcessing);
    const conflicts = results.filter((r) => r.errors?.[0]?.extensions?.code === 'CONFLICT');
    expect(winners).toHaveLength(1);
    expect(conflicts).toHaveLength(49);
    const runs = await server.app.services.sql.query('select id from pipeline_runs where project_id = $1', [projectId]);
    expect(runs).toHaveLength(1);
    gates.release(projectId, 'EXTRACT');
  });

  it('ends a run whose stage throws in ERROR with a message naming the stage, and clears the flag', async () => {
    const { token, projectId } = await newProject();
    gates.hold(projectId, 'VALIDATE');
    const sub = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId });
    await gqlOk(server.url, START, { id: projectId }, token);
    await gates.entered(projectId, 'VALIDATE');
    gates.fail(projectId, 'VALIDATE', new Error('disk on fire'));

    const final = await sub.next(isFinal);
    expect(final.projectStatus.status).toBe('ERROR');
    expect(final.projectStatus.errorMessage).toBe('VALIDATE failed: unexpected error (disk on fire)');
    const polled = await gqlOk(server.url, PROJECT, { id: projectId }, token);
    expect(polled.project).toMatchObject({ status: 'ERROR', isProcessing: false, currentStage: 'VALIDATE', errorMessage: final.projectStatus.errorMessage });
    expect(polled.project.latestRun).toMatchObject({ status: 'ERROR', errorMessage: final.projectStatus.errorMessage });
    expect(polled.project.latestRun.stages.find((s: { stage: string }) => s.stage === 'VALIDATE').status).toBe('FAILED');

    // The next start clears the message.
    const restarted = await gqlOk(server.url, START, { id: projectId }, token);
    expect(restarted.startProcessing.project.errorMessage).toBeNull();
    await gates.entered(projectId, 'VALIDATE');
    gates.release(projectId, 'VALIDATE');
    await sub.next((e) => e.projectStatus.status === 'COMPLETED');
  });

  it('cancels a running pipeline at its next safe point', async () => {
    const { token, projectId } = await newProject();
    gates.hold(projectId, 'CLASSIFY');
    const sub = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId });
    await gqlOk(server.url, START, { id: projectId }, token);
    await gates.entered(projectId, 'CLASSIFY');
    const cancelled = await gqlOk(server.url, 'mutation($id: ID!) { cancelProcessing(projectId: $id) { status isProcessing } }', { id: projectId }, token);
    expect(cancelled.cancelProcessing).toEqual({ status: 'CANCELLED', isProcessing: false });
    const final = await sub.next(isFinal);
    expect(final.projectStatus.status).toBe('CANCELLED');
    const polled = await gqlOk(server.url, PROJECT, { id: projectId }, token);
    expect(polled.project.latestRun.status).toBe('CANCELLED');

    const idle = await gql(server.url, 'mutation($id: ID!) { cancelProcessing(projectId: $id) { status } }', { id: projectId }, token);
    expect(idle.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(idle.errors?.[0]?.message).toContain('not being processed');
  });

  it('sends a late subscriber the current state first', async () => {
    const { token, projectId } = await newProject();
    gates.hold(projectId, 'REVIEW');
    await gqlOk(server.url, START, { id: projectId }, token);
    await gates.entered(projectId, 'REVIEW');
    const sub = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId });
    const first = await sub.next(() => true);
    expect(first.projectStatus).toMatchObject({ status: 'PROCESSING', stage: 'REVIEW', message: 'REVIEW started' });
    const [row] = await server.app.services.sql.query<{ last: number }>('select last_sequence as last from cma_projects where id = $1', [projectId]);
    expect(first.projectStatus.sequence).toBe(row!.last);
    gates.release(projectId, 'REVIEW');
    await sub.next((e) => e.projectStatus.status === 'COMPLETED');
  });

  it('replays stored events after afterSequence with no gap and no duplicate, while events keep coming', async () => {
    const { token, projectId } = await newProject();
    gates.hold(projectId, 'VALIDATE');
    const watcher = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId });
    await watcher.next(() => true);
    await gqlOk(server.url, START, { id: projectId }, token);
    await gates.entered(projectId, 'VALIDATE');

    // A reconnecting client that last saw sequence 1 subscribes while the run goes on.
    const replay = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId, after: 1 });
    gates.release(projectId, 'VALIDATE');
    await replay.next(isFinal);
    await watcher.next(isFinal);

    const stored = await server.app.services.sql.query<{ sequence: number }>(
      'select sequence from project_status_events where project_id = $1 and sequence > 1 order by sequence',
      [projectId],
    );
    const replayed = replay.events.map((e) => e.projectStatus.sequence);
    expect(new Set(replayed).size).toBe(replayed.length);
    expect(replayed).toEqual([...replayed].sort((a, b) => a - b));
    // Every stored event after 1 arrived (ticks, which are not stored, may come too).
    for (const { sequence } of stored) expect(replayed).toContain(sequence);
    expect(replayed[0]).toBe(2);
  });

  it('gives every subscriber of a project the same events, each in its own selection, while others leave', async () => {
    const { token, projectId } = await newProject();
    gates.hold(projectId, 'CLASSIFY');
    const NARROW = 'subscription($id: ID!) { projectStatus(projectId: $id) { sequence status } }';
    const one = wsClient(server.wsUrl, token);
    const two = wsClient(server.wsUrl, token);
    const full = [collect<StatusEvent>(one, STATUS, { id: projectId }), collect<StatusEvent>(two, STATUS, { id: projectId })];
    const narrow = collect<{ projectStatus: { sequence: number; status: string } }>(one, NARROW, { id: projectId });
    const leaver = collect<StatusEvent>(two, STATUS, { id: projectId });
    await Promise.all([...full, narrow, leaver].map((s) => s.next(() => true)));

    await gqlOk(server.url, START, { id: projectId }, token);
    await gates.entered(projectId, 'CLASSIFY');
    await leaver.next((e) => e.projectStatus.stage === 'CLASSIFY');
    leaver.unsubscribe();
    gates.release(projectId, 'CLASSIFY');
    await Promise.all(full.map((s) => s.next(isFinal)));
    await narrow.next((e) => e.projectStatus.status === 'COMPLETED');

    const [a, b] = full.map((s) => s.events.map((e) => e.projectStatus));
    expect(b).toEqual(a);
    expect(narrow.events.map((e) => e.projectStatus)).toEqual(a!.map(({ sequence, status }) => ({ sequence, status })));
    expect(narrow.events.every((e) => Object.keys(e.projectStatus).join() === 'sequence,status')).toBe(true);
    // The leaver got a prefix of the same events and nothing after it left.
    const left = leaver.events.map((e) => e.projectStatus);
    expect(left).toEqual(a!.slice(0, left.length));
    expect(left.at(-1)!.stage).toBe('CLASSIFY');
    expect([...full, narrow, leaver].every((s) => s.errors.length === 0)).toBe(true);
  });

  it('keeps the subscription open across runs', async () => {
    const { token, projectId } = await newProject();
    const sub = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId });
    await sub.next(() => true);
    const first = await gqlOk(server.url, START, { id: projectId }, token);
    await sub.next((e) => e.projectStatus.status === 'COMPLETED' && e.projectStatus.runId === first.startProcessing.run.id);
    const second = await gqlOk(server.url, START, { id: projectId, restart: true }, token);
    await sub.next((e) => e.projectStatus.status === 'COMPLETED' && e.projectStatus.runId === second.startProcessing.run.id);
    expect(sub.completed).toBe(false);
  });

  it('does not let another firm subscribe to a project', async () => {
    const { projectId } = await newProject();
    const other = await signUp(server.url);
    const sub = collect<StatusEvent>(wsClient(server.wsUrl, other.token), STATUS, { id: projectId });
    await sub.ended();
    expect(sub.events).toEqual([]);
    expect(JSON.stringify(sub.errors)).toContain('NOT_FOUND');
  });

  it('refuses a graphql-ws connection with a bad token (4403)', async () => {
    const closed = new Promise<number>((resolve) => {
      const client = wsClient(server.wsUrl, 'not-a-token', { on: { closed: (event) => resolve((event as { code: number }).code) } });
      client.subscribe({ query: '{ __typename }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    });
    expect(await closed).toBe(4403);
  });
});
