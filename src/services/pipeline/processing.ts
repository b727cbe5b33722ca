import type { Sql } from '../../database/sql.js';
import { AppError, notFound, parseId } from '../errors.js';
import type { Logger } from '../logger.js';
import { metrics } from '../metrics.js';
import { inSpan } from '../tracing.js';
import { claimAndCreateRun, diagnoseClaim } from './claim.js';
import * as store from './run-store.js';
import type { PipelineRunner } from './runner.js';

export const NO_WORKER_MESSAGE = 'Queued: no worker is running yet; waiting for a worker to start';

export interface StartResult {
  message: string;
  project: store.ProjectRow;
  run: store.RunRow;
}

/**
 * The two user actions on the pipeline. `start` does no stage work and reads no file: one
 * statement claims the project and records the run, and the runner takes it from there.
 */
export function createProcessingService({ sql, runner, logger }: { sql: Sql; runner: PipelineRunner; logger: Logger }) {
  return {
    async start(firmId: string, rawProjectId: string, options: { restart?: boolean | null } = {}): Promise<StartResult> {
      const projectId = parseId(rawProjectId, 'projectId');
      const restart = options.restart ?? false;
      const slot = runner.reserveSlot();
      // Queued: say whether anything will take it (an API process may be up before any worker).
      const queuedMessage = slot || (await runner.workersAlive()) ? 'Queued: waiting for a free pipeline slot' : NO_WORKER_MESSAGE;
      let claimed: Awaited<ReturnType<typeof claimAndCreateRun>> = null;
      try {
        claimed = await inSpan('pipeline.claim', { 'cma.project_id': projectId }, () => claimAndCreateRun(sql, {
          projectId,
          firmId,
          restart,
          owner: slot ? runner.instanceId : null,
          stages: runner.stageNames,
          message: slot ? 'Processing started' : queuedMessage,
          queuedMessage,
          firmMaxActiveRuns: runner.firmMaxActiveRuns,
        }));
      } catch (err) {
        // The unique index on active runs is the last line of defence against a double run.
        if ((err as { code?: string }).code === '23505') claimed = null;
        else {
          if (slot) runner.releaseSlot();
          throw err;
        }
      }
      if (!claimed) {
        if (slot) runner.releaseSlot();
        const why = await diagnoseClaim(sql, projectId, firmId);
        if (why === 'missing') throw notFound('project');
        if (why === 'review-pending') {
          throw new AppError('REVIEW_PENDING', 'line items still need review: classify every item in lineItems(needsReview: true) first, or start with restart: true');
        }
        throw new AppError('CONFLICT', 'this project is already being processed');
      }
      metrics.runStarted();
      runner.publish(claimed.event);
      const started = claimed.run.status === 'RUNNING';
      if (started) runner.launch(claimed.run);
      else {
        // Queued although a slot was free here: the firm is at its cap or fairer work waits.
        if (slot) runner.releaseSlot();
        void runner.drain();
      }
      logger.info({ projectId, runId: claimed.run.id, queued: !started }, 'processing started');
      return { message: started ? 'Processing started' : 'Processing queued', project: claimed.project, run: claimed.run };
    },

    /** Stops a run at its next safe point; resolves with the project once it is cancelled here. */
    async cancel(firmId: string, rawProjectId: string): Promise<void> {
      const projectId = parseId(rawProjectId, 'projectId');
      const run = await store.requestCancel(sql, projectId, firmId);
      if (!run) {
        const why = await diagnoseClaim(sql, projectId, firmId);
        if (why === 'missing') throw notFound('project');
        throw new AppError('BAD_USER_INPUT', 'this project is not being processed; there is nothing to cancel');
      }
      if (run.status === 'QUEUED') {
        const event = await store.transition(
          sql,
          projectId,
          { status: 'CANCELLED', isProcessing: false },
          { runId: run.id, message: 'Processing cancelled' },
          store.finishGuard(run.id, null, 'CANCELLED', null, null),
        );
        if (event) {
          metrics.runEnded('CANCELLED');
          runner.publish(event);
          return;
        }
      }
      // Running here: wait for the safe point. Running elsewhere: its runner sees the flag on its next heartbeat.
      await runner.cancelLocal(run.id);
    },
  };
}
export type ProcessingService = ReturnType<typeof createProcessingService>;
