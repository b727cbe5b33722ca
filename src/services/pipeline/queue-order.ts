import type { Sql } from '../../database/sql.js';
import { RUN_COLUMNS, type RunRow } from './run-store.js';

/**
 * The fair order of the queue, in one place: the claim, the take and `queuePosition` agree.
 *
 * A queued run's LEVEL is its firm's running runs plus the firm's queued runs ahead of it
 * (oldest first within a firm). Runs start by level, then age: the firm with the fewest running
 * runs goes first, so firms take turns (round-robin) however many runs one of them queues. A
 * run whose level reaches `firmMaxActiveRuns` waits until one of its firm's runs ends. The cap
 * is checked against `firms.running_runs` (kept by triggers) under the firm row's lock, so it
 * holds across every process; `queuePosition` is a forecast (runs that end reorder the queue).
 */

/**
 * Statement text of the take, built once. $1 owner, $2 how many, $3 the per-firm cap. Lock order
 * as everywhere (run-store.ts): the firms first, never waited for (skip locked), then their runs.
 */
const TAKE_SQL = `with f as (
     select id, running_runs from firms
     where id in (select firm_id from pipeline_runs where status = 'QUEUED') and running_runs < $3
     for no key update skip locked),
   candidates as (
     select q.id, f.running_runs + q.k as level, q.queued_at
     from f cross join lateral (
       select id, queued_at, row_number() over (order by queued_at, id) - 1 as k
       from pipeline_runs where firm_id = f.id and status = 'QUEUED'
       order by queued_at, id limit $3) q
     where f.running_runs + q.k < $3),
   next as (select id from candidates order by level, queued_at, id limit $2),
   taken as (
     update pipeline_runs r
     set status = 'RUNNING', lease_owner = $1, heartbeat_at = now(), attempts = r.attempts + 1,
         started_at = case when r.attempts = 0 then now() else r.started_at end
     from next where r.id = next.id and r.status = 'QUEUED'
     returning ${RUN_COLUMNS.replace(/(^|,\s*)(\w+)/g, '$1r.$2')})
   select taken.*, m.more from (select exists (
       select 1 from pipeline_runs where status = 'QUEUED' and id not in (select id from next)) as more) m
   left join taken on true`;

/**
 * Takes up to `limit` queued runs in the fair order for `owner`, never more than `cap` running
 * per firm. Safe across processes: firms being taken from elsewhere are skipped, not waited for.
 * `more`: queued runs are left (waiting for a slot, or for their firm's runs to end).
 */
export async function takeQueued(sql: Sql, owner: string, limit: number, cap: number): Promise<{ runs: RunRow[]; more: boolean }> {
  const rows = await sql.query<RunRow & { more: boolean }>(TAKE_SQL, [owner, limit, cap]);
  const runs: RunRow[] = [];
  for (const { more: _more, ...run } of rows) if (run.id) runs.push(run as RunRow);
  return { runs, more: rows[0]?.more ?? false };
}

/**
 * SQL (a scalar subquery) for the place a run of firm $2 queued now would take: 1 + the queued
 * runs at its level or below (they are all older). Used for the queued event's message.
 */
export const NEW_RUN_PLACE_SQL = `select 1 + coalesce(sum(least(c.n, greatest(0, l.level - f.running_runs + 1))), 0)
     from (select firm_id, count(*) as n from pipeline_runs where status = 'QUEUED' group by firm_id) c
     join firms f on f.id = c.firm_id,
     (select f2.running_runs + (select count(*) from pipeline_runs where firm_id = $2 and status = 'QUEUED') as level
      from firms f2 where f2.id = $2) l`;

/** Places in the queue (1 = next to start) of those of `runIds` that are queued. */
export async function queuePositions(sql: Sql, runIds: readonly string[]): Promise<Map<string, number>> {
  if (runIds.length === 0) return new Map();
  const rows = await sql.query<{ id: string; position: number }>(
    `select id, position::int from (
       select q.id, row_number() over (order by f.running_runs + q.k, q.queued_at, q.id) as position
       from (select id, firm_id, queued_at, row_number() over (partition by firm_id order by queued_at, id) - 1 as k
             from pipeline_runs where status = 'QUEUED') q
       join firms f on f.id = q.firm_id) ranked
     where id = any($1::uuid[])`,
    [runIds],
  );
  return new Map(rows.map((r) => [r.id, r.position]));
}

/**
 * `queuePositions` for one request: asks made in the same turn of the event loop (a list of
 * projects, each with its latest run) share one query.
 */
export function createQueuePositionLoader(sql: Sql): (runId: string) => Promise<number | null> {
  let batch: { ids: Set<string>; result: Promise<Map<string, number>> } | null = null;
  return (runId) => {
    if (!batch) {
      const ids = new Set<string>();
      const current = {
        ids,
        result: new Promise<void>((resolve) => queueMicrotask(resolve)).then(() => {
          if (batch === current) batch = null;
          return queuePositions(sql, [...ids]);
        }),
      };
      batch = current;
    }
    batch.ids.add(runId);
    return batch.result.then((positions) => positions.get(runId) ?? null);
  };
}
