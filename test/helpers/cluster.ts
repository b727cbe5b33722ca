import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { spawnServer, type ChildServer } from './child-server.js';

/** A port nothing listens on right now (the OS picks it; the caller binds it soon after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
}

/** A redis-server of the test's own on a free port, nothing saved: the test may kill it. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start within 20 s')), 20_000);
    void exited.then(() => reject(new Error('redis-server exited before it was ready')));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export type Role = 'api' | 'worker';

export interface Member extends ChildServer {
  role: Role;
  /** This process's DATA_DIR (its own, like a machine's disk). */
  dataDir: string;
  /** The `pid` part of its runner's instance id, as `pipeline_runs.lease_owner` shows it. */
  pid: number;
}

/**
 * Separate OS processes of the real entry point sharing one PostgreSQL database and one Redis,
 * each with its own DATA_DIR and port, as machines of one deployment would. `dispose` kills
 * whatever is still running and removes the data directories.
 */
export function createCluster(shared: { databaseUrl: string; redisUrl: string; env?: Record<string, string> }) {
  const members = new Set<Member>();
  const dirs: string[] = [];
  const jwtSecret = `cluster-test-secret-${Math.random().toString(36).slice(2)}-0123456789abcdef`;

  async function start(role: Role, env: Record<string, string> = {}): Promise<Member> {
    const dataDir = mkdtempSync(path.join(tmpdir(), `cma-${role}-`));
    dirs.push(dataDir);
    const child = await spawnServer({
      ROLE: role,
      DATABASE_URL: shared.databaseUrl,
      REDIS_URL: shared.redisUrl,
      JWT_SECRET: jwtSecret,
      DATA_DIR: dataDir,
      ...shared.env,
      ...env,
    });
    const member: Member = Object.assign(child, { role, dataDir, pid: child.process.pid! });
    members.add(member);
    void child.exited.then(() => members.delete(member));
    return member;
  }

  return {
    api: (env?: Record<string, string>) => start('api', env),
    worker: (env?: Record<string, string>) => start('worker', env),
    /** SIGTERM: the graceful stop; resolves with the exit code. */
    async stop(member: Member): Promise<number | string> {
      member.process.kill('SIGTERM');
      return member.exited;
    },
    /** The member whose runner holds `leaseOwner` (`host:pid:random`). */
    byLeaseOwner(leaseOwner: string): Member | undefined {
      const pid = Number(leaseOwner.split(':')[1]);
      return [...members].find((m) => m.pid === pid);
    },
    async dispose(): Promise<void> {
      const running = [...members];
      for (const m of running) m.process.kill('SIGKILL');
      await Promise.all(running.map((m) => m.exited));
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type Cluster = ReturnType<typeof createCluster>;
