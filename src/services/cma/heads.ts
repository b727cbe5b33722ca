/**
 * The CMA head table: the one place that says which heads exist, which statement and side each
 * belongs to, which row of Form II or III it fills, and which label phrases point to it. Extend
 * the phrases here and nowhere else.
 *
 * Two tiers. The 24 heads of PIPELINE.md are the *groups*: validation and `CmaYear` are defined
 * over them and stay so. The finer heads below each belong to exactly one group (`parent`) and
 * say which form row they fill; a group's own code is still a head (an item the label does not
 * place more finely), filling the group's default row. So every file keeps its group totals
 * whichever tier its items are classified to.
 *
 * `phrases` of the groups are PIPELINE.md's, some moved to a finer head of the same group.
 * `distinctive` feeds the 0.6 rule: words taken from the head's own phrases that name the head
 * on their own. A word qualifies only if no phrase of another *group* of the same statement uses
 * it (a test enforces this), and it is left out when it is generic or commonly names something
 * else: `loan`, `term`, `interest`, `capital`, `cash`, `bank`-as-balance, `income`, `expenses`,
 * `payable`, `receivable`, `advances`, `miscellaneous` and `commission` all appear under several
 * heads or in everyday labels of other heads, so they identify nothing on their own (a label
 * like "Loan from Mr. Sharma" therefore gets no head).
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

/** One of the 24 groups of PIPELINE.md (each is also a head of its own). */
export interface GroupDefinition {
  readonly code: string;
  readonly statement: Statement;
  readonly group: HeadGroup;
  readonly side: HeadSide | null;
  /** The Form II (P&L) or Form III (balance sheet) row an item of this head fills. */
  readonly row: string;
  /** Label phrases; the classifier normalizes them like labels. */
  readonly phrases: readonly string[];
  /** Single words for the 0.6 rule (see the module comment for how they are chosen). */
  readonly distinctive: readonly string[];
}

/** A finer head: statement, category and side are its group's. */
export interface FineDefinition {
  readonly code: string;
  readonly parent: string;
  readonly row: string;
  readonly phrases: readonly string[];
  readonly distinctive: readonly string[];
}

/** One row of the full head table (groups and finer heads alike). */
export interface HeadDefinition extends GroupDefinition {
  /** The group this head belongs to; a group's parent is itself. */
  readonly parent: GroupCode;
}

const PL = 'PROFIT_AND_LOSS';
const BS = 'BALANCE_SHEET';

