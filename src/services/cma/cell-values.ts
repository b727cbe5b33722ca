/**
 * The value of one cell, whatever the file: CSV cells are text; workbook cells are text,
 * numbers, dates or a problem the workbook reader found (an error value, a formula without a
 * cached result). Turns a cell into the text or the paise the layouts need.
 */
import { AmountError, parseAmount, truncate } from './money.js';
import { dateHeaderText } from './year-header.js';

/** A workbook cell that holds no usable value; `reason` says why, in the accountant's terms. */
export interface CellProblem {
  readonly problem: string;
}

/** One cell: text (CSV, or a text cell), a number, a date cell, a problem, or nothing. */
export type CellValue = string | number | Date | CellProblem | null;

/** Thrown for a cell that cannot be what its column needs; the caller names row and column. */
export class CellError extends Error {
  override readonly name = 'CellError';
}

// Line items are stored as PostgreSQL bigint paise.
const MAX_PAISE = 2n ** 63n - 1n;

export function isBlank(cell: CellValue): boolean {
  return cell === null || (typeof cell === 'string' && cell.trim() === '');
}

/** The cell as text: numbers in their shortest form, dates as DD-MM-YYYY. */
export function cellText(cell: CellValue): string {
  if (cell === null) return '';
  if (typeof cell === 'string') return cell;
  if (typeof cell === 'number') return String(cell);
  if (cell instanceof Date) return dateHeaderText(cell);
  throw new CellError(cell.problem);
}

/** Like {@link cellText}, but a problem cell reads as empty: for header rows, which only match names. */
export function headerText(cell: CellValue): string {
  return cell !== null && typeof cell === 'object' && !(cell instanceof Date) ? '' : cellText(cell).trim();
}

/**
 * The cell as paise, or null when it is blank. Text is parsed like a CSV amount (at most two
 * decimals); a number cell is taken as the number it is, rounded half away from zero to paise.
 * @throws AmountError for text that is not an amount; CellError for a date, or a problem cell.
 */
export function cellAmount(cell: CellValue): bigint | null {
  if (isBlank(cell)) return null;
  if (typeof cell === 'string') return parseAmount(cell);
  if (typeof cell === 'number') return numberToPaise(cell);
  if (cell instanceof Date) throw new CellError(`is a date (${dateHeaderText(cell)}), not an amount`);
  throw new CellError((cell as CellProblem).problem);
}

/**
 * A spreadsheet number in paise, exactly: the shortest decimal that is this double (what
 * `String(n)` gives, so 0.1 + 0.2 = 0.30000000000000004 reads as 0.30) rounded half away from
 * zero at the second decimal (0.125 → 0.13, −0.125 → −0.13). No float arithmetic is involved.
 * @throws CellError for NaN, ±Infinity, or more than bigint paise hold.
 */
export function numberToPaise(value: number): bigint {
  if (!Number.isFinite(value)) throw new CellError('is not a finite number');
  const text = String(Math.abs(value));
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(text);
  if (!match) throw new CellError(`"${truncate(text)}" is not a number`);
  const digits = `${match[1]}${match[2] ?? ''}`;
  // Where the decimal point sits in `digits`, moved two places right to count paise.
  const point = (match[1] ?? '').length + Number(match[3] ?? '0') + 2;
  let paise: bigint;
  if (point <= 0) paise = 0n;
  else {
    const whole = digits.length >= point ? digits.slice(0, point) : digits.padEnd(point, '0');
    paise = BigInt(whole);
  }
  const next = point < 0 ? '0' : (digits[point] ?? '0');
  if (next >= '5') paise += 1n;
  if (paise > MAX_PAISE) throw new CellError(`${text} is too large`);
  return value < 0 ? -paise : paise;
}

export { AmountError };
