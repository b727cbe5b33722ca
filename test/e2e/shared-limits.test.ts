import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { gql, signUp } from '../helpers/client.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';

/**
 * Limits counted in Redis hold in total across processes: two real service processes
 * (`src/main.ts`) on one database and a Redis of the test's own. And while that Redis is down,
 * each process counts on its own again: requests are limited per process, not all refused.
 */

const LOGIN = `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }`;
const PER_EMAIL = 5;
const WS_CAP = 3;

let database: TestDatabase;
let redis: PrivateRedis;
let servers: [ChildServer, ChildServer];
const dirs: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  redis = await startPrivateRedis();
  const env = (): Record<string, string> => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cma-shared-limits-'));
    dirs.push(dir);
    return {
      DATA_DIR: dir,
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `cma-limits-${process.pid}:`,
      JWT_SECRET: 'shared-limits-secret-that-is-long-enough-0123456789',
      RATE_LIMIT_LOGIN_PER_EMAIL: String(PER_EMAIL),
      WS_MAX_CONNECTIONS_PER_IP: String(WS_CAP),
    };
  };
  const first = await spawnServer(env());
  servers = [first, await spawnServer(env())];
}, 120_000);
afterAll(async () => {
  for (const server of servers ?? []) server.process.kill('SIGKILL');
  await Promise.all((servers ?? []).map((s) => s.exited));
  await redis?.kill();
  await database?.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Wrong-password logins for `email`, alternating between the two processes: the error codes. */
async function attempts(email: string, count: number): Promise<string[]> {
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await gql(servers[i % 2]!.url, LOGIN, { email, password: 'not the password at all' });
    codes.push(String(res.errors?.[0]?.extensions?.code));
  }
  return codes;
}

/** Opens a graphql-ws socket; resolves with its close code if the server closes it first, else 'open'. */
function connect(server: ChildServer): Promise<{ socket: WebSocket; outcome: Promise<number | 'open'> }> {
  const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
  const outcome = new Promise<number | 'open'>((resolve) => {
    socket.once('close', (code) => resolve(code));
    socket.once('open', () => {
      socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
      socket.once('message', () => resolve('open')); // connection_ack: counted and let in
    });
  });
  return Promise.resolve({ socket, outcome });
}

describe('limits shared through Redis', () => {
  it('holds the login limit in total across two processes', async () => {
    const { email } = await signUp(servers[0].url);
    const codes = await attempts(email, PER_EMAIL * 2);
    expect(codes.filter((c) => c === 'UNAUTHENTICATED')).toHaveLength(PER_EMAIL);
    expect(codes.slice(PER_EMAIL)).toEqual(Array(PER_EMAIL).fill('RATE_LIMITED'));
  });

  it('caps WebSocket connections per address in total across two processes, and frees a place on close', async () => {
    const open: WebSocket[] = [];
    for (let i = 0; i < WS_CAP; i++) {
      const { socket, outcome } = await connect(servers[i % 2]!);
      expect(await outcome).toBe('open');
      open.push(socket);
    }
    const over = await connect(servers[1]);
    expect(await over.outcome).toBe(1008);
    open.pop()!.close();
    // The place comes back once the close has been counted: try again until it has (bounded).
    let outcome: number | 'open' = 1008;
    for (let i = 0; i < 50 && outcome !== 'open'; i++) {
      const again = await connect(servers[0]);
      outcome = await again.outcome;
      if (outcome === 'open') open.push(again.socket);
    }
    expect(outcome).toBe('open');
    for (const socket of open) socket.close();
  });

  it('falls back to counting per process while Redis is down, refusing nothing it should let through', async () => {
    const { email } = await signUp(servers[0].url);
    await redis.kill();
    try {
      // Each process now counts alone: PER_EMAIL attempts each, not PER_EMAIL in all, and not 0.
      const codes = await attempts(email, PER_EMAIL * 2);
      expect(codes).toEqual(Array(PER_EMAIL * 2).fill('UNAUTHENTICATED'));
      const { outcome } = await connect(servers[0]);
      expect(await outcome).toBe('open');
      expect(servers[0].process.exitCode).toBeNull();
      const warnings = servers[0].logs.filter((l) => String(l.msg).includes('rate limits and WebSocket connection caps count per process'));
      expect(warnings).toHaveLength(1);
    } finally {
      await redis.start();
    }
  });
});
