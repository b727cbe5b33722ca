import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from '../../src/database/embedded.js';
import { randomBytes } from 'node:crypto';
import { captureOutput } from './child-log.js';
import { ROOT, track, type Tracked } from './processes.js';

/** The real service, started as `npm start` would start it, plus the bench's observing preload. */
export interface BenchServer {
  proc: Tracked;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  wsUrl: string;
  jwtSecret: string;
  logFile: string;
}

export interface ServerOptions {
  databaseUrl: string;
  dataDir: string;
  logFile: string;
  logLevel: string;
  /** Extra environment, e.g. PIPELINE_CONCURRENCY. */
  env?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * The service as `npm start` runs it: compiled (`node dist/main.js`, no tsx in the process),
 * with `--expose-gc` and the bench's probe (`bench/preload/server-probe.ts`, bundled to plain
 * JavaScript) preloaded, in its own process: resolves once `/readyz` answers 200. The port is
 * picked here (not PORT=0 and the `ready` log line) so a LOG_LEVEL of warn, which hides that
 * line, works too. Its stdout (pino JSON) goes to `logFile`. NODE_ENV=production, as deployed.
 * `BENCH_SERVER_BUILD=source` (or a `BENCH_SERVER_ENTRY`) runs the source through tsx instead,
 * as `npm run dev` does.
 */
export async function startServer(options: ServerOptions): Promise<BenchServer> {
  const port = await freePort();
  const jwtSecret = randomBytes(32).toString('hex');
  const child = spawn(
    process.execPath,
    serverBuild() === 'dist'
      ? ['--expose-gc', '--import', await compiledProbe(), await compiledEntry()]
      : // BENCH_SERVER_ENTRY: an alternative entry for A/B experiments (see README, "Experiments").
        ['--expose-gc', '--import', 'tsx', '--import', './bench/preload/server-probe.mjs', process.env.BENCH_SERVER_ENTRY ?? 'src/main.ts'],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: options.logLevel,
        DATABASE_URL: options.databaseUrl,
        DATA_DIR: options.dataDir,
        JWT_SECRET: jwtSecret,
        BENCH_PROBE: '1',
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('EXP_')) as [string, string][]),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  const output = captureOutput(child, options.logFile);
  // The crash report waits (briefly) for the rest of stderr: a dying server's stack comes last.
  const detail = async () => {
    await Promise.race([output.done, new Promise((r) => setTimeout(r, 2000).unref())]);
    const tail = output.tail().trim();
    return `${tail ? `its last output on stderr:\n${tail}\n` : ''}log: ${options.logFile}`;
  };
  const proc = track('server', child, { detail });
  const url = `http://127.0.0.1:${port}/graphql`;
  // Generous: on this shared machine under load a cold start has taken 50 s.
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  let exited: number | string | null = null;
  void proc.exited.then((code) => (exited = code));
  while (true) {
    if (exited !== null) throw new Error(`server exited (${exited}) before it was ready: ${output.tail()}\nlog: ${options.logFile}`);
    if (Date.now() > deadline) {
      await proc.stop(1000);
      throw new Error(`server did not answer /readyz in time: ${output.tail()}\nlog: ${options.logFile}`);
    }
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false);
    if (ok) return { proc, url, wsUrl: url.replace(/^http/, 'ws'), jwtSecret, logFile: options.logFile };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What the bench runs: `dist` (the default, as `npm start`) or `source` (tsx, as `npm run dev`). */
export function serverBuild(): 'dist' | 'source' {
  return process.env.BENCH_SERVER_BUILD === 'source' || process.env.BENCH_SERVER_ENTRY ? 'source' : 'dist';
}

/**
 * `npm run build` into bench/.out/dist once per bench run (what `npm start` builds into dist/),
 * and the probe bundled to plain JavaScript (esbuild, tsx's own dependency) so it needs no
 * loader either.
 */
let built: Promise<string> | null = null;
function compiledEntry(): Promise<string> {
  built ??= new Promise((resolve, reject) => {
    const outDir = path.join(ROOT, 'bench/.out/dist');
    execFile(process.execPath, [path.join(ROOT, 'src/scripts/build.mjs'), outDir], { cwd: ROOT }, (err) =>
      err ? reject(err) : resolve(path.join(outDir, 'main.js')),
    );
  });
  return built;
}

let probe: Promise<string> | null = null;
function compiledProbe(): Promise<string> {
  probe ??= (async () => {
    const { build } = await import('esbuild');
    const outfile = path.join(ROOT, 'bench/.out/server-probe.compiled.mjs');
    await build({ entryPoints: [path.join(ROOT, 'bench/preload/server-probe.ts')], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'error' });
    return pathToFileURL(outfile).href;
  })();
  return probe;
}

/** Asks the server to stop (SIGTERM: graceful, as in production); SIGKILL after 20 s. */
export async function stopServer(server: BenchServer | undefined): Promise<void> {
  await server?.proc.stop(20_000);
}

export { freePort };
