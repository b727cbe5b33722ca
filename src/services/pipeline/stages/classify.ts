import type { Stage } from '../stage.js';
import type { ClassifyJob } from '../workers/classify-job.js';
import { jobModule, runWorker } from '../workers/run-worker.js';
import { forgetTotals } from './totals.js';

const JOB = jobModule('classify-job');

/**
 * Moves the CLASSIFY checkpoint without touching a row, in one statement, when EXTRACT already
 * classified the rows of these documents with the firm's current labels and this threshold.
 * A label taught since EXTRACT bumped `firms.labels_version`, so the statement matches nothing.
 */
const TRUST_EXTRACT_SQL = `update cma_projects p set classified_digest = $2
  from firms f
  where p.id = $1 and f.id = p.firm_id and p.extracted_digest = $2
    and p.extracted_labels_version = f.labels_version and p.extracted_review_threshold = $3
  returning p.id`;

/**
 * CLASSIFY: gives every line item a head and a confidence. EXTRACT classifies each row as it
 * reads it (one write per row); CLASSIFY then only confirms that result still holds. When it
 * does not (labels taught since, another threshold, rows from older code) or `fullPass` is
 * set, it classifies every row again in a worker thread on its own connection and transaction
 * (see classify-job.ts); progress is items classified.
 */
export function classifyStage(opts: {
  reviewThreshold: number;
  databaseUrl: string;
  batchSize?: number;
  fullPass?: boolean;
  workerNice?: number;
}): Stage {
  return {
    name: 'CLASSIFY',
    weight: 35,
    // The usual body is one statement: a slot is taken only for the full pass.
    cpuBound: 'on-demand',
    // What isCheckpointed compares, so the runner can decide it in SQL (test/unit/stage-checkpoints.test.ts).
    checkpoint: 'classifiedDigest',
    async isCheckpointed(ctx) {
      // EXTRACT clears classified_digest, so the value read at the start holds only if nothing ran since.
      if (ctx.checkpoints) return ctx.checkpoints.classifiedDigest === ctx.documentsDigest;
      const rows = await ctx.sql.query<{ digest: string | null }>('select classified_digest as digest from cma_projects where id = $1', [ctx.projectId]);
      return rows[0]?.digest === ctx.documentsDigest;
    },
    async run(ctx) {
      const began = performance.now();
      if (!opts.fullPass) {
        const trusted = await ctx.sql.query(TRUST_EXTRACT_SQL, [ctx.projectId, ctx.documentsDigest, opts.reviewThreshold]);
        if (trusted.length > 0) {
          ctx.reportProgress(1);
          ctx.logger.info({ pass: 'extract-result', ms: Math.round(performance.now() - began) }, 'classified line items');
          return;
        }
      }
      await ctx.useCpu();
      // The rows' heads may change: totals summed before no longer hold.
      forgetTotals(ctx);
      const job: ClassifyJob = {
        projectId: ctx.projectId,
        firmId: ctx.firmId,
        digest: ctx.documentsDigest,
        reviewThreshold: opts.reviewThreshold,
        batchSize: opts.batchSize ?? 10_000,
      };
      const result = await runWorker(JOB, opts.databaseUrl, job, { signal: ctx.signal, onProgress: ctx.reportProgress, nice: opts.workerNice });
      ctx.logger.info({ pass: 'full', ...result, ms: Math.round(performance.now() - began) }, 'classified line items');
    },
  };
}
