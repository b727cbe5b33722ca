/**
 * What the forms are computed from: per fiscal year, the paise of each finer head, and the same
 * summed into the Form II / III row each head fills (the head table's `row`).
 */

import { headDefinition, type HeadCode } from '../heads.js';

/** Paise per head (finer heads and groups alike, as classified) for one fiscal year. */
export type FineTotals = ReadonlyMap<number, ReadonlyMap<HeadCode, bigint>>;

export interface FormInputs {
  /** Every fiscal year with a classified item, ascending. */
  readonly years: readonly number[];
  /** The year before `fiscalYear` in {@link years}, or null for the first. */
  previousYear(fiscalYear: number): number | null;
  /** Sum of the heads that fill Form II/III row `row` (0 when none). */
  row(fiscalYear: number, row: string): bigint;
  /** Sum of one head's items (0 when none). */
  head(fiscalYear: number, head: HeadCode): bigint;
  /** True when the year has at least one item of `head`. */
  has(fiscalYear: number, head: HeadCode): boolean;
  /** True when the year has a balance-sheet item. */
  hasBalanceSheet(fiscalYear: number): boolean;
}

export function formInputs(totals: FineTotals): FormInputs {
  const years = [...totals.keys()].sort((a, b) => a - b);
  const rows = new Map<number, Map<string, bigint>>();
  const balanceSheet = new Set<number>();
  for (const [year, heads] of totals) {
    const byRow = new Map<string, bigint>();
    for (const [head, paise] of heads) {
      const definition = headDefinition(head);
      if (definition.statement === 'BALANCE_SHEET') balanceSheet.add(year);
      byRow.set(definition.row, (byRow.get(definition.row) ?? 0n) + paise);
    }
    rows.set(year, byRow);
  }
  return {
    years,
    previousYear(fiscalYear) {
      const i = years.indexOf(fiscalYear);
      return i > 0 ? (years[i - 1] ?? null) : null;
    },
    row: (fiscalYear, row) => rows.get(fiscalYear)?.get(row) ?? 0n,
    head: (fiscalYear, head) => totals.get(fiscalYear)?.get(head) ?? 0n,
    has: (fiscalYear, head) => totals.get(fiscalYear)?.has(head) ?? false,
    hasBalanceSheet: (fiscalYear) => balanceSheet.has(fiscalYear),
  };
}

/** Adds one classified item to `totals` (mutating it), by its own head. */
export function addFine(totals: Map<number, Map<HeadCode, bigint>>, fiscalYear: number, head: HeadCode, paise: bigint): void {
  let year = totals.get(fiscalYear);
  if (!year) {
    year = new Map();
    totals.set(fiscalYear, year);
  }
  year.set(head, (year.get(head) ?? 0n) + paise);
}
