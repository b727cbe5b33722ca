import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { numberToPaise } from '../../../src/services/cma/cell-values.js';
import { DocumentFormatError } from '../../../src/services/cma/document-format-error.js';
import type { ParsedLineItem } from '../../../src/services/cma/layout.js';
import { readStatementItems } from '../../../src/services/cma/statement-reader.js';
import { yearOf } from '../../../src/services/cma/year-header.js';
import { readItems } from '../../../src/scripts/make-wide-workbook.js';
import { samplePath } from './samples.js';
import { encryptedWorkbook, reorderParts, streamedWorkbook, unzipParts, workbook, zipArchive, zipBomb } from '../../helpers/workbooks.js';

async function* chunks(bytes: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function read(bytes: Buffer | string, name = 'tb.xlsx'): Promise<ParsedLineItem[]> {
  const items: ParsedLineItem[] = [];
  for await (const batch of readStatementItems(chunks(Buffer.from(bytes)), { documentName: name, batchSize: 7 })) items.push(...batch);
  return items;
}

async function failure(bytes: Buffer | string, name = 'tb.xlsx'): Promise<DocumentFormatError> {
  try {
    await read(bytes, name);
  } catch (error) {
    expect(error).toBeInstanceOf(DocumentFormatError);
    return error as DocumentFormatError;
  }
  throw new Error('expected a DocumentFormatError');
}

const key = (item: ParsedLineItem) => `${item.fiscalYear}|${item.statement}|${item.label}|${item.amountPaise}`;
const sameItems = (items: ParsedLineItem[]) => items.map(key).sort();
const spoolDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith('cma-xlsx-')).length;

describe('the samples in three forms', () => {
  it('three-years.csv, its wide workbook and its wide CSV give the same line items', async () => {
    const long = await readItems(samplePath('three-years.csv'));
    expect(long.length).toBeGreaterThan(100);
    expect(sameItems(await readItems(samplePath('three-years-wide.xlsx')))).toEqual(sameItems(long));
    expect(sameItems(await readItems(samplePath('three-years-wide.csv')))).toEqual(sameItems(long));
  });
});

describe('year headers', () => {
  it.each([
    ['FY2024', 2024],
    ['2023-24', 2024],
    ['FY 2023-24', 2024],
    ['fy 2023-2024', 2024],
    ['2024', 2024],
    ['31-03-2024', 2024],
    ['31.03.2024', 2024],
    ['31/03/2024', 2024],
    ['2024-03-31', 2024],
    ['31 March 2024', 2024],
    ['31-Mar-2024', 2024],
    ['As at 31.03.2024', 2024],
    ['Year ended 31 March 2024', 2024],
    ['FY 2023-24 (Audited)', 2024],
    ['31-12-2023', 2023],
  ])('%s is the year closing in %i', (header, year) => {
    expect(yearOf(header)).toBe(year);
  });

  it.each(['Particulars', '2023-25', '31-02-2024', '32-03-2024', '31-13-2024', '31 Marmalade 2024', 'Note', '', 'FY', '1234567'])('%s is no year', (header) => {
    expect(yearOf(header)).toBeNull();
  });
});

describe('numbers in workbook cells are taken exactly, rounded half away from zero to paise', () => {
  it.each([
    [0.1 + 0.2, 30n],
    [0.125, 13n],
    [-0.125, -13n],
    [1.005, 101n],
    [2500000, 250000000n],
    [98500000.5, 9850000050n],
    [-1200, -120000n],
    [0.004, 0n],
    [0.005, 1n],
    [1e-7, 0n],
    [123456789012.34, 12345678901234n],
    [1e16, 10n ** 18n],
  ])('%d → %i paise', (value, paise) => {
    expect(numberToPaise(value)).toBe(paise);
  });

  it('refuses what does not fit in bigint paise', () => {
    expect(() => numberToPaise(1e21)).toThrow(/too large/);
    expect(() => numberToPaise(Number.NaN)).toThrow(/not a finite number/);
  });
});

// ---------------------------------------------------------------------------------------------
// Generated statements: every layout and format gives the same line items.

