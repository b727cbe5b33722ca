import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { gqlOk, signUp } from '../helpers/client.js';

const dirs: string[] = [];
const children: ChildServer[] = [];
afterAll(async () => {
  for (const child of children) child.process.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function freshDataDir(mode = 0o755): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cma-embedded-'));
  chmodSync(dir, mode);
  dirs.push(dir);
  return dir;
}

describe('the embedded PostgreSQL default (no DATABASE_URL)', () => {
  it('starts from an empty data directory, keeps data across a restart, and stops its database with the service', async () => {
    const dataDir = freshDataDir();
    const first = await spawnServer({ DATA_DIR: dataDir });
    children.push(first);
    const started = first.logs.find((l) => l.msg === 'embedded PostgreSQL started');
    expect(started).toMatchObject({ cold: true });
    const account = await signUp(first.url);

    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(path.join(dataDir, 'postgres', 'pg', 'postmaster.pid'))).toBe(false);

    const second = await spawnServer({ DATA_DIR: dataDir });
    children.push(second);
    expect(second.logs.find((l) => l.msg === 'embedded PostgreSQL started')).toMatchObject({ cold: false });
    const login = await gqlOk(second.url, 'mutation($e: String!) { login(email: $e, password: "correct horse battery") { user { id } } }', { e: account.email });
    expect(login.login.user.id).toBe(account.userId);
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 120_000);

  it('names the folder the postgres user cannot enter, instead of failing inside PostgreSQL', async () => {
    if (process.getuid?.() !== 0) return expect(process.getuid?.()).not.toBe(0); // only root runs PostgreSQL as another user
    const locked = freshDataDir(0o700);
    await expect(spawnServer({ DATA_DIR: path.join(locked, 'data') })).rejects.toThrow(`cannot enter ${locked}`);
  });
});
