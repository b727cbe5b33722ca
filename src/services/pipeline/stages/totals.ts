import type { Sql } from '../../../database/sql.js';
import type { StageContext } from '../stage.js';
import { addFine, type FineTotals } from '../../cma/forms/index.js';
import { isHeadCode, type HeadCode } from '../../cma/heads.js';
import { accumulate, type YearTotals } from '../../cma/report.js';

/** A project's classified amounts per year: by group (PIPELINE.md's 24) and by head as stored. */
export interface ProjectTotals {
  readonly groups: YearTotals;
  readonly heads: FineTotals;
}

/** One sum: a fiscal year, a head as stored, the paise as a decimal string (exact). */
export type TotalRow = readonly [fiscalYear: number, head: string, paise: string];

/** Per-year sums by head, exact: PostgreSQL sums the bigint paise, we keep them as bigint. */
async function loadTotals(sql: Sql, projectId: string): Promise<ProjectTotals> {
  const rows = await sql.query<{ fiscalYear: number; head: string; paise: string }>(
    `select fiscal_year as "fiscalYear", head, sum(amount_paise)::text as paise
     from line_items where project_id = $1 and head is not null group by fiscal_year, head`,
    [projectId],
  );
  return totalsOf(rows.map((r) => [r.fiscalYear, r.head, r.paise] as const));
}

function totalsOf(rows: Iterable<TotalRow>): ProjectTotals {
  const groups: YearTotals = new Map();
  const heads = new Map<number, Map<HeadCode, bigint>>();
  for (const [fiscalYear, head, paise] of rows) {
    if (!isHeadCode(head)) continue;
    const amountPaise = BigInt(paise);
    accumulate(groups, { fiscalYear, head, amountPaise });
    addFine(heads, fiscalYear, head, amountPaise);
  }
  return { groups, heads };
}

const TOTALS = Symbol('project totals');

/**
 * The project's totals once per run execution: as EXTRACT summed them while it wrote the rows
 * (`rememberTotals`), else read by the first stage that asks (VALIDATE's read serves GENERATE).
 * The aggregate over every line item is ~70–150 ms at 150,000 rows (the first read of freshly
 * written rows is the slow one), and the rows cannot change during the run except by CLASSIFY's
 * full pass, which forgets them. A run resumed elsewhere reads them itself.
 */
export function runTotals(ctx: Pick<StageContext, 'sql' | 'projectId' | 'memo'>): Promise<ProjectTotals> {
  let totals = ctx.memo.get(TOTALS) as Promise<ProjectTotals> | undefined;
  if (!totals) {
    totals = loadTotals(ctx.sql, ctx.projectId);
    ctx.memo.set(TOTALS, totals);
    // A failed read is not kept: the next stage reads again.
    totals.catch(() => ctx.memo.delete(TOTALS));
  }
  return totals;
}

/** EXTRACT's sums of the rows it has just written (committed), for the later stages of this execution. */
export function rememberTotals(ctx: Pick<StageContext, 'memo'>, rows: Iterable<TotalRow>): void {
  ctx.memo.set(TOTALS, Promise.resolve(totalsOf(rows)));
}

/** The line items were written again (CLASSIFY's full pass): the next stage reads the totals. */
export function forgetTotals(ctx: Pick<StageContext, 'memo'>): void {
  ctx.memo.delete(TOTALS);
}
