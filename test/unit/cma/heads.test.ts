import { describe, it, expect } from 'vitest';
import { normalizeLabel } from '../../../src/services/cma/classifier.js';
import {
  HEAD_CODES,
  HEAD_TABLE,
  headDefinition,
  headsOnSide,
  isHeadCode,
  isHeadForStatement,
} from '../../../src/services/cma/heads.js';

describe('the head table', () => {
  it('lists the 24 heads of PIPELINE.md in its order', () => {
    expect(HEAD_CODES).toEqual([
      'SALES', 'OTHER_INCOME', 'PURCHASES', 'DIRECT_EXPENSES', 'EMPLOYEE_COSTS', 'ADMIN_SELLING_EXPENSES',
      'DEPRECIATION', 'INTEREST', 'TAX', 'CAPITAL', 'RESERVES', 'TERM_LOANS', 'UNSECURED_LOANS',
      'BANK_BORROWINGS', 'CREDITORS', 'OTHER_CURRENT_LIABILITIES', 'FIXED_ASSETS', 'INVESTMENTS',
      'OTHER_NON_CURRENT_ASSETS', 'INTANGIBLE_ASSETS', 'INVENTORY', 'RECEIVABLES', 'CASH_AND_BANK',
      'OTHER_CURRENT_ASSETS',
    ]);
  });

  it('puts the first nine heads on the P&L, without a side, and the rest on the balance sheet', () => {
    for (const [i, head] of HEAD_TABLE.entries()) {
      expect(head.statement).toBe(i < 9 ? 'PROFIT_AND_LOSS' : 'BALANCE_SHEET');
      expect(head.side === null).toBe(i < 9);
    }
  });

  it('sides match the validation sums of PIPELINE.md', () => {
    expect(headsOnSide('LIABILITY')).toEqual([
      'CAPITAL', 'RESERVES', 'TERM_LOANS', 'UNSECURED_LOANS', 'BANK_BORROWINGS', 'CREDITORS', 'OTHER_CURRENT_LIABILITIES',
    ]);
    expect(headsOnSide('ASSET')).toEqual([
      'FIXED_ASSETS', 'INVESTMENTS', 'OTHER_NON_CURRENT_ASSETS', 'INTANGIBLE_ASSETS', 'INVENTORY', 'RECEIVABLES',
      'CASH_AND_BANK', 'OTHER_CURRENT_ASSETS',
    ]);
  });

  it('groups heads as PIPELINE.md does', () => {
    const groups = Object.fromEntries(HEAD_TABLE.map((head) => [head.code, head.group]));
    expect(groups).toMatchObject({
      SALES: 'INCOME', OTHER_INCOME: 'INCOME', PURCHASES: 'COST_OF_SALES', DIRECT_EXPENSES: 'COST_OF_SALES',
      TAX: 'EXPENSE', CAPITAL: 'NET_WORTH', RESERVES: 'NET_WORTH', TERM_LOANS: 'LONG_TERM_LIABILITY',
      UNSECURED_LOANS: 'LONG_TERM_LIABILITY', CREDITORS: 'CURRENT_LIABILITY', FIXED_ASSETS: 'FIXED_ASSET',
      INVESTMENTS: 'NON_CURRENT_ASSET', INTANGIBLE_ASSETS: 'INTANGIBLE', OTHER_CURRENT_ASSETS: 'CURRENT_ASSET',
    });
  });

  it('never lists one normalized phrase under two heads of a statement', () => {
    const seen = new Map<string, string>();
    for (const head of HEAD_TABLE) {
      for (const phrase of head.phrases) {
        const key = `${head.statement}:${normalizeLabel(phrase)}`;
        expect(seen.get(key), key).toBeUndefined();
        seen.set(key, head.code);
      }
    }
  });

  it("takes distinctive words from the head's own phrases and from no other head of its statement", () => {
    for (const head of HEAD_TABLE) {
      const own = new Set(head.phrases.flatMap((phrase) => normalizeLabel(phrase).split(' ')));
      const others = new Set(
        HEAD_TABLE.filter((other) => other.statement === head.statement && other.code !== head.code).flatMap((other) =>
          other.phrases.flatMap((phrase) => normalizeLabel(phrase).split(' ')),
        ),
      );
      for (const word of head.distinctive) {
        expect(own.has(word), `${head.code}: ${word} is not in its phrases`).toBe(true);
        expect(others.has(word), `${head.code}: ${word} is used by another head`).toBe(false);
      }
    }
  });
});

describe('head helpers', () => {
  it('recognises head codes', () => {
    expect(isHeadCode('SALES')).toBe(true);
    expect(isHeadCode('sales')).toBe(false);
    expect(isHeadCode('PROFIT')).toBe(false);
  });

  it('tells which statement a head belongs to', () => {
    expect(isHeadForStatement('SALES', 'PROFIT_AND_LOSS')).toBe(true);
    expect(isHeadForStatement('SALES', 'BALANCE_SHEET')).toBe(false);
    expect(isHeadForStatement('RECEIVABLES', 'BALANCE_SHEET')).toBe(true);
    expect(isHeadForStatement('RECEIVABLES', 'PROFIT_AND_LOSS')).toBe(false);
    expect(headDefinition('CASH_AND_BANK').phrases).toContain('cash and bank balances');
  });
});
