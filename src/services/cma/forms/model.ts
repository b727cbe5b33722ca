/**
 * The shape of a computed CMA form, as stored with the report and read by the API and the
 * workbook: rows as data, each with the formula that makes it (so the workbook writes the same
 * formula in Excel and never recomputes a figure), values per fiscal year in exact paise.
 */

import type { RowFormula, StoredForm, StoredRow } from '../../../entities/cma-report.js';

export type { RowFormula, RowKind, StoredForm, StoredRatio, StoredRatioValue, StoredRow, StoredValue, Term } from '../../../entities/cma-report.js';

/** Per year: a money amount in paise, or null where it does not apply. */
export type YearAmounts = (fiscalYear: number) => bigint | null;

/**
 * Builds one form row by row. Every SUBTOTAL and TOTAL is computed here from its formula, from
 * the rows already added, so the stored value and the workbook's formula cannot disagree.
 */
export class FormBuilder {
  private readonly rows: StoredRow[] = [];
  private readonly amounts = new Map<string, Map<number, bigint | null>>();

  constructor(
    readonly code: string,
    readonly title: string,
    readonly years: readonly number[],
  ) {}

  heading(code: string, label: string, level = 0): this {
    this.push({ code, label, level, kind: 'HEADING', formula: null }, () => null);
    return this;
  }

  /** A figure row; `months` gives Form IV's holding level for a year. */
  row(code: string, label: string, amount: YearAmounts, options: { level?: number; months?: (fiscalYear: number) => number | null } = {}): this {
    this.push({ code, label, level: options.level ?? 1, kind: 'ROW', formula: null }, amount, options.months);
    return this;
  }

  /** A SUBTOTAL or TOTAL whose value is its formula applied to rows above. */
  total(code: string, label: string, formula: RowFormula, kind: 'SUBTOTAL' | 'TOTAL' = 'SUBTOTAL', level = 1): this {
    this.push({ code, label, level, kind, formula }, (year) => evaluate(formula, (c) => this.amount(c, year)));
    return this;
  }

  ratio(code: string, label: string, value: (fiscalYear: number) => number | null, level = 1): this {
    this.rows.push({
      code, label, level, kind: 'RATIO', formula: null,
      values: this.years.map((fiscalYear) => ({ fiscalYear, paise: null, months: null, value: finite(value(fiscalYear)) })),
    });
    return this;
  }

  /** The amount of a row already added (null where it does not apply). */
  amount(code: string, fiscalYear: number): bigint | null {
    const row = this.amounts.get(code);
    if (!row) throw new Error(`${this.code}: row ${code} is used before it is added`);
    return row.get(fiscalYear) ?? null;
  }

  /** Like {@link amount}, with null as 0, for arithmetic between forms. */
  paise(code: string, fiscalYear: number): bigint {
    return this.amount(code, fiscalYear) ?? 0n;
  }

  build(): StoredForm {
    return { code: this.code, title: this.title, years: this.years, rows: this.rows };
  }

  private push(
    row: Omit<StoredRow, 'values'>,
    amount: YearAmounts,
    months?: (fiscalYear: number) => number | null,
  ): void {
    if (this.amounts.has(row.code)) throw new Error(`${this.code}: row ${row.code} is listed twice`);
    const byYear = new Map<number, bigint | null>();
    const values = this.years.map((fiscalYear) => {
      const paise = row.kind === 'HEADING' ? null : amount(fiscalYear);
      byYear.set(fiscalYear, paise);
      return { fiscalYear, paise: paise === null ? null : paise.toString(), months: finite(months?.(fiscalYear) ?? null), value: null };
    });
    this.amounts.set(row.code, byYear);
    this.rows.push({ ...row, values });
  }
}

/** A formula's value from the amounts of the rows it names; null terms count as 0. */
export function evaluate(formula: RowFormula, amount: (code: string) => bigint | null): bigint {
  switch (formula.op) {
    case 'SUM':
      return formula.terms.reduce((sum, term) => sum + BigInt(term.sign) * (amount(term.code) ?? 0n), 0n);
    case 'QUARTER':
      return quarter(formula.terms.reduce((sum, term) => sum + BigInt(term.sign) * (amount(term.code) ?? 0n), 0n));
    case 'LOWER_NOT_NEGATIVE': {
      const a = amount(formula.of[0]) ?? 0n;
      const b = amount(formula.of[1]) ?? 0n;
      const lower = a < b ? a : b;
      return lower > 0n ? lower : 0n;
    }
  }
}

/** 25 % of `paise`, rounded to the nearest paisa, halves away from zero. */
export function quarter(paise: bigint): bigint {
  return paise >= 0n ? (paise + 2n) / 4n : -((-paise + 2n) / 4n);
}

/** Shorthand for a SUM formula: `sum('A', 'B', ['C', -1])`. */
export function sum(...terms: (string | readonly [string, 1 | -1])[]): RowFormula {
  return { op: 'SUM', terms: terms.map((t) => (typeof t === 'string' ? { code: t, sign: 1 } : { code: t[0], sign: t[1] })) };
}

/** a / b from exact integers; null when b is 0. */
export function ratioOf(a: bigint, b: bigint): number | null {
  return b === 0n ? null : Number(a) / Number(b);
}

/** amount ÷ annual base × 12; null when the base is not positive. */
export function monthsOf(amount: bigint, annualBase: bigint): number | null {
  return annualBase <= 0n ? null : (Number(amount) * 12) / Number(annualBase);
}

function finite(value: number | null): number | null {
  return value === null || !Number.isFinite(value) ? null : value;
}
