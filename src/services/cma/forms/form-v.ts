/**
 * Form V, maximum permissible bank finance by the second method of lending, as CMA-FORMS.md
 * lays it out. Other current liabilities are Form III's subtotal B, so they include the
 * instalments of term loans due within a year (a choice CMA-FORMS.md leaves open; README).
 */

import type { FormBuilder } from './model.js';
import { FormBuilder as Builder, sum, type StoredForm } from './model.js';

export function formV(years: readonly number[], iii: FormBuilder, iv: FormBuilder): { form: StoredForm; builder: Builder } {
  const f = new Builder('FORM_V', 'Form V: computation of maximum permissible bank finance (second method)', years);
  const from = (form: FormBuilder, code: string) => (y: number) => form.paise(code, y);
  f.row('TOTAL_CURRENT_ASSETS', '1. Total current assets (Form IV)', from(iv, 'TOTAL_CURRENT_ASSETS'))
    .row('OTHER_CURRENT_LIABILITIES', '2. Other current liabilities, other than bank borrowings (Form IV; incl. term-loan instalments due within a year)', from(iv, 'TOTAL_OTHER_CURRENT_LIABILITIES'))
    .total('WORKING_CAPITAL_GAP', '3. Working capital gap (1 − 2)', sum('TOTAL_CURRENT_ASSETS', ['OTHER_CURRENT_LIABILITIES', -1]))
    .row('EXPORT_RECEIVABLES', 'Export receivables (Form III; left out of item 4)', from(iii, 'RECEIVABLES_EXPORT'), { level: 2 })
    .total('MINIMUM_NET_WORKING_CAPITAL', '4. Minimum stipulated net working capital: 25 % of total current assets excluding export receivables', { op: 'QUARTER', terms: [{ code: 'TOTAL_CURRENT_ASSETS', sign: 1 }, { code: 'EXPORT_RECEIVABLES', sign: -1 }] })
    .row('ACTUAL_NET_WORKING_CAPITAL', '5. Actual net working capital (Form III)', from(iii, 'NET_WORKING_CAPITAL'))
    .total('ITEM_3_MINUS_4', '6. Item 3 minus item 4', sum('WORKING_CAPITAL_GAP', ['MINIMUM_NET_WORKING_CAPITAL', -1]))
    .total('ITEM_3_MINUS_5', '7. Item 3 minus item 5', sum('WORKING_CAPITAL_GAP', ['ACTUAL_NET_WORKING_CAPITAL', -1]))
    .total('MPBF', '8. Maximum permissible bank finance: the lower of 6 and 7 (not below 0)', { op: 'LOWER_NOT_NEGATIVE', of: ['ITEM_3_MINUS_4', 'ITEM_3_MINUS_5'] }, 'TOTAL')
    .row('BANK_BORROWINGS', 'Bank borrowings (Form III, item 1)', from(iii, 'BANK_BORROWINGS'), { level: 2 })
    .total('EXCESS_BORROWING', '9. Excess borrowing: bank borrowings − MPBF (negative: within MPBF)', sum('BANK_BORROWINGS', ['MPBF', -1]))
    .total('NET_WORKING_CAPITAL_SHORTFALL', '10. Shortfall in net working capital: item 4 − item 5 (negative: none)', sum('MINIMUM_NET_WORKING_CAPITAL', ['ACTUAL_NET_WORKING_CAPITAL', -1]));
  return { form: f.build(), builder: f };
}
