import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { seedProjects } from '../lib/database.js';
import { withMachineCpu } from '../lib/machine.js';
import { baseOf, freshServer, profiled, quiesce, type Scenario } from '../lib/context.js';
import { signUp, uploadCsv } from '../lib/graphql.js';
import { forkScript } from '../lib/processes.js';
import { figure } from '../lib/results.js';
import { median } from '../lib/stats.js';
import type { LoopReport, PipelineOutcome } from './busy.js';

/**
 * 6. pipeline: one file end to end through the service (startProcessing → COMPLETED on the
 * status stream), on an otherwise idle server. Baseline: a script that streams the same file,
 * parses and classifies it with the service's own code and COPYs the rows into line_items.
 * Trials alternate baseline and service; medians are reported.
 */
export const pipelineScenario: Scenario = async (ctx) => {
  const c = ctx.counts.pipeline;
  const server = await freshServer(ctx, 'pipeline');
  const script = forkScript('pipeline-script', 'baselines/pipeline-script.ts');
  const timer = forkScript('pipeline-timer', 'load/pipeline-timer.ts');
  try {
    const account = await signUp(server.url, 'Bench pipeline');
    const file = await ctx.csvFile(c.rows);
    const size = (await stat(file)).size;
    const baselineMs: number[] = [];
    const serviceMs: number[] = [];
    const cpuShares: number[] = [];
    const trials: unknown[] = [];
    let statements: { statements: number; top: unknown[] } | null = null;
    let loop: LoopReport | null = null;
    for (let trial = 1; trial <= c.trials; trial++) {
      ctx.log(`  trial ${trial}/${c.trials}: ${c.rows.toLocaleString('en-US')} rows (${(size / 2 ** 20).toFixed(1)} MiB), baseline then service`);
      const [baseProject] = await seedProjects(ctx.db, account.firmId, 1, `pipeline baseline ${trial}`);
      const documentId = randomUUID();
      await ctx.db.query(
        // A row for line_items to point at; the baseline reads the file itself, so no bytes are stored.
        `insert into documents (id, project_id, firm_id, filename, content_type, size_bytes, sha256)
         values ($1, $2, $3, 'bench.csv', 'text/csv', $4, repeat('0', 64))`,
        [documentId, baseProject, account.firmId, size],
      );
      const base = await script.peer.request<{ ms: number; rows: number; needsReview: number }>(
        'run',
        { databaseUrl: ctx.databaseUrl, file, projectId: baseProject, documentId, reviewThreshold: 0.75 },
        20 * 60_000,
      );
      baselineMs.push(base.ms);

      const [projectId] = await seedProjects(ctx.db, account.firmId, 1, `pipeline service ${trial}`);
      await uploadCsv(server.url, account.token, projectId!, file);
      await server.proc.peer.request('queries:reset');
      await server.proc.peer.request('loop:reset');
      const measured = await withMachineCpu(() =>
        profiled(ctx, server, `pipeline-${trial}`, () =>
          timer.peer.request<PipelineOutcome[]>('run', { httpBase: baseOf(server.url), wsUrl: server.wsUrl, token: account.token, projectIds: [projectId], timeoutMs: 20 * 60_000 }, 21 * 60_000),
        ),
      );
      const [outcome] = measured.value;
      if (measured.share !== null) cpuShares.push(measured.share);
      loop = await server.proc.peer.request<LoopReport>('loop:report');
      statements ??= await server.proc.peer.request('queries:report');
      if (outcome!.status !== 'COMPLETED') ctx.log(`  ! service pipeline ended ${outcome!.status}: ${outcome!.message}`);
      serviceMs.push(outcome!.status === 'COMPLETED' ? outcome!.ms : Number.NaN);
      trials.push({ baseline: base, service: outcome, loop });
      ctx.log(`    baseline ${(base.ms / 1000).toFixed(2)} s (${base.rows} rows, ${base.needsReview} need review), service ${(outcome!.ms / 1000).toFixed(2)} s ${outcome!.status}`);
    }
    const svc = median(serviceMs);
    const base = median(baselineMs);
    const cpuShare = cpuShares.length ? median(cpuShares) : null;
    ctx.details.pipeline = { rows: c.rows, bytes: size, trials, statements, serviceMedianMs: svc, machineCpuShare: cpuShare };
    return [
      figure(`pipeline: ${c.rows.toLocaleString('en-US')} rows, start → COMPLETED`, svc / 1000, 's', base / 1000, { on: 'ratio', op: '<=', limit: 1.3 }),
      figure('pipeline: rows per second', (c.rows / svc) * 1000, 'rows/s', (c.rows / base) * 1000),
      figure('pipeline: SQL statements per run', statements?.statements ?? null, 'stmts', null),
      figure('pipeline: event-loop delay p99 (one run)', loop?.p99 ?? null, 'ms', null),
      // A run is more than its worker thread: PostgreSQL's COPY and the main thread share the cores.
      figure('pipeline: machine CPU in use during one run (2 cores = 100%)', cpuShare === null ? null : cpuShare * 100, '%', null),
    ];
  } finally {
    await Promise.all([script.stop(), timer.stop()]);
    await quiesce(ctx, server);
  }
};
