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

/** Per-year sums by head, exact: PostgreSQL sums the bigint paise, we keep them as bigint. */
export async function loadTotals(sql: Sql, projectId: string): Promise<ProjectTotals> {
  const rows = await sql.query<{ fiscalYear: number; head: string; paise: string }>(
    `select fiscal_year as "fiscalYear", head, sum(amount_paise)::text as paise
     from line_items where project_id = $1 and head is not null group by fiscal_year, head`,
    [projectId],
  );
  const groups: YearTotals = new Map();
  const heads = new Map<number, Map<HeadCode, bigint>>();
  for (const row of rows) {
    if (!isHeadCode(row.head)) continue;
    const amountPaise = BigInt(row.paise);
    accumulate(groups, { fiscalYear: row.fiscalYear, head: row.head, amountPaise });
    addFine(heads, row.fiscalYear, row.head, amountPaise);
  }
  return { groups, heads };
}

const TOTALS = Symbol('project totals');

/**
 * `loadTotals` once per run execution: VALIDATE's read serves GENERATE (the aggregate over every
 * line item, ~70–90 ms at 150,000 rows, ran twice on data that cannot change between them). A
 * run resumed at GENERATE in another process reads them itself.
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

/** Per-year sums by group (PIPELINE.md's 24 heads). */
export async function loadYearTotals(sql: Sql, projectId: string): Promise<YearTotals> {
  return (await loadTotals(sql, projectId)).groups;
}
