import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { AmountError, formatIndianRupees, paiseToNumber, parseAmount } from '../../../src/services/cma/money.js';

describe('parseAmount', () => {
  it.each([
    ['98500000.50', 9_850_000_050n],
    ['98500000.5', 9_850_000_050n],
    ['0', 0n],
    ['-0', 0n],
    ['007', 700n],
    ['12,40,000', 124_000_000n],
    ['1,23,45,000.00', 12_345_000_00n],
    ['1,00,000', 10_000_000n],
    ['1,240,000', 124_000_000n],
    ['1,240,000.75', 124_000_075n],
    ['1,000', 100_000n],
    ['999', 99_900n],
    ['-1200', -120_000n],
    ['- 1200', -120_000n],
    ['+1200', 120_000n],
    ['−1200', -120_000n], // U+2212 minus, as pasted from a PDF
    ['(1,200)', -120_000n],
    ['( 1,200.50 )', -120_050n],
    ['  12,40,000  ', 124_000_000n],
    ['\u00a012,40,000\u00a0', 124_000_000n],
    ['₹12,40,000', 124_000_000n],
    ['₹ 12,40,000', 124_000_000n],
    ['Rs. 1,200', 120_000n],
    ['Rs.1200', 120_000n],
    ['rs 1200', 120_000n],
    ['INR 1,200.05', 120_005n],
    ['-₹1,200', -120_000n],
    ['₹-1,200', -120_000n],
    ['(₹1,200)', -120_000n],
    ['92233720368547758.07', 9_223_372_036_854_775_807n],
  ])('reads %j', (raw, paise) => {
    expect(parseAmount(raw)).toBe(paise);
  });

  it.each([
    ['', 'BLANK', 'is blank'],
    ['   ', 'BLANK', 'is blank'],
    ['-', 'NO_DIGITS', '"-" is not a number (write 0 for a nil amount)'],
    [' - ', 'NO_DIGITS', '"-" is not a number (write 0 for a nil amount)'],
    ['twenty two lakh', 'NOT_A_NUMBER', '"twenty two lakh" is not a number'],
    ['12,40,000/-', 'NOT_A_NUMBER', '"12,40,000/-" is not a number'],
    ['1.234', 'TOO_MANY_DECIMALS', '"1.234" has more than 2 decimal places'],
    ['12,40,000.005', 'TOO_MANY_DECIMALS', '"12,40,000.005" has more than 2 decimal places'],
    ['1,2,3', 'NOT_A_NUMBER', '"1,2,3" is not a number'],
    ['12,4000', 'NOT_A_NUMBER', '"12,4000" is not a number'],
    ['1,00,000,000', 'NOT_A_NUMBER', '"1,00,000,000" is not a number'],
    [',100', 'NOT_A_NUMBER', '",100" is not a number'],
    ['1.', 'NOT_A_NUMBER', '"1." is not a number'],
    ['.5', 'NOT_A_NUMBER', '".5" is not a number'],
    ['1e5', 'NOT_A_NUMBER', '"1e5" is not a number'],
    ['--5', 'NOT_A_NUMBER', '"--5" is not a number'],
    ['(-5)', 'NOT_A_NUMBER', '"(-5)" is not a number'],
    ['(5', 'NOT_A_NUMBER', '"(5" is not a number'],
    ['()', 'NOT_A_NUMBER', '"()" is not a number'],
    ['₹', 'NOT_A_NUMBER', '"₹" is not a number'],
    ['₹₹5', 'NOT_A_NUMBER', '"₹₹5" is not a number'],
    ['5 5', 'NOT_A_NUMBER', '"5 5" is not a number'],
    ['0x10', 'NOT_A_NUMBER', '"0x10" is not a number'],
    ['92233720368547758.08', 'TOO_LARGE', '"92233720368547758.08" is too large'],
  ])('rejects %j', (raw, reason, message) => {
    let caught: unknown;
    try {
      parseAmount(raw);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AmountError);
    expect((caught as AmountError).reason).toBe(reason);
    expect((caught as AmountError).message).toBe(message);
    expect((caught as AmountError).raw).toBe(raw);
  });

  it('shortens a long cell in the message', () => {
    expect(() => parseAmount('x'.repeat(500))).toThrow(`"${'x'.repeat(39)}…" is not a number`);
  });

  it('reads back every amount it formats, and every plain rendering', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (paise) => {
        expect(parseAmount(formatIndianRupees(paise))).toBe(paise);
        const magnitude = paise < 0n ? -paise : paise;
        const plain = `${magnitude / 100n}.${(magnitude % 100n).toString().padStart(2, '0')}`;
        expect(parseAmount(paise < 0n ? `(${plain})` : plain)).toBe(paise);
      }),
    );
  });
});

describe('formatIndianRupees', () => {
  it.each([
    [0n, '0.00'],
    [5n, '0.05'],
    [100n, '1.00'],
    [99_999n, '999.99'],
    [100_000n, '1,000.00'],
    [500_000n, '5,000.00'],
    [10_000_000n, '1,00,000.00'],
    [124_000_000n, '12,40,000.00'],
    [12_345_000_00n, '1,23,45,000.00'],
    [12_340_000_00n, '1,23,40,000.00'],
    [-500_000n, '-5,000.00'],
    [-1n, '-0.01'],
    [100_000_000_000_00n, '1,00,00,00,00,000.00'],
  ])('formats %s paise as %s', (paise, text) => {
    expect(formatIndianRupees(paise)).toBe(text);
  });
});

describe('paiseToNumber', () => {
  it('gives rupees as the nearest float', () => {
    expect(paiseToNumber(12_345n)).toBe(123.45);
    expect(paiseToNumber(-5n)).toBe(-0.05);
    expect(paiseToNumber(0n)).toBe(0);
    expect(paiseToNumber(9_850_000_050n)).toBe(98_500_000.5);
  });

  it('stays correctly rounded beyond the safe-integer range', () => {
    const paise = 2n ** 60n + 12n;
    expect(paiseToNumber(paise)).toBe(Number(`${paise / 100n}.12`));
    expect(paiseToNumber(-paise)).toBe(-Number(`${paise / 100n}.12`));
  });
});
