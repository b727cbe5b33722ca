/**
 * `npm run build` and `node dist/main.js`: the compiled service starts without tsx and
 * completes a run over HTTP, its EXTRACT and CLASSIFY worker threads included. tsc runs once
 * for the file (it takes a while on a busy machine), into a folder of its own inside the
 * project (so node_modules resolves as it does for dist/).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { closeClients, collect, createProject, example, gqlOk, signUp, upload, wsClient } from '../helpers/client.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { START, STATUS, type StatusEvent } from '../helpers/operations.js';
import { parsePrometheus, valueOf } from '../helpers/prometheus.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outDir = path.join(root, '.tmp', `build-test-${process.pid}`);
const dataDir = mkdtempSync(path.join(tmpdir(), 'cma-build-'));

// A resolve hook that refuses tsx, in the main thread and (through execArgv) in every worker
// thread: a run that completes loaded no TypeScript at run time.
const NO_TSX_HOOKS = `export async function resolve(specifier, context, next) {
  if (/(^|\\/)tsx(\\/|$)/.test(specifier)) throw new Error('tsx was loaded by the compiled build: ' + specifier);
  return next(specifier, context);
}`;
const NO_TSX = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(NO_TSX_HOOKS)}`)});`;

let database: TestDatabase;
let server: ChildServer | undefined;

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(root, 'src/scripts/build.mjs'), outDir], { cwd: root, stdio: 'pipe' });
  database = await createTestDatabase();
}, 600_000);

afterAll(async () => {
  await closeClients();
  if (server && server.process.exitCode === null) {
    server.process.kill('SIGTERM');
    await server.exited;
  }
  await database?.drop();
  rmSync(outDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the compiled build', () => {
  it('holds the entry, the worker bootstrap and compiled jobs and migrations, and no TypeScript', () => {
    for (const file of ['main.js', 'src/main.js', 'src/services/pipeline/workers/bootstrap.mjs', 'src/services/pipeline/workers/extract-job.js', 'src/services/pipeline/workers/classify-job.js', 'package.json']) {
      expect(existsSync(path.join(outDir, file)), file).toBe(true);
    }
    const migrations = readFileSync(path.join(outDir, 'src/database/migrations-list.js'), 'utf8');
    for (const [, name] of migrations.matchAll(/from '\.\.\/\.\.\/migrations\/(\w+)\.js'/g)) {
      expect(existsSync(path.join(outDir, 'migrations', `${name}.js`)), name).toBe(true);
    }
    expect(execFileSync('find', [outDir, '-name', '*.ts', '-not', '-name', '*.d.ts']).toString()).toBe('');
  });

  it('every `node dist/…` command of compose.yaml names a file the build produces', () => {
    const compose = parse(readFileSync(path.join(root, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, { command?: string[] | string }> };
    const commands = Object.values(compose.services)
      .map((s) => (typeof s.command === 'string' ? s.command.split(/\s+/) : s.command))
      .filter((c): c is string[] => c?.[0] === 'node');
    expect(commands.length).toBeGreaterThanOrEqual(4);
    for (const command of commands) {
      const entry = command.find((a) => a.startsWith('dist/'))!;
      expect(existsSync(path.join(outDir, entry.slice('dist/'.length))), entry).toBe(true);
    }
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/CMD \["node", "dist\/main\.js"\]/);
  });

  it('`node dist/main.js` starts without tsx and completes a run over HTTP, worker threads included', async () => {
    server = await spawnServer(
      { DATABASE_URL: database.url, DATA_DIR: dataDir, JWT_SECRET: 'x'.repeat(40), PIPELINE_CONCURRENCY: '2', CPU_STAGE_CONCURRENCY: '2' },
      120_000,
      undefined,
      ['--import', `data:text/javascript,${encodeURIComponent(NO_TSX)}`, path.join(outDir, 'main.js')],
    );
    const { token } = await signUp(server.url);
    const projectId = await createProject(server.url, token);
    expect((await upload(server.url, token, projectId, { name: 'clean.csv', content: example('clean-two-years.csv') })).errors).toBeUndefined();
    const sub = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId });
    await sub.next(() => true);
    await gqlOk(server.url, START, { id: projectId }, token);
    const final = await sub.next((e) => ['COMPLETED', 'ERROR', 'REVIEWING'].includes(e.projectStatus.status), 90_000);
    expect(final.projectStatus).toMatchObject({ status: 'COMPLETED', errorMessage: null });
    const report = await gqlOk(server.url, `query($id: ID!) { project(id: $id) { report { years { fiscalYear } } } }`, { id: projectId }, token);
    expect(report.project.report.years.length).toBe(2);

    const metrics = parsePrometheus(await (await fetch(server.url.replace('/graphql', '/metrics'))).text());
    expect(valueOf(metrics, 'cma_runs_ended_total', { status: 'COMPLETED' })).toBe(1);
    expect(valueOf(metrics, 'cma_rows_extracted_total')).toBeGreaterThan(0);
    expect(server.logs.some((l) => String(l.msg).includes('tsx'))).toBe(false);
  }, 180_000);
});
