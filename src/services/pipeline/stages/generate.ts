import { computeReport } from '../../cma/report.js';
import type { Stage } from '../stage.js';
import { loadYearTotals } from './totals.js';

/** GENERATE: computes the CMA figures per year and stores the report (one per project). */
export function generateStage(): Stage {
  return {
    name: 'GENERATE',
    weight: 5,
    async run(ctx) {
      const years = computeReport(await loadYearTotals(ctx.sql, ctx.projectId));
      await ctx.sql.query(
        `insert into cma_reports (project_id, run_id, generated_at, years) values ($1, $2, now(), $3)
         on conflict (project_id) do update set run_id = excluded.run_id, generated_at = now(), years = excluded.years`,
        [ctx.projectId, ctx.runId, JSON.stringify(years)],
      );
      ctx.reportProgress(1);
    },
  };
}