const statementArb = fc.constantFrom('BALANCE_SHEET', 'PROFIT_AND_LOSS') as fc.Arbitrary<ParsedLineItem['statement']>;
const labelArb = fc.oneof(
  fc.constantFrom('Share Capital', 'Sundry Debtors', 'Sales, Domestic', 'Loan "A"', 'Débiteurs ₹', 'Others'),
  fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() !== '' && !/[\r\n]/.test(s)).map((s) => s.trim()),
);
const itemsArb = fc
  .array(fc.record({ fiscalYear: fc.integer({ min: 2015, max: 2030 }), statement: statementArb, label: labelArb, amountPaise: fc.bigInt({ min: -(10n ** 13n), max: 10n ** 13n }) }), {
    minLength: 1,
    maxLength: 25,
  })
  .map((items) => items.map((item, i) => ({ ...item, row: i + 2 })));

const YEAR_STYLES = [
  (y: number) => `FY${y}`,
  (y: number) => `${y - 1}-${String(y % 100).padStart(2, '0')}`,
  (y: number) => `FY ${y - 1}-${String(y % 100).padStart(2, '0')}`,
  (y: number) => `31-03-${y}`,
  (y: number) => `31.03.${y}`,
  (y: number) => new Date(Date.UTC(y, 2, 31)),
];
const STATEMENT_STYLES = { BALANCE_SHEET: ['BS', 'Balance Sheet', 'balance sheet'], PROFIT_AND_LOSS: ['PL', 'P&L', 'Profit and Loss', 'Profit & Loss'] };

