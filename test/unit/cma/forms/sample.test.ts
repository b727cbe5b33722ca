import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createClassifier } from '../../../../src/services/cma/classifier.js';
import { readLineItems } from '../../../../src/services/cma/csv-reader.js';
import { addFine, computeForms, type CmaForms } from '../../../../src/services/cma/forms/index.js';
import type { HeadCode } from '../../../../src/services/cma/heads.js';
import { samplePath } from '../samples.js';

// Forms II–VI of examples/three-years.csv, computed by hand from the file's lines (₹ lakh, so
// "300" is ₹3,00,00,000), row by row, for FY 2021-22, 2022-23 and 2023-24. The code under test
// only parses and classifies; every expected figure below is worked out in the comments.

async function sampleForms(): Promise<CmaForms> {
  const classifier = createClassifier();
  const totals = new Map<number, Map<HeadCode, bigint>>();
  for await (const batch of readLineItems(createReadStream(samplePath('three-years.csv')), { documentName: 'three-years.csv' })) {
    for (const item of batch) {
      const result = classifier.classify(item.label, item.statement);
      if (!result.head || result.needsReview) throw new Error(`${item.label} needs review`);
      addFine(totals, item.fiscalYear, result.head, item.amountPaise);
    }
  }
  return computeForms(totals);
}

type Expected = Record<string, (number | null)[]>;

/** Lakh → paise, exactly (every figure in the sample is a whole number of rupees). */
const paise = (lakh: number) => String(Math.round(lakh * 1e7));

function expectForm(forms: CmaForms, code: string, years: number[], expected: Expected) {
  const form = forms.forms.find((f) => f.code === code);
  expect(form?.years).toEqual(years);
  const money = form?.rows.filter((row) => row.kind !== 'HEADING' && row.kind !== 'RATIO').map((row) => row.code);
  // Every money row of the form is checked, none is left out.
  expect(Object.keys(expected).sort()).toEqual([...(money ?? [])].sort());
  for (const [row, values] of Object.entries(expected)) {
    const actual = form?.rows.find((r) => r.code === row)?.values.map((v) => v.paise);
    expect(actual, `${code} ${row}`).toEqual(values.map((v) => (v === null ? null : paise(v))));
  }
}

function expectRatioRow(forms: CmaForms, form: string, row: string, values: (number | null)[]) {
  const actual = forms.forms.find((f) => f.code === form)?.rows.find((r) => r.code === row)?.values.map((v) => v.value);
  expect(actual?.length).toBe(values.length);
  values.forEach((value, i) => (value === null ? expect(actual?.[i], `${row} ${i}`).toBeNull() : expect(actual?.[i], `${row} ${i}`).toBeCloseTo(value, 10)));
}

const YEARS = [2022, 2023, 2024];

