import { describe, it, expect } from 'vitest';
import {
  FieldError,
  fiscalYearLabel,
  normalizeHeader,
  parseFiscalYear,
  parseStatement,
} from '../../../src/services/cma/fields.js';

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FieldError);
    return (error as FieldError).message;
  }
  throw new Error('expected a FieldError');
}

describe('parseFiscalYear', () => {
  it.each([
    ['2024', 2024],
    [' 2024 ', 2024],
    ['FY2024', 2024],
    ['FY 2024', 2024],
    ['fy2024', 2024],
    ['F.Y. 2024', 2024],
    ['2023-24', 2024],
    ['2023-2024', 2024],
    ['2023 - 24', 2024],
    ['2023–24', 2024],
    ['2023/24', 2024],
    ['FY 2023-24', 2024],
    ['FY2023-24', 2024],
    ['1999-00', 2000],
    ['1999-2000', 2000],
    ['1900', 1900],
    ['2200', 2200],
  ])('reads %j as %d', (raw, year) => {
    expect(parseFiscalYear(raw)).toBe(year);
  });

  it.each([
    ['', 'is blank'],
    ['24', '"24" is not a fiscal year (expected e.g. 2024, FY2024 or 2023-24)'],
    ['20x4', '"20x4" is not a fiscal year (expected e.g. 2024, FY2024 or 2023-24)'],
    ['FY', '"FY" is not a fiscal year (expected e.g. 2024, FY2024 or 2023-24)'],
    ['2024.0', '"2024.0" is not a fiscal year (expected e.g. 2024, FY2024 or 2023-24)'],
    ['2023-25', '"2023-25" is not two consecutive years'],
    ['2024-23', '"2024-23" is not two consecutive years'],
    ['2023-2025', '"2023-2025" is not two consecutive years'],
    ['2023-2', '"2023-2" is not a fiscal year (expected e.g. 2024, FY2024 or 2023-24)'],
    ['1899', '"1899" is outside 1900..2200'],
    ['2201', '"2201" is outside 1900..2200'],
    ['2200-01', '"2200-01" is outside 1900..2200'],
  ])('rejects %j', (raw, message) => {
    expect(messageOf(() => parseFiscalYear(raw))).toBe(message);
  });
});

describe('fiscalYearLabel', () => {
  it.each([
    [2024, 'FY 2023-24'],
    [2000, 'FY 1999-00'],
    [2010, 'FY 2009-10'],
  ])('labels %d as %s', (year, label) => {
    expect(fiscalYearLabel(year)).toBe(label);
    expect(parseFiscalYear(label)).toBe(year);
  });
});

describe('parseStatement', () => {
  it.each([
    ['BS', 'BALANCE_SHEET'],
    ['bs', 'BALANCE_SHEET'],
    ['Balance Sheet', 'BALANCE_SHEET'],
    ['BALANCE  SHEET', 'BALANCE_SHEET'],
    [' balance sheet ', 'BALANCE_SHEET'],
    ['PL', 'PROFIT_AND_LOSS'],
    ['pl', 'PROFIT_AND_LOSS'],
    ['P&L', 'PROFIT_AND_LOSS'],
    ['p&l', 'PROFIT_AND_LOSS'],
    ['P & L', 'PROFIT_AND_LOSS'],
    ['Profit and Loss', 'PROFIT_AND_LOSS'],
    ['PROFIT AND LOSS', 'PROFIT_AND_LOSS'],
    ['Profit & Loss', 'PROFIT_AND_LOSS'],
    ['Profit&Loss', 'PROFIT_AND_LOSS'],
  ])('reads %j as %s', (raw, statement) => {
    expect(parseStatement(raw)).toBe(statement);
  });

  it.each([
    ['', 'is blank'],
    ['XX', '"XX" is not a statement (expected BS, Balance Sheet, PL, P&L or Profit and Loss)'],
    ['Cash Flow', '"Cash Flow" is not a statement (expected BS, Balance Sheet, PL, P&L or Profit and Loss)'],
    ['B S', '"B S" is not a statement (expected BS, Balance Sheet, PL, P&L or Profit and Loss)'],
  ])('rejects %j', (raw, message) => {
    expect(messageOf(() => parseStatement(raw))).toBe(message);
  });
});

describe('normalizeHeader', () => {
  it.each([
    ['fiscal_year', 'fiscal_year'],
    ['Fiscal Year', 'fiscal_year'],
    ['FISCAL_YEAR', 'fiscal_year'],
    ['fiscal-year', 'fiscal_year'],
    ['  Fiscal   Year ', 'fiscal_year'],
    ['Line Item', 'line_item'],
    ['line__item', 'line_item'],
    ['_amount_', 'amount'],
    ['AMOUNT', 'amount'],
    ['Notes', 'notes'],
  ])('normalizes %j to %s', (raw, name) => {
    expect(normalizeHeader(raw)).toBe(name);
  });
});
