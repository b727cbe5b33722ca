/** Shared by the operations measurements: a service process, a database, a run over HTTP. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ROOT } from '../lib/processes.js';

export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `cma_ops_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: ADMIN_URL });
    await c.connect();
    await c.query(sql).finally(() => c.end());
  };
  await admin(`create database ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

export interface Service {
  proc: ChildProcess;
  base: string;
  /** ms from spawn to the "ready" log line. */
  readyMs: number;
  stop(): Promise<void>;
}

/**
 * `node --import tsx src/main.ts` (as `npm start`) or `node dist/main.js`, on a free port. With
 * `OPS_CPU_PROFILE_DIR` set, Node writes a CPU profile of the main thread and of every worker
 * thread there when the service exits (`--cpu-prof`; summarise with profile-summary.ts).
 */
export function startService(mode: 'tsx' | 'dist', env: Record<string, string>): Promise<Service> {
  const profile = process.env.OPS_CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.OPS_CPU_PROFILE_DIR}`] : [];
  const args = [...profile, ...(mode === 'tsx' ? ['--import', 'tsx', 'src/main.ts'] : ['dist/main.js'])];
  const began = performance.now();
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production', PORT: '0', LOG_LEVEL: 'info', JWT_SECRET: 'z'.repeat(48), DATA_DIR: mkdtempSync(path.join(tmpdir(), 'cma-ops-')), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`exited ${code}`)));
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.url && entry.msg?.includes('ready')) {
        resolve({
          proc,
          base: entry.url.replace(/\/graphql$/, ''),
          readyMs: performance.now() - began,
          stop: () => new Promise<void>((done) => (proc.once('exit', () => done()), proc.kill('SIGTERM'))),
        });
      }
    });
  });
}

export async function gql<T = any>(base: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

export async function account(base: string): Promise<string> {
  const email = `ops-${randomBytes(4).toString('hex')}@example.in`;
  const data = await gql(base, 'mutation($i: SignUpInput!) { signUp(input: $i) { token } }', { i: { firmName: 'Ops', name: 'Ops', email, password: 'correct horse battery' } });
  return data.signUp.token as string;
}

/** Uploads the clean example and times startProcessing → COMPLETED (over graphql-ws), in ms. */
export async function timedRun(base: string, token: string): Promise<number> {
  const { createProject } = await gql(base, 'mutation { createProject(input: { name: "ops" }) { id } }', {}, token);
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: 'mutation($p: ID!, $f: File!) { uploadDocument(projectId: $p, file: $f) { id } }', variables: { p: createProject.id, f: null } }));
  form.set('map', JSON.stringify({ 0: ['variables.f'] }));
  form.set('0', new Blob([readFileSync(path.join(ROOT, 'examples/clean-two-years.csv'))], { type: 'text/csv' }), 'clean.csv');
  await (await fetch(`${base}/graphql`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } })).json();
  const client = createClient({ url: `${base.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } });
  try {
    let began = 0;
    const done = new Promise<number>((resolve, reject) => {
      let subscribed = false;
      client.subscribe<{ projectStatus: { status: string } }>(
        { query: 'subscription($p: ID!) { projectStatus(projectId: $p) { status } }', variables: { p: createProject.id } },
        {
          next: ({ data }) => {
            if (!subscribed) {
              subscribed = true;
              began = performance.now();
              void gql(base, 'mutation($p: ID!) { startProcessing(projectId: $p) { message } }', { p: createProject.id }, token).catch(reject);
            } else if (data?.projectStatus.status === 'COMPLETED') resolve(performance.now() - began);
            else if (data?.projectStatus.status === 'ERROR') reject(new Error('run failed'));
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    return await done;
  } finally {
    await client.dispose();
  }
}
