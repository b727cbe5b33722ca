import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/database/embedded.js';
import { spawnServer, type ChildServer } from './child-server.js';

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
    // Generous: on a loaded 2-core machine a tsx start can take tens of seconds.
    const child = await spawnServer({
      ROLE: role,
      DATABASE_URL: shared.databaseUrl,
      REDIS_URL: shared.redisUrl,
      JWT_SECRET: jwtSecret,
      DATA_DIR: dataDir,
      ...shared.env,
      ...env,
    }, 120_000);
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
