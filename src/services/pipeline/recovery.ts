import type { Sql } from '../../database/sql.js';
import type { PipelineStage } from '../../entities/index.js';
import type { Logger } from '../logger.js';
import { metrics } from '../metrics.js';
import type { ProjectStatusEvent } from '../pubsub.js';
import { AFTER_FIRM_LOCK, firmLockCte } from './lock-order.js';
import * as store from './run-store.js';
import type { Stage } from './stage.js';

/**
 * Runs whose runner stopped heartbeating (crash, kill -9, network partition) are taken back:
 * requeued to resume after their last finished stage, or ended INTERRUPTED (project ERROR) when
 * the stage they were in cannot be resumed or they have been tried `maxAttempts` times already.
 * Safe to call from every process at once: expired rows are locked with SKIP LOCKED.
 *
 * Each run is taken back in a transaction of its own that locks the run's firm, then the run
 * (FOR NO KEY UPDATE), then its stage rows and project (lock-order.ts). Locking the runs first
 * (FOR UPDATE, all in one transaction, as before) deadlocked against their late runners: a stage
 * step holds its stage row and project, then checks its event's foreign key to the run (FOR KEY
 * SHARE); and a runner's end locks the firm before the run.
 */
export async function recoverExpiredRuns(args: RecoveryArgs): Promise<ProjectStatusEvent[]> {
  const events: ProjectStatusEvent[] = [];
  for (const { id } of await expiredRuns(args.sql, args.leaseSeconds)) {
    try {
      const event = await args.sql.tx((tx) => takeBack(tx, id, args));
      if (event) events.push(event);
    } catch (err) {
      // This run stays expired for the next pass; the ones already taken back are committed and
      // their events still go out.
      args.logger.warn({ err, runId: id }, 'could not take back a run whose lease expired');
    }
  }
  return events;
}

interface RecoveryArgs {
  sql: Sql;
  stages: Stage[];
  leaseSeconds: number;
  maxAttempts: number;
  logger: Logger;
}

/**
 * One expired run, in the caller's transaction: cancelled (if asked), ended INTERRUPTED, or
 * requeued. Null when it was taken back elsewhere meanwhile, or its runner is back.
 */
async function takeBack(tx: Sql, id: string, args: RecoveryArgs): Promise<ProjectStatusEvent | null> {
  const run = await lockExpiredRun(tx, id, args.leaseSeconds);
  if (!run) return null;
  const during = run.stage ? ` while running ${run.stage}` : '';
  const stage = args.stages.find((s) => s.name === run.stage);
  if (run.cancelRequested) {
    await store.finishRun(tx, run.id, run.leaseOwner ?? null, 'CANCELLED', null);
    const event = await mustTransition(tx, run, { status: 'CANCELLED', isProcessing: false }, 'Processing cancelled');
    metrics.runEnded('CANCELLED');
    return event;
  }
  if (run.attempts >= args.maxAttempts || stage?.resumable === false) {
    const why = stage?.resumable === false ? `${run.stage} cannot be resumed` : `it was tried ${run.attempts} times`;
    const message = `interrupted: the server stopped${during}, and ${why}; start processing again`;
    await store.finishRun(tx, run.id, run.leaseOwner ?? null, 'INTERRUPTED', message);
    if (run.stage) await store.markStageFailed(tx, run.id, run.stage);
    const event = await mustTransition(tx, run, { status: 'ERROR', isProcessing: false, errorMessage: message }, message);
    args.logger.warn({ runId: run.id, projectId: run.projectId }, message);
    metrics.runEnded('INTERRUPTED');
    return event;
  }
  await store.requeue(tx, run.id, run.leaseOwner ?? null);
  const message = `resuming: the server running this project stopped${during}`;
  const event = await mustTransition(tx, run, { status: 'QUEUED' }, message);
  args.logger.info({ runId: run.id, projectId: run.projectId }, message);
  return event;
}

/** Ids of RUNNING runs whose lease is older than `leaseSeconds`, oldest first (not locked). */
async function expiredRuns(sql: Sql, leaseSeconds: number, limit = 50): Promise<{ id: string }[]> {
  return sql.query(
    `select id from pipeline_runs
     where status = 'RUNNING' and heartbeat_at < now() - make_interval(secs => $1)
     order by heartbeat_at limit $2`,
    [leaseSeconds, limit],
  );
}

/**
 * The run, locked for the caller's transaction after its firm, if it is still RUNNING with an
 * expired lease and no other process is taking it back (skip locked); else null.
 */
async function lockExpiredRun(tx: Sql, runId: string, leaseSeconds: number): Promise<(store.RunRow & { stage: PipelineStage | null }) | null> {
  const rows = await tx.query<store.RunRow & { stage: PipelineStage | null }>(
    `with ${firmLockCte('$1::uuid')}
     select ${store.RUN_COLUMNS}, (select stage from pipeline_stage_runs s where s.run_id = r.id and s.status = 'RUNNING'
                                   order by position limit 1) as stage
     from pipeline_runs r
     where id = $1 and status = 'RUNNING' and heartbeat_at < now() - make_interval(secs => $2) and ${AFTER_FIRM_LOCK}
     for no key update of r skip locked`,
    [runId, leaseSeconds],
  );
  return rows[0] ?? null;
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
