import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/database/embedded.js';
import WebSocket from 'ws';
import {
  watchProjectStatus,
  type ProjectStatusEvent,
} from '../../web/src/lib/watch-project-status.js';
import { createProject, gqlOk, signUp, upload } from '../helpers/client.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { deferred, waitFor, type Deferred } from '../helpers/deferred.js';
import { holdStages, stubStages } from '../helpers/held-stages.js';
import { START } from '../helpers/operations.js';
import { startTestServer, stopAll } from '../helpers/server.js';
import { storedSequences, waitForProjectStatus } from '../helpers/stored-events.js';

/**
 * The console's copyable resume module against the real service: a server stopped mid-run and
 * started again on the same port and database, events stored while the client was away, and the
 * client's reconnect held back by the test until they have all happened.
 */
let database: TestDatabase;
const clients: Client[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await stopAll();
});


/** A graphql-ws client whose every reconnect waits for the test's `allowRetry` gate. */
function gatedClient(url: string, token: string) {
  let gate: Deferred<void> = deferred();
  const retrying: Deferred<void> = deferred();
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 1000,
    retryWait: async () => {
      retrying.resolve();
      await gate.promise;
      gate = deferred();
    },
  });
  clients.push(client);
  return { client, retrying: retrying.promise, allowRetry: () => gate.resolve() };
}


describe('watchProjectStatus', () => {
  it('follows a run across a server restart: every stored event once, in order, none twice', async () => {
    const port = await freePort();
    const held = holdStages(stubStages());
    held.hold('*', 'CLASSIFY');
    const first = await startTestServer({ database, config: { port }, deps: { stages: held.stages } });
    const { token } = await signUp(first.url);
    const projectId = await createProject(first.url, token);
    expect((await upload(first.url, token, projectId, { name: 'a.csv', content: 'fiscal_year,statement,line_item,amount\n2024,BS,Share Capital,100\n' })).errors).toBeUndefined();

    const events: ProjectStatusEvent[] = [];
    const errors: unknown[] = [];
    const ws = gatedClient(first.wsUrl, token);
    const watch = watchProjectStatus(ws.client, { projectId, onEvent: (e) => events.push(e), onError: (e) => errors.push(e) });
    await waitFor(async () => events.length > 0, 'the current state');
    expect(events[0]!.status).toBe('DRAFT');

    await gqlOk(first.url, START, { id: projectId }, token);
    await waitFor(async () => events.some((e) => e.stage === 'CLASSIFY' && e.status === 'PROCESSING'), 'CLASSIFY to start');
    const beforeStop = watch.lastSequence();

    // The server goes away mid-run; the client starts retrying, held by the test.
    await first.app.stop();
    await ws.retrying;
    // A new server on the same port and database recovers the run and finishes it while the
    // client is still away: those events exist only in the database.
    const second = await startTestServer({ database, config: { port }, deps: { stages: holdStages(stubStages()).stages } });
    await waitForProjectStatus(second.url, token, projectId, 'COMPLETED', 'the run to complete on the second server');
    expect(events.every((e) => e.status !== 'COMPLETED')).toBe(true);

    ws.allowRetry();
    await waitFor(async () => events.some((e) => e.status === 'COMPLETED'), 'COMPLETED after the reconnect');

    const sequences = events.map((e) => e.sequence);
    expect(sequences).toEqual([...new Set(sequences)].sort((a, b) => a - b)); // once each, in order
    const stored = (await storedSequences(database.url, projectId)).filter((s) => s >= sequences[0]!);
    expect(stored.filter((s) => !sequences.includes(s))).toEqual([]); // none lost
    expect(sequences.filter((s) => s > beforeStop!).length).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    watch.stop();
  });

  it('starts after a given sequence: only what came later, then live', async () => {
    const server = await startTestServer({ database, deps: { stages: stubStages() } });
    const { token } = await signUp(server.url);
    const projectId = await createProject(server.url, token);
    await upload(server.url, token, projectId, { name: 'a.csv', content: 'fiscal_year,statement,line_item,amount\n2024,BS,Share Capital,100\n' });
    await gqlOk(server.url, START, { id: projectId }, token);
    await waitForProjectStatus(server.url, token, projectId, 'COMPLETED', 'the first run');
    const stored = await storedSequences(database.url, projectId);
    const middle = stored[Math.floor(stored.length / 2)]!;

    const events: ProjectStatusEvent[] = [];
    const ws = gatedClient(server.wsUrl, token);
    const watch = watchProjectStatus(ws.client, { projectId, afterSequence: middle, onEvent: (e) => events.push(e) });
    await waitFor(async () => events.some((e) => e.status === 'COMPLETED'), 'the replay');
    expect(events.map((e) => e.sequence)).toEqual(stored.filter((s) => s > middle));
    expect(watch.lastSequence()).toBe(stored.at(-1));
    watch.stop();
  });

  it('reports a refused token once, as the 4403 close, instead of retrying', async () => {
    const server = await startTestServer({ database, deps: { stages: stubStages() } });
    const errors: unknown[] = [];
    const { retryForever } = await import('../../web/src/lib/watch-project-status.js');
    const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: 'Bearer not-a-token' }, ...retryForever });
    clients.push(client);
    watchProjectStatus(client, { projectId: '00000000-0000-0000-0000-000000000000', onEvent: () => undefined, onError: (e) => errors.push(e) });
    await waitFor(async () => errors.length > 0, 'the refusal');
    expect((errors[0] as { code: number }).code).toBe(4403);
  });
});
