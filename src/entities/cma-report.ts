import { defineEntity, type InferEntity } from '@mikro-orm/core';

/** One figure set per fiscal year, as computed by GENERATE. */
export interface CmaYearFigures {
  fiscalYear: number;
  currentRatio: number | null;
  totalOutsideLiabilitiesToNetWorth: number | null;
  netWorkingCapital: number;
  workingCapitalGap: number;
  mpbf: number;
  inventoryDays: number | null;
  receivableDays: number | null;
  payableDays: number | null;
}

// The stored shape of Forms II–VI and the ratios (computed in services/cma/forms/).

/** HEADING: a caption; ROW: a figure; SUBTOTAL/TOTAL: made by a formula; RATIO: a plain number. */
export type RowKind = 'HEADING' | 'ROW' | 'SUBTOTAL' | 'TOTAL' | 'RATIO';

/** One row of the same form, added (+1) or subtracted (−1). */
export interface Term {
  readonly code: string;
  readonly sign: 1 | -1;
}

/**
 * How a SUBTOTAL or TOTAL follows from rows above it in the same form:
 * - SUM: Σ sign × row;
 * - QUARTER: 25 % of Σ sign × row, rounded to the paisa (Form V item 4);
 * - LOWER_NOT_NEGATIVE: the lower of two rows, never below zero (Form V item 8, MPBF).
 */
export type RowFormula =
  | { readonly op: 'SUM'; readonly terms: readonly Term[] }
  | { readonly op: 'QUARTER'; readonly terms: readonly Term[] }
  | { readonly op: 'LOWER_NOT_NEGATIVE'; readonly of: readonly [string, string] };

/** One year of one row. Money rows carry `paise` (a decimal string, exact); ratio rows `value`. */
export interface StoredValue {
  readonly fiscalYear: number;
  /** Exact paise as a decimal string; null where the row does not apply that year. */
  readonly paise: string | null;
  /** Holding level in months (Form IV). */
  readonly months: number | null;
  /** RATIO rows: the ratio or percentage. */
  readonly value: number | null;
}

export interface StoredRow {
  readonly code: string;
  readonly label: string;
  /** 0 heading, 1 row, 2 sub-row. */
  readonly level: number;
  readonly kind: RowKind;
  readonly formula: RowFormula | null;
  readonly values: readonly StoredValue[];
}

export interface StoredForm {
  /** FORM_II … FORM_VI. */
  readonly code: string;
  readonly title: string;
  /** The fiscal years this form has columns for, ascending (Form VI: from the second year). */
  readonly years: readonly number[];
  readonly rows: readonly StoredRow[];
}

/** One year of a ratio. */
export interface StoredRatioValue {
  readonly fiscalYear: number;
  readonly value: number | null;
  readonly meetsBenchmark: boolean | null;
}

export interface StoredRatio {
  readonly code: string;
  readonly label: string;
  readonly formula: string;
  readonly benchmark: string;
  readonly values: readonly StoredRatioValue[];
}

/** The latest report of a project (one row per project, replaced by each completed run). */
export const CmaReport = defineEntity({
  name: 'CmaReport',
  tableName: 'cma_reports',
  properties: (p) => ({
    projectId: p.uuid().primary(),
    runId: p.uuid(),
    generatedAt: p.datetime().defaultRaw('now()'),
    years: p.json<CmaYearFigures[]>(),
    /** Forms II–VI as computed by GENERATE (empty for reports generated before they existed). */
    forms: p.json<StoredForm[]>().default('[]'),
    ratios: p.json<StoredRatio[]>().default('[]'),
  }),
});
export type CmaReport = InferEntity<typeof CmaReport>;
