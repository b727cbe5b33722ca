/**
 * Per-year totals by head, their validation, and the CMA report computed from them
 * (PIPELINE.md, "Validation" and "Report"). Everything is summed in bigint paise; only the
 * final ratios and the API-facing rupee figures become floats.
 */

import { fiscalYearLabel } from './fields.js';
import { groupOf, headsOnSide, type HeadCode } from './heads.js';
import { formatIndianRupees, paiseToNumber } from './money.js';

/**
 * Paise per group (PIPELINE.md's 24 heads) for one fiscal year: a finer head is added to its
 * group, so these totals, the validation and `CmaYear` are what the 24-head table gave. A group
 * is present once any line item used it, even at 0.
 */
export type HeadTotals = Map<HeadCode, bigint>;
/** Head totals per fiscal year. */
export type YearTotals = Map<number, HeadTotals>;

/** What {@link accumulate} needs of a classified line item. */
export interface ClassifiedAmount {
  readonly fiscalYear: number;
  readonly head: HeadCode;
  readonly amountPaise: bigint;
}

/** Adds one classified line item to its group in `totals` (mutating it) and returns `totals`. */
export function accumulate(totals: YearTotals, item: ClassifiedAmount): YearTotals {
  let year = totals.get(item.fiscalYear);
  if (!year) {
    year = new Map();
    totals.set(item.fiscalYear, year);
  }
  const group = groupOf(item.head);
  year.set(group, (year.get(group) ?? 0n) + item.amountPaise);
  return totals;
}

/** The sums the validation and the report are built from, in paise. */
export interface YearFigures {
  readonly assets: bigint;
  readonly liabilities: bigint;
  /** CA: inventory, receivables, cash and bank, other current assets. */
  readonly currentAssets: bigint;
  /** CL: bank borrowings, creditors, other current liabilities. */
  readonly currentLiabilities: bigint;
  /** OCL: CL without bank borrowings. */
  readonly otherCurrentLiabilities: bigint;
  /** TNW: capital and reserves less intangible assets. */
  readonly tangibleNetWorth: bigint;
  /** TOL: term loans, unsecured loans and CL. */
  readonly totalOutsideLiabilities: bigint;
}

const ASSET_HEADS = headsOnSide('ASSET');
const LIABILITY_HEADS = headsOnSide('LIABILITY');
const BALANCE_SHEET_HEADS = new Set<HeadCode>([...ASSET_HEADS, ...LIABILITY_HEADS]);

/** Computes {@link YearFigures} from one year's head totals. */
export function yearFigures(heads: ReadonlyMap<HeadCode, bigint>): YearFigures {
  const sum = (codes: readonly HeadCode[]): bigint => codes.reduce((total, code) => total + (heads.get(code) ?? 0n), 0n);
  const currentAssets = sum(['INVENTORY', 'RECEIVABLES', 'CASH_AND_BANK', 'OTHER_CURRENT_ASSETS']);
  const currentLiabilities = sum(['BANK_BORROWINGS', 'CREDITORS', 'OTHER_CURRENT_LIABILITIES']);
  return {
    assets: sum(ASSET_HEADS),
    liabilities: sum(LIABILITY_HEADS),
    currentAssets,
    currentLiabilities,
    otherCurrentLiabilities: currentLiabilities - sum(['BANK_BORROWINGS']),
    tangibleNetWorth: sum(['CAPITAL', 'RESERVES']) - sum(['INTANGIBLE_ASSETS']),
    totalOutsideLiabilities: sum(['TERM_LOANS', 'UNSECURED_LOANS']) + currentLiabilities,
  };
}

/** One failed check of one year. */
export interface ValidationProblem {
  readonly fiscalYear: number;
  readonly code: 'NOT_TALLYING' | 'NO_SALES';
  readonly message: string;
}

/** Thrown by {@link assertYearsValid}; `message` joins every problem's message with "; ". */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  readonly code = 'VALIDATION';

  constructor(readonly problems: readonly ValidationProblem[]) {
    super(problems.map((problem) => problem.message).join('; '));
  }
}

/**
 * Checks every year that has balance-sheet items, in ascending order: assets and liabilities
 * must agree within 1 rupee or 0.01% of the larger, whichever is more, and SALES must be above
 * zero. Years with only profit-and-loss items are not checked. Returns [] when all is well.
 */
