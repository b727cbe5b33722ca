import type { Stage } from '../stage.js';
import type { ClassifyJob } from '../workers/classify-job.js';
import { jobModule, runWorker } from '../workers/run-worker.js';

const JOB = jobModule('classify-job');

/**
 * CLASSIFY: gives every line item a head and a confidence. The work runs in a worker thread on
 * its own connection and transaction (see classify-job.ts); progress is items classified.
 */
export function classifyStage(opts: { reviewThreshold: number; databaseUrl: string; batchSize?: number }): Stage {
  return {
    name: 'CLASSIFY',
    weight: 35,
    cpuBound: true,
    async isCheckpointed(ctx) {
      // EXTRACT clears classified_digest, so the value read at the start holds only if nothing ran since.
      if (ctx.checkpoints) return ctx.checkpoints.classifiedDigest === ctx.documentsDigest;
      const rows = await ctx.sql.query<{ digest: string | null }>('select classified_digest as digest from cma_projects where id = $1', [ctx.projectId]);
      return rows[0]?.digest === ctx.documentsDigest;
    },
    async run(ctx) {
      const job: ClassifyJob = {
        projectId: ctx.projectId,
        firmId: ctx.firmId,
        digest: ctx.documentsDigest,
        reviewThreshold: opts.reviewThreshold,
        batchSize: opts.batchSize ?? 10_000,
      };
      const result = await runWorker(JOB, opts.databaseUrl, job, { signal: ctx.signal, onProgress: ctx.reportProgress });
      ctx.logger.info(result, 'classified line items');
    },
  };
}
