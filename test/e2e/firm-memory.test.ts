/**
 * CLASSIFY reads the firm's remembered labels when it runs, not when the run started: a label
 * the firm teaches (on another project) while this run sits between EXTRACT and CLASSIFY must
 * reach this run's rows, and only the rows it changes are written again. When nothing was taught,
 * EXTRACT's classification stands and every row is written once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCmaStages } from '../../src/services/pipeline/stages/index.js';
import { closeClients, collect, createProject, example, gqlOk, signUp, upload, wsClient } from '../helpers/client.js';
import { createTestDatabase } from '../helpers/database.js';
import { createDbReader, type DbReader } from '../helpers/faults/run-facts.js';
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
let db: DbReader;
beforeAll(async () => {
  const database = await createTestDatabase();
  db = createDbReader(database.url);
  held = holdStages(createCmaStages({ reviewThreshold: testConfig().reviewThreshold, databaseUrl: database.url }));
  server = await startTestServer({ database, config: { dataDir }, deps: { stages: held.stages } });
});
afterAll(async () => {
  await db.close();
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

/** The transactions that last wrote the project's line items, to tell whether CLASSIFY rewrote them. */
const writers = async (projectId: string) =>
  (await db.query<{ xmin: string }>('select distinct xmin::text as xmin from line_items where project_id = $1 order by 1', [projectId])).map((r) => r.xmin);

describe('classification between EXTRACT and CLASSIFY', () => {
  it('keeps the rows EXTRACT classified when no label changed since: one write per row', async () => {
    const { token } = await signUp(server.url);
    const projectId = await createProject(server.url, token, 'one write');
    expect((await upload(server.url, token, projectId, { name: 'clean-two-years.csv', content: example('clean-two-years.csv') })).errors).toBeUndefined();
    held.hold(projectId, 'CLASSIFY');
    const watch = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId });
    await watch.next(() => true);
    await gqlOk(server.url, START, { id: projectId }, token);
    await held.entered(projectId, 'CLASSIFY');
    const extracted = await writers(projectId);
    expect(extracted).toHaveLength(1);
    held.release(projectId, 'CLASSIFY');
    expect((await watch.next(isFinal)).projectStatus.status).toBe('COMPLETED');
    // CLASSIFY still reports itself, though it wrote no row.
    expect(watch.events.map((e) => e.projectStatus.message)).toEqual(expect.arrayContaining(['CLASSIFY started', 'CLASSIFY finished']));
    expect(await writers(projectId)).toEqual(extracted);
    const items = (await gqlOk(server.url, ITEMS, { id: projectId }, token)).project.lineItems as { head: string | null; needsReview: boolean }[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.head !== null && !i.needsReview)).toBe(true);
  });

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
    const extractedBy = await writers(learner);
    const extracted = (await gqlOk(server.url, ITEMS, { id: learner }, token)).project.lineItems as { label: string }[];
    expect(extracted.map((i) => i.label)).toEqual(expect.arrayContaining(['Kotak OD A/c', 'Loan from Mr. Sharma']));

    // The firm answers on the first project meanwhile.
    const pending = (await gqlOk(server.url, REVIEW, { id: teacher }, token)).project.lineItems as { id: string; label: string }[];
    for (const item of pending) {
      await gqlOk(server.url, CLASSIFY, { id: item.id, head: item.label === 'Kotak OD A/c' ? 'BANK_BORROWINGS' : 'UNSECURED_LOANS' }, token);
    }

    held.release(learner, 'CLASSIFY');
    expect((await second.next(isFinal)).projectStatus.status).toBe('COMPLETED');
    // The firm's labels version moved, so CLASSIFY classified the rows itself, and rewrote only
    // those whose head changed: the rest still carry EXTRACT's write.
    expect(await writers(learner)).not.toEqual(extractedBy);
    const rewritten = await db.query<{ label: string }>('select label from line_items where project_id = $1 and xmin::text <> all($2::text[]) order by label', [learner, extractedBy]);
    expect(rewritten.map((r) => r.label)).toEqual(['Kotak OD A/c', 'Loan from Mr. Sharma']);
    const items = (await gqlOk(server.url, ITEMS, { id: learner }, token)).project.lineItems as { label: string; head: string; confidence: number; needsReview: boolean }[];
    expect(items.filter((i) => i.needsReview)).toEqual([]);
    expect(items.find((i) => i.label === 'Kotak OD A/c')).toMatchObject({ head: 'BANK_BORROWINGS', needsReview: false });
    expect(items.find((i) => i.label === 'Loan from Mr. Sharma')).toMatchObject({ head: 'UNSECURED_LOANS', needsReview: false });
  });
});