export function validateYears(totals: YearTotals): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const fiscalYear of [...totals.keys()].sort((a, b) => a - b)) {
    const heads = totals.get(fiscalYear) ?? new Map<HeadCode, bigint>();
    if (![...heads.keys()].some((head) => BALANCE_SHEET_HEADS.has(head))) continue;
    const { assets, liabilities } = yearFigures(heads);
    const label = fiscalYearLabel(fiscalYear);
    const both = `assets ${formatIndianRupees(assets)}, liabilities ${formatIndianRupees(liabilities)}`;
    if (!tallies(assets, liabilities)) {
      const difference = formatIndianRupees(abs(assets - liabilities));
      problems.push({
        fiscalYear,
        code: 'NOT_TALLYING',
        message: `Balance sheet for ${label} does not tally: ${both} (difference ${difference})`,
      });
    }
    const sales = heads.get('SALES') ?? 0n;
    if (sales <= 0n) {
      problems.push({ fiscalYear, code: 'NO_SALES', message: `${label} has no sales: sales ${formatIndianRupees(sales)}, ${both}` });
    }
  }
  return problems;
}

/** Like {@link validateYears}, but throws. @throws ValidationError listing every problem. */
export function assertYearsValid(totals: YearTotals): void {
  const problems = validateYears(totals);
  if (problems.length > 0) throw new ValidationError(problems);
}

/**
 * |assets − liabilities| ≤ max(1 rupee, 0.01% of the larger), in exact integers:
 * 0.01% of x is x/10,000, so compare difference × 10,000 with the larger total.
 */
export function tallies(assets: bigint, liabilities: bigint): boolean {
  const difference = abs(assets - liabilities);
  if (difference <= 100n) return true;
  const larger = abs(assets) > abs(liabilities) ? abs(assets) : abs(liabilities);
  return difference * 10_000n <= larger;
}

/** One year of the CMA report. Money in rupees (floats, for output only); ratios and days unrounded. */
export interface YearReport {
  readonly fiscalYear: number;
  /** CA / CL; null when CL ≤ 0. */
  readonly currentRatio: number | null;
  /** TOL / TNW; null when TNW ≤ 0. */
  readonly totalOutsideLiabilitiesToNetWorth: number | null;
  /** CA − CL. */
  readonly netWorkingCapital: number;
  /** CA − OCL. */
  readonly workingCapitalGap: number;
  /** max(0, 0.75 × CA − OCL), second method of lending, rounded to the paisa. */
  readonly mpbf: number;
  /** INVENTORY / (PURCHASES + DIRECT_EXPENSES) × 365; null when the divisor is 0. */
  readonly inventoryDays: number | null;
  /** RECEIVABLES / SALES × 365; null when SALES is 0. */
  readonly receivableDays: number | null;
  /** CREDITORS / PURCHASES × 365; null when PURCHASES is 0. */
  readonly payableDays: number | null;
}

/** The report for every year in `totals`, ascending. Run {@link validateYears} first. */
export function computeReport(totals: YearTotals): YearReport[] {
  return [...totals.keys()]
    .sort((a, b) => a - b)
    .map((fiscalYear) => computeYear(fiscalYear, totals.get(fiscalYear) ?? new Map<HeadCode, bigint>()));
}

function computeYear(fiscalYear: number, heads: ReadonlyMap<HeadCode, bigint>): YearReport {
  const head = (code: HeadCode): bigint => heads.get(code) ?? 0n;
  const f = yearFigures(heads);
  const costOfSales = head('PURCHASES') + head('DIRECT_EXPENSES');
  return {
    fiscalYear,
    currentRatio: f.currentLiabilities > 0n ? ratio(f.currentAssets, f.currentLiabilities) : null,
    totalOutsideLiabilitiesToNetWorth:
      f.tangibleNetWorth > 0n ? ratio(f.totalOutsideLiabilities, f.tangibleNetWorth) : null,
    netWorkingCapital: paiseToNumber(f.currentAssets - f.currentLiabilities),
    workingCapitalGap: paiseToNumber(f.currentAssets - f.otherCurrentLiabilities),
    mpbf: paiseToNumber(mpbfPaise(f.currentAssets, f.otherCurrentLiabilities)),
    inventoryDays: days(head('INVENTORY'), costOfSales),
    receivableDays: days(head('RECEIVABLES'), head('SALES')),
    payableDays: days(head('CREDITORS'), head('PURCHASES')),
  };
}

/**
 * max(0, 0.75 × CA − OCL) in paise. 0.75 × CA − OCL = (3·CA − 4·OCL) / 4 is computed exactly and
 * rounded once, to the nearest paisa with halves rounded up (only positive values get here).
 */
export function mpbfPaise(currentAssets: bigint, otherCurrentLiabilities: bigint): bigint {
  const quarters = 3n * currentAssets - 4n * otherCurrentLiabilities;
  if (quarters <= 0n) return 0n;
  return (quarters + 2n) / 4n;
}

function days(amount: bigint, divisor: bigint): number | null {
  return divisor === 0n ? null : ratio(amount * 365n, divisor);
}

/** a / b as a float, from exact integers (both are converted once, then divided once). */
function ratio(a: bigint, b: bigint): number {
  return Number(a) / Number(b);
}

function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}

