import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { closeClients, collect, createProject, gqlOk, signUp, wsClient } from '../helpers/client.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { START, STATUS, type StatusEvent } from '../helpers/operations.js';
import { trialBalanceCsv } from '../helpers/trial-balance.js';

// The previous version kept each upload at DATA_DIR/documents/<storage_key>. Its state is laid
// down here by hand (rows with storage_key set, files on disk, a half-written `.part`), then the
// real entry point starts on it.
let database: TestDatabase;
let db: pg.Client;
const dirs: string[] = [];
const children: ChildServer[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  db = new pg.Client({ connectionString: database.url });
  await db.connect();
});
afterAll(async () => {
  await closeClients();
  for (const child of children) child.process.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
  await db.end();
  await database.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const env = (dataDir: string) => ({
  DATABASE_URL: database.url,
  DATA_DIR: dataDir,
  JWT_SECRET: 'document-move-test-secret-long-enough-0123456789',
});

async function start(dataDir: string, onLog?: Parameters<typeof spawnServer>[2]): Promise<ChildServer> {
  const child = await spawnServer(env(dataDir), 60_000, onLog);
  children.push(child);
  return child;
}

async function stop(child: ChildServer): Promise<void> {
  child.process.kill('SIGTERM');
  expect(await child.exited).toBe(0);
}

/** A project with `files` documents stored the previous version's way; returns what to expect. */
async function previousVersionProject(dataDir: string, files: { name: string; content: string }[]) {
  const server = await start(dataDir);
  const { token, firmId } = await signUp(server.url);
  const projectId = await createProject(server.url, token);
  await stop(server);
  mkdirSync(path.join(dataDir, 'documents'), { recursive: true });
  const docs = [];
  for (const file of files) {
    const key = randomUUID();
    const bytes = Buffer.from(file.content);
    writeFileSync(path.join(dataDir, 'documents', key), bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const { rows: [row] } = await db.query(
      `insert into documents (project_id, firm_id, filename, content_type, size_bytes, sha256, storage_key)
       values ($1, $2, $3, 'text/csv', $4, $5, $6) returning id`,
      [projectId, firmId, file.name, bytes.length, sha256, key],
    );
    docs.push({ id: row.id as string, key, sha256, size: bytes.length });
  }
  writeFileSync(path.join(dataDir, 'documents', `${randomUUID()}.part`), 'half an upload');
  return { token, projectId, docs };
}

/** Each document's bytes as stored in the database: size and sha256 over its chunks in order. */
async function storedBytes(documentId: string) {
  const { rows } = await db.query('select data from document_chunks where document_id = $1 order by seq', [documentId]);
  const hash = createHash('sha256');
  let size = 0;
  for (const r of rows) {
    hash.update(r.data as Buffer);
    size += (r.data as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

async function processToEnd(server: ChildServer, token: string, projectId: string) {
  const sub = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId });
  await sub.next(() => true);
  await gqlOk(server.url, START, { id: projectId }, token);
  return (await sub.next((e) => ['COMPLETED', 'ERROR'].includes(e.projectStatus.status), 90_000)).projectStatus;
}

const newDataDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cma-move-'));
  dirs.push(dir);
  return dir;
};

describe('documents of the previous version under DATA_DIR/documents', () => {
  it('are moved into the database on start, whole, and a project made of them processes', async () => {
    const dataDir = newDataDir();
    const files = [
      { name: 'fy24.csv', content: trialBalanceCsv(3_000, 1, 3) },
      { name: 'fy23.csv', content: trialBalanceCsv(3_000, 1, 5).replaceAll('2024,', '2023,') },
    ];
    const { token, projectId, docs } = await previousVersionProject(dataDir, files);

    const server = await start(dataDir);
    for (const doc of docs) expect(await storedBytes(doc.id)).toEqual({ size: doc.size, sha256: doc.sha256 });
    const { rows } = await db.query('select count(*)::int as n from documents where storage_key is not null');
    expect(rows[0].n).toBe(0);
    // Nothing left on disk: DATA_DIR holds the development secret (and an embedded database) only.
    expect(existsSync(path.join(dataDir, 'documents'))).toBe(false);
    expect(server.logs.some((l) => l.msg === 'moved 2 documents of the previous version into the database')).toBe(true);

    const final = await processToEnd(server, token, projectId);
    expect(final.status, final.errorMessage ?? '').toBe('COMPLETED');
    const { rows: [items] } = await db.query('select count(*)::int as n from line_items where project_id = $1', [projectId]);
    expect(items.n).toBe(files.reduce((sum, f) => sum + f.content.trim().split('\n').length - 1, 0));
    await stop(server);
  }, 180_000);

  it('a move cut by kill -9 completes on the next start, each document once', async () => {
    const dataDir = newDataDir();
    const files = Array.from({ length: 6 }, (_, i) => ({ name: `part-${i}.csv`, content: trialBalanceCsv(60_000, 1, 11 + i) }));
    const { projectId, docs } = await previousVersionProject(dataDir, files);

    // Killed as soon as the first document is moved, while the others are still on disk.
    await expect(
      start(dataDir, (entry, child) => {
        if (entry.msg === 'moved a document from DATA_DIR/documents into the database') child.kill('SIGKILL');
      }),
    ).rejects.toThrow(/exited \(SIGKILL\) before it was ready/);
    const { rows: [left] } = await db.query('select count(*)::int as n from documents where storage_key is not null');
    expect(left.n).toBeGreaterThan(0);
    expect(left.n).toBeLessThan(docs.length);

    // The state between the copy's commit and the file's removal, made by hand for one moved
    // document: bytes in the database, row and file still naming the file.
    const { rows: [moved] } = await db.query('select id from documents where storage_key is null and project_id = $1 limit 1', [projectId]);
    const doc = docs.find((d) => d.id === moved.id)!;
    await db.query('update documents set storage_key = $2 where id = $1', [doc.id, doc.key]);
    writeFileSync(path.join(dataDir, 'documents', doc.key), files[docs.indexOf(doc)]!.content);

    const server = await start(dataDir);
    for (const d of docs) expect(await storedBytes(d.id)).toEqual({ size: d.size, sha256: d.sha256 });
    const { rows: [after] } = await db.query('select count(*)::int as n from documents where storage_key is not null');
    expect(after.n).toBe(0);
    expect(existsSync(path.join(dataDir, 'documents'))).toBe(false);
    await stop(server);
  }, 240_000);
});