/** The 24 groups, in the order PIPELINE.md lists them; that order also breaks ties. */
export const GROUP_TABLE = [
  { code: 'SALES', statement: PL, group: 'INCOME', side: null, row: 'SALES_DOMESTIC',
    phrases: ['sales', 'revenue from operations', 'turnover', 'gross receipts'],
    distinctive: ['sales', 'revenue', 'turnover', 'receipts'] },
  { code: 'OTHER_INCOME', statement: PL, group: 'INCOME', side: null, row: 'NON_OPERATING_INCOME',
    phrases: ['other income', 'interest received', 'interest income', 'dividend', 'discount received', 'miscellaneous income', 'rent received'],
    distinctive: ['received'] },
  { code: 'PURCHASES', statement: PL, group: 'COST_OF_SALES', side: null, row: 'RAW_MATERIALS',
    phrases: ['purchases', 'purchase of stock in trade'],
    distinctive: ['purchases', 'purchase'] },
  { code: 'DIRECT_EXPENSES', statement: PL, group: 'COST_OF_SALES', side: null, row: 'OTHER_MANUFACTURING_EXPENSES',
    phrases: ['freight inward', 'carriage inward', 'job work'],
    distinctive: ['inward'] },
  { code: 'EMPLOYEE_COSTS', statement: PL, group: 'EXPENSE', side: null, row: 'SELLING_GENERAL_ADMIN',
    phrases: ['salaries', 'salary', 'staff welfare', 'employee benefit expenses', 'bonus', 'contribution to provident fund'],
    distinctive: ['salaries', 'salary', 'staff', 'employee', 'bonus', 'provident'] },
  { code: 'ADMIN_SELLING_EXPENSES', statement: PL, group: 'EXPENSE', side: null, row: 'SELLING_GENERAL_ADMIN',
    phrases: ['rent', 'rates and taxes', 'advertisement', 'travelling', 'conveyance', 'printing and stationery', 'telephone', 'audit fees', 'legal and professional', 'office expenses', 'commission paid', 'repairs and maintenance', 'insurance', 'freight outward',
      'selling and administrative expenses', 'administrative and selling expenses', 'selling and distribution expenses', 'general and administrative expenses', 'administrative and general expenses'],
    distinctive: ['rates', 'advertisement', 'travelling', 'conveyance', 'printing', 'stationery', 'telephone', 'audit', 'legal', 'professional', 'office', 'repairs', 'maintenance', 'insurance', 'outward'] },
  { code: 'DEPRECIATION', statement: PL, group: 'EXPENSE', side: null, row: 'DEPRECIATION',
    phrases: ['depreciation', 'amortisation', 'amortization'],
    distinctive: ['depreciation', 'amortisation', 'amortization'] },
  { code: 'INTEREST', statement: PL, group: 'EXPENSE', side: null, row: 'INTEREST_OTHER',
    phrases: ['interest on cash credit', 'finance costs', 'interest paid', 'bank charges', 'bank interest'],
    distinctive: ['finance', 'bank'] },
  { code: 'TAX', statement: PL, group: 'EXPENSE', side: null, row: 'PROVISION_FOR_TAXES',
    phrases: ['provision for tax', 'income tax', 'current tax', 'deferred tax'],
    distinctive: ['tax'] },
  { code: 'CAPITAL', statement: BS, group: 'NET_WORTH', side: 'LIABILITY', row: 'SHARE_CAPITAL',
    phrases: ['share capital', 'equity share capital', 'capital account', 'partners capital', 'proprietors capital'],
    distinctive: ['share', 'equity', 'proprietors'] },
  { code: 'RESERVES', statement: BS, group: 'NET_WORTH', side: 'LIABILITY', row: 'OTHER_RESERVES',
    phrases: ['reserves and surplus', 'securities premium'],
    distinctive: ['reserves', 'reserve', 'surplus', 'retained', 'securities', 'premium', 'profit'] },
  { code: 'TERM_LOANS', statement: BS, group: 'LONG_TERM_LIABILITY', side: 'LIABILITY', row: 'TERM_LOANS',
    phrases: ['term loan', 'long term borrowings', 'vehicle loan', 'secured loans', 'machinery loan'],
    distinctive: ['secured', 'vehicle'] },
  { code: 'UNSECURED_LOANS', statement: BS, group: 'LONG_TERM_LIABILITY', side: 'LIABILITY', row: 'UNSECURED_LOANS',
    phrases: ['unsecured loans', 'loan from directors', 'loans from partners', 'loan from relatives', 'inter corporate deposit'],
    distinctive: ['unsecured', 'directors', 'relatives', 'corporate'] },
  { code: 'BANK_BORROWINGS', statement: BS, group: 'CURRENT_LIABILITY', side: 'LIABILITY', row: 'BANK_BORROWINGS',
    phrases: ['cash credit', 'overdraft', 'working capital loan', 'packing credit', 'bill discounting', 'short term borrowings'],
    distinctive: ['overdraft', 'working', 'packing', 'discounting', 'short'] },
  { code: 'CREDITORS', statement: BS, group: 'CURRENT_LIABILITY', side: 'LIABILITY', row: 'SUNDRY_CREDITORS',
    phrases: ['sundry creditors', 'trade payables', 'creditors for goods', 'bills payable'],
    distinctive: ['creditors', 'payables'] },
  { code: 'OTHER_CURRENT_LIABILITIES', statement: BS, group: 'CURRENT_LIABILITY', side: 'LIABILITY', row: 'OTHER_CURRENT_LIABILITIES',
    phrases: ['provisions', 'outstanding expenses', 'expenses payable', 'other current liabilities'],
    distinctive: ['provisions', 'outstanding', 'liabilities'] },
  { code: 'FIXED_ASSETS', statement: BS, group: 'FIXED_ASSET', side: 'ASSET', row: 'GROSS_BLOCK',
    phrases: ['fixed assets', 'property plant and equipment', 'land', 'building', 'plant and machinery', 'furniture and fixtures', 'vehicles', 'computers', 'capital work in progress'],
    distinctive: ['property', 'plant', 'equipment', 'land', 'building', 'furniture', 'fixtures', 'vehicles', 'computers'] },
  { code: 'INVESTMENTS', statement: BS, group: 'NON_CURRENT_ASSET', side: 'ASSET', row: 'OTHER_INVESTMENTS',
    phrases: ['investments', 'non current investments', 'shares of', 'mutual funds'],
    distinctive: ['investments', 'shares', 'mutual'] },
  { code: 'OTHER_NON_CURRENT_ASSETS', statement: BS, group: 'NON_CURRENT_ASSET', side: 'ASSET', row: 'OTHER_NON_CURRENT_ASSETS',
    phrases: ['security deposits', 'long term loans and advances', 'deferred tax asset'],
    distinctive: ['security', 'deferred'] },
  { code: 'INTANGIBLE_ASSETS', statement: BS, group: 'INTANGIBLE', side: 'ASSET', row: 'INTANGIBLE_ASSETS',
    phrases: ['goodwill', 'intangible assets', 'preliminary expenses', 'software'],
    distinctive: ['goodwill', 'intangible', 'preliminary', 'software'] },
  { code: 'INVENTORY', statement: BS, group: 'CURRENT_ASSET', side: 'ASSET', row: 'INVENTORY_FINISHED_GOODS',
    phrases: ['stock', 'closing stock', 'inventories', 'stock in trade'],
    distinctive: ['stock', 'inventories'] },
  { code: 'RECEIVABLES', statement: BS, group: 'CURRENT_ASSET', side: 'ASSET', row: 'RECEIVABLES_DOMESTIC',
    phrases: ['sundry debtors', 'trade receivables', 'debtors', 'bills receivable'],
    distinctive: ['debtors', 'receivables'] },
  { code: 'CASH_AND_BANK', statement: BS, group: 'CURRENT_ASSET', side: 'ASSET', row: 'CASH_AND_BANK',
    phrases: ['cash in hand', 'cash and bank balances', 'balance with banks', 'cash and cash equivalents', 'bank balance', 'fixed deposits with bank'],
    distinctive: ['hand', 'balances', 'equivalents'] },
  { code: 'OTHER_CURRENT_ASSETS', statement: BS, group: 'CURRENT_ASSET', side: 'ASSET', row: 'OTHER_CURRENT_ASSETS',
    phrases: ['loans and advances', 'gst input credit', 'other current assets'],
    distinctive: ['input'] },
] as const satisfies readonly GroupDefinition[];

