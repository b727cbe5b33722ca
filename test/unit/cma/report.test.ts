import { createReadStream } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { createClassifier } from '../../../src/services/cma/classifier.js';
import { readLineItems } from '../../../src/services/cma/csv-reader.js';
import type { HeadCode } from '../../../src/services/cma/heads.js';
import {
  ValidationError,
  accumulate,
  assertYearsValid,
  computeReport,
  mpbfPaise,
  tallies,
  validateYears,
  yearFigures,
  type YearTotals,
} from '../../../src/services/cma/report.js';
import { samplePath } from './samples.js';

const LAKH = 100_000n * 100n; // paise in one lakh rupees

/** Reads and classifies a sample file into year totals (every label in these files is sure). */
async function totalsOf(name: string): Promise<YearTotals> {
  const classifier = createClassifier();
  const totals: YearTotals = new Map();
  for await (const batch of readLineItems(createReadStream(samplePath(name)), { documentName: name })) {
    for (const item of batch) {
      const { head } = classifier.classify(item.label, item.statement);
      if (head === null) throw new Error(`no head for ${item.label}`);
      accumulate(totals, { fiscalYear: item.fiscalYear, head, amountPaise: item.amountPaise });
    }
  }
  return totals;
}

function yearOf(entries: Partial<Record<HeadCode, bigint>>, fiscalYear = 2024): YearTotals {
  const totals: YearTotals = new Map();
  for (const [head, amountPaise] of Object.entries(entries)) accumulate(totals, { fiscalYear, head: head as HeadCode, amountPaise: amountPaise ?? 0n });
  return totals;
}

describe('clean-two-years.csv, computed by hand', () => {
  it('tallies both years', async () => {
    expect(validateYears(await totalsOf('clean-two-years.csv'))).toEqual([]);
  });

  it('gives the figures of FY 2023-24', async () => {
    const figures = yearFigures((await totalsOf('clean-two-years.csv')).get(2024) ?? new Map());
    expect(figures).toEqual({
      // 25 + 38.5 + 18 + 6 + 22 + 19.5 + 3.5 + 1.5 lakh
      liabilities: 134n * LAKH,
      // 52 + 4 + 1.5 + 31 + 29 + 4.5 + 12 lakh
      assets: 134n * LAKH,
      // CA = stock 31 + debtors 29 + cash 4.5 + loans and advances 12 = 76.5 lakh
      currentAssets: 765n * LAKH / 10n,
      // CL = cash credit 22 + creditors 19.5 + provisions 3.5 + statutory dues 1.5 = 46.5 lakh
      currentLiabilities: 465n * LAKH / 10n,
      // OCL = 46.5 − 22 = 24.5 lakh
      otherCurrentLiabilities: 245n * LAKH / 10n,
      // TNW = 25 + 38.5 − 0 = 63.5 lakh
      tangibleNetWorth: 635n * LAKH / 10n,
      // TOL = 18 + 6 + 46.5 = 70.5 lakh
      totalOutsideLiabilities: 705n * LAKH / 10n,
    });
  });

  it('reports both years, ascending', async () => {
    const [fy23, fy24, ...rest] = computeReport(await totalsOf('clean-two-years.csv'));
    expect(rest).toEqual([]);
    expect(fy23?.fiscalYear).toBe(2023);
    expect(fy24?.fiscalYear).toBe(2024);

    // FY 2023-24 (2024)
    expect(fy24?.currentRatio).toBeCloseTo(76.5 / 46.5, 12); // 1.6451…
    expect(fy24?.totalOutsideLiabilitiesToNetWorth).toBeCloseTo(70.5 / 63.5, 12); // 1.1102…
    expect(fy24?.netWorkingCapital).toBe(3_000_000); // 76.5 − 46.5 = 30 lakh
    expect(fy24?.workingCapitalGap).toBe(5_200_000); // 76.5 − 24.5 = 52 lakh
    expect(fy24?.mpbf).toBe(3_287_500); // 0.75 × 76.5 − 24.5 = 57.375 − 24.5 = 32.875 lakh
    // inventory 31 lakh / (purchases 156 + wages 19 + power 6.5 = 181.5 lakh) × 365
    expect(fy24?.inventoryDays).toBeCloseTo((31 / 181.5) * 365, 10); // 62.34…
    // debtors 29 lakh / sales 245 lakh × 365
    expect(fy24?.receivableDays).toBeCloseTo((29 / 245) * 365, 10); // 43.20…
    // creditors 19.5 lakh / purchases 156 lakh × 365 = 45.625
    expect(fy24?.payableDays).toBeCloseTo(45.625, 10);

    // FY 2022-23 (2023): CA = 27 + 25 + 2.7 + 9 = 63.7; CL = 19 + 17 + 3 + 1.2 = 40.2;
    // OCL = 21.2; TNW = 25 + 32 = 57; TOL = 22 + 5 + 40.2 = 67.2 (lakh)
    expect(fy23?.currentRatio).toBeCloseTo(63.7 / 40.2, 12);
    expect(fy23?.totalOutsideLiabilitiesToNetWorth).toBeCloseTo(67.2 / 57, 12);
    expect(fy23?.netWorkingCapital).toBe(2_350_000); // 63.7 − 40.2 = 23.5 lakh
    expect(fy23?.workingCapitalGap).toBe(4_250_000); // 63.7 − 21.2 = 42.5 lakh
    expect(fy23?.mpbf).toBe(2_657_500); // 0.75 × 63.7 − 21.2 = 47.775 − 21.2 = 26.575 lakh
    expect(fy23?.inventoryDays).toBeCloseTo((27 / (134 + 17 + 6)) * 365, 10); // 62.77…
    expect(fy23?.receivableDays).toBeCloseTo((25 / 210) * 365, 10); // 43.45…
    expect(fy23?.payableDays).toBeCloseTo((17 / 134) * 365, 10); // 46.31…
  });
});

