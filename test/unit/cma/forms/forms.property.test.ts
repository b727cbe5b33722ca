import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createClassifier, type Classifier } from '../../../../src/services/cma/classifier.js';
import { readLineItems } from '../../../../src/services/cma/csv-reader.js';
import { addFine, computeForms, formIIIProblems, type CmaForms } from '../../../../src/services/cma/forms/index.js';
import { HEAD_TABLE, groupOf, headDefinition, type HeadCode } from '../../../../src/services/cma/heads.js';
import { accumulate, computeReport, validateYears, type YearTotals } from '../../../../src/services/cma/report.js';
import { trialBalanceLines } from '../../../../bench/lib/trial-balance.js';
import { trialBalanceCsv } from '../../../helpers/trial-balance.js';
import { LEGACY_TABLE } from '../../../helpers/legacy-heads.js';
import { samplePath } from '../samples.js';

// Properties of the forms over generated files: Form III balances whenever the statement
// does, every SUBTOTAL and TOTAL is its formula over its rows, Form II ends at the statement's
// own profit before tax, Form VI nets to zero; and CmaYear is what the 24-head table gave.

type Fine = Map<number, Map<HeadCode, bigint>>;

/** Σ sign × rows of the stored values, worked out here rather than by the code under test. */
function checkFormulas(forms: CmaForms) {
  for (const form of forms.forms) {
    const byCode = new Map(form.rows.map((row) => [row.code, row]));
    for (const row of form.rows) {
      if (!row.formula) continue;
      for (const value of row.values) {
        const of = (code: string) => BigInt(byCode.get(code)?.values.find((v) => v.fiscalYear === value.fiscalYear)?.paise ?? '0');
        let expected: bigint;
        if (row.formula.op === 'LOWER_NOT_NEGATIVE') {
          const [a, b] = row.formula.of.map(of) as [bigint, bigint];
          expected = a < b ? a : b;
          if (expected < 0n) expected = 0n;
        } else {
          const total = row.formula.terms.reduce((s, t) => s + BigInt(t.sign) * of(t.code), 0n);
          expected = row.formula.op === 'SUM' ? total : total >= 0n ? (total + 2n) / 4n : -((-total + 2n) / 4n);
          // Every term names a row above this one.
          for (const term of row.formula.terms) expect(form.rows.findIndex((r) => r.code === term.code)).toBeLessThan(form.rows.indexOf(row));
        }
        expect(value.paise, `${form.code} ${row.code} ${value.fiscalYear}`).toBe(expected.toString());
      }
    }
  }
}

const amount = (forms: CmaForms, form: string, row: string, year: number) =>
  BigInt(forms.forms.find((f) => f.code === form)?.rows.find((r) => r.code === row)?.values.find((v) => v.fiscalYear === year)?.paise ?? '0');

function checkForms(fine: Fine, exact: boolean) {
  const forms = computeForms(fine);
  checkFormulas(forms);
  for (const [year, heads] of fine) {
    let assets = 0n;
    let liabilities = 0n;
    let income = 0n;
    let expenses = 0n;
    for (const [head, paise] of heads) {
      const definition = headDefinition(head);
      if (definition.side === 'ASSET') assets += paise;
      else if (definition.side === 'LIABILITY') liabilities += paise;
      else if (definition.group === 'INCOME') income += paise;
      else if (groupOf(head) !== 'TAX') expenses += paise;
    }
    expect(amount(forms, 'FORM_III', 'TOTAL_ASSETS', year)).toBe(assets);
    expect(amount(forms, 'FORM_III', 'TOTAL_LIABILITIES', year)).toBe(liabilities);
    expect(amount(forms, 'FORM_II', 'PROFIT_BEFORE_TAX', year)).toBe(income - expenses);
    expect(amount(forms, 'FORM_IV', 'TOTAL_CURRENT_ASSETS', year)).toBe(amount(forms, 'FORM_III', 'TOTAL_CURRENT_ASSETS', year));
    expect(amount(forms, 'FORM_V', 'MPBF', year) >= 0n).toBe(true);
  }
  if (exact) {
    expect(formIIIProblems(fine)).toEqual([]);
    const [, ...later] = [...fine.keys()].sort((a, b) => a - b);
    for (const year of later) expect(amount(forms, 'FORM_VI', 'NET_FUNDS_FLOW', year), `FY ${year}`).toBe(0n);
  }
  return forms;
}

const assetHeads = HEAD_TABLE.filter((h) => h.side === 'ASSET').map((h) => h.code);
const liabilityHeads = HEAD_TABLE.filter((h) => h.side === 'LIABILITY').map((h) => h.code);
const plHeads = HEAD_TABLE.filter((h) => h.statement === 'PROFIT_AND_LOSS').map((h) => h.code);
const line = (heads: HeadCode[]) => fc.tuple(fc.constantFrom(...heads), fc.bigInt({ min: -(10n ** 11n), max: 10n ** 12n }));
const yearArb = fc.record({
  assets: fc.array(line(assetHeads), { minLength: 1, maxLength: 25 }),
  liabilities: fc.array(line(liabilityHeads), { minLength: 1, maxLength: 25 }),
  pl: fc.array(line(plHeads), { maxLength: 25 }),
  balancing: fc.constantFrom(...liabilityHeads),
});

