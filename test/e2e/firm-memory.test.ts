/**
 * CLASSIFY reads the firm's remembered labels when it runs, not when the run started: a label
 * the firm teaches (on another project) while this run sits between EXTRACT and CLASSIFY must
 * reach this run's rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCmaStages } from '../../src/services/pipeline/stages/index.js';
import { closeClients, collect, createProject, example, gqlOk, signUp, upload, wsClient } from '../helpers/client.js';
import { createTestDatabase } from '../helpers/database.js';
import { holdStages, type HeldStages } from '../helpers/held-stages.js';
import { START, STATUS, type StatusEvent } from '../helpers/operations.js';
import { startTestServer, stopAll, testConfig, type TestServer } from '../helpers/server.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'cma-firm-memory-'));
const REVIEW = 'query($id: ID!) { project(id: $id) { status lineItems(needsReview: true) { id label head confidence } } }';
const ITEMS = 'query($id: ID!) { project(id: $id) { lineItems(first: 1000) { label head confidence needsReview } } }';
const CLASSIFY = 'mutation($id: ID!, $head: String!) { classifyLineItem(lineItemId: $id, head: $head) { id } }';
const isFinal = (e: StatusEvent) => ['COMPLETED', 'ERROR', 'REVIEWING', 'CANCELLED'].includes(e.projectStatus.status);

let server: TestServer;
let held: HeldStages;
beforeAll(async () => {
  const database = await createTestDatabase();
  held = holdStages(createCmaStages({ reviewThreshold: testConfig().reviewThreshold, databaseUrl: database.url }));
  server = await startTestServer({ database, config: { dataDir }, deps: { stages: held.stages } });
});
afterAll(async () => {
  await closeClients();
  await stopAll();
  rmSync(dataDir, { recursive: true, force: true });
});

async function uploadedProject(token: string, name: string) {
  const projectId = await createProject(server.url, token, name);
  const res = await upload(server.url, token, projectId, { name: 'needs-review.csv', content: example('needs-review.csv') });
  expect(res.errors).toBeUndefined();
  return projectId;
}

describe('classification between EXTRACT and CLASSIFY', () => {
  it('applies labels the firm taught after EXTRACT read the rows, so the run needs no review', async () => {
    const { token } = await signUp(server.url);
    // A first project pauses for review: its two unknown labels are what the firm will teach.
    const teacher = await uploadedProject(token, 'teacher');
    const first = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: teacher });
    await gqlOk(server.url, START, { id: teacher }, token);
    expect((await first.next(isFinal)).projectStatus.status).toBe('REVIEWING');

    // A second project's run stops after EXTRACT, with its rows stored, before the firm knows.
    const learner = await uploadedProject(token, 'learner');
    held.hold(learner, 'CLASSIFY');
    const second = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: learner });
    await gqlOk(server.url, START, { id: learner }, token);
    await held.entered(learner, 'CLASSIFY');
    const extracted = (await gqlOk(server.url, ITEMS, { id: learner }, token)).project.lineItems as { label: string }[];
    expect(extracted.map((i) => i.label)).toEqual(expect.arrayContaining(['Kotak OD A/c', 'Loan from Mr. Sharma']));

    // The firm answers on the first project meanwhile.
    const pending = (await gqlOk(server.url, REVIEW, { id: teacher }, token)).project.lineItems as { id: string; label: string }[];
    for (const item of pending) {
      await gqlOk(server.url, CLASSIFY, { id: item.id, head: item.label === 'Kotak OD A/c' ? 'BANK_BORROWINGS' : 'UNSECURED_LOANS' }, token);
    }

    held.release(learner, 'CLASSIFY');
    expect((await second.next(isFinal)).projectStatus.status).toBe('COMPLETED');
    const items = (await gqlOk(server.url, ITEMS, { id: learner }, token)).project.lineItems as { label: string; head: string; confidence: number; needsReview: boolean }[];
    expect(items.filter((i) => i.needsReview)).toEqual([]);
    expect(items.find((i) => i.label === 'Kotak OD A/c')).toMatchObject({ head: 'BANK_BORROWINGS', needsReview: false });
    expect(items.find((i) => i.label === 'Loan from Mr. Sharma')).toMatchObject({ head: 'UNSECURED_LOANS', needsReview: false });
  });
});