describe('validateYears', () => {
  it("gives not-tallying.csv's exact message", async () => {
    const totals = await totalsOf('not-tallying.csv');
    const message =
      'Balance sheet for FY 2023-24 does not tally: assets 1,34,05,000.00, liabilities 1,34,00,000.00 (difference 5,000.00)';
    expect(validateYears(totals)).toEqual([{ fiscalYear: 2024, code: 'NOT_TALLYING', message }]);
    expect(() => assertYearsValid(totals)).toThrow(ValidationError);
    expect(() => assertYearsValid(totals)).toThrow(message);
  });

  it('names a balance-sheet year without sales', () => {
    const totals = yearOf({ CAPITAL: 500_000_00n, CASH_AND_BANK: 500_000_00n });
    accumulate(totals, { fiscalYear: 2024, head: 'EMPLOYEE_COSTS', amountPaise: 100_00n });
    expect(validateYears(totals)).toEqual([
      { fiscalYear: 2024, code: 'NO_SALES', message: 'FY 2023-24 has no sales: sales 0.00, assets 5,00,000.00, liabilities 5,00,000.00' },
    ]);
    accumulate(totals, { fiscalYear: 2024, head: 'SALES', amountPaise: 0n });
    expect(validateYears(totals)[0]?.code).toBe('NO_SALES');
    accumulate(totals, { fiscalYear: 2024, head: 'SALES', amountPaise: 1n });
    expect(validateYears(totals)).toEqual([]);
  });

  it('lists every problem, by year, and joins them in the thrown message', () => {
    const totals = yearOf({ CAPITAL: 100_00n, CASH_AND_BANK: 300_00n, SALES: 1n }, 2023);
    accumulate(totals, { fiscalYear: 2021, head: 'CAPITAL', amountPaise: 100_00n });
    accumulate(totals, { fiscalYear: 2021, head: 'FIXED_ASSETS', amountPaise: 100_00n });
    const problems = validateYears(totals);
    expect(problems.map((problem) => [problem.fiscalYear, problem.code])).toEqual([[2021, 'NO_SALES'], [2023, 'NOT_TALLYING']]);
    expect(() => assertYearsValid(totals)).toThrow(`${problems[0]?.message}; ${problems[1]?.message}`);
  });

  it('skips years with no balance sheet', () => {
    expect(validateYears(yearOf({ SALES: 0n, PURCHASES: 5n }))).toEqual([]);
  });

  it('treats a balance-sheet head at zero as a balance sheet', () => {
    expect(validateYears(yearOf({ CAPITAL: 0n }))[0]?.code).toBe('NO_SALES');
  });
});

