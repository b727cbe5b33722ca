import { describe, it, expect } from 'vitest';
import { normalizeLabel } from '../../../src/services/cma/classifier.js';
import {
  FINE_TABLE,
  GROUP_CODES,
  GROUP_TABLE,
  HEAD_CODES,
  HEAD_TABLE,
  groupOf,
  headDefinition,
  headsOnSide,
  isHeadCode,
  isHeadForStatement,
} from '../../../src/services/cma/heads.js';

describe('the head table', () => {
  it('lists the 24 heads of PIPELINE.md in its order, as the groups', () => {
    expect(GROUP_CODES).toEqual([
      'SALES', 'OTHER_INCOME', 'PURCHASES', 'DIRECT_EXPENSES', 'EMPLOYEE_COSTS', 'ADMIN_SELLING_EXPENSES',
      'DEPRECIATION', 'INTEREST', 'TAX', 'CAPITAL', 'RESERVES', 'TERM_LOANS', 'UNSECURED_LOANS',
      'BANK_BORROWINGS', 'CREDITORS', 'OTHER_CURRENT_LIABILITIES', 'FIXED_ASSETS', 'INVESTMENTS',
      'OTHER_NON_CURRENT_ASSETS', 'INTANGIBLE_ASSETS', 'INVENTORY', 'RECEIVABLES', 'CASH_AND_BANK',
      'OTHER_CURRENT_ASSETS',
    ]);
  });

  it('puts the first nine heads on the P&L, without a side, and the rest on the balance sheet', () => {
    for (const [i, head] of GROUP_TABLE.entries()) {
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

  it("takes distinctive words from the head's own phrases and from no other group of its statement", () => {
    for (const head of HEAD_TABLE) {
      // A group's words may come from its finer heads' phrases (phrases moved there keep the group).
      const own = new Set(
        HEAD_TABLE.filter((other) => other.code === head.code || (head.parent === head.code && other.parent === head.code)).flatMap((other) =>
          other.phrases.flatMap((phrase) => normalizeLabel(phrase).split(' ')),
        ),
      );
      const others = new Set(
        HEAD_TABLE.filter((other) => other.statement === head.statement && other.parent !== head.parent).flatMap((other) =>
          other.phrases.flatMap((phrase) => normalizeLabel(phrase).split(' ')),
        ),
      );
      for (const word of head.distinctive) {
        expect(own.has(word), `${head.code}: ${word} is not in its (group's) phrases`).toBe(true);
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

describe('the finer heads', () => {
  it('each belongs to exactly one of the 24 groups, and inherits its statement and side', () => {
    for (const fine of FINE_TABLE) {
      expect(GROUP_CODES, fine.code).toContain(fine.parent);
      const head = headDefinition(fine.code);
      const parent = headDefinition(fine.parent);
      expect(groupOf(fine.code)).toBe(fine.parent);
      expect([head.statement, head.side, head.group]).toEqual([parent.statement, parent.side, parent.group]);
    }
    expect(new Set(HEAD_CODES).size).toBe(HEAD_CODES.length);
    for (const code of GROUP_CODES) expect(groupOf(code)).toBe(code);
  });

  it('keeps every phrase of PIPELINE.md within the group it named', () => {
    // The phrase list of PIPELINE.md's head table, by head, as it stood with 24 heads.
    const legacy: Record<string, string[]> = {
      SALES: ['sales', 'revenue from operations', 'turnover', 'gross receipts', 'domestic sales', 'export sales'],
      PURCHASES: ['purchases', 'raw material consumed', 'cost of materials consumed', 'purchase of stock in trade'],
      DIRECT_EXPENSES: ['wages', 'power and fuel', 'electricity', 'freight inward', 'carriage inward', 'manufacturing expenses', 'factory expenses', 'job work'],
      INTEREST: ['interest on term loan', 'interest on cash credit', 'finance costs', 'interest paid', 'bank charges', 'bank interest'],
      RESERVES: ['reserves and surplus', 'general reserve', 'retained earnings', 'securities premium', 'profit and loss account'],
      OTHER_CURRENT_LIABILITIES: ['provisions', 'outstanding expenses', 'expenses payable', 'statutory dues', 'gst payable', 'tds payable', 'advance from customers', 'other current liabilities'],
      INVENTORY: ['stock', 'closing stock', 'inventories', 'raw materials', 'work in progress', 'finished goods', 'stores and spares', 'stock in trade'],
      OTHER_CURRENT_ASSETS: ['loans and advances', 'advances to suppliers', 'prepaid expenses', 'gst input credit', 'tds receivable', 'other current assets'],
    };
    for (const [group, phrases] of Object.entries(legacy)) {
      for (const phrase of phrases) {
        const owner = HEAD_TABLE.find((head) => head.statement === headDefinition(group as never).statement && head.phrases.includes(phrase));
        expect(owner?.parent, `${group}: ${phrase}`).toBe(group);
      }
    }
  });
});

