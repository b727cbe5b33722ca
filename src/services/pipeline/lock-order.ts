/**
 * The order in which every pipeline statement and transaction takes its row locks, so that no
 * two of them can wait for each other (PostgreSQL's "deadlock detected", 40P01):
 *
 *     firm → run → stage rows → project
 *
 * The firm's row comes first because `firms.running_runs` is kept by AFTER ROW triggers on
 * `pipeline_runs` (migration …101000), and those run at the END of their statement: a statement
 * that moves a run into or out of RUNNING updates the firm's row after everything else it
 * locked. So each such statement locks the firm itself, first: the claim and the take in their
 * first CTE, every other one through `firmLockCte` (run-store.ts, recovery.ts).
 *
 * The mode is FOR NO KEY UPDATE for every lock the pipeline takes on firms and runs, never FOR
 * UPDATE. It excludes the other writers of `running_runs` just the same (the per-firm cap stays
 * exact across processes), but not the FOR KEY SHARE a foreign-key check takes at the end of a
 * statement on the row it references: the firm, when a run, project or document is inserted for
 * it; the run, when an event is stored for it (after its statement locked the project).
 *
 * What the order removed, each reproduced in test/integration/claim-lock-order.test.ts:
 * - two starts of one project, one with a pipeline slot (firm FOR UPDATE, then the project) and
 *   one without (the project, then its run's foreign-key check on the firm): the claim failed
 *   waiting for the firm's row;
 * - a start whose snapshot still had the project idle, queued on the firm, against the end of
 *   the project's previous run (run, project, then the firm in the trigger);
 * - lease recovery (run FOR UPDATE, then stage rows) against the late runner's stage step (stage
 *   row, project, then its event's foreign-key check on the run).
 */

/**
 * A CTE `firm_lock`: the firm of the run `runId` (SQL: a parameter or literal), locked FOR NO KEY
 * UPDATE. A data-modifying CTE or statement that locks the run must have `AFTER_FIRM_LOCK` in its
 * WHERE clause: the condition is evaluated before the row it selects is locked, so the firm's
 * row is locked first (a run's `firm_id` never changes; no run, no firm, nothing updated).
 */
export function firmLockCte(runId: string): string {
  return `firm_lock as (
    select id from firms where id = (select firm_id from pipeline_runs where id = ${runId}) for no key update)`;
}

/** See `firmLockCte`. */
export const AFTER_FIRM_LOCK = 'exists (select 1 from firm_lock)';
