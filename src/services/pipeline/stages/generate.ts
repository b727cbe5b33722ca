import { computeForms } from '../../cma/forms/index.js';
import { computeReport } from '../../cma/report.js';
import type { Stage } from '../stage.js';
import { runTotals } from './totals.js';

/**
 * GENERATE: computes the CMA figures per year (`years`, PIPELINE.md's definitions over the 24
 * groups) and Forms II–VI with the ratios (over the finer heads), and stores them together as
 * the project's one report. The API and the workbook read what is stored here.
 */
export function generateStage(): Stage {
  return {
    name: 'GENERATE',
    weight: 5,
    async run(ctx) {
      const totals = await runTotals(ctx);
      const years = computeReport(totals.groups);
      const { forms, ratios } = computeForms(totals.heads);
      await ctx.sql.query(
        `insert into cma_reports (project_id, run_id, generated_at, years, forms, ratios) values ($1, $2, now(), $3, $4, $5)
         on conflict (project_id) do update set run_id = excluded.run_id, generated_at = now(), years = excluded.years,
           forms = excluded.forms, ratios = excluded.ratios`,
        [ctx.projectId, ctx.runId, JSON.stringify(years), JSON.stringify(forms), JSON.stringify(ratios)],
      );
      ctx.reportProgress(1);
    },
  };
}
