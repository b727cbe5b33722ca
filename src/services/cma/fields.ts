/**
 * The non-money cells of a CMA input row: fiscal year, statement and header names.
 */

import { truncate } from './money.js';

/** The two financial statements a line item can belong to. */
export type Statement = 'BALANCE_SHEET' | 'PROFIT_AND_LOSS';

/**
 * Thrown for a fiscal-year or statement cell that cannot be read. `message` describes the value
 * only; the caller adds the document, row and column.
 */
export class FieldError extends Error {
  override readonly name = 'FieldError';

  constructor(
    /** The cell as it appeared in the file. */
    readonly raw: string,
    message: string,
  ) {
    super(message);
  }
}

const MIN_YEAR = 1900;
const MAX_YEAR = 2200;

// "FY", "F.Y." or nothing, then a closing year or a start-end range.
const SINGLE_YEAR = /^(?:f\.?\s*y\.?\s*)?(\d{4})$/i;
const YEAR_RANGE = /^(?:f\.?\s*y\.?\s*)?(\d{4})\s*[-–/]\s*(\d{2}|\d{4})$/i;

/**
 * Reads the year a statement closes in: `2024`, `FY2024`, `FY 2024`, `fy2024`, `2023-24`,
 * `2023-2024` and `FY 2023-24` (our own label, so labels round-trip) all give 2024.
 * @throws FieldError when the form is unknown, a range is not two consecutive years, or the
 *   year is outside 1900..2200.
 */
export function parseFiscalYear(raw: string): number {
  const value = raw.trim();
  if (value === '') throw new FieldError(raw, 'is blank');
  const shown = `"${truncate(value)}"`;

  let year: number;
  const single = SINGLE_YEAR.exec(value);
  const range = single ? null : YEAR_RANGE.exec(value);
  if (single) {
    year = Number(single[1]);
  } else if (range) {
    const start = Number(range[1]);
    const endText = range[2] ?? '';
    const consecutive =
      endText.length === 2 ? Number(endText) === (start + 1) % 100 : Number(endText) === start + 1;
    if (!consecutive) throw new FieldError(raw, `${shown} is not two consecutive years`);
    year = start + 1;
  } else {
    throw new FieldError(raw, `${shown} is not a fiscal year (expected e.g. 2024, FY2024 or 2023-24)`);
  }
  if (year < MIN_YEAR || year > MAX_YEAR) {
    throw new FieldError(raw, `${shown} is outside ${MIN_YEAR}..${MAX_YEAR}`);
  }
  return year;
}

/** `2024` → `FY 2023-24`, the form every message and report uses. */
export function fiscalYearLabel(fiscalYear: number): string {
  return `FY ${fiscalYear - 1}-${String(fiscalYear % 100).padStart(2, '0')}`;
}

// Keys are lower-cased with single spaces and "&" spaced, so "P&L" and "P & L" meet.
const STATEMENTS: ReadonlyMap<string, Statement> = new Map([
  ['bs', 'BALANCE_SHEET'],
  ['balance sheet', 'BALANCE_SHEET'],
  ['pl', 'PROFIT_AND_LOSS'],
  ['p & l', 'PROFIT_AND_LOSS'],
  ['profit and loss', 'PROFIT_AND_LOSS'],
  ['profit & loss', 'PROFIT_AND_LOSS'],
]);

/**
 * Reads a statement cell, case-insensitively: `BS`, `Balance Sheet` → BALANCE_SHEET; `PL`,
 * `P&L`, `P & L`, `Profit and Loss`, `Profit & Loss` → PROFIT_AND_LOSS.
 * @throws FieldError for anything else.
 */
export function parseStatement(raw: string): Statement {
  const key = raw.trim().toLowerCase().replace(/\s*&\s*/g, ' & ').replace(/\s+/g, ' ');
  if (key === '') throw new FieldError(raw, 'is blank');
  const statement = STATEMENTS.get(key);
  if (!statement) {
    throw new FieldError(
      raw,
      `"${truncate(raw.trim())}" is not a statement (expected BS, Balance Sheet, PL, P&L or Profit and Loss)`,
    );
  }
  return statement;
}

/**
 * Header cell → canonical column name: lower-case, runs of spaces, underscores and hyphens
 * become one underscore, so `Fiscal Year`, `FISCAL_YEAR` and `fiscal-year` are `fiscal_year`.
 */
export function normalizeHeader(header: string): string {
  return header
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '_')
    .replace(/^_+|_+$/g, '');
}
