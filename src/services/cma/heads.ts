/**
 * The CMA head table: the one place that says which heads exist, which statement and side each
 * belongs to, and which label phrases point to it. Extend the phrases here and nowhere else.
 *
 * `phrases` are exactly those of PIPELINE.md. `distinctive` feeds the 0.6 rule: words taken from
 * the head's own phrases that name the head on their own. A word qualifies only if no phrase of
 * another head of the same statement uses it (a test enforces this), and it is left out when it
 * is generic or commonly names something else: `loan`, `term`, `interest`, `capital`, `cash`,
 * `bank`-as-balance, `income`, `expenses`, `payable`, `receivable`, `advances`, `miscellaneous`
 * and `commission` all appear under several heads or in everyday labels of other heads, so they
 * identify nothing on their own (a label like "Loan from Mr. Sharma" therefore gets no head).
 */

import type { Statement } from './fields.js';

/** Where a head sits in the statements, as PIPELINE.md groups them. */
export type HeadGroup =
  | 'INCOME'
  | 'COST_OF_SALES'
  | 'EXPENSE'
  | 'NET_WORTH'
  | 'LONG_TERM_LIABILITY'
  | 'CURRENT_LIABILITY'
  | 'FIXED_ASSET'
  | 'NON_CURRENT_ASSET'
  | 'INTANGIBLE'
  | 'CURRENT_ASSET';

/** Balance-sheet side; profit-and-loss heads have none. */
export type HeadSide = 'ASSET' | 'LIABILITY';

/** One row of the head table. */
export interface HeadDefinition {
  readonly code: string;
  readonly statement: Statement;
  readonly group: HeadGroup;
  readonly side: HeadSide | null;
  /** Label phrases as written in PIPELINE.md; the classifier normalizes them like labels. */
  readonly phrases: readonly string[];
  /** Single words for the 0.6 rule (see the module comment for how they are chosen). */
  readonly distinctive: readonly string[];
}

const PL = 'PROFIT_AND_LOSS';
const BS = 'BALANCE_SHEET';