describe('tallies', () => {
  it('allows a difference of up to 1 rupee', () => {
    expect(tallies(1_000_00n, 999_00n)).toBe(true);
    expect(tallies(1_000_00n, 998_99n)).toBe(false);
    expect(tallies(0n, 100n)).toBe(true);
  });

  it('allows up to 0.01% of the larger total when that is more', () => {
    const crore = 1_00_00_000_00n; // 1 crore rupees in paise; 0.01% = 1,000 rupees
    expect(tallies(crore, crore - 1_000_00n)).toBe(true);
    expect(tallies(crore - 1_000_00n, crore)).toBe(true);
    expect(tallies(crore, crore - 1_000_01n)).toBe(false);
  });
});

describe('computeReport', () => {
  it('gives null ratios when the divisor is zero or negative', () => {
    const [year] = computeReport(yearOf({ CAPITAL: 100n, RESERVES: -300n, CASH_AND_BANK: 50n, TERM_LOANS: 10n }));
    expect(year).toEqual({
      fiscalYear: 2024,
      currentRatio: null, // CL = 0
      totalOutsideLiabilitiesToNetWorth: null, // TNW = −2 rupees
      netWorkingCapital: 0.5,
      workingCapitalGap: 0.5,
      mpbf: 0.38, // 0.75 × 50 paise = 37.5 paise, rounded half up
      inventoryDays: null,
      receivableDays: null,
      payableDays: null,
    });
  });

  it('takes intangible assets off net worth', () => {
    const [year] = computeReport(yearOf({ CAPITAL: 300n, INTANGIBLE_ASSETS: 100n, TERM_LOANS: 100n }));
    expect(year?.totalOutsideLiabilitiesToNetWorth).toBe(0.5);
  });

  it('handles a P&L-only year', () => {
    const [year] = computeReport(yearOf({ SALES: 365_00n, PURCHASES: 100n }));
    expect(year).toMatchObject({ currentRatio: null, mpbf: 0, receivableDays: 0, payableDays: 0, inventoryDays: 0 });
  });
});

describe('mpbfPaise', () => {
  it.each([
    [0n, 0n, 0n],
    [1n, 0n, 1n], // 0.75 → 1
    [2n, 0n, 2n], // 1.5 → 2 (half up)
    [3n, 0n, 2n], // 2.25 → 2
    [4n, 0n, 3n],
    [100n, 75n, 0n],
    [100n, 80n, 0n], // negative → 0
    [765n * LAKH / 10n, 245n * LAKH / 10n, 3_287_500_00n],
  ])('max(0, 0.75 × %s − %s) = %s', (ca, ocl, mpbf) => {
    expect(mpbfPaise(ca, ocl)).toBe(mpbf);
  });
});

describe('accumulate', () => {
  it('sums per year and head, exactly', () => {
    const totals: YearTotals = new Map();
    for (let i = 0; i < 10; i++) accumulate(totals, { fiscalYear: 2024, head: 'SALES', amountPaise: 10n }); // 0.10 rupee each
    accumulate(totals, { fiscalYear: 2023, head: 'SALES', amountPaise: -5n });
    expect(totals.get(2024)?.get('SALES')).toBe(100n);
    expect(totals.get(2023)?.get('SALES')).toBe(-5n);
    expect(accumulate(totals, { fiscalYear: 2022, head: 'TAX', amountPaise: 0n }).get(2022)?.has('TAX')).toBe(true);
  });
});
