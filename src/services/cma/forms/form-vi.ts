/**
 * Form VI, funds flow between each year and the one before it in the file (no column for the
 * first year). Sources and uses are each shown positive; the long-term surplus is their
 * difference and equals the change in net working capital, so the short-term lines and the
 * change in bank borrowings bring NET_FUNDS_FLOW to zero whenever both balance sheets agree to
 * the paisa (a balance sheet that tallies only within PIPELINE.md's tolerance leaves that
 * difference there, for the reader to see).
 *
 * Fixed assets are compared gross of the year's depreciation (net block change + depreciation
 * = the year's additions less disposals); the net-worth change not explained by the retained
 * profit (new capital, revaluation, anything else) is shown as capital.
 */

import type { FormBuilder } from './model.js';
import { FormBuilder as Builder, sum, type StoredForm } from './model.js';

export function formVI(years: readonly number[], previousYear: (y: number) => number | null, ii: FormBuilder, iii: FormBuilder): StoredForm {
  const columns = years.filter((y) => previousYear(y) !== null);
  const f = new Builder('FORM_VI', 'Form VI: funds flow statement', columns);
  const change = (...codes: string[]) => (y: number) => {
    const before = previousYear(y) as number;
    return codes.reduce((total, code) => total + iii.paise(code, y) - iii.paise(code, before), 0n);
  };
  const positive = (value: bigint) => (value > 0n ? value : 0n);
  const netProfit = (y: number) => ii.paise('NET_PROFIT', y);
  const otherNetWorth = (y: number) => change('NET_WORTH')(y) - ii.paise('RETAINED_PROFIT', y);
  const fixedAssets = (y: number) => change('NET_FIXED_ASSETS')(y) + ii.paise('DEPRECIATION', y);
  const nonCurrent = change('TOTAL_NON_CURRENT_ASSETS', 'INTANGIBLE_ASSETS');
  const term = change('TERM_LIABILITIES');
  const decrease = (...codes: string[]) => (y: number) => -change(...codes)(y);

  f.heading('SOURCES_HEADING', '1. Long-term sources')
    .row('NET_PROFIT', '(a) Net profit after tax', (y) => positive(netProfit(y)))
    .row('DEPRECIATION', '(b) Depreciation', (y) => ii.paise('DEPRECIATION', y))
    .row('INCREASE_IN_CAPITAL', '(c) Increase in capital and other net worth', (y) => positive(otherNetWorth(y)))
    .row('INCREASE_IN_TERM_LIABILITIES', '(d) Increase in term liabilities', (y) => positive(term(y)))
    .row('DECREASE_IN_FIXED_ASSETS', '(e) Decrease in fixed assets (net block change plus depreciation)', (y) => positive(-fixedAssets(y)))
    .row('DECREASE_IN_NON_CURRENT_ASSETS', '(f) Decrease in other non-current and intangible assets', (y) => positive(-nonCurrent(y)))
    .total('TOTAL_SOURCES', 'Total long-term sources', sum('NET_PROFIT', 'DEPRECIATION', 'INCREASE_IN_CAPITAL', 'INCREASE_IN_TERM_LIABILITIES', 'DECREASE_IN_FIXED_ASSETS', 'DECREASE_IN_NON_CURRENT_ASSETS'))
    .heading('USES_HEADING', '2. Long-term uses')
    .row('NET_LOSS', '(a) Net loss', (y) => positive(-netProfit(y)))
    .row('DECREASE_IN_TERM_LIABILITIES', '(b) Decrease in term liabilities', (y) => positive(-term(y)))
    .row('INCREASE_IN_FIXED_ASSETS', '(c) Increase in fixed assets (net block change plus depreciation)', (y) => positive(fixedAssets(y)))
    .row('INCREASE_IN_NON_CURRENT_ASSETS', '(d) Increase in other non-current and intangible assets', (y) => positive(nonCurrent(y)))
    .row('DIVIDENDS', '(e) Dividend / drawings', (y) => ii.paise('DIVIDENDS', y))
    .row('DECREASE_IN_CAPITAL', '(f) Decrease in capital and other net worth', (y) => positive(-otherNetWorth(y)))
    .total('TOTAL_USES', 'Total long-term uses', sum('NET_LOSS', 'DECREASE_IN_TERM_LIABILITIES', 'INCREASE_IN_FIXED_ASSETS', 'INCREASE_IN_NON_CURRENT_ASSETS', 'DIVIDENDS', 'DECREASE_IN_CAPITAL'))
    .total('LONG_TERM_SURPLUS', '3. Long-term surplus (+) / deficit (−) (1 − 2)', sum('TOTAL_SOURCES', ['TOTAL_USES', -1]))
    .heading('SHORT_TERM_HEADING', '4. Short-term: decrease (+) / increase (−) in current assets, increase (+) / decrease (−) in current liabilities')
    .row('INVENTORY_CHANGE', '(a) Inventories', decrease('INVENTORY_RAW_MATERIALS', 'INVENTORY_STOCK_IN_PROCESS', 'INVENTORY_FINISHED_GOODS', 'INVENTORY_SPARES'))
    .row('RECEIVABLES_CHANGE', '(b) Receivables', decrease('RECEIVABLES_DOMESTIC', 'RECEIVABLES_EXPORT'))
    .row('CASH_CHANGE', '(c) Cash and bank balances', decrease('CASH_AND_BANK'))
    .row('OTHER_CURRENT_ASSETS_CHANGE', '(d) Advances, advance tax, prepaid and other current assets', decrease('ADVANCES_TO_SUPPLIERS', 'ADVANCE_TAX', 'PREPAID_EXPENSES', 'OTHER_CURRENT_ASSETS'))
    .row('CURRENT_LIABILITIES_CHANGE', '(e) Current liabilities other than bank borrowings', change('SUBTOTAL_B'))
    .total('SHORT_TERM_NET', '5. Net short-term sources (+) / uses (−)', sum('INVENTORY_CHANGE', 'RECEIVABLES_CHANGE', 'CASH_CHANGE', 'OTHER_CURRENT_ASSETS_CHANGE', 'CURRENT_LIABILITIES_CHANGE'))
    .row('BANK_BORROWINGS_CHANGE', '6. Increase (+) / decrease (−) in bank borrowings', change('BANK_BORROWINGS'))
    .total('NET_FUNDS_FLOW', '7. Net (3 + 5 + 6): zero when both balance sheets agree to the paisa', sum('LONG_TERM_SURPLUS', 'SHORT_TERM_NET', 'BANK_BORROWINGS_CHANGE'), 'TOTAL');
  return f.build();
}
