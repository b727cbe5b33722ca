import { background } from '../lib/background.js';
import { seedProjects } from '../lib/database.js';
import { baseOf, freshServer, profiled, quiesce, type Scenario } from '../lib/context.js';
import { signUp, uploadCsv } from '../lib/graphql.js';
import { machineBusy } from '../lib/machine.js';
import { forkScript } from '../lib/processes.js';
import { figure } from '../lib/results.js';
import type { LoadResult, LoadSpec } from '../load/http-load.js';

export interface LoopReport {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  samples: number;
  utilization: number;
  cpuMs: number;
  wallMs: number;
  /** Garbage-collection pauses in the window (ms). */
  gc?: { count: number; totalMs: number; maxMs: number; majorCount: number; majorMaxMs: number };
}

export interface PipelineOutcome {
  projectId: string;
  status: string;
  message: string | null;
  ms: number;
  events: number;
}

/**
 * 5. busy: a prober sends `me` every 20 ms, first on the idle server, then while 4 pipelines
 * each process a 150,000-row file. Server-side event-loop delay (monitorEventLoopDelay, in the
 * server's own process) and the prober's p95, busy against idle.
 */
export const busyScenario: Scenario = async (ctx) => {
  const c = ctx.counts.busy;
  const server = await freshServer(ctx, 'busy');
  const prober = forkScript('prober', 'load/http-load.ts');
  const timer = forkScript('pipeline-timer', 'load/pipeline-timer.ts');
  let sampling = false;
  try {
    const account = await signUp(server.url, 'Bench busy');
    const file = await ctx.csvFile(c.rows);
    const projects = await seedProjects(ctx.db, account.firmId, c.pipelines, 'busy');
    for (const projectId of projects) await uploadCsv(server.url, account.token, projectId, file);
    const probe: LoadSpec = { baseUrl: baseOf(server.url), kind: 'me', token: account.token, concurrency: 1, intervalMs: c.proberIntervalMs };

    ctx.log(`  idle: prober for ${c.idleMs} ms`);
    await server.proc.peer.request('loop:reset');
    const idle = await prober.peer.request<LoadResult>('run', { ...probe, durationMs: c.idleMs, warmup: 1000 });
    const idleLoop = await server.proc.peer.request<LoopReport>('loop:report');

    ctx.log(`  busy: ${c.pipelines} pipelines × ${c.rows.toLocaleString('en-US')} rows with the prober`);
    await server.proc.peer.request('loop:reset');
    // The whole machine's CPU use during the busy window, sampled every second.
    const cpu: number[] = [];
    sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const v = await machineBusy(1000);
        if (v !== null) cpu.push(v);
      }
    })();
    // Runs until the pipelines are done. If they fail first, `finally` stops the prober and this
    // request fails too: `background` observes that now. As a bare promise this was issue 14's
    // crash: an unhandled rejection ("prober exited (SIGTERM) while request 2 was pending")
    // ended the whole bench with Node's banner, the pipelines' own failure never reported.
    const busyRun = background(prober.peer.request<LoadResult>('run', { ...probe, durationMs: 30 * 60_000 }, 31 * 60_000));
    const pipelines = await profiled(ctx, server, 'busy', () =>
      timer.peer.request<PipelineOutcome[]>('run', { httpBase: baseOf(server.url), wsUrl: server.wsUrl, token: account.token, projectIds: projects, timeoutMs: 20 * 60_000 }, 21 * 60_000),
    );
    await prober.peer.request('stop');
    sampling = false;
    await sampler;
    const busy = await busyRun.result();
    const busyLoop = await server.proc.peer.request<LoopReport>('loop:report');
    const notCompleted = pipelines.filter((p) => p.status !== 'COMPLETED');
    if (notCompleted.length) ctx.log(`  ! pipelines not COMPLETED: ${JSON.stringify(notCompleted)}`);
    for (const [label, r] of Object.entries({ idle, busy })) if (r.errors) ctx.log(`  ! prober ${label}: ${r.errors} errors, first: ${r.firstError}`);
    const wall = Math.max(...pipelines.map((p) => p.ms));
    const machineCpu = cpu.length ? cpu.reduce((a, b) => a + b, 0) / cpu.length : null;
    ctx.details.busy = { rows: c.rows, pipelineCount: c.pipelines, wallMs: wall, idle: { prober: idle, loop: idleLoop }, busy: { prober: busy, loop: busyLoop, pipelines, machineCpuShare: machineCpu } };
    return [
      figure('busy: event-loop delay p99', busyLoop.p99, 'ms', idleLoop.p99, { on: 'value', op: '<=', limit: 10 }),
      figure('busy: event-loop delay max', busyLoop.max, 'ms', idleLoop.max),
      figure('busy: API p95 (me), busy vs idle', busy.latency.p95, 'ms', idle.latency.p95, { on: 'ratio', op: '<=', limit: 1.5 }),
      figure('busy: API p99 (me), busy vs idle', busy.latency.p99, 'ms', idle.latency.p99),
      figure(`busy: ${c.pipelines} pipelines × ${c.rows.toLocaleString('en-US')} rows, wall time`, wall / 1000, 's', null),
      figure('busy: pipelines COMPLETED', pipelines.length - notCompleted.length, 'runs', null, { on: 'value', op: '>=', limit: c.pipelines }),
      figure('busy: machine CPU in use (2 cores = 100%)', machineCpu === null ? null : machineCpu * 100, '%', null),
      figure('busy: server main thread busy (event-loop utilisation)', busyLoop.utilization * 100, '%', idleLoop.utilization * 100),
    ];
  } finally {
    sampling = false;
    await Promise.all([prober.stop(), timer.stop()]);
    await quiesce(ctx, server);
  }
};
