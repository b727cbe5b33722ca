/**
 * Form III, the analysis of the balance sheet. Every balance-sheet head fills exactly one row,
 * as given (provision for tax and advance tax gross; an accumulated depreciation written
 * negative reduces the block), so TOTAL_LIABILITIES and TOTAL_ASSETS are the balance sheet's
 * own two sides.
 */

import type { FormInputs } from './inputs.js';
import { FormBuilder, ratioOf, sum, type StoredForm } from './model.js';

export function formIII(input: FormInputs): { form: StoredForm; builder: FormBuilder } {
  const f = new FormBuilder('FORM_III', 'Form III: analysis of balance sheet', input.years);
  const bs = (row: string) => (y: number) => input.row(y, row);
  const line = (code: string, label: string, level = 1) => f.row(code, label, bs(code), { level });

  f.heading('CURRENT_LIABILITIES_HEADING', 'Current liabilities');
  line('BANK_BORROWINGS', '1. Short-term borrowings from banks (cash credit, overdraft, packing credit, bills purchased/discounted)');
  f.total('SUBTOTAL_A', 'Subtotal (A)', sum('BANK_BORROWINGS'));
  line('SHORT_TERM_BORROWINGS_OTHERS', '2. Short-term borrowings from others');
  line('SUNDRY_CREDITORS', '3. Sundry creditors (trade)');
  line('ADVANCES_FROM_CUSTOMERS', '4. Advances from customers');
  line('PROVISION_FOR_TAXATION', '5. Provision for taxation (gross of advance tax)');
  line('DIVIDEND_PAYABLE', '6. Dividend payable');
  line('STATUTORY_LIABILITIES', '7. Other statutory liabilities (due within one year)');
  line('CURRENT_MATURITIES', '8. Instalments of term loans / debentures / deposits due within one year');
  line('OTHER_CURRENT_LIABILITIES', '9. Other current liabilities and provisions');
  f.total('SUBTOTAL_B', 'Subtotal (B) (2 to 9)', sum('SHORT_TERM_BORROWINGS_OTHERS', 'SUNDRY_CREDITORS', 'ADVANCES_FROM_CUSTOMERS', 'PROVISION_FOR_TAXATION', 'DIVIDEND_PAYABLE', 'STATUTORY_LIABILITIES', 'CURRENT_MATURITIES', 'OTHER_CURRENT_LIABILITIES'))
    .total('TOTAL_CURRENT_LIABILITIES', '10. Total current liabilities (A + B)', sum('SUBTOTAL_A', 'SUBTOTAL_B'));
  f.heading('TERM_LIABILITIES_HEADING', 'Term liabilities');
  line('TERM_LOANS', '11. Term loans, debentures, deferred payment credits (excluding instalments in 8)');
  line('UNSECURED_LOANS', '12. Unsecured loans from promoters and others');
  f.total('TERM_LIABILITIES', '13. Total term liabilities', sum('TERM_LOANS', 'UNSECURED_LOANS'))
    .total('TOTAL_OUTSIDE_LIABILITIES', '14. Total outside liabilities (10 + 13)', sum('TOTAL_CURRENT_LIABILITIES', 'TERM_LIABILITIES'));
  f.heading('NET_WORTH_HEADING', 'Net worth');
  line('SHARE_CAPITAL', '15. Share / partners\' capital');
  line('GENERAL_RESERVE', '16. General reserve');
  line('REVALUATION_RESERVE', '17. Revaluation reserve');
  line('OTHER_RESERVES', '18. Other reserves');
  line('SURPLUS', '19. Surplus (+) or deficit (−) in profit and loss account');
  f.total('NET_WORTH', '20. Net worth', sum('SHARE_CAPITAL', 'GENERAL_RESERVE', 'REVALUATION_RESERVE', 'OTHER_RESERVES', 'SURPLUS'))
    .total('TOTAL_LIABILITIES', '21. Total liabilities (14 + 20)', sum('TOTAL_OUTSIDE_LIABILITIES', 'NET_WORTH'), 'TOTAL');

  f.heading('CURRENT_ASSETS_HEADING', 'Current assets');
  line('CASH_AND_BANK', '22. Cash and bank balances');
  line('RECEIVABLES_DOMESTIC', '23. (i) Receivables: domestic (incl. bills purchased and discounted)');
  line('RECEIVABLES_EXPORT', '(ii) Receivables: export');
  line('INVENTORY_RAW_MATERIALS', '24. Inventory: (i) raw materials');
  line('INVENTORY_STOCK_IN_PROCESS', '(ii) stock-in-process');
  line('INVENTORY_FINISHED_GOODS', '(iii) finished goods (incl. stock not analysed in the statements)');
  line('INVENTORY_SPARES', '(iv) other consumable spares');
  line('ADVANCES_TO_SUPPLIERS', '25. Advances to suppliers of raw materials');
  line('ADVANCE_TAX', '26. Advance payment of tax (gross of the provision)');
  line('PREPAID_EXPENSES', '27. Prepaid expenses');
  line('OTHER_CURRENT_ASSETS', '28. Other current assets');
  f.total('TOTAL_CURRENT_ASSETS', '29. Total current assets', sum('CASH_AND_BANK', 'RECEIVABLES_DOMESTIC', 'RECEIVABLES_EXPORT', 'INVENTORY_RAW_MATERIALS', 'INVENTORY_STOCK_IN_PROCESS', 'INVENTORY_FINISHED_GOODS', 'INVENTORY_SPARES', 'ADVANCES_TO_SUPPLIERS', 'ADVANCE_TAX', 'PREPAID_EXPENSES', 'OTHER_CURRENT_ASSETS'));
  f.heading('FIXED_ASSETS_HEADING', 'Fixed assets');
  line('GROSS_BLOCK', '30. Gross block (fixed assets given without their depreciation are included as given)');
  line('ACCUMULATED_DEPRECIATION', '31. Depreciation to date (as given: written negative, it reduces the block)');
  f.total('NET_FIXED_ASSETS', '32. Net block (30 + 31)', sum('GROSS_BLOCK', 'ACCUMULATED_DEPRECIATION'));
  f.heading('NON_CURRENT_ASSETS_HEADING', 'Other non-current assets');
  line('INVESTMENTS_IN_GROUP_CONCERNS', '33. Investments in / advances to group concerns');
  line('OTHER_INVESTMENTS', '34. Other investments');
  line('OTHER_NON_CURRENT_ASSETS', '35. Security deposits, capital advances and other non-current assets');
  f.total('TOTAL_NON_CURRENT_ASSETS', '36. Total other non-current assets', sum('INVESTMENTS_IN_GROUP_CONCERNS', 'OTHER_INVESTMENTS', 'OTHER_NON_CURRENT_ASSETS'));
  line('INTANGIBLE_ASSETS', '37. Intangible assets (goodwill, preliminary expenses, software)');
  f.total('TOTAL_ASSETS', '38. Total assets (29 + 32 + 36 + 37)', sum('TOTAL_CURRENT_ASSETS', 'NET_FIXED_ASSETS', 'TOTAL_NON_CURRENT_ASSETS', 'INTANGIBLE_ASSETS'), 'TOTAL');

  f.heading('DERIVED_HEADING', 'Derived figures');
  f.total('TANGIBLE_NET_WORTH', '39. Tangible net worth (20 − 17 − 37)', sum('NET_WORTH', ['REVALUATION_RESERVE', -1], ['INTANGIBLE_ASSETS', -1]))
    .total('NET_WORKING_CAPITAL', '40. Net working capital (29 − 10)', sum('TOTAL_CURRENT_ASSETS', ['TOTAL_CURRENT_LIABILITIES', -1]));
  f.ratio('CURRENT_RATIO', '41. Current ratio (29 ÷ 10)', (y) => ratioOf(f.paise('TOTAL_CURRENT_ASSETS', y), f.paise('TOTAL_CURRENT_LIABILITIES', y)));
  f.ratio('TOL_TNW', '42. Total outside liabilities ÷ tangible net worth (14 ÷ 39)', (y) => {
    const tnw = f.paise('TANGIBLE_NET_WORTH', y);
    return tnw > 0n ? ratioOf(f.paise('TOTAL_OUTSIDE_LIABILITIES', y), tnw) : null;
  });
  return { form: f.build(), builder: f };
}
