import type { Sql } from '../../../database/sql.js';
import { isHeadCode } from '../../cma/heads.js';
import { accumulate, type YearTotals } from '../../cma/report.js';

/** Per-year sums by head, exact: PostgreSQL sums the bigint paise, we keep them as bigint. */
export async function loadYearTotals(sql: Sql, projectId: string): Promise<YearTotals> {
  const rows = await sql.query<{ fiscalYear: number; head: string; paise: string }>(
    `select fiscal_year as "fiscalYear", head, sum(amount_paise)::text as paise
     from line_items where project_id = $1 and head is not null group by fiscal_year, head`,
    [projectId],
  );
  const totals: YearTotals = new Map();
  for (const row of rows) {
    if (isHeadCode(row.head)) accumulate(totals, { fiscalYear: row.fiscalYear, head: row.head, amountPaise: BigInt(row.paise) });
  }
  return totals;
}
