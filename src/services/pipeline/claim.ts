import type { Sql } from '../../database/sql.js';
import type { PipelineStage } from '../../entities/index.js';
import type { ProjectStatusEvent } from '../pubsub.js';
import { NEW_RUN_PLACE_SQL } from './queue-order.js';
import { EVENT_COLUMNS, PROJECT_COLUMNS, RUN_COLUMNS, STORED_EVENT_SETS, type ProjectRow, type RunRow } from './run-store.js';

// Built once: the JSON projections below are string work that need not run per claim.
//
// The run starts now only if this process has a slot for it ($4 owner), its firm runs fewer
// than $7 runs (read from the firm's row under its lock: the latest committed count, so two
// processes cannot both take the firm's last place), and no queued run that could start is
// waiting (it goes first: the fair order). Otherwise it is queued, and the queued event says its
// place. The common case (a free slot, an empty queue) reads one index and one row more.
//
// Lock order (run-store.ts): the firm's row first, then the project. FOR NO KEY UPDATE, not FOR
// UPDATE: it excludes every other writer of `running_runs` just the same, but not the FOR KEY
// SHARE that the foreign-key check of a run (or project) inserted for the firm takes at the end
// of its statement. With FOR UPDATE a start without a slot (no firm lock; project locked, then
// that check) and a start of the same project with a slot (firm locked, then the project) each
// waited for the other: 40P01 inside the claim.
const CLAIM_SQL = `with firm as (
     select running_runs from firms where id = $2 and $4::text is not null for no key update),
   starts as (
     select $4::text is not null
       and coalesce((select running_runs from firm), $7) < $7
       and not exists (select 1 from pipeline_runs q join firms f on f.id = q.firm_id
                       where q.status = 'QUEUED' and f.running_runs < $7) as now),
   claimed as (
     update cma_projects
     set is_processing = true, status = case when (select now from starts) then 'PROCESSING' else 'QUEUED' end,
         error_message = null, current_stage = null, progress = 0,
         ${STORED_EVENT_SETS.join(', ')}, updated_at = now()
     where id = $1 and firm_id = $2 and is_processing = false
       and (status <> 'REVIEWING' or $3 or not exists (
         select 1 from line_items where project_id = $1 and needs_review))
     returning *),
   run as (
     insert into pipeline_runs (project_id, firm_id, status, restart, lease_owner, heartbeat_at, attempts)
     select id, firm_id, case when starts.now then 'RUNNING' else 'QUEUED' end, $3,
            case when starts.now then $4 end,
            case when starts.now then now() end,
            case when starts.now then 1 else 0 end
     from claimed, starts
     returning *),
   stages as (
     insert into pipeline_stage_runs (run_id, stage, position)
     select run.id, s.stage, s.position from run, unnest($5::text[]) with ordinality as s(stage, position)
     returning run_id),
   event as (
     insert into project_status_events (project_id, sequence, run_id, status, stage, progress, message)
     select claimed.id, claimed.last_sequence, run.id, claimed.status, null, 0,
            case when run.status = 'RUNNING' then $6
                 else case when (select running_runs from firm) >= $7
                           then 'Queued: this firm already runs ' || $7 || ' pipelines at once' else $8 end
                      || ' (place ' || (${NEW_RUN_PLACE_SQL}) || ' in the queue)' end
     from claimed, run
     returning *)
   select ${jsonOf('claimed', PROJECT_COLUMNS)} as project, ${jsonOf('run', RUN_COLUMNS)} as run,
          ${jsonOf('event', EVENT_COLUMNS).slice(0, -1)}, 'storedBefore', claimed.previous_stored_sequence, 'stored', true) as event
   from claimed, run, event, (select count(*) from stages) as s`;

/**
 * The claim: in ONE statement, flip `is_processing` if and only if it was false (and the review
 * gate allows), create the run and its stage rows, and store the first event. Racing callers
 * serialise on the row lock; exactly one gets a row back. `owner` null means "queue it"; with
 * an owner the run may still be queued (firm at `firmMaxActiveRuns`, or fairer work waiting):
 * the returned run's status says which.
 */
export async function claimAndCreateRun(
  sql: Sql,
  args: {
    projectId: string;
    firmId: string;
    restart: boolean;
    owner: string | null;
    stages: readonly PipelineStage[];
    /** The first event's message if the run starts now (also what a queued start is asked with). */
    message: string;
    /** The queued event's message (unless the firm is at its cap); its place in the queue is added. */
    queuedMessage: string;
    firmMaxActiveRuns: number;
  },
): Promise<{ project: ProjectRow; run: RunRow; event: ProjectStatusEvent } | null> {
  const rows = await sql.query<{ project: Record<string, unknown>; run: Record<string, unknown>; event: Record<string, unknown> }>(
    CLAIM_SQL,
    [args.projectId, args.firmId, args.restart, args.owner, args.stages, args.message, args.firmMaxActiveRuns, args.queuedMessage],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    project: reviveDates(row.project, ['createdAt', 'updatedAt']) as unknown as ProjectRow,
    run: reviveDates(row.run, ['queuedAt', 'startedAt', 'finishedAt', 'heartbeatAt']) as unknown as RunRow,
    event: reviveDates(row.event, ['at']) as unknown as ProjectStatusEvent,
  };
}

/** Why a claim found nothing: which of NOT_FOUND, CONFLICT or REVIEW_PENDING applies. */
export async function diagnoseClaim(
  sql: Sql,
  projectId: string,
  firmId: string,
): Promise<'missing' | 'running' | 'review-pending' | 'free'> {
  const rows = await sql.query<{ isProcessing: boolean; status: string; pending: boolean }>(
    `select is_processing as "isProcessing", status,
            exists (select 1 from line_items where project_id = $1 and needs_review) as pending
     from cma_projects where id = $1 and firm_id = $2`,
    [projectId, firmId],
  );
  const row = rows[0];
  if (!row) return 'missing';
  if (row.isProcessing) return 'running';
  if (row.status === 'REVIEWING' && row.pending) return 'review-pending';
  return 'free';
}

/** Row-to-JSON of a CTE with the camelCase aliases of `columns`. */
function jsonOf(table: string, columns: string): string {
  const pairs = columns.split(',').map((c) => {
    const [expr, alias] = c.trim().split(/\s+as\s+/i);
    const name = (alias ?? expr!).replace(/"/g, '').trim();
    return `'${name}', ${table}.${expr!.trim()}`;
  });
  return `json_build_object(${pairs.join(', ')})`;
}

function reviveDates(row: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  for (const key of keys) if (typeof row[key] === 'string') row[key] = new Date(row[key] as string);
  return row;
}
