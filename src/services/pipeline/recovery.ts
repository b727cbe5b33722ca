import type { Sql } from '../../database/sql.js';
import type { Logger } from '../logger.js';
import { metrics } from '../metrics.js';
import type { ProjectStatusEvent } from '../pubsub.js';
import * as store from './run-store.js';
import type { Stage } from './stage.js';

/**
 * Runs whose runner stopped heartbeating (crash, kill -9, network partition) are taken back:
 * requeued to resume after their last finished stage, or ended INTERRUPTED (project ERROR) when
 * the stage they were in cannot be resumed or they have been tried `maxAttempts` times already.
 * Safe to call from every process at once: expired rows are locked with SKIP LOCKED.
 */
export async function recoverExpiredRuns(args: {
  sql: Sql;
  stages: Stage[];
  leaseSeconds: number;
  maxAttempts: number;
  logger: Logger;
}): Promise<ProjectStatusEvent[]> {
  const { sql, stages, logger } = args;
  return sql.tx(async (tx) => {
    const events: ProjectStatusEvent[] = [];
    for (const run of await store.lockExpired(tx, args.leaseSeconds)) {
      const during = run.stage ? ` while running ${run.stage}` : '';
      const stage = stages.find((s) => s.name === run.stage);
      if (run.cancelRequested) {
        await store.finishRun(tx, run.id, run.leaseOwner ?? null, 'CANCELLED', null);
        events.push(await mustTransition(tx, run, { status: 'CANCELLED', isProcessing: false }, 'Processing cancelled'));
        metrics.runEnded('CANCELLED');
      } else if (run.attempts >= args.maxAttempts || stage?.resumable === false) {
        const why = stage?.resumable === false ? `${run.stage} cannot be resumed` : `it was tried ${run.attempts} times`;
        const message = `interrupted: the server stopped${during}, and ${why}; start processing again`;
        await store.finishRun(tx, run.id, run.leaseOwner ?? null, 'INTERRUPTED', message);
        if (run.stage) await store.markStageFailed(tx, run.id, run.stage);
        events.push(await mustTransition(tx, run, { status: 'ERROR', isProcessing: false, errorMessage: message }, message));
        logger.warn({ runId: run.id, projectId: run.projectId }, message);
        metrics.runEnded('INTERRUPTED');
      } else {
        await store.requeue(tx, run.id, run.leaseOwner ?? null);
        const message = `resuming: the server running this project stopped${during}`;
        events.push(await mustTransition(tx, run, { status: 'QUEUED' }, message));
        logger.info({ runId: run.id, projectId: run.projectId }, message);
      }
    }
    return events;
  });
}

async function mustTransition(
  tx: Sql,
  run: store.RunRow,
  patch: store.ProjectPatch,
  message: string,
): Promise<ProjectStatusEvent> {
  const event = await store.transition(tx, run.projectId, patch, { runId: run.id, message });
  if (!event) throw new Error(`project ${run.projectId} of run ${run.id} vanished`);
  return event;
}
