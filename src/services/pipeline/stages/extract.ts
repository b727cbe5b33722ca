import { metrics } from '../../metrics.js';
import { StageError, type Stage } from '../stage.js';
import type { ExtractJob } from '../workers/extract-job.js';
import { jobModule, runWorker } from '../workers/run-worker.js';
import { rememberTotals, type TotalRow } from './totals.js';

const JOB = jobModule('extract-job');

/**
 * EXTRACT: reads every document of the project into line items, each classified as it is read
 * (with the firm's labels and `reviewThreshold`, as CLASSIFY would). The work runs in a worker
 * thread on its own connection and transaction (see extract-job.ts), reading the documents'
 * bytes from the database on a second connection; progress is bytes read.
 */
export function extractStage(opts: { databaseUrl: string; reviewThreshold: number; batchSize?: number; workerNice?: number }): Stage {
  return {
    name: 'EXTRACT',
    weight: 55,
    cpuBound: true,
    // What isCheckpointed compares, so the runner can decide it in SQL (test/unit/stage-checkpoints.test.ts).
    checkpoint: 'extractedDigest',
    async isCheckpointed(ctx) {
      if (ctx.checkpoints) return ctx.checkpoints.extractedDigest === ctx.documentsDigest;
      const rows = await ctx.sql.query<{ digest: string | null }>('select extracted_digest as digest from cma_projects where id = $1', [ctx.projectId]);
      return rows[0]?.digest === ctx.documentsDigest;
    },
    async run(ctx) {
      // The documents the digest was taken over: the checkpoint written below names exactly them.
      const documents = ctx.documents;
      if (documents.length === 0) throw new StageError('the project has no documents; upload a CSV file first');
      const began = performance.now();
      const job: ExtractJob = {
        projectId: ctx.projectId,
        firmId: ctx.firmId,
        digest: ctx.documentsDigest,
        reviewThreshold: opts.reviewThreshold,
        batchSize: opts.batchSize ?? 2000,
        documents: documents.map((d) => ({
          id: d.id,
          filename: d.filename,
          sizeBytes: d.sizeBytes,
        })),
      };
      const { totals, ...result } = await runWorker(JOB, opts.databaseUrl, job, { signal: ctx.signal, onProgress: ctx.reportProgress, nice: opts.workerNice });
      // Committed with the rows: the later stages of this execution need not aggregate them again.
      if (Array.isArray(totals)) rememberTotals(ctx, totals as TotalRow[]);
      ctx.logger.info({ documents: documents.length, ...result, ms: Math.round(performance.now() - began) }, 'extracted line items');
      if (typeof result.items === 'number') metrics.rowsExtracted(result.items);
    },
  };
}
