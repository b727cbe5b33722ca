import type { TableRow } from '../../src/services/cma/classifier.js';

/**
 * PIPELINE.md's 24-head table exactly as it stood before the finer heads (phrases and
 * distinctive words), frozen here so tests can show that every label keeps the group and the
 * confidence it had.
 */
const PL = 'PROFIT_AND_LOSS' as const;
const BS = 'BALANCE_SHEET' as const;
const rows = [
  ['SALES', PL, ['sales', 'revenue from operations', 'turnover', 'gross receipts', 'domestic sales', 'export sales'], ['sales', 'revenue', 'turnover', 'receipts']],
  ['OTHER_INCOME', PL, ['other income', 'interest received', 'interest income', 'dividend', 'discount received', 'miscellaneous income', 'rent received'], ['dividend', 'received']],
  ['PURCHASES', PL, ['purchases', 'raw material consumed', 'cost of materials consumed', 'purchase of stock in trade'], ['purchases', 'purchase', 'material', 'materials']],
  ['DIRECT_EXPENSES', PL, ['wages', 'power and fuel', 'electricity', 'freight inward', 'carriage inward', 'manufacturing expenses', 'factory expenses', 'job work'], ['wages', 'power', 'fuel', 'electricity', 'inward', 'manufacturing', 'factory']],
  ['EMPLOYEE_COSTS', PL, ['salaries', 'salary', 'staff welfare', 'employee benefit expenses', 'bonus', 'contribution to provident fund'], ['salaries', 'salary', 'staff', 'employee', 'bonus', 'provident']],
  ['ADMIN_SELLING_EXPENSES', PL, ['rent', 'rates and taxes', 'advertisement', 'travelling', 'conveyance', 'printing and stationery', 'telephone', 'audit fees', 'legal and professional', 'office expenses', 'commission paid', 'repairs and maintenance', 'insurance', 'freight outward'], ['rates', 'advertisement', 'travelling', 'conveyance', 'printing', 'stationery', 'telephone', 'audit', 'legal', 'professional', 'office', 'repairs', 'maintenance', 'insurance', 'outward']],
  ['DEPRECIATION', PL, ['depreciation', 'amortisation', 'amortization'], ['depreciation', 'amortisation', 'amortization']],
  ['INTEREST', PL, ['interest on term loan', 'interest on cash credit', 'finance costs', 'interest paid', 'bank charges', 'bank interest'], ['finance', 'bank']],
  ['TAX', PL, ['provision for tax', 'income tax', 'current tax', 'deferred tax'], ['tax']],
  ['CAPITAL', BS, ['share capital', 'equity share capital', 'capital account', 'partners capital', 'proprietors capital'], ['share', 'equity', 'proprietors']],
  ['RESERVES', BS, ['reserves and surplus', 'general reserve', 'retained earnings', 'securities premium', 'profit and loss account'], ['reserves', 'reserve', 'surplus', 'retained', 'securities', 'premium', 'profit']],
  ['TERM_LOANS', BS, ['term loan', 'long term borrowings', 'vehicle loan', 'secured loans', 'machinery loan'], ['secured', 'vehicle']],
  ['UNSECURED_LOANS', BS, ['unsecured loans', 'loan from directors', 'loans from partners', 'loan from relatives', 'inter corporate deposit'], ['unsecured', 'directors', 'relatives', 'corporate']],
  ['BANK_BORROWINGS', BS, ['cash credit', 'overdraft', 'working capital loan', 'packing credit', 'bill discounting', 'short term borrowings'], ['overdraft', 'working', 'packing', 'discounting', 'short']],
  ['CREDITORS', BS, ['sundry creditors', 'trade payables', 'creditors for goods', 'bills payable'], ['creditors', 'payables']],
  ['OTHER_CURRENT_LIABILITIES', BS, ['provisions', 'outstanding expenses', 'expenses payable', 'statutory dues', 'gst payable', 'tds payable', 'advance from customers', 'other current liabilities'], ['provisions', 'outstanding', 'statutory', 'dues', 'customers', 'liabilities']],
  ['FIXED_ASSETS', BS, ['fixed assets', 'property plant and equipment', 'land', 'building', 'plant and machinery', 'furniture and fixtures', 'vehicles', 'computers', 'capital work in progress'], ['property', 'plant', 'equipment', 'land', 'building', 'furniture', 'fixtures', 'vehicles', 'computers']],
  ['INVESTMENTS', BS, ['investments', 'non current investments', 'shares of', 'mutual funds'], ['investments', 'shares', 'mutual']],
  ['OTHER_NON_CURRENT_ASSETS', BS, ['security deposits', 'long term loans and advances', 'deferred tax asset'], ['security', 'deferred']],
  ['INTANGIBLE_ASSETS', BS, ['goodwill', 'intangible assets', 'preliminary expenses', 'software'], ['goodwill', 'intangible', 'preliminary', 'software']],
  ['INVENTORY', BS, ['stock', 'closing stock', 'inventories', 'raw materials', 'work in progress', 'finished goods', 'stores and spares', 'stock in trade'], ['stock', 'inventories', 'materials', 'finished', 'stores', 'spares']],
  ['RECEIVABLES', BS, ['sundry debtors', 'trade receivables', 'debtors', 'bills receivable'], ['debtors', 'receivables']],
  ['CASH_AND_BANK', BS, ['cash in hand', 'cash and bank balances', 'balance with banks', 'cash and cash equivalents', 'bank balance', 'fixed deposits with bank'], ['hand', 'balances', 'equivalents']],
  ['OTHER_CURRENT_ASSETS', BS, ['loans and advances', 'advances to suppliers', 'prepaid expenses', 'gst input credit', 'tds receivable', 'other current assets'], ['suppliers', 'prepaid', 'input']],
] as const;

export const LEGACY_TABLE: readonly TableRow[] = rows.map(([code, statement, phrases, distinctive]) => ({
  code, parent: code, statement, phrases, distinctive,
}));
