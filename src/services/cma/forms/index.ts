/**
 * Forms II–VI and the ratios for every fiscal year of a project, from its classified items,
 * exactly in paise (only ratios and holding levels are floats). GENERATE stores the result with
 * the report; the API and the workbook read it and never recompute.
 */

import { fiscalYearLabel } from '../fields.js';
import { formatIndianRupees } from '../money.js';
import { tallies } from '../report.js';
import { formII } from './form-ii.js';
import { formIII } from './form-iii.js';
import { formIV } from './form-iv.js';
import { formV } from './form-v.js';
import { formVI } from './form-vi.js';
import { formInputs, type FineTotals } from './inputs.js';
import type { StoredForm, StoredRatio } from './model.js';
import { computeRatios } from './ratios.js';

export type { FineTotals } from './inputs.js';
export { addFine } from './inputs.js';
export type * from './model.js';

export interface CmaForms {
  readonly forms: StoredForm[];
  readonly ratios: StoredRatio[];
}

export function computeForms(totals: FineTotals): CmaForms {
  const input = formInputs(totals);
  const ii = formII(input);
  const iii = formIII(input);
  const iv = formIV(input.years, ii.builder, iii.builder);
  const v = formV(input.years, iii.builder, iv.builder);
  const vi = formVI(input.years, (y) => input.previousYear(y), ii.builder, iii.builder);
  return {
    forms: [ii.form, iii.form, iv.form, v.form, vi],
    ratios: computeRatios(input.years, { ii: ii.builder, iii: iii.builder, iv: iv.form }),
  };
}

/**
 * Form III's check, per year with a balance sheet: total liabilities and total assets agree
 * within PIPELINE.md's tolerance (the same one VALIDATE applies to the statement, so a file
 * that tallies balances here too). Returns one message per failing year, naming it.
 */
export function formIIIProblems(totals: FineTotals): string[] {
  const input = formInputs(totals);
  const iii = formIII(input).builder;
  const problems: string[] = [];
  for (const year of input.years) {
    if (!input.hasBalanceSheet(year)) continue;
    const liabilities = iii.paise('TOTAL_LIABILITIES', year);
    const assets = iii.paise('TOTAL_ASSETS', year);
    if (!tallies(assets, liabilities)) {
      problems.push(
        `Form III for ${fiscalYearLabel(year)} does not balance: total assets ${formatIndianRupees(assets)}, total liabilities ${formatIndianRupees(liabilities)}`,
      );
    }
  }
  return problems;
}
