import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { createClassifier, normalizeLabel } from '../../../src/services/cma/classifier.js';
import { HEAD_TABLE, groupOf, type HeadCode } from '../../../src/services/cma/heads.js';
// The platform's trial-balance generator, ported into the repository (byte-identical output).
import { trialBalanceLines } from '../../../bench/lib/trial-balance.js';
import { GENERATOR_HEADS, SAMPLE_HEADS, samplePath } from './samples.js';

const BS = 'BALANCE_SHEET' as const;
const PL = 'PROFIT_AND_LOSS' as const;
const classifier = createClassifier();
/** The group (PIPELINE.md's 24 heads) of a classification's head, or null. */
const group = (head: HeadCode | null) => (head ? groupOf(head) : null);

describe('normalizeLabel', () => {
  it.each([
    ['Sundry Debtors', 'sundry debtors'],
    ['  SUNDRY   Debtors  ', 'sundry debtors'],
    ['Property, Plant and Equipment', 'property plant and equipment'],
    ['Kotak OD A/c', 'kotak od'],
    ['A/C Kotak OD', 'kotak od'],
    ['Capital Account', 'capital'],
    ["Partners' Capital A/c", 'partners capital'],
    ['Partner’s Capital', 'partners capital'],
    ['Printing & Stationery', 'printing and stationery'],
    ['P&L', 'p and l'],
    ['Loan from Mr. Sharma', 'loan from mr sharma'],
    ['Sundry Debtors - Party 12', 'sundry debtors party 12'],
    ['Work-in-Progress', 'work in progress'],
    ['Accounts Payable', 'accounts payable'],
    ['Savings a/cb', 'savings a cb'],
    ['Data/Comms', 'data comms'],
    ['Café Expenses', 'café expenses'],
    ['', ''],
    ['---', ''],
  ])('normalizes %j to %j', (label, normalized) => {
    expect(normalizeLabel(label)).toBe(normalized);
  });

  // The spec's rules written plainly as a regex chain; the fast path must agree with it.
  const reference = (label: string): string =>
    label
      .toLowerCase()
      .replace(/(?<![\p{L}\p{N}])a\/c(?![\p{L}\p{N}])/gu, ' ')
      .replace(/&/g, ' and ')
      .replace(/['’`]/g, '')
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .split(' ')
      .filter((word) => word !== '' && word !== 'account')
      .join(' ');
  const labelChars = fc.constantFrom(...'aAcC/&\'’` .,-()0123456789ésx₹'.split(''), 'account', 'A/c', 'Account');

  it('agrees with the plain regex formulation and is idempotent', () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(labelChars).map((parts) => parts.join('')), fc.string({ unit: 'grapheme' })), (label) => {
        const normalized = normalizeLabel(label);
        expect(normalized).toBe(reference(label));
        expect(normalizeLabel(normalized)).toBe(normalized);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('classify', () => {
  it('gives every table phrase its own head at 1.0', () => {
    for (const head of HEAD_TABLE) {
      for (const phrase of head.phrases) {
        expect(classifier.classify(phrase.toUpperCase(), head.statement), phrase).toEqual({
          head: head.code, confidence: 1, needsReview: false, rule: 'EXACT',
        });
      }
    }
  });

  it('matches exactly after dropping a/c, account and punctuation', () => {
    expect(classifier.classify('Capital A/c', BS)).toMatchObject({ head: 'CAPITAL', confidence: 1 });
    expect(classifier.classify("Partners' Capital Account", BS)).toMatchObject({ head: 'CAPITAL', confidence: 1 });
    expect(classifier.classify('Profit & Loss A/c', BS)).toMatchObject({ head: 'SURPLUS', confidence: 1 });
    expect(group(classifier.classify('Profit & Loss A/c', BS).head)).toBe('RESERVES');
    expect(classifier.classify('Printing & Stationery', PL)).toMatchObject({ head: 'ADMIN_SELLING_EXPENSES', confidence: 1 });
  });

  it.each([
    ['Term Loan from SBI', BS, 'TERM_LOANS'],
    ['Unsecured Loans from Directors', BS, 'UNSECURED_LOANS'],
    ['Salaries and Allowances', PL, 'EMPLOYEE_COSTS'],
    ['Audit Fees for FY 2023-24', PL, 'ADMIN_SELLING_EXPENSES'],
  ])('gives %j 0.85 when every word of a phrase appears', (label, statement, head) => {
    expect(classifier.classify(label, statement)).toEqual({ head, confidence: 0.85, needsReview: false, rule: 'PHRASE' });
  });

  it.each([
    // "long term loans and advances" (5 words) beats "loans and advances" (3)
    ['Long Term Loans and Advances to Staff', BS, 'OTHER_NON_CURRENT_ASSETS'],
    ['Loans and Advances to Staff', BS, 'OTHER_CURRENT_ASSETS'],
    // "rent received" (2) beats "rent" (1)
    ['Rent Received from Tenants', PL, 'OTHER_INCOME'],
    ['Rent for Godown', PL, 'ADMIN_SELLING_EXPENSES'],
    // "interest income" (2); no INTEREST phrase is contained
    ['Interest Income on FD', PL, 'OTHER_INCOME'],
    // "interest on term loan" (4)
    ['Interest on Term Loan - HDFC', PL, 'INTEREST'],
    // "interest received" (2 words, 17 chars) beats "bank interest" (2 words, 13 chars)
    ['Bank Interest Received', PL, 'OTHER_INCOME'],
    // "capital work in progress" (4) beats "work in progress" (3) and "capital" (1)
    ['Capital Work in Progress - Factory', BS, 'FIXED_ASSETS'],
    ['Working Capital Loan from SBI', BS, 'BANK_BORROWINGS'],
    // "provision for tax" (3) beats "income tax" (2): same head either way
    ['Provision for Income Tax', PL, 'TAX'],
    ['Closing Stock - Finished Goods', BS, 'INVENTORY'],
  ])('lets the longest phrase win for %j (its group as with the 24 heads)', (label, statement, head) => {
    const result = classifier.classify(label, statement);
    expect(result).toMatchObject({ confidence: 0.85, needsReview: false });
    expect(group(result.head)).toBe(head);
  });

  it('calls two heads at the same best length a tie: 0.5, first head in table order, needs review', () => {
    // "wages" (DIRECT_EXPENSES) and "bonus" (EMPLOYEE_COSTS): one word and five letters each
    expect(classifier.classify('Wages and Bonus', PL)).toEqual({
      head: 'DIRECT_EXPENSES', confidence: 0.5, needsReview: true, rule: 'TIE',
    });
    expect(classifier.classify('Bonus and Wages', PL)).toMatchObject({ head: 'DIRECT_EXPENSES', confidence: 0.5 });
    // "building" (FIXED_ASSETS) and "software" (INTANGIBLE_ASSETS): eight letters each
    expect(classifier.classify('Software and Building', BS)).toMatchObject({ head: 'FIXED_ASSETS', confidence: 0.5, needsReview: true });
  });

  it('does not call it a tie when the longest phrases share a head', () => {
    expect(classifier.classify('Sundry Debtors and Bills Receivable', BS)).toMatchObject({ head: 'RECEIVABLES', confidence: 0.85 });
  });

  it('gives 0.6 for a distinctive word alone', () => {
    expect(classifier.classify('Trade Creditors', BS)).toEqual({
      head: 'CREDITORS', confidence: 0.6, needsReview: true, rule: 'WORD',
    });
    expect(classifier.classify('Staff Uniforms', PL)).toMatchObject({ head: 'EMPLOYEE_COSTS', confidence: 0.6 });
    expect(classifier.classify('Depreciation', PL)).toMatchObject({ head: 'DEPRECIATION', confidence: 1 });
  });

  it('treats distinctive words of two heads as a tie', () => {
    // "directors" → UNSECURED_LOANS, "vehicle" → TERM_LOANS; TERM_LOANS comes first in the table
    expect(classifier.classify('Directors Vehicle', BS)).toEqual({
      head: 'TERM_LOANS', confidence: 0.5, needsReview: true, rule: 'TIE',
    });
  });

  it('gives no head when nothing matches', () => {
    for (const label of ['Kotak OD A/c', 'Loan from Mr. Sharma', 'Suspense', '', '---']) {
      expect(classifier.classify(label, BS), label).toEqual({ head: null, confidence: 0, needsReview: true, rule: 'NONE' });
    }
  });

  it('only considers heads of the line item’s statement', () => {
    expect(classifier.classify('Sundry Debtors', PL).head).toBeNull();
    expect(classifier.classify('Sales', BS).head).toBeNull();
    expect(classifier.classify('Provisions', PL).head).toBeNull();
    // CMA-FORMS.md: the balance sheet's provision for tax is Form III item 5, a current liability.
    expect(classifier.classify('Provision for Tax', BS).head).toBe('PROVISION_FOR_TAX');
    expect(classifier.classify('Provision for Tax', PL)).toMatchObject({ head: 'TAX', confidence: 1 });
    expect(classifier.classify('Interest on Term Loan', BS).head).toBe('TERM_LOANS');
    expect(classifier.classify('Interest on Term Loan', PL).head).toBe('INTEREST_ON_TERM_LOANS');
  });

  it('applies the review threshold', () => {
    const strict = createClassifier({ reviewThreshold: 0.9 });
    expect(strict.classify('Term Loan from SBI', BS)).toMatchObject({ confidence: 0.85, needsReview: true });
    expect(strict.classify('Term Loan', BS)).toMatchObject({ confidence: 1, needsReview: false });
    const lenient = createClassifier({ reviewThreshold: 0.5 });
    expect(lenient.classify('Wages and Bonus', PL)).toMatchObject({ confidence: 0.5, needsReview: false });
    expect(lenient.classify('Trade Creditors', BS)).toMatchObject({ confidence: 0.6, needsReview: false });
    expect(lenient.classify('Suspense', BS)).toMatchObject({ confidence: 0, needsReview: true });
  });

  it('classifies a remembered label at 1.0, however it is written', () => {
    const firm = createClassifier({
      remembered: new Map([
        ['kotak od', 'BANK_BORROWINGS'],
        ['Loan from Mr. Sharma', 'UNSECURED_LOANS'],
        ['Investments', 'OTHER_NON_CURRENT_ASSETS'],
        ['Mystery', 'NOT_A_HEAD'],
      ]),
    });
    expect(firm.classify('Kotak OD A/c', BS)).toEqual({ head: 'BANK_BORROWINGS', confidence: 1, needsReview: false, rule: 'REMEMBERED' });
    expect(firm.classify('KOTAK  OD a/c.', BS)).toMatchObject({ head: 'BANK_BORROWINGS', confidence: 1 });
    expect(firm.classify('loan from mr sharma', BS)).toMatchObject({ head: 'UNSECURED_LOANS', confidence: 1 });
    // the firm's confirmation outranks the table
    expect(firm.classify('Investments', BS)).toMatchObject({ head: 'OTHER_NON_CURRENT_ASSETS', rule: 'REMEMBERED' });
    // a remembered BS head is no candidate for a P&L line
    expect(firm.classify('Kotak OD A/c', PL)).toMatchObject({ head: null, confidence: 0 });
    // unknown heads are ignored
    expect(firm.classify('Mystery', BS)).toMatchObject({ head: null, confidence: 0 });
    // another firm remembers nothing
    expect(classifier.classify('Kotak OD A/c', BS).head).toBeNull();
  });
});

describe('the sample files', () => {
  const statementOf = (raw: string): 'BALANCE_SHEET' | 'PROFIT_AND_LOSS' => (/^(bs|balance sheet)$/i.test(raw) ? BS : PL);

  for (const name of ['clean-two-years.csv', 'needs-review.csv', 'not-tallying.csv', 'bad-amount.csv']) {
    it(`classifies every label of ${name}`, () => {
      const rows = parse(readFileSync(samplePath(name)), { columns: true, bom: true }) as Record<string, string>[];
      expect(rows.length).toBeGreaterThan(40);
      for (const row of rows) {
        const label = row.line_item ?? '';
        const result = classifier.classify(label, statementOf(row.statement ?? ''));
        if (label === 'Loan from Mr. Sharma' || label === 'Kotak OD A/c') {
          expect(result.needsReview, label).toBe(true);
          continue;
        }
        expect(group(result.head), label).toBe(SAMPLE_HEADS[label]);
        expect(result.confidence, label).toBeGreaterThanOrEqual(0.75);
        expect(result.needsReview, label).toBe(false);
      }
    });
  }

  it('classifies every label of the trial-balance generator', () => {
    const csv = Buffer.from([...trialBalanceLines(4000, 2, 11)].join('\n') + '\n');
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(rows.length).toBeGreaterThan(3900);
    for (const row of rows) {
      const label = row.line_item ?? '';
      const prefix = label.replace(/ - (Party|Ledger) \d+$/, '').replace(/ - Domestic$/, '');
      const result = classifier.classify(label, statementOf(row.statement ?? ''));
      expect(group(result.head), label).toBe(GENERATOR_HEADS[prefix]);
      expect(result.needsReview, label).toBe(false);
    }
  });
});