describe('Forms II–VI over generated files', () => {
  it('balance, follow their formulas, end at the statement\'s PBT and net Form VI to zero (every finer head)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2000, max: 2090 }), fc.array(yearArb, { minLength: 1, maxLength: 5 }), (first, years) => {
        const fine: Fine = new Map();
        years.forEach((spec, i) => {
          const year = first + i;
          let difference = 0n;
          for (const [head, paise] of spec.assets) { addFine(fine, year, head, paise); difference += paise; }
          for (const [head, paise] of spec.liabilities) { addFine(fine, year, head, paise); difference -= paise; }
          addFine(fine, year, spec.balancing, difference);
          for (const [head, paise] of spec.pl) addFine(fine, year, head, paise);
        });
        checkForms(fine, true);
      }),
      { numRuns: 300 },
    );
  });

  it('balance within the tolerance when the statement does, and not when it does not', () => {
    const fine: Fine = new Map();
    addFine(fine, 2024, 'CASH_AND_BANK', 100_000_00n);
    addFine(fine, 2024, 'CAPITAL', 99_999_50n); // 50 paise short: within 1 rupee
    expect(formIIIProblems(fine)).toEqual([]);
    addFine(fine, 2023, 'CASH_AND_BANK', 100_000_00n);
    addFine(fine, 2023, 'CAPITAL', 90_000_00n);
    expect(formIIIProblems(fine)).toEqual(['Form III for FY 2022-23 does not balance: total assets 1,00,000.00, total liabilities 90,000.00']);
  });
});

describe('stocks in Form II', () => {
  it('takes the first opening from a P&L opening-stock line, and notes the years without a changes line', () => {
    const fine: Fine = new Map();
    // FY 2022-23: a trading-account P&L (opening stock, purchases); FY 2023-24: Schedule III.
    addFine(fine, 2023, 'SALES', 100_00n);
    addFine(fine, 2023, 'PURCHASES', 60_00n);
    addFine(fine, 2023, 'OPENING_STOCK', 7_00n);
    addFine(fine, 2023, 'INVENTORY_FINISHED_GOODS', 9_00n);
    addFine(fine, 2023, 'CAPITAL', 9_00n);
    addFine(fine, 2024, 'SALES', 100_00n);
    addFine(fine, 2024, 'RAW_MATERIALS_CONSUMED', 60_00n);
    addFine(fine, 2024, 'CHANGES_IN_INVENTORIES', -2_00n);
    addFine(fine, 2024, 'INVENTORY_FINISHED_GOODS', 11_00n);
    addFine(fine, 2024, 'CAPITAL', 11_00n);
    const forms = checkForms(fine, true);
    const row = (code: string) => forms.forms[0]?.rows.find((r) => r.code === code);
    expect(row('OPENING_FINISHED_GOODS')?.values.map((v) => v.paise)).toEqual(['700', '900']);
    expect(row('CLOSING_FINISHED_GOODS')?.values.map((v) => v.paise)).toEqual(['900', '1100']);
    // The P&L's own stock lines: the opening stock it debits (7), then its changes line (−2).
    expect(row('STOCK_ADJUSTMENT')?.values.map((v) => v.paise)).toEqual(['700', '-200']);
    expect(row('PROFIT_BEFORE_TAX')?.values.map((v) => v.paise)).toEqual(['3300', '4200']);
    expect(row('STOCK_ADJUSTMENT_NOTE')).toMatchObject({ kind: 'HEADING', level: 2 });
    expect(row('STOCK_ADJUSTMENT_NOTE')?.label).toContain('FY 2022-23');
    expect(row('STOCK_ADJUSTMENT_NOTE')?.label).not.toContain('FY 2023-24');
  });
});

/** A document's items classified by `classifier`, as fine totals and as the 24 groups. */
async function classify(source: NodeJS.ReadableStream, classifier: Classifier): Promise<{ fine: Fine; groups: YearTotals }> {
  const fine: Fine = new Map();
  const groups: YearTotals = new Map();
  for await (const batch of readLineItems(source, { documentName: 'x.csv' })) {
    for (const item of batch) {
      const { head, needsReview } = classifier.classify(item.label, item.statement);
      if (!head || needsReview) continue;
      addFine(fine, item.fiscalYear, head, item.amountPaise);
      accumulate(groups, { fiscalYear: item.fiscalYear, head, amountPaise: item.amountPaise });
    }
  }
  return { fine, groups };
}

describe("today's figures", () => {
  const legacy = createClassifier({ table: LEGACY_TABLE });
  const current = createClassifier();

  async function sameAsBefore(open: () => NodeJS.ReadableStream) {
    const before = await classify(open(), legacy);
    const after = await classify(open(), current);
    expect(after.groups).toEqual(before.groups);
    expect(computeReport(after.groups)).toEqual(computeReport(before.groups));
    expect(validateYears(after.groups)).toEqual(validateYears(before.groups));
    return after;
  }

  it.each(['clean-two-years.csv', 'needs-review.csv', 'not-tallying.csv'])('are unchanged on %s', async (name) => {
    const { fine } = await sameAsBefore(() => createReadStream(samplePath(name)));
    checkForms(fine, false);
  });

  it('are unchanged on generated trial balances, whose forms balance', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { fine } = await sameAsBefore(() => Readable.from([[...trialBalanceLines(3000, 1 + seed, seed)].join('\n') + '\n']));
      checkForms(fine, true);
      await sameAsBefore(() => Readable.from([trialBalanceCsv(400, seed, seed)]));
    }
  });
});
