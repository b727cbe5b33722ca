import { alternate, alternateSides, type Slice } from '../lib/alternate.js';
import { seedProjects } from '../lib/database.js';
import { baseOf, freshServer, profiled, quiesce, settle, type Scenario } from '../lib/context.js';
import { signUp } from '../lib/graphql.js';
import { forkScript } from '../lib/processes.js';
import { figure } from '../lib/results.js';
import type { LoadResult, LoadSpec } from '../load/http-load.js';

/**
 * 1. start: startProcessing on distinct fresh projects (the real stages, which end at once on a
 * project without documents: EXTRACT fails "no documents", so the claim path is what runs),
 * at 1 client and at 50. Baseline: the claim statement through `pg` behind node:http.
 * Baseline and service alternate in slices; between slices the other side's leftovers (the
 * baseline's claimed runs, the service's queue backlog) are cleared.
 */
export const startScenario: Scenario = async (ctx) => {
  const c = ctx.counts.start;
  const server = await freshServer(ctx, 'start');
  const claim = forkScript('claim-server', 'baselines/claim-server.ts');
  const load = forkScript('http-load', 'load/http-load.ts');
  try {
    const claimUrl = await claim.peer.request<string>('listen', { databaseUrl: ctx.databaseUrl });
    const account = await signUp(server.url, 'Bench start');
    const run = (spec: LoadSpec) => load.peer.request<LoadResult>('run', { ...spec, keepSamples: true }, 600_000);
    const perSlice = Math.ceil(c.serial / c.slices);
    const warmupOf = (slice: number, full: number) => (slice === 0 ? full : Math.round(full / 5));
    const svcBase = baseOf(server.url);

    ctx.log(`  1 client: ${c.serial} requests after ${c.serialWarmup} warm-up, in ${c.slices} alternating slices (baseline, yoga floor, service)`);
    await server.proc.peer.request('queries:reset');
    let serialStarts = 0;
    await claim.peer.request('floor:firm', { firmId: account.firmId });
    // One side's slice: fresh projects, the run (measured by `measure`), then the leftovers cleared.
    const serialSide = (label: string, target: Pick<LoadSpec, 'baseUrl' | 'kind' | 'token' | 'firmId'>, measure = (_slice: number, go: () => Promise<LoadResult>) => go()) =>
      async (slice: number) => {
        const warmup = warmupOf(slice, c.serialWarmup);
        const projectIds = await seedProjects(ctx.db, account.firmId, perSlice + warmup, `${label} serial`);
        if (label === 'service') serialStarts += projectIds.length;
        const r = await measure(slice, () => run({ ...target, concurrency: 1, count: perSlice, warmup, projectIds }));
        await settle(ctx, server);
        return r as Slice;
      };
    const one = await alternateSides(c.slices, {
      baseline: serialSide('baseline', { baseUrl: claimUrl, kind: 'claim', firmId: account.firmId }),
      // The same claim behind a bare graphql-yoga, sent the service's own document and token.
      floor: serialSide('yoga floor', { baseUrl: claimUrl, kind: 'start', token: account.token }),
      service: serialSide('service', { baseUrl: svcBase, kind: 'start', token: account.token }, (slice, go) =>
        profiled(ctx, server, `start-1-client-${slice + 1}`, go),
      ),
    });
    const statements = await server.proc.peer.request<{ statements: number; top: { count: number; text: string }[] }>('queries:report');

    const sliceMs = Math.round(c.durationMs / c.slices);
    // Enough fresh projects for the fastest side never to run out (checked: `exhausted`).
    const concurrentProjects = (slice: number) => Math.ceil(((sliceMs + warmupOf(slice, c.warmupMs)) / 1000) * 4000);
    ctx.log(`  ${c.concurrency} clients: ${c.durationMs} ms each side after ${c.warmupMs} ms warm-up, in ${c.slices} alternating slices`);
    const backlog: number[] = [];
    const loops: unknown[] = [];
    const many = await alternate(
      c.slices,
      async (slice) => {
        const projectIds = await seedProjects(ctx.db, account.firmId, concurrentProjects(slice), 'baseline concurrent');
        const r = await run({
          baseUrl: claimUrl, kind: 'claim', firmId: account.firmId, concurrency: c.concurrency, durationMs: sliceMs, warmup: warmupOf(slice, c.warmupMs), projectIds,
        });
        await settle(ctx, server);
        return r as Slice;
      },
      async (slice) => {
        const projectIds = await seedProjects(ctx.db, account.firmId, concurrentProjects(slice), 'service concurrent');
        await server.proc.peer.request('loop:reset');
        const r = await profiled(ctx, server, `start-${c.concurrency}-clients-${slice + 1}`, () =>
          run({ baseUrl: svcBase, kind: 'start', token: account.token, concurrency: c.concurrency, durationMs: sliceMs, warmup: warmupOf(slice, c.warmupMs), projectIds }),
        );
        loops.push(await server.proc.peer.request('loop:report'));
        backlog.push(await settle(ctx, server));
        return r as Slice;
      },
    );

    for (const [label, r] of Object.entries({ 'baseline 1': one.baseline, 'yoga floor 1': one.floor, 'service 1': one.service, 'baseline n': many.baseline, 'service n': many.service })) {
      if (r.errors > 0) ctx.log(`  ! ${label}: ${r.errors} errors, first: ${r.firstError}`);
      if (r.exhausted) ctx.log(`  ! ${label}: ran out of fresh projects; the window was shorter`);
    }
    const perStart = statements.statements / serialStarts;
    ctx.details.start = {
      oneClient: one,
      concurrent: { clients: c.concurrency, ...many, serverLoop: loops, queuedRunsCancelledAfterEachSlice: backlog },
      statementsPerStart: perStart,
      topStatements: statements.top,
    };
    const n = c.concurrency;
    const svc1 = one.service;
    const base1 = one.baseline;
    return [
      figure('start: 1 client p50', svc1.latency.p50, 'ms', base1.latency.p50, { on: 'ratio', op: '<=', limit: 1.5 }),
      figure('start: 1 client p99', svc1.latency.p99, 'ms', base1.latency.p99, { on: 'ratio', op: '<=', limit: 1.5 }),
      // The fixed part of the stack: a bare graphql-yoga around the same claim, to the same baseline.
      figure('start: 1 client p50, bare yoga + claim (floor)', one.floor.latency.p50, 'ms', base1.latency.p50),
      figure('start: 1 client p99, bare yoga + claim (floor)', one.floor.latency.p99, 'ms', base1.latency.p99),
      figure(`start: ${n} clients throughput`, many.service.rps, 'req/s', many.baseline.rps, { on: 'ratio', op: '>=', limit: 0.75 }),
      figure(`start: ${n} clients p50`, many.service.latency.p50, 'ms', many.baseline.latency.p50),
      figure(`start: ${n} clients p99`, many.service.latency.p99, 'ms', many.baseline.latency.p99),
      figure('start: SQL statements per start (request + its run)', perStart, 'stmts', 1),
      figure('start: errors', svc1.errors + many.service.errors, 'req', base1.errors + many.baseline.errors),
    ];
  } finally {
    await Promise.all([claim.stop(), load.stop()]);
    await quiesce(ctx, server);
  }
};
