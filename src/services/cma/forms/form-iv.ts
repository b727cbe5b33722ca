/**
 * Form IV, current assets and current liabilities with holding levels, on closing balances:
 * amount ÷ annual base × 12 months. Bases (where CMA-FORMS.md allowed a choice, README lists
 * them): stock-in-process in months of Form II's (vii) subtotal as the cost of production;
 * creditors in months of raw materials and spares consumed, as the statements give no purchases.
 */

import type { FormBuilder } from './model.js';
import { FormBuilder as Builder, monthsOf, sum, type StoredForm } from './model.js';

export function formIV(years: readonly number[], ii: FormBuilder, iii: FormBuilder): { form: StoredForm; builder: Builder } {
  const f = new Builder('FORM_IV', 'Form IV: comparative statement of current assets and current liabilities', years);
  const bs = (...codes: string[]) => (y: number) => codes.reduce((total, code) => total + iii.paise(code, y), 0n);
  const level = (codes: string[], base: (y: number) => bigint) => ({
    months: (y: number) => monthsOf(bs(...codes)(y), base(y)),
  });
  const pl = (...codes: string[]) => (y: number) => codes.reduce((total, code) => total + ii.paise(code, y), 0n);

  f.heading('CURRENT_ASSETS_HEADING', 'Current assets (amount, and months of the base in brackets)')
    .row('RAW_MATERIALS', 'Raw materials (months\' consumption)', bs('INVENTORY_RAW_MATERIALS'), level(['INVENTORY_RAW_MATERIALS'], pl('RAW_MATERIALS')))
    .row('SPARES', 'Other consumable spares (months\' consumption)', bs('INVENTORY_SPARES'), level(['INVENTORY_SPARES'], pl('SPARES')))
    .row('STOCK_IN_PROCESS', 'Stock-in-process (months\' cost of production)', bs('INVENTORY_STOCK_IN_PROCESS'), level(['INVENTORY_STOCK_IN_PROCESS'], pl('MANUFACTURING_COST')))
    .row('FINISHED_GOODS', 'Finished goods (months\' cost of sales)', bs('INVENTORY_FINISHED_GOODS'), level(['INVENTORY_FINISHED_GOODS'], pl('COST_OF_SALES')))
    .row('RECEIVABLES_DOMESTIC', 'Domestic receivables (months\' domestic sales)', bs('RECEIVABLES_DOMESTIC'), level(['RECEIVABLES_DOMESTIC'], pl('SALES_DOMESTIC')))
    .row('RECEIVABLES_EXPORT', 'Export receivables (months\' export sales)', bs('RECEIVABLES_EXPORT'), level(['RECEIVABLES_EXPORT'], pl('SALES_EXPORT')))
    .row('ADVANCES_TO_SUPPLIERS', 'Advances to suppliers of raw materials', bs('ADVANCES_TO_SUPPLIERS'))
    .row('OTHER_CURRENT_ASSETS', 'Other current assets (cash and bank, advance tax, prepaid expenses, others)', bs('CASH_AND_BANK', 'ADVANCE_TAX', 'PREPAID_EXPENSES', 'OTHER_CURRENT_ASSETS'))
    .total('TOTAL_CURRENT_ASSETS', 'Total current assets', sum('RAW_MATERIALS', 'SPARES', 'STOCK_IN_PROCESS', 'FINISHED_GOODS', 'RECEIVABLES_DOMESTIC', 'RECEIVABLES_EXPORT', 'ADVANCES_TO_SUPPLIERS', 'OTHER_CURRENT_ASSETS'), 'TOTAL')
    .heading('CURRENT_LIABILITIES_HEADING', 'Current liabilities other than bank borrowings')
    .row('SUNDRY_CREDITORS', 'Sundry creditors (months\' purchases: raw materials and spares consumed)', bs('SUNDRY_CREDITORS'), level(['SUNDRY_CREDITORS'], pl('RAW_MATERIALS', 'SPARES')))
    .row('ADVANCES_FROM_CUSTOMERS', 'Advances from customers', bs('ADVANCES_FROM_CUSTOMERS'))
    .row('STATUTORY_LIABILITIES', 'Statutory liabilities (provision for taxation and other statutory dues)', bs('PROVISION_FOR_TAXATION', 'STATUTORY_LIABILITIES'))
    .row('OTHER_CURRENT_LIABILITIES', 'Other current liabilities (short-term borrowings from others, dividend payable, term-loan instalments due within a year, others)', bs('SHORT_TERM_BORROWINGS_OTHERS', 'DIVIDEND_PAYABLE', 'CURRENT_MATURITIES', 'OTHER_CURRENT_LIABILITIES'))
    .total('TOTAL_OTHER_CURRENT_LIABILITIES', 'Total current liabilities other than bank borrowings', sum('SUNDRY_CREDITORS', 'ADVANCES_FROM_CUSTOMERS', 'STATUTORY_LIABILITIES', 'OTHER_CURRENT_LIABILITIES'), 'TOTAL');
  return { form: f.build(), builder: f };
}
