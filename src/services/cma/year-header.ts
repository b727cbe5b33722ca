/**
 * Which fiscal year a column header (wide layout) or a fiscal_year cell names. The fiscal year
 * is the year the statement closes in: `FY2024`, `2023-24`, `FY 2023-24` and a closing date
 * `31-03-2024` / `31.03.2024` / `2024-03-31` all mean 2024 (FY 2023-24).
 */
import { FieldError, parseFiscalYear } from './fields.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// Words accountants put before a balance-sheet date or a year, and a qualifier after it:
// "As at 31.03.2024", "Year ended 31 March 2024", "FY 2023-24 (Audited)".
const PREFIX = /^(?:(?:for\s+the\s+)?(?:financial\s+)?year\s+ended|as\s+(?:at|on)|y\.?\s*e\.?)\s*:?\s*/i;
const QUALIFIER = /\s*\((?:audited|unaudited|provisional|estimated|projected|actual|actuals|restated)\)\s*$/i;
const NUMERIC_DATE = /^(\d{1,2})[-./](\d{1,2})[-./](\d{4})$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const NAMED_MONTH_DATE = /^(\d{1,2})(?:st|nd|rd|th)?[-\s./]*([a-z]{3,9})[-\s.,/]*(\d{4})$/i;

/**
 * The fiscal year a header or cell names, or null when it names none. A date is read day first
 * (Indian usage: 31-03-2024) and must be a real date; its calendar year is the year the
 * statement closes in, so 31-03-2024 is FY 2023-24 and 31-12-2023 is the year closing in 2023.
 */
export function yearOf(raw: string): number | null {
  const text = raw.trim().replace(QUALIFIER, '').replace(PREFIX, '').trim();
  if (text === '') return null;
  try {
    return parseFiscalYear(text);
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
  }
  return closingDateYear(text);
}

function closingDateYear(text: string): number | null {
  let day: number;
  let month: number;
  let year: number;
  const numeric = NUMERIC_DATE.exec(text);
  const iso = numeric ? null : ISO_DATE.exec(text);
  const named = numeric || iso ? null : NAMED_MONTH_DATE.exec(text);
  if (numeric) [day, month, year] = [Number(numeric[1]), Number(numeric[2]), Number(numeric[3])];
  else if (iso) [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (named) {
    const index = MONTHS.indexOf((named[2] ?? '').slice(0, 3).toLowerCase());
    const full = (named[2] ?? '').toLowerCase();
    // "Mar", "March" and "Sept" are months; "Marmalade" is not.
    if (index < 0 || !monthNames(index).includes(full)) return null;
    [day, month, year] = [Number(named[1]), index + 1, Number(named[3])];
  } else return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  if (!real || year < 1900 || year > 2200) return null;
  return year;
}

function monthNames(index: number): string[] {
  const full = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'][index] ?? '';
  const short = MONTHS[index] ?? '';
  return index === 8 ? [short, 'sept', full] : [short, full];
}

/** A date as the header text it stands for, `DD-MM-YYYY`, read in UTC as spreadsheets store it. */
export function dateHeaderText(date: Date): string {
  const dd = String(date.getUTCDate()).padStart(2, '0');
  const mm = String(date.getUTCMonth() + 1).padStart(2, '0');
  return `${dd}-${mm}-${date.getUTCFullYear()}`;
}
