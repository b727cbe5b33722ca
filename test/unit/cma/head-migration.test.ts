import { describe, expect, it } from 'vitest';
import { refineStoredHead } from '../../../src/services/cma/head-migration.js';

describe('moving stored items to the finer heads', () => {
  it.each([
    ['PROFIT_AND_LOSS', 'Export Sales', 'SALES', 'SALES_EXPORT'],
    ['PROFIT_AND_LOSS', 'Cost of Materials Consumed', 'PURCHASES', 'RAW_MATERIALS_CONSUMED'],
    ['PROFIT_AND_LOSS', 'Wages - Factory', 'DIRECT_EXPENSES', 'DIRECT_LABOUR'],
    ['PROFIT_AND_LOSS', 'Interest on Term Loan - HDFC', 'INTEREST', 'INTEREST_ON_TERM_LOANS'],
    ['BALANCE_SHEET', 'Closing Stock - Finished Goods', 'INVENTORY', 'INVENTORY_FINISHED_GOODS'],
    ['BALANCE_SHEET', 'Statutory Dues', 'OTHER_CURRENT_LIABILITIES', 'STATUTORY_DUES'],
    ['BALANCE_SHEET', 'General Reserve', 'RESERVES', 'GENERAL_RESERVE'],
  ])('%s "%s": %s → %s, where the label says so', (statement, label, from, to) => {
    expect(refineStoredHead(statement, label, from)).toBe(to);
  });

  it('leaves items whose label is unclear, points to another group, or is already finer', () => {
    // Only a distinctive word: not clear enough.
    expect(refineStoredHead('BALANCE_SHEET', 'Trade Creditors', 'CREDITORS')).toBeNull();
    // A person put "Kotak OD" under bank borrowings; the label names no finer head.
    expect(refineStoredHead('BALANCE_SHEET', 'Kotak OD A/c', 'BANK_BORROWINGS')).toBeNull();
    // A person chose a group the table would not: never moved to another group.
    expect(refineStoredHead('BALANCE_SHEET', 'Raw Materials', 'OTHER_CURRENT_ASSETS')).toBeNull();
    expect(refineStoredHead('PROFIT_AND_LOSS', 'Sales', 'SALES')).toBeNull();
    expect(refineStoredHead('PROFIT_AND_LOSS', 'Export Sales', 'SALES_EXPORT')).toBeNull();
    expect(refineStoredHead('PROFIT_AND_LOSS', 'Export Sales', 'NOT_A_HEAD')).toBeNull();
  });
});