/**
 * The finer heads, each in exactly one group. Phrases moved here from a group keep pointing into
 * that group; new phrases were chosen so that no label today's table classifies without review
 * changes group, except where CMA-FORMS.md says the old group was wrong (current maturities of
 * long-term debt are a current liability; a dividend paid is not income).
 */
export const FINE_TABLE = [
  // Form II: sales
  { code: 'SALES_DOMESTIC', parent: 'SALES', row: 'SALES_DOMESTIC',
    phrases: ['domestic sales', 'sales domestic', 'local sales'], distinctive: ['domestic'] },
  { code: 'SALES_EXPORT', parent: 'SALES', row: 'SALES_EXPORT',
    phrases: ['export sales', 'sales export', 'export turnover', 'export revenue'], distinctive: ['export'] },
  { code: 'OTHER_OPERATING_REVENUE', parent: 'SALES', row: 'OTHER_OPERATING_REVENUE',
    phrases: ['other operating revenue', 'other operating revenues', 'export incentives', 'scrap sales'], distinctive: ['incentives', 'scrap'] },
  { code: 'NON_OPERATING_INCOME', parent: 'OTHER_INCOME', row: 'NON_OPERATING_INCOME',
    phrases: ['non operating income', 'profit on sale of fixed assets', 'profit on sale of assets', 'profit on sale of investments'], distinctive: [] },
  // Form II: cost of sales
  { code: 'RAW_MATERIALS_CONSUMED', parent: 'PURCHASES', row: 'RAW_MATERIALS',
    phrases: ['raw material consumed', 'raw materials consumed', 'cost of materials consumed', 'cost of raw materials consumed', 'consumption of raw materials', 'materials consumed'],
    distinctive: ['material', 'materials'] },
  { code: 'SPARES_CONSUMED', parent: 'PURCHASES', row: 'SPARES',
    phrases: ['stores and spares consumed', 'consumption of stores and spares', 'stores consumed', 'spares consumed'], distinctive: ['stores', 'spares'] },
  { code: 'POWER_AND_FUEL', parent: 'DIRECT_EXPENSES', row: 'POWER_AND_FUEL',
    phrases: ['power and fuel', 'electricity'], distinctive: ['power', 'fuel', 'electricity'] },
  { code: 'DIRECT_LABOUR', parent: 'DIRECT_EXPENSES', row: 'DIRECT_LABOUR',
    phrases: ['wages', 'direct labour', 'direct labor'], distinctive: ['wages', 'labour', 'labor'] },
  { code: 'OTHER_MANUFACTURING_EXPENSES', parent: 'DIRECT_EXPENSES', row: 'OTHER_MANUFACTURING_EXPENSES',
    phrases: ['manufacturing expenses', 'factory expenses', 'other manufacturing expenses'], distinctive: ['manufacturing', 'factory'] },
  { code: 'CHANGES_IN_INVENTORIES', parent: 'DIRECT_EXPENSES', row: 'STOCK_ADJUSTMENT',
    phrases: ['changes in inventories', 'change in inventories', 'changes in inventories of finished goods and work in progress',
      'changes in inventories of finished goods work in progress and stock in trade', 'increase decrease in inventories', 'increase decrease in stock'],
    distinctive: [] },
  { code: 'OPENING_STOCK', parent: 'DIRECT_EXPENSES', row: 'STOCK_ADJUSTMENT',
    phrases: ['opening stock', 'opening stock of finished goods', 'opening inventory'], distinctive: ['opening'] },
  { code: 'OPENING_STOCK_IN_PROCESS', parent: 'DIRECT_EXPENSES', row: 'STOCK_ADJUSTMENT',
    phrases: ['opening work in progress', 'opening stock of work in progress', 'opening stock in process'], distinctive: [] },
  // Form II: below operating profit
  { code: 'NON_OPERATING_EXPENSES', parent: 'ADMIN_SELLING_EXPENSES', row: 'NON_OPERATING_EXPENSES',
    phrases: ['non operating expenses', 'loss on sale of fixed assets', 'loss on sale of assets', 'loss on sale of investments', 'prior period expenses'], distinctive: [] },
  { code: 'INTEREST_ON_TERM_LOANS', parent: 'INTEREST', row: 'INTEREST_ON_TERM_LOANS',
    phrases: ['interest on term loan', 'interest on term loans'], distinctive: [] },
  { code: 'DIVIDENDS', parent: 'TAX', row: 'DIVIDENDS',
    phrases: ['dividend paid', 'dividends paid', 'proposed dividend', 'interim dividend', 'drawings', 'partners drawings'], distinctive: ['drawings'] },
  // Form III: net worth
  { code: 'GENERAL_RESERVE', parent: 'RESERVES', row: 'GENERAL_RESERVE',
    phrases: ['general reserve'], distinctive: [] },
  { code: 'REVALUATION_RESERVE', parent: 'RESERVES', row: 'REVALUATION_RESERVE',
    phrases: ['revaluation reserve', 'revaluation reserves'], distinctive: ['revaluation'] },
  { code: 'SURPLUS', parent: 'RESERVES', row: 'SURPLUS',
    phrases: ['profit and loss account', 'retained earnings', 'surplus in profit and loss', 'surplus in statement of profit and loss', 'balance in profit and loss'], distinctive: [] },
  // Form III: current liabilities
  { code: 'SHORT_TERM_BORROWINGS_OTHERS', parent: 'BANK_BORROWINGS', row: 'SHORT_TERM_BORROWINGS_OTHERS',
    phrases: ['short term borrowings from others', 'short term loans from others'], distinctive: [] },
  { code: 'ADVANCES_FROM_CUSTOMERS', parent: 'OTHER_CURRENT_LIABILITIES', row: 'ADVANCES_FROM_CUSTOMERS',
    phrases: ['advance from customers', 'advances from customers', 'customer advances'], distinctive: ['customers'] },
  { code: 'PROVISION_FOR_TAX', parent: 'OTHER_CURRENT_LIABILITIES', row: 'PROVISION_FOR_TAXATION',
    phrases: ['provision for tax', 'provision for taxation', 'provision for income tax', 'income tax payable'], distinctive: ['taxation'] },
  { code: 'DIVIDEND_PAYABLE', parent: 'OTHER_CURRENT_LIABILITIES', row: 'DIVIDEND_PAYABLE',
    phrases: ['dividend payable', 'unpaid dividend', 'proposed dividend'], distinctive: ['dividend'] },
  { code: 'STATUTORY_DUES', parent: 'OTHER_CURRENT_LIABILITIES', row: 'STATUTORY_LIABILITIES',
    phrases: ['statutory dues', 'statutory liabilities', 'gst payable', 'tds payable', 'pf payable', 'esi payable'], distinctive: ['statutory', 'dues'] },
  { code: 'CURRENT_MATURITIES', parent: 'OTHER_CURRENT_LIABILITIES', row: 'CURRENT_MATURITIES',
    phrases: ['current maturities of long term debt', 'current maturities of long term borrowings', 'current maturities of term loans', 'current maturities of term loan', 'current maturities'],
    distinctive: ['maturities'] },
  // Form III: fixed and non-current assets
  { code: 'GROSS_BLOCK', parent: 'FIXED_ASSETS', row: 'GROSS_BLOCK',
    phrases: ['gross block', 'gross fixed assets'], distinctive: [] },
  { code: 'ACCUMULATED_DEPRECIATION', parent: 'FIXED_ASSETS', row: 'ACCUMULATED_DEPRECIATION',
    phrases: ['accumulated depreciation', 'less accumulated depreciation', 'depreciation to date'], distinctive: ['accumulated'] },
  { code: 'INVESTMENTS_IN_GROUP_CONCERNS', parent: 'INVESTMENTS', row: 'INVESTMENTS_IN_GROUP_CONCERNS',
    phrases: ['investments in group companies', 'investments in group concerns', 'investment in group companies', 'investments in subsidiaries', 'investment in subsidiaries', 'investments in associates'],
    distinctive: ['subsidiaries'] },
  // Form III: current assets
  { code: 'INVENTORY_RAW_MATERIALS', parent: 'INVENTORY', row: 'INVENTORY_RAW_MATERIALS',
    phrases: ['raw materials', 'raw material', 'stock of raw materials'], distinctive: ['materials'] },
  { code: 'INVENTORY_STOCK_IN_PROCESS', parent: 'INVENTORY', row: 'INVENTORY_STOCK_IN_PROCESS',
    phrases: ['work in progress', 'work in process', 'stock in process', 'semi finished goods'], distinctive: [] },
  { code: 'INVENTORY_FINISHED_GOODS', parent: 'INVENTORY', row: 'INVENTORY_FINISHED_GOODS',
    phrases: ['finished goods', 'stock of finished goods'], distinctive: ['finished'] },
  { code: 'INVENTORY_SPARES', parent: 'INVENTORY', row: 'INVENTORY_SPARES',
    phrases: ['stores and spares', 'consumable stores'], distinctive: ['stores', 'spares'] },
  { code: 'RECEIVABLES_DOMESTIC', parent: 'RECEIVABLES', row: 'RECEIVABLES_DOMESTIC',
    phrases: ['domestic receivables', 'trade receivables domestic', 'domestic debtors', 'sundry debtors domestic'], distinctive: [] },
  { code: 'RECEIVABLES_EXPORT', parent: 'RECEIVABLES', row: 'RECEIVABLES_EXPORT',
    phrases: ['export receivables', 'trade receivables export', 'export debtors', 'sundry debtors export', 'export bills receivable'], distinctive: [] },
  { code: 'ADVANCE_TAX', parent: 'OTHER_CURRENT_ASSETS', row: 'ADVANCE_TAX',
    phrases: ['advance tax', 'advance income tax', 'tds receivable', 'advance tax and tds'], distinctive: [] },
  { code: 'ADVANCES_TO_SUPPLIERS', parent: 'OTHER_CURRENT_ASSETS', row: 'ADVANCES_TO_SUPPLIERS',
    phrases: ['advances to suppliers', 'advance to suppliers'], distinctive: ['suppliers'] },
  { code: 'PREPAID_EXPENSES', parent: 'OTHER_CURRENT_ASSETS', row: 'PREPAID_EXPENSES',
    phrases: ['prepaid expenses'], distinctive: ['prepaid'] },
] as const satisfies readonly FineDefinition[];

