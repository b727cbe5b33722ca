import { closeBaselineRuns, seedProjects } from '../lib/database.js';
import { BASELINE_OWNER } from '../lib/constants.js';
import { baseOf, freshServer, profiled, quiesce, type Scenario } from '../lib/context.js';
import { signUp } from '../lib/graphql.js';
import { forkScript } from '../lib/processes.js';
import { figure } from '../lib/results.js';
import type { LoadResult, LoadSpec } from '../load/http-load.js';

/**
 * 1. start: startProcessing on distinct fresh projects (the real stages, which end at once on a
 * project without documents: EXTRACT fails "no documents", so the claim path is what runs),
 * at 1 client and at 50. Baseline: the claim statement through `pg` behind node:http.
 */
export const startScenario: Scenario = async (ctx) => {
  const c = ctx.counts.start;
  const server = await freshServer(ctx, 'start');
  const claim = forkScript('claim-server', 'baselines/claim-server.ts');
  const load = forkScript('http-load', 'load/http-load.ts');
  try {
    const claimUrl = await claim.peer.request<string>('listen', { databaseUrl: ctx.databaseUrl });
    const account = await signUp(server.url, 'Bench start');
    const run = (spec: LoadSpec) => load.peer.request<LoadResult>('run', spec, 600_000);
    const serialProjects = c.serial + c.serialWarmup;
    // Enough fresh projects for the fastest side to never run out (checked: `exhausted`).
    const concurrentProjects = Math.ceil(((c.durationMs + c.warmupMs) / 1000) * 10_000);

    ctx.log(`  1 client: ${c.serial} requests after ${c.serialWarmup} warm-up, baseline then service`);
    const base1 = await run({
      baseUrl: claimUrl, kind: 'claim', firmId: account.firmId, concurrency: 1, count: c.serial, warmup: c.serialWarmup,
      projectIds: await seedProjects(ctx.db, account.firmId, serialProjects, 'baseline serial'),
    });
    await closeBaselineRuns(ctx.db, BASELINE_OWNER);
    const serialIds = await seedProjects(ctx.db, account.firmId, serialProjects, 'service serial');
    await server.proc.peer.request('queries:reset');
    const svc1 = await profiled(ctx, server, 'start-1-client', () =>
      run({ baseUrl: baseOf(server.url), kind: 'start', token: account.token, concurrency: 1, count: c.serial, warmup: c.serialWarmup, projectIds: serialIds }),
    );
    await waitForRuns(ctx.db, serialIds);
    const statements = await server.proc.peer.request<{ statements: number; top: { count: number; text: string }[] }>('queries:report');

    ctx.log(`  ${c.concurrency} clients: ${c.durationMs} ms after ${c.warmupMs} ms warm-up, baseline then service`);
    const base50 = await run({
      baseUrl: claimUrl, kind: 'claim', firmId: account.firmId, concurrency: c.concurrency, durationMs: c.durationMs, warmup: c.warmupMs,
      projectIds: await seedProjects(ctx.db, account.firmId, concurrentProjects, 'baseline concurrent'),
    });
    await closeBaselineRuns(ctx.db, BASELINE_OWNER);
    const concurrentIds = await seedProjects(ctx.db, account.firmId, concurrentProjects, 'service concurrent');
    await server.proc.peer.request('loop:reset');
    const svc50 = await profiled(ctx, server, 'start-50-clients', () =>
      run({ baseUrl: baseOf(server.url), kind: 'start', token: account.token, concurrency: c.concurrency, durationMs: c.durationMs, warmup: c.warmupMs, projectIds: concurrentIds }),
    );
    const loop50 = await server.proc.peer.request<Record<string, number>>('loop:report');
    const backlog = await ctx.db.query<{ status: string; n: number }>(
      `select status, count(*)::int as n from pipeline_runs where status in ('QUEUED', 'RUNNING') group by status`,
    );

    for (const [label, r] of Object.entries({ base1, svc1, base50, svc50 })) {
      if (r.errors > 0) ctx.log(`  ! ${label}: ${r.errors} errors, first: ${r.firstError}`);
      if (r.exhausted) ctx.log(`  ! ${label}: ran out of fresh projects; the window was shorter`);
    }
    const perStart = statements.statements / serialProjects;
    ctx.details.start = {
      oneClient: { service: svc1, baseline: base1 },
      concurrent: { clients: c.concurrency, service: svc50, baseline: base50, serverLoop: loop50, backlogAfter: backlog.rows },
      statementsPerStart: perStart,
      topStatements: statements.top,
    };
    const n = c.concurrency;
    return [
      figure('start: 1 client p50', svc1.latency.p50, 'ms', base1.latency.p50, { on: 'value', op: '<=', limit: 2 }),
      figure('start: 1 client p99', svc1.latency.p99, 'ms', base1.latency.p99, { on: 'value', op: '<=', limit: 5 }),
      figure(`start: ${n} clients throughput`, svc50.rps, 'req/s', base50.rps, { on: 'ratio', op: '>=', limit: 0.5 }),
      figure(`start: ${n} clients p50`, svc50.latency.p50, 'ms', base50.latency.p50),
      figure(`start: ${n} clients p99`, svc50.latency.p99, 'ms', base50.latency.p99),
      figure('start: SQL statements per start (request + its run)', perStart, 'stmts', 1),
      figure('start: errors', svc1.errors + svc50.errors, 'req', base1.errors + base50.errors),
    ];
  } finally {
    await Promise.all([claim.stop(), load.stop()]);
    await quiesce(ctx, server);
  }
};

/** Waits until every run of these projects has ended (they end in milliseconds). */
async function waitForRuns(db: import('pg').Pool, projectIds: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await db.query<{ n: number }>(
      `select count(*)::int as n from pipeline_runs where project_id = any($1::uuid[]) and status in ('QUEUED', 'RUNNING')`,
      [projectIds],
    );
    if ((rows[0]?.n ?? 0) === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
