/**
 * Money as integer paise in `bigint`: parsing the amount column, formatting rupees the Indian
 * way for messages, and converting to a float only at the API edge. Sums never touch floats.
 */

/** Why an amount cell was rejected; stable codes for callers, `message` for people. */
export type AmountErrorReason = 'BLANK' | 'NO_DIGITS' | 'NOT_A_NUMBER' | 'TOO_MANY_DECIMALS' | 'TOO_LARGE';

/**
 * Thrown by {@link parseAmount}. `message` describes the value only (`"twenty two lakh" is not a
 * number`); the caller prefixes it with the document, row and column.
 */
export class AmountError extends Error {
  override readonly name = 'AmountError';

  constructor(
    /** The cell as it appeared in the file. */
    readonly raw: string,
    readonly reason: AmountErrorReason,
  ) {
    super(describeAmountProblem(raw, reason));
  }
}

// Line items are stored as PostgreSQL bigint paise; anything beyond it could not be saved.
const MAX_PAISE = 2n ** 63n - 1n;

// Plain digits, Western grouping (1,240,000) or Indian grouping (12,40,000: threes at the
// right, twos above), then any fraction; the fraction's length is checked after the match so
// that "1.234" gets its own message instead of "not a number".
const NUMBER = /^(\d+|\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})*,\d{3})(?:\.(\d+))?$/;
const CURRENCY = /^(?:₹|rs\.?|inr)\s*/i;
const SIGN = /^[-+−]\s*/;

/**
 * Parses an amount cell into paise.
 *
 * Accepts `98500000.50`, `12,40,000`, `1,240,000`, `-1200`, `(1,200)`, surrounding spaces and an
 * optional `₹`, `Rs.` or `INR` prefix (before or after the sign). At most two decimals.
 * @throws AmountError when blank, `-` alone, non-numeric, over two decimals or beyond bigint paise.
 */
export function parseAmount(raw: string): bigint {
  let rest = raw.trim();
  if (rest === '') throw new AmountError(raw, 'BLANK');

  let negative = false;
  const parenthesised = /^\((.*)\)$/s.exec(rest);
  if (parenthesised) {
    negative = true;
    rest = (parenthesised[1] ?? '').trim();
  }
  // Sign and currency may come in either order (`-₹1,200`, `₹ -1,200`), each at most once;
  // a sign inside parentheses would be a double negative, which no ledger writes.
  let sawSign = negative;
  let sawCurrency = false;
  for (;;) {
    const sign = sawSign ? null : SIGN.exec(rest);
    if (sign) {
      negative = sign[0][0] !== '+';
      sawSign = true;
      rest = rest.slice(sign[0].length);
      continue;
    }
    const currency = sawCurrency ? null : CURRENCY.exec(rest);
    if (currency) {
      sawCurrency = true;
      rest = rest.slice(currency[0].length);
      continue;
    }
    break;
  }
  if (rest === '') throw new AmountError(raw, sawSign && !parenthesised && !sawCurrency ? 'NO_DIGITS' : 'NOT_A_NUMBER');

  const match = NUMBER.exec(rest);
  if (!match) throw new AmountError(raw, 'NOT_A_NUMBER');
  const whole = (match[1] ?? '').replaceAll(',', '');
  const fraction = match[2] ?? '';
  if (fraction.length > 2) throw new AmountError(raw, 'TOO_MANY_DECIMALS');

  const magnitude = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
  if (magnitude > MAX_PAISE) throw new AmountError(raw, 'TOO_LARGE');
  return negative ? -magnitude : magnitude;
}

/**
 * Formats paise as rupees with Indian grouping and two decimals: `1,23,45,000.00`, `-5,000.00`.
 * No currency sign, so it reads the same in every message.
 */
export function formatIndianRupees(paise: bigint): string {
  const negative = paise < 0n;
  const magnitude = negative ? -paise : paise;
  const rupees = (magnitude / 100n).toString();
  const fraction = (magnitude % 100n).toString().padStart(2, '0');
  const grouped =
    rupees.length <= 3
      ? rupees
      : `${rupees.slice(0, -3).replace(/\B(?=(\d{2})+$)/g, ',')},${rupees.slice(-3)}`;
  return `${negative ? '-' : ''}${grouped}.${fraction}`;
}

/**
 * Paise as a float number of rupees, for API output only: never sum the results.
 * Correctly rounded to the nearest double in both branches.
 */
export function paiseToNumber(paise: bigint): number {
  const limit = BigInt(Number.MAX_SAFE_INTEGER);
  if (paise <= limit && paise >= -limit) return Number(paise) / 100;
  const negative = paise < 0n;
  const magnitude = negative ? -paise : paise;
  return Number(`${negative ? '-' : ''}${magnitude / 100n}.${(magnitude % 100n).toString().padStart(2, '0')}`);
}

function describeAmountProblem(raw: string, reason: AmountErrorReason): string {
  const shown = `"${truncate(raw.trim())}"`;
  switch (reason) {
    case 'BLANK':
      return 'is blank';
    case 'NO_DIGITS':
      // Accountants write "-" for nil; the spec makes it an error, so say what to write instead.
      return `${shown} is not a number (write 0 for a nil amount)`;
    case 'NOT_A_NUMBER':
      return `${shown} is not a number`;
    case 'TOO_MANY_DECIMALS':
      return `${shown} has more than 2 decimal places`;
    case 'TOO_LARGE':
      return `${shown} is too large`;
  }
}

/** Keeps messages short when a cell holds a whole pasted paragraph. */
export function truncate(value: string, max = 40): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}
