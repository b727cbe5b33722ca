/**
 * Fixing mistakes, over the real server with the real CMA stages: deleting a wrong upload (not
 * mid-run; afterwards its line items go and the next run extracts again), the last document
 * (back to DRAFT), a whole project (its subscribers get DELETED and complete, no row of it is
 * left in any table), renaming, searching, and a start racing a delete.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCmaStages } from '../../src/services/pipeline/stages/index.js';
import { closeClients, collect, createProject, example, gql, gqlOk, signUp, upload, wsClient } from '../helpers/client.js';
import { createTestDatabase } from '../helpers/database.js';
import { sseOnce } from '../helpers/fuzz/sse.js';
import { holdStages, type HeldStages } from '../helpers/held-stages.js';
import { STATUS, type StatusEvent } from '../helpers/operations.js';
import { startTestServer, stopAll, testConfig, type TestServer } from '../helpers/server.js';
import { trialBalanceCsv } from '../helpers/trial-balance.js';

const FINAL = ['COMPLETED', 'REVIEWING', 'ERROR', 'CANCELLED'];
const REPORT = `query($id: ID!) { project(id: $id) { status isProcessing documents { id } report { years { fiscalYear currentRatio netWorkingCapital workingCapitalGap mpbf } }
  latestRun { stages { stage status } } lineItems(first: 1000) { id } } }`;
const DELETE_DOC = 'mutation($id: ID!) { deleteDocument(id: $id) { id status isProcessing documents { id filename } report { generatedAt } } }';
const DELETE_PROJECT = 'mutation($id: ID!) { deleteProject(id: $id) }';

const dataDir = mkdtempSync(path.join(tmpdir(), 'cma-lifecycle-'));
let server: TestServer;
let held: HeldStages;
let me: Awaited<ReturnType<typeof signUp>>;

beforeAll(async () => {
  const database = await createTestDatabase();
  const options = { dataDir, reviewThreshold: testConfig().reviewThreshold, databaseUrl: database.url };
  held = holdStages(createCmaStages(options as Parameters<typeof createCmaStages>[0]));
  server = await startTestServer({ database, config: { dataDir }, deps: { stages: held.stages } });
  me = await signUp(server.url, 'Lifecycle & Co');
}, 60_000);

afterAll(async () => {
  await closeClients();
  await stopAll();
});

const q = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => server.app.services.sql.query<T>(text, params);
/** How many chunks of the document's bytes are stored (document_chunks). */
const storedChunks = async (documentId: string) =>
  (await q<{ n: number }>('select count(*)::int as n from document_chunks where document_id = $1', [documentId]))[0]!.n;

async function put(projectId: string, name: string, content: string): Promise<string> {
  const res = await upload(server.url, me.token, projectId, { name, content });
  expect(res.errors).toBeUndefined();
  return res.data!.uploadDocument.id;
}

/** Starts a run and waits for its final event. */
async function runToEnd(projectId: string): Promise<string> {
  const sub = collect<StatusEvent>(wsClient(server.wsUrl, me.token), STATUS, { id: projectId });
  await sub.next(() => true);
  const started = await gqlOk(server.url, 'mutation($id: ID!) { startProcessing(projectId: $id) { run { id } } }', { id: projectId }, me.token);
  const final = await sub.next((e) => e.projectStatus.runId === started.startProcessing.run.id && FINAL.includes(e.projectStatus.status));
  sub.unsubscribe();
  return final.projectStatus.status;
}

const report = async (projectId: string) => (await gqlOk(server.url, REPORT, { id: projectId }, me.token)).project;

