import path from 'node:path';
import type pg from 'pg';
import { closeBaselineRuns, queryRetried } from './database.js';
import { BASELINE_OWNER } from './constants.js';
import type { Account } from './graphql.js';
import type { Counts, Mode } from './modes.js';
import type { Figure } from './results.js';
import { startServer, stopServer, type BenchServer } from './server.js';

/** What every scenario gets from the orchestrator. */
export interface BenchContext {
  mode: Mode;
  counts: Counts;
  databaseUrl: string;
  /** The orchestrator's own pool on the bench database: seeding and clean-up only. */
  db: pg.Pool;
  tmpDir: string;
  /** bench/.out: logs, profiles. */
  outDir: string;
  logLevel: string;
  /** Write a CPU profile of the server for each measured window. */
  profile: boolean;
  /** Write heap snapshots of the service in the memory scenario (bench/tools/heap-diff.ts). */
  heapSnapshots: boolean;
  /** Extra environment for every server started (`--server-env`). */
  serverEnv: Record<string, string>;
  /** The 150,000-row (or quick-mode) trial balance, generated once. */
  csvFile(rows: number): Promise<string>;
  log(message: string): void;
  /** Raw measurements, written to results.json under `details.<scenario>`. */
  details: Record<string, unknown>;
}

export type Scenario = (ctx: BenchContext) => Promise<Figure[]>;

let serverCount = 0;

/**
 * A fresh server for one scenario, with its own data folder, and a signed-up firm. Each
 * scenario gets its own so nothing one leaves behind (a queue backlog, a grown heap) colours
 * the next.
 */
export async function freshServer(ctx: BenchContext, label: string, env: Record<string, string> = {}): Promise<BenchServer> {
  serverCount += 1;
  const server = await startServer({
    databaseUrl: ctx.databaseUrl,
    dataDir: path.join(ctx.tmpDir, `data-${serverCount}`),
    logFile: path.join(ctx.outDir, `server-${serverCount}-${label}.log`),
    logLevel: ctx.logLevel,
    // One firm starts thousands of pipelines a second here; the limiter still runs on every
    // start (its cost is measured), it just never refuses. Every other limit keeps its default.
    // Likewise the per-firm cap on running runs (default 2): one firm stands for many here.
    env: { RATE_LIMIT_STARTS_PER_FIRM: '1000000', FIRM_MAX_ACTIVE_RUNS: '10000', ...env, ...ctx.serverEnv },
  });
  ctx.log(`  server ${serverCount} (${label}) at ${server.url}, log ${path.relative(process.cwd(), server.logFile)}`);
  return server;
}

/**
 * Ends what a scenario left in the queue: queued runs cancelled, running ones waited for, the
 * claim baseline's runs closed. Then stops the server (graceful) and cancels anything it handed
 * back, so the next scenario starts with an empty queue.
 */
export async function quiesce(ctx: BenchContext, server: BenchServer | undefined): Promise<void> {
  await settle(ctx, server);
  await stopServer(server);
  await cancelQueued(ctx.db, true);
}

/**
 * Between measured windows: the claim baseline's runs closed, the service's queue backlog
 * cancelled and its running runs waited for, so no side's leftover work runs during the other
 * side's window. Returns how many queued runs were cancelled. A server that has exited will not
 * finish its running runs: they are not waited for (`quiesce` cancels them).
 */
export async function settle(ctx: BenchContext, server: BenchServer | undefined): Promise<number> {
  await closeBaselineRuns(ctx.db, BASELINE_OWNER);
  const cancelled = await cancelQueued(ctx.db);
  const deadline = Date.now() + 60_000;
  const alive = () => server !== undefined && server.proc.child.exitCode === null && server.proc.child.signalCode === null;
  while (Date.now() < deadline && alive()) {
    const { rows } = await ctx.db.query<{ n: number }>(`select count(*)::int as n from pipeline_runs where status = 'RUNNING'`);
    if ((rows[0]?.n ?? 0) === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cancelled;
}

async function cancelQueued(db: pg.Pool, running = false): Promise<number> {
  const { rowCount } = await queryRetried(db, 
    // The service's lock order (src/services/pipeline/lock-order.ts): the firms first, then
    // their runs; runs locked first deadlocked with the service's take (PostgreSQL's log).
    `with f as (
       select id from firms where id in (select firm_id from pipeline_runs where status = 'QUEUED' ${running ? "or status = 'RUNNING'" : ''})
       order by id for no key update),
     r as (
       update pipeline_runs set status = 'CANCELLED', finished_at = now(), lease_owner = null, heartbeat_at = null
       where (status = 'QUEUED' ${running ? "or status = 'RUNNING'" : ''}) and exists (select 1 from f) returning project_id)
     update cma_projects p set is_processing = false, status = 'CANCELLED' from r where p.id = r.project_id`,
  );
  return rowCount ?? 0;
}

/** Runs `fn` with the server's CPU profile recorded to bench/.out/<name>.cpuprofile when asked. */
export async function profiled<T>(ctx: BenchContext, server: Pick<BenchServer, 'proc'>, name: string, fn: () => Promise<T>): Promise<T> {
  if (!ctx.profile) return fn();
  await server.proc.peer.request('profile:start');
  try {
    return await fn();
  } finally {
    const file = path.join(ctx.outDir, `${name}.cpuprofile`);
    await server.proc.peer.request('profile:stop', { file });
    ctx.log(`  profile: ${path.relative(process.cwd(), file)}`);
  }
}

export const baseOf = (url: string) => new URL(url).origin;
export type { Account };
