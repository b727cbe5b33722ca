import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/services/logger.js';
import type { Stage } from '../../src/services/pipeline/stage.js';
import { createCmaStages } from '../../src/services/pipeline/stages/index.js';
import { closeClients, collect, createProject, example, gql, signUp, upload, wsClient } from '../helpers/client.js';
import { createTestDatabase } from '../helpers/database.js';
import { START, STATUS, type StatusEvent } from '../helpers/operations.js';
import { startTestServer, stopAll, testConfig, type TestServer } from '../helpers/server.js';

type Line = Record<string, unknown>;
const lines: Line[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    for (const text of String(chunk).split('\n')) if (text) lines.push(JSON.parse(text) as Line);
    done();
  },
});

/**
 * The real stages, each also logging through a logger of its own (not the stage's, not a
 * child with bindings), once at once and once after a timer: the ids must come from the run's
 * async context alone.
 */
function chatty(stages: Stage[]): Stage[] {
  const plain = createLogger('info', false, sink);
  return stages.map((stage) => ({
    ...stage,
    async run(ctx) {
      plain.info('inside stage');
      await new Promise<void>((resolve) => setTimeout(() => (plain.info('inside stage, later'), resolve()), 1));
      return stage.run(ctx);
    },
  }));
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'cma-run-logs-'));
let server: TestServer;
beforeAll(async () => {
  const database = await createTestDatabase();
  const stages = chatty(createCmaStages({ reviewThreshold: testConfig().reviewThreshold, databaseUrl: database.url }));
  server = await startTestServer({ database, config: { dataDir, logLevel: 'info' }, deps: { stages }, logTo: sink });
});
afterAll(async () => {
  await closeClients();
  await stopAll();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('logs that follow a run', () => {
  it('every line written while a run executes carries runId, projectId, firmId, and the stage inside one', async () => {
    const { token, firmId } = await signUp(server.url);
    const projectId = await createProject(server.url, token);
    expect((await upload(server.url, token, projectId, { name: 'clean.csv', content: example('clean-two-years.csv') })).errors).toBeUndefined();
    const sub = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId });
    await sub.next(() => true);
    const res = await gql<{ startProcessing: { run: { id: string } } }>(server.url, START, { id: projectId }, token);
    const runId = res.data!.startProcessing.run.id;
    await sub.next((e) => e.projectStatus.status === 'COMPLETED');

    const ofRun = lines.filter((l) => l.runId === runId && l.msg !== 'processing started');
    const stagesSeen = new Set(ofRun.filter((l) => l.msg === 'inside stage').map((l) => l.stage));
    expect([...stagesSeen].sort()).toEqual(['CLASSIFY', 'EXTRACT', 'GENERATE', 'REVIEW', 'VALIDATE']);
    expect(ofRun.filter((l) => l.msg === 'inside stage, later')).toHaveLength(5);
    expect(ofRun.some((l) => l.msg === 'extracted line items' && l.stage === 'EXTRACT')).toBe(true);
    expect(ofRun.some((l) => l.msg === 'run ended')).toBe(true);
    for (const line of ofRun) expect(line, JSON.stringify(line)).toMatchObject({ runId, projectId, firmId });
    // Every line of the stage bodies is one of the run's: none lost its context.
    expect(lines.filter((l) => String(l.msg).startsWith('inside stage') && l.runId === undefined)).toEqual([]);
  });

  it('request lines carry a request id, returned as x-request-id (the client’s own when it is plain), and one line per GraphQL operation', async () => {
    const { token } = await signUp(server.url);
    const ask = (headers: Record<string, string>) =>
      fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
        body: JSON.stringify({ query: 'mutation Go($id: ID!) { startProcessing(projectId: $id) { message } }', variables: { id: '00000000-0000-4000-8000-00000000abcd' }, operationName: 'Go' }),
      });
    const mine = await ask({ 'x-request-id': 'client-chosen-id-42' });
    expect(mine.headers.get('x-request-id')).toBe('client-chosen-id-42');
    await mine.text();
    const forged = await ask({ 'x-request-id': 'bad id {"level":60}' });
    const assigned = forged.headers.get('x-request-id')!;
    expect(assigned).toMatch(/^[0-9a-f-]{36}$/);
    await forged.text();

    for (const id of ['client-chosen-id-42', assigned]) {
      const ofRequest = lines.filter((l) => l.requestId === id);
      const operation = ofRequest.find((l) => l.msg === 'graphql operation');
      expect(operation).toMatchObject({ operation: 'startProcessing', type: 'mutation', operationName: 'Go', errorCode: 'NOT_FOUND' });
      expect(typeof operation!.ms).toBe('number');
      expect(ofRequest.find((l) => l.msg === 'request')).toMatchObject({ method: 'POST', route: 'graphql', status: 200 });
    }
    // Neither line holds the query's variables or the token.
    const text = JSON.stringify(lines);
    expect(text).not.toContain(token);
    expect(text).not.toContain('00000000-0000-4000-8000-00000000abcd');
  });
});
