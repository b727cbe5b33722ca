import { validateYears } from '../../cma/report.js';
import { StageError, type Stage } from '../stage.js';
import { loadYearTotals } from './totals.js';

/** VALIDATE: every year's balance sheet tallies and every year with one has sales. */
export function validateStage(): Stage {
  return {
    name: 'VALIDATE',
    weight: 4,
    async run(ctx) {
      const totals = await loadYearTotals(ctx.sql, ctx.projectId);
      if (totals.size === 0) throw new StageError('no classified line items to validate');
      const problems = validateYears(totals);
      if (problems.length > 0) throw new StageError(problems.map((p) => p.message).join('; '));
      ctx.reportProgress(1);
    },
  };
}