describe('examples/three-years.csv, by hand', () => {
  it('Form II: the operating statement reproduces each year\'s profit before tax', async () => {
    const forms = await sampleForms();
    expectForm(forms, 'FORM_II', YEARS, {
      SALES_DOMESTIC: [300, 360, 420],
      SALES_EXPORT: [50, 65, 80],
      OTHER_OPERATING_REVENUE: [4, 5, 6],
      GROSS_SALES: [354, 430, 506], // 300 + 50 + 4 …
      EXCISE_DUTY: [0, 0, 0],
      NET_SALES: [354, 430, 506],
      RAW_MATERIALS: [220, 265, 310], // cost of materials consumed
      SPARES: [4, 5, 6], // stores and spares consumed
      POWER_AND_FUEL: [13, 16, 18],
      DIRECT_LABOUR: [18, 21, 24], // wages
      OTHER_MANUFACTURING_EXPENSES: [6, 7.5, 9],
      DEPRECIATION: [10, 12, 14],
      MANUFACTURING_COST: [271, 326.5, 381], // 220+4+13+18+6+10; 265+5+16+21+7.5+12; 310+6+18+24+9+14
      OPENING_STOCK_IN_PROCESS: [null, 20, 23], // no P&L opening-stock line in the first year
      CLOSING_STOCK_IN_PROCESS: [20, 23, 25],
      OPENING_FINISHED_GOODS: [null, 28, 33],
      CLOSING_FINISHED_GOODS: [28, 33, 38],
      STOCK_ADJUSTMENT: [-6, -8, -7], // the P&L's changes in inventories: (20+28)−(23+33) = −8 …
      COST_OF_SALES: [265, 318.5, 374], // 271 − 6; 326.5 − 8; 381 − 7
      SELLING_GENERAL_ADMIN: [32, 39, 45], // employee benefits + selling and administrative: 20+12; 24+15; 28+17
      COST_OF_SALES_AND_SGA: [297, 357.5, 419],
      OPERATING_PROFIT: [57, 72.5, 87], // 354 − 297; 430 − 357.5; 506 − 419
      INTEREST_ON_TERM_LOANS: [7, 6.5, 6],
      INTEREST_OTHER: [5, 6, 7.5], // interest on cash credit
      INTEREST: [12, 12.5, 13.5],
      OPERATING_PROFIT_AFTER_INTEREST: [45, 60, 73.5],
      NON_OPERATING_INCOME: [2, 3, 3.5], // other income
      NON_OPERATING_EXPENSES: [0, 0.4, 0], // loss on sale of fixed assets, FY 2022-23
      NET_NON_OPERATING: [2, 2.6, 3.5],
      // The statement's own PBT: income 356 − expenses 309 = 47; 433 − 370.4 = 62.6; 509.5 − 432.5 = 77
      PROFIT_BEFORE_TAX: [47, 62.6, 77],
      PROVISION_FOR_TAXES: [11.75, 15.65, 19.25], // current tax
      NET_PROFIT: [35.25, 46.95, 57.75],
      DIVIDENDS: [0, 4, 5], // dividend paid
      RETAINED_PROFIT: [35.25, 42.95, 52.75],
    });
    expectRatioRow(forms, 'FORM_II', 'SALES_GROWTH', [null, ((430 - 354) / 354) * 100, ((506 - 430) / 430) * 100]);
    expectRatioRow(forms, 'FORM_II', 'RETAINED_PROFIT_RATIO', [100, (42.95 / 46.95) * 100, (52.75 / 57.75) * 100]);
    // Every year has a "changes in inventories" line, so there is no note row.
    expect(forms.forms[0]?.rows.some((r) => r.code === 'STOCK_ADJUSTMENT_NOTE')).toBe(false);
  });

  it('Form III: the balance sheet analysed, balancing every year', async () => {
    const forms = await sampleForms();
    expectForm(forms, 'FORM_III', YEARS, {
      BANK_BORROWINGS: [45, 55, 62], // cash credit from SBI
      SUBTOTAL_A: [45, 55, 62],
      SHORT_TERM_BORROWINGS_OTHERS: [0, 0, 5],
      SUNDRY_CREDITORS: [38, 45, 52], // trade payables
      ADVANCES_FROM_CUSTOMERS: [3, 4, 5],
      PROVISION_FOR_TAXATION: [11.75, 15.65, 19.25], // gross: advance tax stays on the asset side
      DIVIDEND_PAYABLE: [0, 0, 0],
      STATUTORY_LIABILITIES: [2.5, 3, 3.5],
      CURRENT_MATURITIES: [12, 12, 12], // current maturities of long-term debt: item 8
      OTHER_CURRENT_LIABILITIES: [4, 5, 5.5],
      SUBTOTAL_B: [71.25, 84.65, 102.25], // 38+3+11.75+2.5+12+4; 45+4+15.65+3+12+5; 5+52+5+19.25+3.5+12+5.5
      TOTAL_CURRENT_LIABILITIES: [116.25, 139.65, 164.25],
      TERM_LOANS: [60, 48, 36],
      UNSECURED_LOANS: [15, 18, 20],
      TERM_LIABILITIES: [75, 66, 56],
      TOTAL_OUTSIDE_LIABILITIES: [191.25, 205.65, 220.25],
      SHARE_CAPITAL: [80, 100, 100],
      GENERAL_RESERVE: [15, 15, 20],
      REVALUATION_RESERVE: [25, 25, 25],
      OTHER_RESERVES: [0, 0, 0],
      SURPLUS: [75.25, 118.2, 165.95],
      NET_WORTH: [195.25, 258.2, 310.95],
      TOTAL_LIABILITIES: [386.5, 463.85, 531.2],
      CASH_AND_BANK: [78.51, 105.35, 120.84],
      RECEIVABLES_DOMESTIC: [50, 60, 70],
      RECEIVABLES_EXPORT: [10, 13, 16],
      INVENTORY_RAW_MATERIALS: [30, 36, 42],
      INVENTORY_STOCK_IN_PROCESS: [20, 23, 25],
      INVENTORY_FINISHED_GOODS: [28, 33, 38],
      INVENTORY_SPARES: [3, 3.5, 4],
      ADVANCES_TO_SUPPLIERS: [4, 5, 6],
      ADVANCE_TAX: [9.99, 13.3, 16.36],
      PREPAID_EXPENSES: [1, 1.2, 1.5],
      OTHER_CURRENT_ASSETS: [0, 0, 0],
      TOTAL_CURRENT_ASSETS: [234.5, 293.35, 339.7],
      GROSS_BLOCK: [200, 230, 260],
      ACCUMULATED_DEPRECIATION: [-60, -72, -86], // written negative in the file: reduces the block
      NET_FIXED_ASSETS: [140, 158, 174],
      INVESTMENTS_IN_GROUP_CONCERNS: [10, 10, 15],
      OTHER_INVESTMENTS: [0, 0, 0],
      OTHER_NON_CURRENT_ASSETS: [2, 2.5, 2.5], // security deposits
      TOTAL_NON_CURRENT_ASSETS: [12, 12.5, 17.5],
      INTANGIBLE_ASSETS: [0, 0, 0],
      TOTAL_ASSETS: [386.5, 463.85, 531.2], // 234.5 + 140 + 12; 293.35 + 158 + 12.5; 339.7 + 174 + 17.5
      TANGIBLE_NET_WORTH: [170.25, 233.2, 285.95], // net worth − revaluation reserve 25
      NET_WORKING_CAPITAL: [118.25, 153.7, 175.45],
    });
    expectRatioRow(forms, 'FORM_III', 'CURRENT_RATIO', [234.5 / 116.25, 293.35 / 139.65, 339.7 / 164.25]);
    expectRatioRow(forms, 'FORM_III', 'TOL_TNW', [191.25 / 170.25, 205.65 / 233.2, 220.25 / 285.95]);
  });

  it('Form IV: current assets and liabilities with holding levels', async () => {
    const forms = await sampleForms();
    expectForm(forms, 'FORM_IV', YEARS, {
      RAW_MATERIALS: [30, 36, 42],
      SPARES: [3, 3.5, 4],
      STOCK_IN_PROCESS: [20, 23, 25],
      FINISHED_GOODS: [28, 33, 38],
      RECEIVABLES_DOMESTIC: [50, 60, 70],
      RECEIVABLES_EXPORT: [10, 13, 16],
      ADVANCES_TO_SUPPLIERS: [4, 5, 6],
      OTHER_CURRENT_ASSETS: [89.5, 119.85, 138.7], // cash + advance tax + prepaid: 78.51+9.99+1 …
      TOTAL_CURRENT_ASSETS: [234.5, 293.35, 339.7],
      SUNDRY_CREDITORS: [38, 45, 52],
      ADVANCES_FROM_CUSTOMERS: [3, 4, 5],
      STATUTORY_LIABILITIES: [14.25, 18.65, 22.75], // taxation + statutory dues
      OTHER_CURRENT_LIABILITIES: [16, 17, 22.5], // short-term others + current maturities + others
      TOTAL_OTHER_CURRENT_LIABILITIES: [71.25, 84.65, 102.25],
    });
    const months = (row: string) => forms.forms[2]?.rows.find((r) => r.code === row)?.values.map((v) => v.months);
    const close = (actual: (number | null)[] | undefined, expected: number[]) => expected.forEach((e, i) => expect(actual?.[i]).toBeCloseTo(e, 10));
    close(months('RAW_MATERIALS'), [(30 / 220) * 12, (36 / 265) * 12, (42 / 310) * 12]);
    close(months('SPARES'), [9, 8.4, 8]);
    close(months('STOCK_IN_PROCESS'), [(20 / 271) * 12, (23 / 326.5) * 12, (25 / 381) * 12]);
    close(months('FINISHED_GOODS'), [(28 / 265) * 12, (33 / 318.5) * 12, (38 / 374) * 12]);
    close(months('RECEIVABLES_DOMESTIC'), [2, 2, 2]);
    close(months('RECEIVABLES_EXPORT'), [2.4, 2.4, 2.4]);
    close(months('SUNDRY_CREDITORS'), [(38 / 224) * 12, 2, (52 / 316) * 12]);
    expect(months('ADVANCES_TO_SUPPLIERS')).toEqual([null, null, null]);
  });

  it('Form V: MPBF by the second method', async () => {
    const forms = await sampleForms();
    expectForm(forms, 'FORM_V', YEARS, {
      TOTAL_CURRENT_ASSETS: [234.5, 293.35, 339.7],
      OTHER_CURRENT_LIABILITIES: [71.25, 84.65, 102.25],
      WORKING_CAPITAL_GAP: [163.25, 208.7, 237.45],
      EXPORT_RECEIVABLES: [10, 13, 16],
      MINIMUM_NET_WORKING_CAPITAL: [56.125, 70.0875, 80.925], // (234.5 − 10) / 4 …
      ACTUAL_NET_WORKING_CAPITAL: [118.25, 153.7, 175.45],
      ITEM_3_MINUS_4: [107.125, 138.6125, 156.525],
      ITEM_3_MINUS_5: [45, 55, 62],
      MPBF: [45, 55, 62], // the lower of the two
      BANK_BORROWINGS: [45, 55, 62],
      EXCESS_BORROWING: [0, 0, 0],
      NET_WORKING_CAPITAL_SHORTFALL: [-62.125, -83.6125, -94.525],
    });
  });

  it('Form VI: funds flow from the second year, netting to zero', async () => {
    const forms = await sampleForms();
    expectForm(forms, 'FORM_VI', [2023, 2024], {
      NET_PROFIT: [46.95, 57.75],
      DEPRECIATION: [12, 14],
      INCREASE_IN_CAPITAL: [20, 0], // net worth +62.95 less retained 42.95; +52.75 less 52.75
      INCREASE_IN_TERM_LIABILITIES: [0, 0],
      DECREASE_IN_FIXED_ASSETS: [0, 0],
      DECREASE_IN_NON_CURRENT_ASSETS: [0, 0],
      TOTAL_SOURCES: [78.95, 71.75],
      NET_LOSS: [0, 0],
      DECREASE_IN_TERM_LIABILITIES: [9, 10], // 75 → 66 → 56
      INCREASE_IN_FIXED_ASSETS: [30, 30], // net block +18 + depreciation 12; +16 + 14
      INCREASE_IN_NON_CURRENT_ASSETS: [0.5, 5],
      DIVIDENDS: [4, 5],
      DECREASE_IN_CAPITAL: [0, 0],
      TOTAL_USES: [43.5, 50],
      LONG_TERM_SURPLUS: [35.45, 21.75],
      INVENTORY_CHANGE: [-14.5, -13.5], // 81 → 95.5 → 109
      RECEIVABLES_CHANGE: [-13, -13],
      CASH_CHANGE: [-26.84, -15.49],
      OTHER_CURRENT_ASSETS_CHANGE: [-4.51, -4.36], // 14.99 → 19.5 → 23.86
      CURRENT_LIABILITIES_CHANGE: [13.4, 17.6],
      SHORT_TERM_NET: [-45.45, -28.75],
      BANK_BORROWINGS_CHANGE: [10, 7],
      NET_FUNDS_FLOW: [0, 0],
    });
  });

  it('the ratios, against their benchmarks', async () => {
    const forms = await sampleForms();
    const ratio = (code: string) => forms.ratios.find((r) => r.code === code);
    const check = (code: string, values: number[], meets: (boolean | null)[]) => {
      const r = ratio(code);
      values.forEach((v, i) => expect(r?.values[i]?.value, `${code} ${i}`).toBeCloseTo(v, 10));
      expect(r?.values.map((v) => v.meetsBenchmark)).toEqual(meets);
      expect(r?.values.map((v) => v.fiscalYear)).toEqual(YEARS);
    };
    check('CURRENT_RATIO', [234.5 / 116.25, 293.35 / 139.65, 339.7 / 164.25], [true, true, true]);
    check('TOL_TNW', [191.25 / 170.25, 205.65 / 233.2, 220.25 / 285.95], [true, true, true]);
    // (PAT + depreciation + term-loan interest) ÷ (current maturities + term-loan interest)
    check('DSCR', [52.25 / 19, 65.45 / 18.5, 77.75 / 18], [true, true, true]);
    check('INTEREST_COVERAGE', [57 / 12, 72.5 / 12.5, 87 / 13.5], [true, true, true]);
    check('NET_PROFIT_MARGIN', [(35.25 / 354) * 100, (46.95 / 430) * 100, (57.75 / 506) * 100], [true, true, true]);
    check('RECEIVABLES_HOLDING', [2, 2, 2], [null, null, null]);
    expect(ratio('DSCR')?.benchmark).toBe('average ≥ 1.5, no year below 1.2');
    expect(ratio('TOL_TNW')?.formula).toContain('revaluation reserve');
  });
});