/** One of the 24 group codes of PIPELINE.md. */
export type GroupCode = (typeof GROUP_TABLE)[number]['code'];
/** A CMA head code: a group such as `SALES`, or a finer head such as `SALES_EXPORT`. */
export type HeadCode = GroupCode | (typeof FINE_TABLE)[number]['code'];

/**
 * Every head, groups in PIPELINE.md's order each followed by its finer heads. The order breaks
 * classifier ties (by group), so the groups keep today's order.
 */
export const HEAD_TABLE: readonly (HeadDefinition & { readonly code: HeadCode })[] = GROUP_TABLE.flatMap((group) => [
  { ...group, parent: group.code },
  ...FINE_TABLE.filter((fine) => fine.parent === group.code).map((fine) => ({
    ...fine,
    statement: group.statement,
    group: group.group,
    side: group.side,
    parent: group.code,
  })),
]);

/** Every head code, in table order. */
export const HEAD_CODES: readonly HeadCode[] = HEAD_TABLE.map((head) => head.code);
/** The 24 group codes, in PIPELINE.md's order. */
export const GROUP_CODES: readonly GroupCode[] = GROUP_TABLE.map((group) => group.code);

const BY_CODE: ReadonlyMap<string, HeadDefinition & { readonly code: HeadCode }> = new Map(
  HEAD_TABLE.map((head) => [head.code, head]),
);

/** True when `value` is one of {@link HEAD_CODES}; use it on anything read from outside. */
export function isHeadCode(value: string): value is HeadCode {
  return BY_CODE.has(value);
}

/** True when `value` is one of the 24 groups. */
export function isGroupCode(value: string): value is GroupCode {
  return BY_CODE.get(value)?.parent === value;
}

/** The table row of a head. */
export function headDefinition(head: HeadCode): HeadDefinition {
  // The map is built from the same table HeadCode is derived from, so the row always exists.
  return BY_CODE.get(head) as HeadDefinition;
}

/** The group a head belongs to (a group is its own). */
export function groupOf(head: HeadCode): GroupCode {
  return headDefinition(head).parent;
}

/** True when a line item of `statement` may take `head` (a BS line never gets a PL head). */
export function isHeadForStatement(head: HeadCode, statement: Statement): boolean {
  return headDefinition(head).statement === statement;
}

/** Groups of one balance-sheet side, in table order; used by validation. */
export function headsOnSide(side: HeadSide): readonly GroupCode[] {
  return GROUP_TABLE.filter((group) => group.side === side).map((group) => group.code);
}
