import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { closeClients, collect, createProject, gqlOk, signUp, upload, wsClient } from '../helpers/client.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { START, STATUS, type StatusEvent } from '../helpers/operations.js';
import { trialBalanceCsv } from '../helpers/trial-balance.js';

let database: TestDatabase;
let dataDir: string;
const children: ChildServer[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = mkdtempSync(path.join(tmpdir(), 'cma-crash-'));
});
afterAll(async () => {
  await closeClients();
  for (const child of children) child.process.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const env = () => ({
  DATABASE_URL: database.url,
  DATA_DIR: dataDir,
  LEASE_SECONDS: '2',
  JWT_SECRET: 'crash-test-secret-that-is-long-enough-0123456789',
});

describe('a server killed with SIGKILL mid-run', () => {
  it('leaves nothing stuck: the next server resumes the run and it completes without duplicates', async () => {
    const first = await spawnServer(env());
    children.push(first);
    const { token } = await signUp(first.url);
    const projectId = await createProject(first.url, token);
    const rows = 60_000;
    const uploaded = await upload(first.url, token, projectId, { name: 'trial-balance.csv', content: trialBalanceCsv(rows, 2) });
    expect(uploaded.errors).toBeUndefined();

    const before = collect<StatusEvent>(wsClient(first.wsUrl, token), STATUS, { id: projectId });
    await before.next(() => true);
    await gqlOk(first.url, START, { id: projectId }, token);
    // Kill it while a stage is at work: after the first progress tick of any stage.
    const midRun = await before.next((e) => e.projectStatus.status === 'PROCESSING' && e.projectStatus.progress > 0 && e.projectStatus.message === null);
    first.process.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    const second = await spawnServer(env());
    children.push(second);
    const after = collect<StatusEvent>(wsClient(second.wsUrl, token), STATUS, { id: projectId, after: midRun.projectStatus.sequence });
    const final = await after.next((e) => ['COMPLETED', 'ERROR'].includes(e.projectStatus.status), 60_000);
    expect(after.events.some((e) => e.projectStatus.message?.startsWith('resuming: the server running this project stopped'))).toBe(true);
    expect(final.projectStatus.status).toBe('COMPLETED');

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows: [project] } = await client.query('select is_processing, status from cma_projects where id = $1', [projectId]);
      expect(project).toEqual({ is_processing: false, status: 'COMPLETED' });
      const { rows: [items] } = await client.query('select count(*)::int as n, count(distinct (document_id, row_number))::int as distinct_rows from line_items where project_id = $1', [projectId]);
      expect(items.n).toBe(items.distinct_rows);
      expect(items.n).toBe(trialBalanceCsv(rows, 2).trim().split('\n').length - 1);
      const { rows: runs } = await client.query('select status, attempts from pipeline_runs where project_id = $1', [projectId]);
      expect(runs).toEqual([{ status: 'COMPLETED', attempts: 2 }]);
    } finally {
      await client.end();
    }
  }, 120_000);
});
