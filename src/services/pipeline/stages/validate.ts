import { formIIIProblems } from '../../cma/forms/index.js';
import { validateYears } from '../../cma/report.js';
import { StageError, type Stage } from '../stage.js';
import { runTotals } from './totals.js';

/**
 * VALIDATE: every year's balance sheet tallies, every year with one has sales, and Form III
 * balances every year (the message names the year). Form III's totals are the balance sheet's
 * own sides, so the third check agrees with the first; it is kept so that a change to the form
 * rows that broke the balance would stop the run instead of storing a lopsided form.
 */
export function validateStage(): Stage {
  return {
    name: 'VALIDATE',
    weight: 4,
    async run(ctx) {
      const totals = await runTotals(ctx);
      if (totals.groups.size === 0) throw new StageError('no classified line items to validate');
      const problems = validateYears(totals.groups).map((p) => p.message);
      if (problems.length === 0) problems.push(...formIIIProblems(totals.heads));
      if (problems.length > 0) throw new StageError(problems.join('; '));
      ctx.reportProgress(1);
    },
  };
}
