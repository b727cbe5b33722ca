/**
 * Form II, the operating statement. Every P&L head fills exactly one row with its sign, so
 * PROFIT_BEFORE_TAX is the statement's own profit before tax (income less every expense line
 * but tax and appropriations), every year, by construction.
 *
 * Stocks: opening and closing stock-in-process and finished goods are shown from the balance
 * sheets, for information (the previous year's closing is the opening; the first year's opening
 * comes from a P&L "opening stock" line, else it is not shown). The adjustment that turns the
 * cost lines into cost of sales is the P&L's own stock lines ("changes in inventories", and an
 * "opening stock" line where the P&L has one): zero, with a note row, in a year without a
 * "changes in inventories" line, whose cost lines are consumption already.
 */

import { fiscalYearLabel } from '../fields.js';
import type { FormInputs } from './inputs.js';
import { FormBuilder, ratioOf, sum, type StoredForm } from './model.js';

export function formII(input: FormInputs): { form: StoredForm; builder: FormBuilder } {
  const f = new FormBuilder('FORM_II', 'Form II: operating statement', input.years);
  const pl = (row: string) => (y: number) => input.row(y, row);
  const closing = (row: string) => (y: number) => (input.hasBalanceSheet(y) ? input.row(y, row) : null);
  const opening = (row: string, firstYearHead: 'OPENING_STOCK' | 'OPENING_STOCK_IN_PROCESS') => (y: number) => {
    const previous = input.previousYear(y);
    if (previous !== null) return input.hasBalanceSheet(previous) ? input.row(previous, row) : null;
    return input.has(y, firstYearHead) ? input.head(y, firstYearHead) : null;
  };
  const withoutChanges = input.years.filter((y) => !input.has(y, 'CHANGES_IN_INVENTORIES'));

  f.heading('GROSS_SALES_HEADING', '1. Gross sales')
    .row('SALES_DOMESTIC', '(i) Domestic sales', pl('SALES_DOMESTIC'))
    .row('SALES_EXPORT', '(ii) Export sales', pl('SALES_EXPORT'))
    .row('OTHER_OPERATING_REVENUE', '(iii) Other operating revenue', pl('OTHER_OPERATING_REVENUE'))
    .total('GROSS_SALES', 'Total gross sales', sum('SALES_DOMESTIC', 'SALES_EXPORT', 'OTHER_OPERATING_REVENUE'))
    .row('EXCISE_DUTY', '2. Less: excise duty / GST (sales are taken as the statement gives them)', () => 0n)
    .total('NET_SALES', '3. Net sales (1 − 2)', sum('GROSS_SALES', ['EXCISE_DUTY', -1]));
  f.ratio('SALES_GROWTH', '4. % rise (+) or fall (−) in net sales over the previous year', (y) => {
    const previous = input.previousYear(y);
    if (previous === null) return null;
    const before = f.paise('NET_SALES', previous);
    const growth = ratioOf(f.paise('NET_SALES', y) - before, before);
    return growth === null ? null : growth * 100;
  });
  f.heading('COST_OF_SALES_HEADING', '5. Cost of sales')
    .row('RAW_MATERIALS', '(i) Raw materials consumed (incl. stores; purchases for a trader)', pl('RAW_MATERIALS'))
    .row('SPARES', '(ii) Other spares consumed', pl('SPARES'))
    .row('POWER_AND_FUEL', '(iii) Power and fuel', pl('POWER_AND_FUEL'))
    .row('DIRECT_LABOUR', '(iv) Direct labour', pl('DIRECT_LABOUR'))
    .row('OTHER_MANUFACTURING_EXPENSES', '(v) Other manufacturing expenses', pl('OTHER_MANUFACTURING_EXPENSES'))
    .row('DEPRECIATION', '(vi) Depreciation', pl('DEPRECIATION'))
    .total('MANUFACTURING_COST', '(vii) Subtotal (i to vi)', sum('RAW_MATERIALS', 'SPARES', 'POWER_AND_FUEL', 'DIRECT_LABOUR', 'OTHER_MANUFACTURING_EXPENSES', 'DEPRECIATION'))
    .row('OPENING_STOCK_IN_PROCESS', '(viii) Opening stock-in-process (for information)', opening('INVENTORY_STOCK_IN_PROCESS', 'OPENING_STOCK_IN_PROCESS'), { level: 2 })
    .row('CLOSING_STOCK_IN_PROCESS', '(ix) Closing stock-in-process (for information)', closing('INVENTORY_STOCK_IN_PROCESS'), { level: 2 })
    .row('OPENING_FINISHED_GOODS', '(x) Opening finished goods (for information)', opening('INVENTORY_FINISHED_GOODS', 'OPENING_STOCK'), { level: 2 })
    .row('CLOSING_FINISHED_GOODS', '(xi) Closing finished goods (for information)', closing('INVENTORY_FINISHED_GOODS'), { level: 2 })
    .row('STOCK_ADJUSTMENT', '(xii) Adjustment for stocks: the P&L\'s "changes in inventories" (+ decrease, − increase)', pl('STOCK_ADJUSTMENT'));
  if (withoutChanges.length > 0) {
    f.heading(
      'STOCK_ADJUSTMENT_NOTE',
      `Note: no "changes in inventories" line in ${withoutChanges.map(fiscalYearLabel).join(', ')}; the cost lines are consumption already, so the adjustment is zero`,
      2,
    );
  }
  f.total('COST_OF_SALES', 'Cost of sales (vii + xii)', sum('MANUFACTURING_COST', 'STOCK_ADJUSTMENT'))
    .row('SELLING_GENERAL_ADMIN', '6. Selling, general and administrative expenses', pl('SELLING_GENERAL_ADMIN'))
    .total('COST_OF_SALES_AND_SGA', '7. Subtotal (5 + 6)', sum('COST_OF_SALES', 'SELLING_GENERAL_ADMIN'))
    .total('OPERATING_PROFIT', '8. Operating profit before interest (3 − 7)', sum('NET_SALES', ['COST_OF_SALES_AND_SGA', -1]))
    .row('INTEREST_ON_TERM_LOANS', '(i) Interest on term loans', pl('INTEREST_ON_TERM_LOANS'), { level: 2 })
    .row('INTEREST_OTHER', '(ii) Other interest and finance charges', pl('INTEREST_OTHER'), { level: 2 })
    .total('INTEREST', '9. Interest', sum('INTEREST_ON_TERM_LOANS', 'INTEREST_OTHER'))
    .total('OPERATING_PROFIT_AFTER_INTEREST', '10. Operating profit after interest (8 − 9)', sum('OPERATING_PROFIT', ['INTEREST', -1]))
    .row('NON_OPERATING_INCOME', '(i) Add: non-operating income', pl('NON_OPERATING_INCOME'), { level: 2 })
    .row('NON_OPERATING_EXPENSES', '(ii) Deduct: non-operating expenses', pl('NON_OPERATING_EXPENSES'), { level: 2 })
    .total('NET_NON_OPERATING', '11. Net of non-operating income and expenses', sum('NON_OPERATING_INCOME', ['NON_OPERATING_EXPENSES', -1]))
    .total('PROFIT_BEFORE_TAX', '12. Profit before tax (10 + 11)', sum('OPERATING_PROFIT_AFTER_INTEREST', 'NET_NON_OPERATING'), 'TOTAL')
    .row('PROVISION_FOR_TAXES', '13. Provision for taxes', pl('PROVISION_FOR_TAXES'))
    .total('NET_PROFIT', '14. Net profit (12 − 13)', sum('PROFIT_BEFORE_TAX', ['PROVISION_FOR_TAXES', -1]), 'TOTAL')
    .row('DIVIDENDS', '15. Dividend / drawings', pl('DIVIDENDS'))
    .total('RETAINED_PROFIT', '16. Retained profit (14 − 15)', sum('NET_PROFIT', ['DIVIDENDS', -1]));
  f.ratio('RETAINED_PROFIT_RATIO', '17. Retained profit / net profit (%)', (y) => {
    const share = ratioOf(f.paise('RETAINED_PROFIT', y), f.paise('NET_PROFIT', y));
    return share === null ? null : share * 100;
  });
  return { form: f.build(), builder: f };
}