/** The head table, in the order PIPELINE.md lists it; that order also breaks ties. */
export const HEAD_TABLE = [
  { code: 'SALES', statement: PL, group: 'INCOME', side: null,
    phrases: ['sales', 'revenue from operations', 'turnover', 'gross receipts', 'domestic sales', 'export sales'],
    distinctive: ['sales', 'revenue', 'turnover', 'receipts'] },
  { code: 'OTHER_INCOME', statement: PL, group: 'INCOME', side: null,
    phrases: ['other income', 'interest received', 'interest income', 'dividend', 'discount received', 'miscellaneous income', 'rent received'],
    distinctive: ['dividend', 'received'] },
  { code: 'PURCHASES', statement: PL, group: 'COST_OF_SALES', side: null,
    phrases: ['purchases', 'raw material consumed', 'cost of materials consumed', 'purchase of stock in trade'],
    distinctive: ['purchases', 'purchase', 'material', 'materials'] },
  { code: 'DIRECT_EXPENSES', statement: PL, group: 'COST_OF_SALES', side: null,
    phrases: ['wages', 'power and fuel', 'electricity', 'freight inward', 'carriage inward', 'manufacturing expenses', 'factory expenses', 'job work'],
    distinctive: ['wages', 'power', 'fuel', 'electricity', 'inward', 'manufacturing', 'factory'] },
  { code: 'EMPLOYEE_COSTS', statement: PL, group: 'EXPENSE', side: null,
    phrases: ['salaries', 'salary', 'staff welfare', 'employee benefit expenses', 'bonus', 'contribution to provident fund'],
    distinctive: ['salaries', 'salary', 'staff', 'employee', 'bonus', 'provident'] },
  { code: 'ADMIN_SELLING_EXPENSES', statement: PL, group: 'EXPENSE', side: null,
    phrases: ['rent', 'rates and taxes', 'advertisement', 'travelling', 'conveyance', 'printing and stationery', 'telephone', 'audit fees', 'legal and professional', 'office expenses', 'commission paid', 'repairs and maintenance', 'insurance', 'freight outward'],
    distinctive: ['rates', 'advertisement', 'travelling', 'conveyance', 'printing', 'stationery', 'telephone', 'audit', 'legal', 'professional', 'office', 'repairs', 'maintenance', 'insurance', 'outward'] },
  { code: 'DEPRECIATION', statement: PL, group: 'EXPENSE', side: null,
    phrases: ['depreciation', 'amortisation', 'amortization'],
    distinctive: ['depreciation', 'amortisation', 'amortization'] },
  { code: 'INTEREST', statement: PL, group: 'EXPENSE', side: null,
    phrases: ['interest on term loan', 'interest on cash credit', 'finance costs', 'interest paid', 'bank charges', 'bank interest'],
    distinctive: ['finance', 'bank'] },
  { code: 'TAX', statement: PL, group: 'EXPENSE', side: null,
    phrases: ['provision for tax', 'income tax', 'current tax', 'deferred tax'],
    distinctive: ['tax'] },
  { code: 'CAPITAL', statement: BS, group: 'NET_WORTH', side: 'LIABILITY',
    phrases: ['share capital', 'equity share capital', 'capital account', 'partners capital', 'proprietors capital'],
    distinctive: ['share', 'equity', 'proprietors'] },
  { code: 'RESERVES', statement: BS, group: 'NET_WORTH', side: 'LIABILITY',
    phrases: ['reserves and surplus', 'general reserve', 'retained earnings', 'securities premium', 'profit and loss account'],
    distinctive: ['reserves', 'reserve', 'surplus', 'retained', 'securities', 'premium', 'profit'] },
  { code: 'TERM_LOANS', statement: BS, group: 'LONG_TERM_LIABILITY', side: 'LIABILITY',
    phrases: ['term loan', 'long term borrowings', 'vehicle loan', 'secured loans', 'machinery loan'],
    distinctive: ['secured', 'vehicle'] },
  { code: 'UNSECURED_LOANS', statement: BS, group: 'LONG_TERM_LIABILITY', side: 'LIABILITY',
    phrases: ['unsecured loans', 'loan from directors', 'loans from partners', 'loan from relatives', 'inter corporate deposit'],
    distinctive: ['unsecured', 'directors', 'relatives', 'corporate'] },
  { code: 'BANK_BORROWINGS', statement: BS, group: 'CURRENT_LIABILITY', side: 'LIABILITY',
    phrases: ['cash credit', 'overdraft', 'working capital loan', 'packing credit', 'bill discounting', 'short term borrowings'],
    distinctive: ['overdraft', 'working', 'packing', 'discounting', 'short'] },
  { code: 'CREDITORS', statement: BS, group: 'CURRENT_LIABILITY', side: 'LIABILITY',
    phrases: ['sundry creditors', 'trade payables', 'creditors for goods', 'bills payable'],
    distinctive: ['creditors', 'payables'] },
  { code: 'OTHER_CURRENT_LIABILITIES', statement: BS, group: 'CURRENT_LIABILITY', side: 'LIABILITY',
    phrases: ['provisions', 'outstanding expenses', 'expenses payable', 'statutory dues', 'gst payable', 'tds payable', 'advance from customers', 'other current liabilities'],
    distinctive: ['provisions', 'outstanding', 'statutory', 'dues', 'customers', 'liabilities'] },
  { code: 'FIXED_ASSETS', statement: BS, group: 'FIXED_ASSET', side: 'ASSET',
    phrases: ['fixed assets', 'property plant and equipment', 'land', 'building', 'plant and machinery', 'furniture and fixtures', 'vehicles', 'computers', 'capital work in progress'],
    distinctive: ['property', 'plant', 'equipment', 'land', 'building', 'furniture', 'fixtures', 'vehicles', 'computers'] },
  { code: 'INVESTMENTS', statement: BS, group: 'NON_CURRENT_ASSET', side: 'ASSET',
    phrases: ['investments', 'non current investments', 'shares of', 'mutual funds'],
    distinctive: ['investments', 'shares', 'mutual'] },
  { code: 'OTHER_NON_CURRENT_ASSETS', statement: BS, group: 'NON_CURRENT_ASSET', side: 'ASSET',
    phrases: ['security deposits', 'long term loans and advances', 'deferred tax asset'],
    distinctive: ['security', 'deferred'] },
  { code: 'INTANGIBLE_ASSETS', statement: BS, group: 'INTANGIBLE', side: 'ASSET',
    phrases: ['goodwill', 'intangible assets', 'preliminary expenses', 'software'],
    distinctive: ['goodwill', 'intangible', 'preliminary', 'software'] },
  { code: 'INVENTORY', statement: BS, group: 'CURRENT_ASSET', side: 'ASSET',
    phrases: ['stock', 'closing stock', 'inventories', 'raw materials', 'work in progress', 'finished goods', 'stores and spares', 'stock in trade'],
    distinctive: ['stock', 'inventories', 'materials', 'finished', 'stores', 'spares'] },
  { code: 'RECEIVABLES', statement: BS, group: 'CURRENT_ASSET', side: 'ASSET',
    phrases: ['sundry debtors', 'trade receivables', 'debtors', 'bills receivable'],
    distinctive: ['debtors', 'receivables'] },
  { code: 'CASH_AND_BANK', statement: BS, group: 'CURRENT_ASSET', side: 'ASSET',
    phrases: ['cash in hand', 'cash and bank balances', 'balance with banks', 'cash and cash equivalents', 'bank balance', 'fixed deposits with bank'],
    distinctive: ['hand', 'balances', 'equivalents'] },
  { code: 'OTHER_CURRENT_ASSETS', statement: BS, group: 'CURRENT_ASSET', side: 'ASSET',
    phrases: ['loans and advances', 'advances to suppliers', 'prepaid expenses', 'gst input credit', 'tds receivable', 'other current assets'],
    distinctive: ['suppliers', 'prepaid', 'input'] },
] as const satisfies readonly HeadDefinition[];

/** A CMA head code such as `SALES` or `TERM_LOANS`. */
export type HeadCode = (typeof HEAD_TABLE)[number]['code'];

/** Every head code, in table order. */
export const HEAD_CODES: readonly HeadCode[] = HEAD_TABLE.map((head) => head.code);

const BY_CODE: ReadonlyMap<string, HeadDefinition & { readonly code: HeadCode }> = new Map(
  HEAD_TABLE.map((head) => [head.code, head]),
);

/** True when `value` is one of {@link HEAD_CODES}; use it on anything read from outside. */
export function isHeadCode(value: string): value is HeadCode {
  return BY_CODE.has(value);
}

/** The table row of a head. */
export function headDefinition(head: HeadCode): HeadDefinition {
  // The map is built from the same table HeadCode is derived from, so the row always exists.
  return BY_CODE.get(head) as HeadDefinition;
}

/** True when a line item of `statement` may take `head` (a BS line never gets a PL head). */
export function isHeadForStatement(head: HeadCode, statement: Statement): boolean {
  return headDefinition(head).statement === statement;
}

/** Heads of one balance-sheet side, in table order; used by validation. */
export function headsOnSide(side: HeadSide): readonly HeadCode[] {
  return HEAD_TABLE.filter((head) => head.side === side).map((head) => head.code);
}