describe('deleteDocument', () => {
  it('is refused with CONFLICT (409) mid-run and deletes nothing; afterwards it takes the document out and the next run extracts again', async () => {
    const projectId = await createProject(server.url, me.token, 'Wrong upload');
    const right = await put(projectId, 'clean-two-years.csv', example('clean-two-years.csv'));
    const wrong = await put(projectId, 'other-company.csv', trialBalanceCsv(40, 2, 11));

    // Mid-run: held at CLASSIFY, EXTRACT has written both documents' line items.
    held.hold(projectId, 'CLASSIFY');
    await gqlOk(server.url, 'mutation($id: ID!) { startProcessing(projectId: $id) { run { id } } }', { id: projectId }, me.token);
    await held.entered(projectId, 'CLASSIFY');
    const itemsBefore = await q<{ n: number }>('select count(*)::int as n from line_items where document_id = $1', [wrong]);
    expect(itemsBefore[0]!.n).toBeGreaterThan(0);
    for (const [query, id] of [[DELETE_DOC, wrong], [DELETE_PROJECT, projectId]] as const) {
      const refused = await gql(server.url, query, { id }, me.token);
      expect(refused.status).toBe(409);
      expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'CONFLICT' } });
      expect(refused.errors?.[0]?.message).toContain('cancel');
    }
    expect((await q('select id from documents where project_id = $1', [projectId])).length).toBe(2);
    expect((await q<{ n: number }>('select count(*)::int as n from line_items where document_id = $1', [wrong]))[0]!.n).toBe(itemsBefore[0]!.n);
    expect(await storedChunks(wrong)).toBeGreaterThan(0);
    held.release(projectId, 'CLASSIFY');
    const sub = collect<StatusEvent>(wsClient(server.wsUrl, me.token), STATUS, { id: projectId });
    await sub.next((e) => FINAL.includes(e.projectStatus.status));
    sub.unsubscribe();
    const pooled = await report(projectId);
    expect(pooled.status).toBe('COMPLETED');

    // After the run: the wrong document goes, with its bytes and line items.
    const after = await gqlOk(server.url, DELETE_DOC, { id: wrong }, me.token);
    expect(after.deleteDocument.documents).toEqual([{ id: right, filename: 'clean-two-years.csv' }]);
    expect(after.deleteDocument.status).toBe('COMPLETED'); // the old report stands until the next run
    expect((await q<{ n: number }>('select count(*)::int as n from line_items where document_id = $1', [wrong]))[0]!.n).toBe(0);
    expect(await storedChunks(wrong)).toBe(0);
    const checkpoints = await q('select extracted_digest, classified_digest from cma_projects where id = $1', [projectId]);
    expect(checkpoints[0]).toEqual({ extracted_digest: null, classified_digest: null });

    // The next run extracts again, and the report is that of the right document alone.
    held.release(projectId, 'CLASSIFY'); // the hold stays in place: let the next run through
    expect(await runToEnd(projectId)).toBe('COMPLETED');
    const fixed = await report(projectId);
    expect(fixed.latestRun.stages.find((s: { stage: string }) => s.stage === 'EXTRACT').status).toBe('DONE');
    expect(fixed.report.years).not.toEqual(pooled.report.years);
    const reference = await createProject(server.url, me.token, 'Right upload only');
    await put(reference, 'clean-two-years.csv', example('clean-two-years.csv'));
    expect(await runToEnd(reference)).toBe('COMPLETED');
    expect(fixed.report.years).toEqual((await report(reference)).report.years);
    expect(fixed.lineItems.length).toBe((await report(reference)).lineItems.length);
  });

  it('deleting the last document makes the project a DRAFT again, with no report, and tells its subscribers', async () => {
    const projectId = await createProject(server.url, me.token, 'Only upload');
    const only = await put(projectId, 'clean-two-years.csv', example('clean-two-years.csv'));
    expect(await runToEnd(projectId)).toBe('COMPLETED');
    const sub = collect<StatusEvent>(wsClient(server.wsUrl, me.token), STATUS, { id: projectId });
    await sub.next((e) => e.projectStatus.status === 'COMPLETED');
    const after = await gqlOk(server.url, DELETE_DOC, { id: only }, me.token);
    expect(after.deleteDocument).toMatchObject({ id: projectId, status: 'DRAFT', isProcessing: false, documents: [], report: null });
    const event = await sub.next((e) => e.projectStatus.status === 'DRAFT');
    expect(event.projectStatus.message).toContain('deleted');
    expect((await report(projectId)).lineItems).toEqual([]);
    // A second delete, a malformed id and another firm's document: NOT_FOUND / BAD_USER_INPUT.
    expect((await gql(server.url, DELETE_DOC, { id: only }, me.token)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await gql(server.url, DELETE_DOC, { id: 'nope' }, me.token)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('deleteProject', () => {
  it('removes every row of the project in every table and its files; subscribers get DELETED and complete; a second delete is NOT_FOUND', async () => {
    const projectId = await createProject(server.url, me.token, 'To delete');
    const docs = [await put(projectId, 'needs-review.csv', example('needs-review.csv')), await put(projectId, 'b.csv', trialBalanceCsv(20))];
    expect(await runToEnd(projectId)).toBe('REVIEWING');
    for (const doc of docs) expect(await storedChunks(doc)).toBeGreaterThan(0);
    const keep = await createProject(server.url, me.token, 'Kept');
    await put(keep, 'clean-two-years.csv', example('clean-two-years.csv'));
    expect(await runToEnd(keep)).toBe('COMPLETED');

    const ws = collect<StatusEvent>(wsClient(server.wsUrl, me.token), STATUS, { id: projectId });
    await ws.next(() => true);
    const sse = sseOnce(server.url, STATUS, { id: projectId }, { token: me.token, timeoutMs: 20_000 });
    // The SSE stream is attached once its first (current state) event could be read: wait for it in the hub.
    const hub = server.app.services.statusHub;
    const deadline = Date.now() + 10_000;
    while (hub.size() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

    expect(await gqlOk(server.url, DELETE_PROJECT, { id: projectId }, me.token)).toEqual({ deleteProject: true });
    const last = await ws.next((e) => e.projectStatus.status === 'DELETED');
    await ws.ended();
    expect(ws.completed).toBe(true);
    expect(ws.errors).toEqual([]);
    expect(last.projectStatus).toMatchObject({ projectId, status: 'DELETED', message: 'Project deleted' });
    const streamed = await sse;
    expect(streamed.completed).toBe(true);
    expect(streamed.payloads.at(-1)?.data).toMatchObject({ projectStatus: { status: 'DELETED' } });

    // Every table with a project_id column, found by the database itself, and the projects table.
    const tables = await q<{ table: string }>(
      `select table_name as table from information_schema.columns where column_name = 'project_id' and table_schema = current_schema()`,
    );
    expect(tables.map((t) => t.table)).toEqual(expect.arrayContaining(['documents', 'line_items', 'pipeline_runs', 'project_status_events', 'cma_reports']));
    for (const { table } of tables) {
      expect((await q(`select 1 from "${table}" where project_id = $1`, [projectId])).length, table).toBe(0);
      expect((await q(`select 1 from "${table}" where project_id = $1`, [keep])).length, `${table} of the kept project`).toBeGreaterThan(0);
    }
    expect(await q('select 1 from cma_projects where id = $1', [projectId])).toEqual([]);
    expect(await q('select 1 from pipeline_stage_runs s where not exists (select 1 from pipeline_runs r where r.id = s.run_id)')).toEqual([]);
    for (const doc of docs) expect(await storedChunks(doc)).toBe(0);

    const again = await gql(server.url, DELETE_PROJECT, { id: projectId }, me.token);
    expect(again.errors?.[0]).toMatchObject({ message: 'project not found', extensions: { code: 'NOT_FOUND' } });
    expect((await gqlOk(server.url, 'query($id: ID!) { project(id: $id) { id } }', { id: projectId }, me.token)).project).toBeNull();
    // A subscription opened now ends at once instead of waiting forever.
    const late = collect<StatusEvent>(wsClient(server.wsUrl, me.token), STATUS, { id: projectId });
    await late.ended();
    expect(late.events).toEqual([]);
  });

  it('a start racing a delete: exactly one of them wins, every time', async () => {
    for (let i = 0; i < 6; i++) {
      const projectId = await createProject(server.url, me.token, `Race ${i}`);
      await put(projectId, 'clean-two-years.csv', example('clean-two-years.csv'));
      const [start, del] = await Promise.all([
        gql(server.url, 'mutation($id: ID!) { startProcessing(projectId: $id) { run { id } } }', { id: projectId }, me.token),
        gql(server.url, DELETE_PROJECT, { id: projectId }, me.token),
      ]);
      const outcome = [start.errors?.[0]?.extensions?.code ?? 'OK', del.errors?.[0]?.extensions?.code ?? 'OK'];
      expect([['OK', 'CONFLICT'], ['NOT_FOUND', 'OK']], `start, delete: ${JSON.stringify([start, del])}`).toContainEqual(outcome);
      if (outcome[0] === 'OK') {
        expect((await q('select 1 from cma_projects where id = $1', [projectId])).length).toBe(1);
        const sub = collect<StatusEvent>(wsClient(server.wsUrl, me.token), STATUS, { id: projectId });
        await sub.next((e) => FINAL.includes(e.projectStatus.status));
        sub.unsubscribe();
      } else {
        expect(await q('select 1 from pipeline_runs where project_id = $1', [projectId])).toEqual([]);
      }
    }
  });
});

describe('updateProject and projects(search)', () => {
  it('renames and sets or clears the client, with createProject’s rules, and finds projects by part of either, any case', async () => {
    const other = await signUp(server.url, 'Other firm');
    const id = await createProject(server.url, me.token, 'Typo Txtiles');
    const update = 'mutation($id: ID!, $input: UpdateProjectInput!) { updateProject(id: $id, input: $input) { id name clientName } }';
    expect((await gqlOk(server.url, update, { id, input: { name: ' Sharma Textiles FY24 ', clientName: 'Sharma 100% Textiles_Ltd' } }, me.token)).updateProject).toEqual({
      id,
      name: 'Sharma Textiles FY24',
      clientName: 'Sharma 100% Textiles_Ltd',
    });
    expect((await gqlOk(server.url, update, { id, input: {} }, me.token)).updateProject.name).toBe('Sharma Textiles FY24');
    for (const [input, field] of [[{ name: '' }, 'name'], [{ name: null }, 'name'], [{ clientName: 'x'.repeat(201) }, 'clientName']] as const) {
      const res = await gql(server.url, update, { id, input }, me.token);
      expect(res.errors?.[0]?.extensions, JSON.stringify(input)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect((await gql(server.url, update, { id, input: { name: 'stolen' } }, other.token)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const search = async (s: string | null, token = me.token) =>
      (await gqlOk(server.url, 'query($s: String) { projects(search: $s, first: 200) { id } }', { s }, token)).projects.map((p: { id: string }) => p.id);
    expect(await search('textiles')).toContain(id);
    expect(await search('SHARMA 100%')).toContain(id);
    expect(await search('100% TEXTILES_')).toContain(id);
    expect(await search('%')).toEqual([id]); // taken literally: only the one with a % in it
    expect(await search('_ltd')).toEqual([id]);
    expect(await search('no such words')).toEqual([]);
    expect(await search('textiles', other.token)).toEqual([]);
    expect((await search(null)).length).toBeGreaterThan(1);
    expect((await gql(server.url, 'query { projects(search: "a\\u0000") { id } }', {}, me.token)).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'search' });
    expect((await gqlOk(server.url, update, { id, input: { clientName: null } }, me.token)).updateProject.clientName).toBeNull();
  });
});