const rupees = (paise: bigint) => {
  const negative = paise < 0n;
  const m = negative ? -paise : paise;
  return `${negative ? '-' : ''}${m / 100n}.${(m % 100n).toString().padStart(2, '0')}`;
};
const csvCell = (text: string) => (/[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text);

/** The wide table of `items`: rows keyed by (statement, label, occurrence in its year). */
function pivot(items: ParsedLineItem[]) {
  const years = [...new Set(items.map((i) => i.fiscalYear))];
  const rows: { statement: ParsedLineItem['statement']; label: string; amounts: Map<number, bigint> }[] = [];
  const seen = new Map<string, number>();
  for (const item of items) {
    const base = `${item.statement}|${item.label}`;
    const n = seen.get(`${base}|${item.fiscalYear}`) ?? 0;
    seen.set(`${base}|${item.fiscalYear}`, n + 1);
    const matching = rows.filter((r) => r.statement === item.statement && r.label === item.label);
    const row = matching[n] ?? rows[rows.push({ statement: item.statement, label: item.label, amounts: new Map() }) - 1]!;
    row.amounts.set(item.fiscalYear, item.amountPaise);
  }
  return { years, rows };
}

describe('long and wide, CSV and workbook: the same line items (property)', () => {
  it('over generated statements, header styles and column orders', async () => {
    await fc.assert(
      fc.asyncProperty(itemsArb, fc.nat(), fc.boolean(), fc.boolean(), async (items, style, titleRows, streamed) => {
        const expected = sameItems(items);
        const pick = <T>(list: readonly T[], salt: number) => list[(style + salt) % list.length]!;
        const statementText = (s: ParsedLineItem['statement'], i: number) => pick(STATEMENT_STYLES[s], i);

        // Long CSV and long workbook (amount first, to vary the column order).
        const longCsv = ['amount,Fiscal Year,line_item,STATEMENT', ...items.map((it, i) => `${rupees(it.amountPaise)},${it.fiscalYear},${csvCell(it.label)},${statementText(it.statement, i)}`)].join('\n');
        expect(sameItems(await read(longCsv, 'long.csv'))).toEqual(expected);
        const longRows = [['amount', 'fiscal_year', 'line_item', 'statement'], ...items.map((it, i) => [Number(it.amountPaise) / 100, it.fiscalYear, it.label, statementText(it.statement, i)])];
        const title = titleRows ? [['Sharma Textiles Pvt Ltd'], []] : [];
        const make = streamed ? streamedWorkbook : workbook;
        expect(sameItems(await read(await make([{ name: 'TB', rows: [...title, ...longRows] }])))).toEqual(expected);

        // Wide: years in their own order, statement and label columns after them, a note column.
        const { years, rows } = pivot(items);
        const yearHeader = (y: number, i: number) => pick(YEAR_STYLES, i)(y);
        const header = [...years.map(yearHeader), 'Particulars', 'Note', 'statement'];
        const wideRows = rows.map((row, i) => [...years.map((y) => (row.amounts.has(y) ? Number(row.amounts.get(y)!) / 100 : null)), row.label, '', statementText(row.statement, i)]);
        expect(sameItems(await read(await make([{ name: 'Cover', rows: [['Notes only']] }, { name: 'Statements', rows: [...title, header, ...wideRows] }])))).toEqual(expected);
        const csvHeader = header.map((h) => (h instanceof Date ? `31-03-${h.getUTCFullYear()}` : h));
        const wideCsv = [
          csvHeader.join(','),
          ...rows.map((row, i) => [...years.map((y) => (row.amounts.has(y) ? rupees(row.amounts.get(y)!) : '')), csvCell(row.label), '', statementText(row.statement, i)].join(',')),
        ].join('\n');
        expect(sameItems(await read(wideCsv, 'wide.csv'))).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });
});

// ---------------------------------------------------------------------------------------------

const WIDE_HEADER = ['statement', 'particulars', 'FY2024', '2022-23'];

describe('wide layout', () => {
  it('a blank year cell is an absent line; a row with no amount (a heading) is skipped', async () => {
    const items = await read(
      await workbook([{ name: 'S', rows: [WIDE_HEADER, ['', 'CURRENT ASSETS', null, null], ['BS', 'Sundry Debtors', 100, null], ['BS', 'Cash', null, '1,200']] }]),
    );
    expect(items.map((i) => [i.row, i.fiscalYear, i.label, i.amountPaise])).toEqual([
      [3, 2024, 'Sundry Debtors', 10000n],
      [4, 2023, 'Cash', 120000n],
    ]);
  });

  it('names sheet, row and column (letter and header) for a bad amount, statement or label', async () => {
    const bad = async (row: ExcelJS.CellValue[]) => (await failure(await workbook([{ name: 'Sch 3', rows: [['Title'], WIDE_HEADER, row] }]))).message;
    expect(await bad(['BS', 'Debtors', 'twelve', null])).toBe('tb.xlsx, sheet "Sch 3", row 3, column C (FY2024): "twelve" is not a number');
    expect(await bad(['XX', 'Debtors', 1, null])).toMatch(/^tb\.xlsx, sheet "Sch 3", row 3, column A \(statement\): "XX" is not a statement/);
    expect(await bad(['BS', null, 1, null])).toBe('tb.xlsx, sheet "Sch 3", row 3, column B (line_item): is blank');
    expect(await bad(['BS', 'Debtors', null, '-'])).toBe('tb.xlsx, sheet "Sch 3", row 3, column D (2022-23): "-" is not a number (write 0 for a nil amount)');
  });

  it('refuses two columns of the same year and a header without a statement column', async () => {
    expect((await failure('statement,line_item,FY2024,31-03-2024\nBS,Debtors,1,2\n', 'w.csv')).message).toBe(
      'w.csv, row 1, column 31-03-2024: is FY 2023-24 again (so is column FY2024)',
    );
    expect((await failure('Particulars,FY2024,FY2023\nDebtors,1,2\n', 'w.csv')).message).toBe(
      'w.csv, row 1, column statement: is missing from the header row; a wide layout has statement, line_item (or particulars) and one column per year, e.g. FY2024',
    );
  });

  it('title rows above the header are skipped, in CSV too', async () => {
    const items = await read('Sharma Textiles,,,\n,,,\nstatement,line_item,FY2024,FY2023\nBS,Debtors,1,2\n', 'w.csv');
    expect(items.map((i) => [i.row, i.fiscalYear])).toEqual([
      [4, 2024],
      [4, 2023],
    ]);
  });
});

import type ExcelJS from 'exceljs';

describe('workbook cells', () => {
  const LONG = ['fiscal_year', 'statement', 'line_item', 'amount'];
  const one = async (amount: ExcelJS.CellValue, extra: Partial<{ fiscalYear: ExcelJS.CellValue }> = {}) =>
    read(await workbook([{ name: 'TB', rows: [LONG, [extra.fiscalYear ?? 2024, 'BS', 'Debtors', amount]] }]));
  const why = async (amount: ExcelJS.CellValue) => (await failure(await workbook([{ name: 'TB', rows: [LONG, [2024, 'BS', 'Debtors', amount]] }]))).message;

  it('takes formulas by their cached value, text like CSV, a date fiscal year by its year', async () => {
    expect((await one({ formula: 'B1*2', result: 1234.565 }))[0]!.amountPaise).toBe(123457n);
    expect((await one('(12,40,000)'))[0]!.amountPaise).toBe(-124000000n);
    expect((await one({ richText: [{ text: '1,2' }, { text: '00.50' }] }))[0]!.amountPaise).toBe(120050n);
    expect((await one(5, { fiscalYear: new Date(Date.UTC(2024, 2, 31)) }))[0]!.fiscalYear).toBe(2024);
    expect((await one(5, { fiscalYear: 'FY 2023-24' }))[0]!.fiscalYear).toBe(2024);
  });

  it('refuses, naming the cell: a formula without a cached value, a date, an error value, TRUE', async () => {
    expect(await why({ formula: 'SUM(D5:D9)' } as ExcelJS.CellValue)).toBe(
      'tb.xlsx, sheet "TB", row 2, column D (amount): holds the formula =SUM(D5:D9) with no saved result; open the workbook in Excel or LibreOffice, let it calculate, and save it again',
    );
    expect(await why(new Date(Date.UTC(2024, 2, 31)))).toBe('tb.xlsx, sheet "TB", row 2, column D (amount): is a date (31-03-2024), not an amount');
    expect(await why({ error: '#DIV/0!' } as ExcelJS.CellValue)).toBe('tb.xlsx, sheet "TB", row 2, column D (amount): is the Excel error #DIV/0!');
    expect(await why(true)).toBe('tb.xlsx, sheet "TB", row 2, column D (amount): is TRUE, not a value');
    expect(await why(null)).toBe('tb.xlsx, sheet "TB", row 2, column D (amount): is blank');
  });

  it('reads the first sheet with a recognisable header; says which sheet when none has one', async () => {
    const items = await read(
      await workbook([
        { name: 'Cover', rows: [['Sharma Textiles'], ['CMA data, FY 2023-24']] },
        { name: 'TB', rows: [LONG, [2024, 'PL', 'Sales', 10]] },
        { name: 'Other', rows: [LONG, [2024, 'PL', 'Ignored', 10]] },
      ]),
    );
    expect(items.map((i) => i.label)).toEqual(['Sales']);
    const none = await failure(await workbook([{ name: 'Cover', rows: [['Sharma']] }, { name: 'TB', rows: [['Title'], ['fiscal_year', 'statement', 'amount'], [2024, 'BS', 5]] }]));
    expect(none.message).toBe('tb.xlsx, sheet "TB", row 2, column line_item: is missing from the header row; expected fiscal_year, statement, line_item, amount');
    expect((await failure(await workbook([{ name: 'Empty', rows: [] }]))).message).toBe('tb.xlsx has no line items');
  });

  it('reads sheets in tab order, whatever the order of their parts, and parts streamed directly', async () => {
    const book = await workbook([
      { name: 'First', rows: [LONG, [2024, 'PL', 'From the first tab', 10]] },
      { name: 'Second', rows: [LONG, [2024, 'PL', 'From the second tab', 10]] },
    ]);
    const secondPartFirst = await reorderParts(book, ['xl/worksheets/sheet2.xml', 'xl/worksheets/sheet1.xml']);
    expect((await read(secondPartFirst)).map((i) => i.label)).toEqual(['From the first tab']);
    // Workbook, relations and shared strings ahead of the sheets: read without spooling.
    const direct = await reorderParts(book, ['[Content_Types].xml', 'xl/_rels/workbook.xml.rels', 'xl/workbook.xml', 'xl/styles.xml', 'xl/sharedStrings.xml']);
    expect((await read(direct)).map((i) => i.label)).toEqual(['From the first tab']);
    // Inline strings, no shared-strings part at all.
    expect((await read(await streamedWorkbook([{ name: 'TB', rows: [LONG, [2024, 'PL', 'Inline', 10]] }], false))).map((i) => i.label)).toEqual(['Inline']);
  });
});

describe('workbooks that cannot be read: a clear error, and no spool file left behind', () => {
  const LONG = ['fiscal_year', 'statement', 'line_item', 'amount'];
  it('password-protected (an OLE file), a ZIP that is no workbook, truncated, damaged', async () => {
    const before = spoolDirs();
    expect((await failure(encryptedWorkbook())).message).toMatch(/^tb\.xlsx is a password-protected \(encrypted\) workbook or an old Excel 97-2003 \.xls file/);
    expect((await failure(zipArchive([{ name: 'word/document.xml', data: Buffer.from('<w/>') }]))).message).toBe(
      'tb.xlsx is a ZIP archive but not an Excel workbook (it has no xl/workbook.xml)',
    );
    const good = await workbook([{ name: 'TB', rows: [LONG, ...Array.from({ length: 300 }, (_, i) => [2024, 'BS', `Party ${i}`, i])] }]);
    for (const cut of [10, 100, Math.floor(good.length / 2), good.length - 30]) {
      expect((await failure(good.subarray(0, cut))).message, `cut at ${cut}`).toMatch(/^tb\.xlsx (is not a readable Excel workbook|is a ZIP archive but not|has no line items)/);
    }
    const damaged = Buffer.from(good);
    for (let at = 200; at < damaged.length - 200; at += 97) damaged[at] = damaged[at]! ^ 0x5a;
    expect((await failure(damaged)).message).toMatch(/^tb\.xlsx/);
    expect(spoolDirs()).toBe(before);
  });

  it('a 100 MB zip bomb is refused once it unpacks past the limit', { timeout: 60_000 }, async () => {
    const before = spoolDirs();
    const bomb = await zipBomb(100 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const error = await failure(bomb);
    expect(error.message).toMatch(/^tb\.xlsx unpacks to more than 64\.0 MB \(from .* read so far\): no workbook compresses that well/);
    expect(spoolDirs()).toBe(before);
  });

  it('the parts of a workbook made here are what the reader expects (guards the helpers)', async () => {
    const names = (await unzipParts(await workbook([{ name: 'TB', rows: [LONG] }]))).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['xl/workbook.xml', 'xl/worksheets/sheet1.xml', 'xl/_rels/workbook.xml.rels']));
  });
});

describe('the committed wide samples are what npm run examples:wide makes', () => {
  it('same cells in every sheet of three-years-wide.xlsx, same bytes of three-years-wide.csv', async () => {
    const { readFileSync } = await import('node:fs');
    const { PassThrough } = await import('node:stream');
    const { default: Excel } = await import('exceljs');
    const { toWide, writeWideWorkbook, wideCsv } = await import('../../../src/scripts/make-wide-workbook.js');
    const table = toWide(await readItems(samplePath('three-years.csv')));
    expect(readFileSync(samplePath('three-years-wide.csv'), 'utf8')).toBe(wideCsv(table));
    const out = new PassThrough();
    const parts: Buffer[] = [];
    out.on('data', (c: Buffer) => parts.push(c));
    await writeWideWorkbook(table, { stream: out }, 'three-years');
    const cells = async (bytes: Buffer) => {
      const book = new Excel.Workbook();
      await book.xlsx.load(bytes as never);
      return book.worksheets.map((sheet) => ({ name: sheet.name, rows: sheet.getSheetValues().map((row) => JSON.stringify(row)) }));
    };
    expect(await cells(readFileSync(samplePath('three-years-wide.xlsx')))).toEqual(await cells(Buffer.concat(parts)));
  });
});
