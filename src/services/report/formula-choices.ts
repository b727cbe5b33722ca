/**
 * Every choice this project makes where CMA-FORMS.md allows one, in words, for the workbook's
 * cover (README.md lists the same). Keep the two in step.
 */
export const FORMULA_CHOICES: readonly string[] = [
  'MPBF (Form V) by the second method of lending: the lower of (working capital gap − 25 % of current assets excluding export receivables) and (working capital gap − actual net working capital), not below 0.',
  "Other current liabilities for MPBF are Form III's subtotal B, so they include term-loan instalments due within a year (current maturities of long-term debt) and short-term borrowings from others.",
  'TOL/TNW: total outside liabilities (current, term and unsecured loans) ÷ tangible net worth = net worth − revaluation reserve − intangible assets.',
  'DSCR: (net profit after tax + depreciation + interest on term loans) ÷ (term-loan instalments due within a year at the year end + interest on term loans); meets the benchmark when the year is ≥ 1.2 and the average over the years ≥ 1.5.',
  'Current ratio: total current assets ÷ total current liabilities including bank borrowings; benchmark ≥ 1.33.',
  'Provision for tax and advance tax are shown gross (never netted), so Form III totals are the balance sheet\'s own.',
  'Amounts are taken as given: an accumulated depreciation written negative reduces the gross block.',
  'Cost of sales: the P&L\'s own stock lines ("changes in inventories", an "opening stock" line) are the adjustment; a year without a "changes in inventories" line has its adjustment at zero (its cost lines are consumption already). Opening and closing stocks from the balance sheets are shown for information.',
  'Depreciation is part of cost of sales (Form II 5(vi)); salaries and all administrative and selling expenses are SG&A (item 6); other income is non-operating (never added to sales).',
  'Stock not analysed in the statements is shown as finished goods; receivables not marked export, and sales not marked export, are domestic.',
  "Holding levels on closing balances: stock-in-process in months of Form II's (vii) subtotal (cost of production); creditors in months of raw materials and spares consumed (the statements give no purchases).",
  'Unsecured loans from promoters are term liabilities (not quasi-equity); all investments are non-current.',
  'Form VI: fixed assets compared gross of the year\'s depreciation; a change in net worth not explained by the retained profit is shown as capital.',
];
