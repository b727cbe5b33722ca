import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Path of a sample CSV: the repo's examples/ copy, else the shared original. */
export function samplePath(name: string): string {
  const inRepo = fileURLToPath(new URL(`../../../examples/${name}`, import.meta.url));
  if (existsSync(inRepo)) return inRepo;
  return fileURLToPath(new URL(`../../../../shared/samples/${name}`, import.meta.url));
}

/** The shared trial-balance generator, when shared/ sits beside the repo (as in CI). */

/** The head every label of the sample files must get, by label. */
export const SAMPLE_HEADS: Readonly<Record<string, string>> = {
  'Share Capital': 'CAPITAL',
  'Reserves and Surplus': 'RESERVES',
  'Term Loan from SBI': 'TERM_LOANS',
  'Unsecured Loans from Directors': 'UNSECURED_LOANS',
  'Cash Credit': 'BANK_BORROWINGS',
  'Sundry Creditors': 'CREDITORS',
  Provisions: 'OTHER_CURRENT_LIABILITIES',
  'Statutory Dues': 'OTHER_CURRENT_LIABILITIES',
  'Property, Plant and Equipment': 'FIXED_ASSETS',
  Investments: 'INVESTMENTS',
  'Security Deposits': 'OTHER_NON_CURRENT_ASSETS',
  'Closing Stock': 'INVENTORY',
  'Sundry Debtors': 'RECEIVABLES',
  'Cash and Bank Balances': 'CASH_AND_BANK',
  'Loans and Advances': 'OTHER_CURRENT_ASSETS',
  'Revenue from Operations': 'SALES',
  'Other Income': 'OTHER_INCOME',
  'Cost of Materials Consumed': 'PURCHASES',
  Wages: 'DIRECT_EXPENSES',
  'Power and Fuel': 'DIRECT_EXPENSES',
  Salaries: 'EMPLOYEE_COSTS',
  Rent: 'ADMIN_SELLING_EXPENSES',
  Depreciation: 'DEPRECIATION',
  'Finance Costs': 'INTEREST',
  'Provision for Tax': 'TAX',
};

/** The head of a generator label, by the text before " - Party n" / " - Ledger n". */
export const GENERATOR_HEADS: Readonly<Record<string, string>> = {
  'Sundry Creditors': 'CREDITORS',
  'Share Capital': 'CAPITAL',
  'Reserves and Surplus': 'RESERVES',
  'Term Loan': 'TERM_LOANS',
  'Unsecured Loans': 'UNSECURED_LOANS',
  'Cash Credit': 'BANK_BORROWINGS',
  Provisions: 'OTHER_CURRENT_LIABILITIES',
  'Outstanding Expenses': 'OTHER_CURRENT_LIABILITIES',
  'Sundry Debtors': 'RECEIVABLES',
  'Closing Stock': 'INVENTORY',
  'Plant and Machinery': 'FIXED_ASSETS',
  'Cash in Hand': 'CASH_AND_BANK',
  'Balance with Banks': 'CASH_AND_BANK',
  'Loans and Advances': 'OTHER_CURRENT_ASSETS',
  Investments: 'INVESTMENTS',
  'Security Deposits': 'OTHER_NON_CURRENT_ASSETS',
  Sales: 'SALES',
  'Other Income': 'OTHER_INCOME',
  Purchases: 'PURCHASES',
  Wages: 'DIRECT_EXPENSES',
  Salaries: 'EMPLOYEE_COSTS',
  Rent: 'ADMIN_SELLING_EXPENSES',
  Depreciation: 'DEPRECIATION',
  'Finance Costs': 'INTEREST',
  'Power and Fuel': 'DIRECT_EXPENSES',
  Travelling: 'ADMIN_SELLING_EXPENSES',
};
