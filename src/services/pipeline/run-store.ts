import type { Sql } from '../../database/sql.js';
import type { PipelineStage, ProjectStatus, RunStatus, StageStatus } from '../../entities/index.js';
import type { ProjectStatusEvent } from '../pubsub.js';
import { AFTER_FIRM_LOCK, firmLockCte } from './lock-order.js';

/**
 * Every SQL statement of the pipeline's life cycle. Invariants kept here:
 * - a project's state change and its stored event are one statement (`transition`), so the
 *   event log and the row never disagree and `sequence` is taken under the row lock;
 * - writes to a RUNNING run are guarded by `lease_owner`, so a runner that lost its lease
 *   (recovered elsewhere) cannot overwrite the new owner's work;
 * - rows are locked firm → run → stage rows → project (lock-order.ts): a statement that moves a
 *   run into or out of RUNNING locks the run's firm first (`firmLockCte`).
 */

export const PROJECT_COLUMNS = `id, firm_id as "firmId", name, client_name as "clientName", status,
  is_processing as "isProcessing", current_stage as "currentStage", progress,
  error_message as "errorMessage", last_sequence as "lastSequence",
  extracted_digest as "extractedDigest", classified_digest as "classifiedDigest",
  created_at as "createdAt", updated_at as "updatedAt"`;

export const RUN_COLUMNS = `id, project_id as "projectId", firm_id as "firmId", status, restart,
  queued_at as "queuedAt", started_at as "startedAt", finished_at as "finishedAt",
  heartbeat_at as "heartbeatAt", lease_owner as "leaseOwner", attempts,
  cancel_requested as "cancelRequested", error_message as "errorMessage"`;

export const EVENT_COLUMNS = `project_id as "projectId", run_id as "runId", sequence, status, stage,
  progress, message, error_message as "errorMessage", at`;

export interface ProjectRow {
  id: string;
  firmId: string;
  name: string;
  clientName?: string | null;
  status: ProjectStatus;
  isProcessing: boolean;
  currentStage?: PipelineStage | null;
  progress: number;
  errorMessage?: string | null;
  lastSequence: number;
  extractedDigest?: string | null;
  classifiedDigest?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface RunRow {
  id: string;
  projectId: string;
  firmId: string;
  status: RunStatus;
  restart: boolean;
  queuedAt: Date;
  startedAt: Date;
  finishedAt?: Date | null;
  heartbeatAt?: Date | null;
  leaseOwner?: string | null;
  attempts: number;
  cancelRequested: boolean;
  errorMessage?: string | null;
}

export interface StageRow {
  stage: PipelineStage;
  status: StageStatus;
  progress: number;
}

/**
 * What every statement that stores an event sets on the project row: the next sequence, and the
 * stored-sequence pair live events carry (`storedBefore`). SET expressions read the row as it
 * was, under its lock, so `previous_stored_sequence` is exactly the stored event before this one.
 */
export const STORED_EVENT_SETS = [
  'last_sequence = last_sequence + 1',
  'previous_stored_sequence = stored_sequence',
  'stored_sequence = last_sequence + 1',
];

/** The project columns a transition may set; everything else stays as it is. */
export interface ProjectPatch {
  status?: ProjectStatus;
  isProcessing?: boolean;
  currentStage?: PipelineStage | null;
  progress?: number;
  errorMessage?: string | null;
}

const PATCH_COLUMNS: Record<keyof ProjectPatch, string> = {
  status: 'status',
  isProcessing: 'is_processing',
  currentStage: 'current_stage',
  progress: 'progress',
  errorMessage: 'error_message',
};

/**
 * Extra work done in the same statement as a transition, which happens only if it does: CTE
 * definitions (SQL) that must define `g`, a data-modifying statement RETURNING a row when it
 * applied (e.g. the lease-guarded update of a run). `param` adds a bind parameter.
 */
export type Guard = (param: (value: unknown) => string) => string;

/**
 * The select list of a transition's stored event, as `ProjectStatusEvent`, over `e, p` (see
 * `transitionCtes`). Built once, not per statement.
 */
export const TRANSITION_EVENT_COLUMNS = `${EVENT_COLUMNS.replace(/(^|,\s*)(\w+)/g, '$1e.$2')}, p.previous_stored_sequence as "storedBefore", true as stored`;

/**
 * The CTEs of a transition (no `with`): `guard`'s, then `p` (the project updated, only if the
 * guard applied) and `e` (the stored event). Select `TRANSITION_EVENT_COLUMNS` from `e, p` for
 * the event; a statement may select other things beside it (see run-context.ts).
 */
export function transitionCtes(
  projectId: string,
  patch: ProjectPatch,
  meta: { runId: string | null; message: string | null },
  param: (value: unknown) => string,
  guard?: Guard,
): string {
  const sets: string[] = [];
  for (const [key, column] of Object.entries(PATCH_COLUMNS) as [keyof ProjectPatch, string][]) {
    if (patch[key] !== undefined) sets.push(`${column} = ${param(patch[key])}`);
  }
  const guardSql = guard ? `${guard(param)},` : '';
  return `${guardSql} p as (
       update cma_projects set ${[...sets, ...STORED_EVENT_SETS, 'updated_at = now()'].join(', ')}
       where id = ${param(projectId)} ${guard ? 'and exists (select 1 from g)' : ''}
       returning id, last_sequence, previous_stored_sequence, status, current_stage, progress, error_message),
     e as (
       insert into project_status_events (project_id, sequence, run_id, status, stage, progress, message, error_message)
       select id, last_sequence, ${param(meta.runId)}::uuid, status, current_stage, progress, ${param(meta.message)}::text, error_message from p
       returning *)`;
}

/** A statement's bind parameters, collected as its text is built: `param(v)` gives `$n`. */
export function paramList(): { params: unknown[]; param: (value: unknown) => string } {
  const params: unknown[] = [];
  return {
    params,
    param: (value) => {
      params.push(value);
      return `$${params.length}`;
    },
  };
}

/**
 * Applies `patch` to the project, takes the next sequence and stores the event, in one
 * statement (with `guard`'s work, if given, and only if the guard applied). Returns the stored
 * event (to publish after commit), or null if the project is gone or the guard did not apply.
 */
export async function transition(
  sql: Sql,
  projectId: string,
  patch: ProjectPatch,
  meta: { runId: string | null; message: string | null },
  guard?: Guard,
): Promise<ProjectStatusEvent | null> {
  const { params, param } = paramList();
  const ctes = transitionCtes(projectId, patch, meta, param, guard);
  const rows = await sql.query<ProjectStatusEvent>(`with ${ctes} select ${TRANSITION_EVENT_COLUMNS} from e, p`, params);
  return rows[0] ?? null;
}

/**
 * Guard: the stage's new state, written only while `owner` holds the run's lease (and `when`,
 * an SQL condition, holds, if given).
 */
export function stageGuard(runId: string, owner: string, stage: PipelineStage, status: StageStatus, progress: number, when?: string): Guard {
  return (param) => `g as (
    update pipeline_stage_runs s
    set status = ${param(status)}, progress = ${param(progress)}::float8,
        started_at = case when ${param(status)}::text = 'RUNNING' then now() else coalesce(s.started_at, now()) end,
        finished_at = case when ${param(status)}::text in ('DONE', 'SKIPPED', 'FAILED') then now() else null end
    from pipeline_runs r
    where s.run_id = ${param(runId)}::uuid and s.stage = ${param(stage)}::text and r.id = s.run_id
      and r.lease_owner = ${param(owner)} and r.status = 'RUNNING'${when ? ` and ${when}` : ''}
    returning s.run_id)`;
}

/**
 * Guard: only while `owner` holds the run's lease (the row is locked and the lease refreshed),
 * for an event that changes no stage, such as a run waiting for a CPU slot.
 */
export function leaseGuard(runId: string, owner: string): Guard {
  return (param) => `g as (
    update pipeline_runs set heartbeat_at = now()
    where id = ${param(runId)}::uuid and lease_owner = ${param(owner)} and status = 'RUNNING'
    returning id)`;
}

/**
 * Guard: the run's final status (owner null: only a QUEUED run, which nobody leases), and the
 * stage it failed in marked FAILED. The firm's row is locked first: the running-runs trigger
 * updates it at the end of the statement (lock-order.ts).
 */
export function finishGuard(runId: string, owner: string | null, status: RunStatus, errorMessage: string | null, failedStage: PipelineStage | null): Guard {
  return (param) => {
    const run = `${param(runId)}::uuid`;
    return `${firmLockCte(run)},
  g as (
    update pipeline_runs set status = ${param(status)}, finished_at = now(), error_message = ${param(errorMessage)}::text,
           lease_owner = null, heartbeat_at = null
    where id = ${run} and status in ('QUEUED', 'RUNNING')
      and (${param(owner)}::text is null and status = 'QUEUED' or lease_owner = ${param(owner)}::text)
      and ${AFTER_FIRM_LOCK}
    returning id),
  f as (
    update pipeline_stage_runs set status = 'FAILED', finished_at = now()
    where run_id = ${run} and stage = ${param(failedStage)}::text and exists (select 1 from g)
    returning run_id)`;
  };
}

export async function loadStages(sql: Sql, runId: string): Promise<StageRow[]> {
  return sql.query<StageRow>(
    `select stage, status, progress from pipeline_stage_runs where run_id = $1 order by position`,
    [runId],
  );
}

/** A progress tick: stored on the project and stage rows (not as an event), with a sequence. */
export async function tick(
  sql: Sql,
  args: { projectId: string; runId: string; stage: PipelineStage; stageProgress: number; progress: number },
): Promise<ProjectStatusEvent | null> {
  const rows = await sql.query<ProjectStatusEvent>(
    `with s as (
       update pipeline_stage_runs set progress = $4 where run_id = $2 and stage = $3 and status = 'RUNNING'
       returning run_id)
     update cma_projects p set progress = $5, last_sequence = last_sequence + 1, updated_at = now()
     from s where p.id = $1 and p.is_processing
     returning p.id as "projectId", s.run_id as "runId", p.last_sequence as sequence, p.status,
               p.current_stage as stage, p.progress, null::text as message, null::text as "errorMessage", now() as at,
               p.stored_sequence as "storedBefore", false as stored`,
    [args.projectId, args.runId, args.stage, args.stageProgress, args.progress],
  );
  return rows[0] ?? null;
}

/** Ends a run (in the caller's transaction, its firm locked first); false if this runner no longer holds the lease. */
export async function finishRun(
  sql: Sql,
  runId: string,
  owner: string | null,
  status: RunStatus,
  errorMessage: string | null,
): Promise<boolean> {
  const rows = await sql.query(
    `with ${firmLockCte('$1::uuid')}
     update pipeline_runs set status = $3, finished_at = now(), error_message = $4, lease_owner = null, heartbeat_at = null
     where id = $1 and status in ('QUEUED', 'RUNNING') and ($2::text is null and status = 'QUEUED' or lease_owner = $2)
       and ${AFTER_FIRM_LOCK}
     returning id`,
    [runId, owner, status, errorMessage],
  );
  return rows.length > 0;
}

/** Gives back a run just taken from the queue (no slot after all), undoing the attempt; its firm locked first. */
export async function untake(sql: Sql, runId: string, owner: string): Promise<void> {
  await sql.query(
    `with ${firmLockCte('$1::uuid')}
     update pipeline_runs set status = 'QUEUED', lease_owner = null, heartbeat_at = null, attempts = attempts - 1
     where id = $1 and lease_owner = $2 and status = 'RUNNING' and ${AFTER_FIRM_LOCK}`,
    [runId, owner],
  );
}

/**
 * Refreshes the leases of the runs this runner is executing (only those: a run it holds but no
 * longer executes, say after a failed final write, must expire and be recovered), and returns
 * the ones it still holds.
 */
export async function heartbeat(sql: Sql, owner: string, runIds: string[]): Promise<{ id: string; cancelRequested: boolean }[]> {
  return sql.query(
    `update pipeline_runs set heartbeat_at = now()
     where lease_owner = $1 and status = 'RUNNING' and id = any($2::uuid[])
     returning id, cancel_requested as "cancelRequested"`,
    [owner, runIds],
  );
}

/**
 * Hands a RUNNING run back to the queue (graceful stop, or an expired lease), keeping its place:
 * finished stages stay DONE so the next owner resumes after them. Locks the firm first; call it
 * in a transaction that has locked no run, stage or project yet (lock-order.ts).
 */
export async function requeue(sql: Sql, runId: string, owner: string | null): Promise<boolean> {
  const rows = await sql.query(
    `with ${firmLockCte('$1::uuid')}
     update pipeline_runs set status = 'QUEUED', lease_owner = null, heartbeat_at = null
     where id = $1 and status = 'RUNNING' and ($2::text is null or lease_owner = $2) and ${AFTER_FIRM_LOCK}
     returning id`,
    [runId, owner],
  );
  if (rows.length === 0) return false;
  await sql.query(
    `update pipeline_stage_runs set status = 'PENDING', progress = 0, started_at = null
     where run_id = $1 and status = 'RUNNING'`,
    [runId],
  );
  return true;
}

export async function requestCancel(sql: Sql, projectId: string, firmId: string): Promise<RunRow | null> {
  const rows = await sql.query<RunRow>(
    `update pipeline_runs set cancel_requested = true
     where project_id = $1 and firm_id = $2 and status in ('QUEUED', 'RUNNING')
     returning ${RUN_COLUMNS}`,
    [projectId, firmId],
  );
  return rows[0] ?? null;
}

export async function markStageFailed(sql: Sql, runId: string, stage: PipelineStage): Promise<void> {
  await sql.query(
    `update pipeline_stage_runs set status = 'FAILED', finished_at = now() where run_id = $1 and stage = $2`,
    [runId, stage],
  );
}
