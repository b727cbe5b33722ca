import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createClassifier } from '../../../src/services/cma/classifier.js';
import { DocumentFormatError, readLineItems, type ParsedLineItem } from '../../../src/services/cma/csv-reader.js';
import { HEAD_TABLE, type HeadCode } from '../../../src/services/cma/heads.js';
// The platform's trial-balance generator, ported into the repository (byte-identical output).
import { trialBalanceLines } from '../../../bench/lib/trial-balance.js';
import { accumulate, computeReport, validateYears, type YearTotals } from '../../../src/services/cma/report.js';

// Random well-formed documents, built from the head table's own phrases, whose balance sheets
// tally to the paisa; then the same documents with one cell of one row spoiled.

interface Phrase { readonly head: HeadCode; readonly text: string; readonly statement: 'BALANCE_SHEET' | 'PROFIT_AND_LOSS' }
const phrases = (pick: (head: (typeof HEAD_TABLE)[number]) => boolean): Phrase[] =>
  HEAD_TABLE.filter(pick).flatMap((head) => head.phrases.map((text) => ({ head: head.code, text, statement: head.statement })));
const ASSETS = phrases((head) => head.side === 'ASSET');
const LIABILITIES = phrases((head) => head.side === 'LIABILITY');
const SALES = phrases((head) => head.code === 'SALES');
// Sales stay positive (they come from SALES above), so the other P&L rows (but no other sales)
// may be negative.
const PL = phrases((head) => head.statement === 'PROFIT_AND_LOSS' && head.parent !== 'SALES');

const styleArb = fc.record({
  format: fc.constantFrom('plain', 'whole', 'indian', 'western'),
  prefix: fc.constantFrom('', '₹', '₹ ', 'Rs. ', 'INR '),
  negative: fc.constantFrom('', 'minus', 'parentheses'),
  pad: fc.boolean(),
  quote: fc.boolean(),
  letterCase: fc.constantFrom('asis', 'lower', 'upper', 'title'),
  suffix: fc.option(fc.integer({ min: 1, max: 999 }), { nil: undefined }),
  yearForm: fc.integer({ min: 0, max: 5 }),
  statementForm: fc.integer({ min: 0, max: 4 }),
  blankLineBefore: fc.boolean(),
});
type Style = typeof styleArb extends fc.Arbitrary<infer T> ? T : never;
const rowArb = (from: Phrase[], signed = false) =>
  fc.record({ phrase: fc.constantFrom(...from), paise: fc.bigInt({ min: 1n, max: 10n ** 12n }), style: styleArb, signed: fc.constant(signed) });
type RowSpec = typeof rowArb extends (...args: never[]) => fc.Arbitrary<infer T> ? T : never;

const yearArb = fc.record({
  year: fc.integer({ min: 2001, max: 2099 }),
  assets: fc.array(rowArb(ASSETS), { minLength: 1, maxLength: 6 }),
  liabilities: fc.array(rowArb(LIABILITIES), { minLength: 1, maxLength: 6 }),
  sales: rowArb(SALES),
  pl: fc.array(rowArb(PL, true), { maxLength: 5 }),
  balancing: fc.record({ asset: fc.constantFrom(...ASSETS), liability: fc.constantFrom(...LIABILITIES), style: styleArb }),
});
const fileArb = fc.record({
  years: fc.uniqueArray(yearArb, { minLength: 1, maxLength: 3, selector: (year) => year.year }),
  columns: fc.shuffledSubarray(['fiscal_year', 'statement', 'line_item', 'amount', 'notes'], { minLength: 5, maxLength: 5 }),
  withNotes: fc.boolean(),
  headerStyle: fc.constantFrom('snake', 'spaced', 'upper', 'kebab'),
  eol: fc.constantFrom('\n', '\r\n'),
  bom: fc.boolean(),
  trailingEol: fc.boolean(),
  chunkSize: fc.integer({ min: 1, max: 3000 }),
});
type FileSpec = typeof fileArb extends fc.Arbitrary<infer T> ? T : never;

const YEAR_FORMS = [(y: number) => `${y}`, (y: number) => `FY${y}`, (y: number) => `FY ${y}`, (y: number) => `fy${y}`,
  (y: number) => `${y - 1}-${String(y % 100).padStart(2, '0')}`, (y: number) => `${y - 1}-${y}`];
const STATEMENT_FORMS = { BALANCE_SHEET: ['BS', 'Balance Sheet', 'bs', 'BALANCE SHEET', 'balance sheet'], PROFIT_AND_LOSS: ['PL', 'P&L', 'P & L', 'Profit and Loss', 'Profit & Loss'] };

function renderAmount(paise: bigint, style: Style, signed: boolean): string {
  const rupees = paise / 100n;
  const fraction = `.${(paise % 100n).toString().padStart(2, '0')}`;
  const whole = style.format === 'indian' ? rupees.toLocaleString('en-IN') : style.format === 'western' ? rupees.toLocaleString('en-US') : `${rupees}`;
  const digits = `${whole}${style.format === 'whole' && paise % 100n === 0n ? '' : fraction}`;
  const text = `${style.prefix}${digits}`;
  if (!signed || style.negative === '') return text;
  return style.negative === 'minus' ? `-${text}` : `(${text})`;
}

function renderLabel(text: string, style: Style): string {
  const cased = style.letterCase === 'lower' ? text.toLowerCase() : style.letterCase === 'upper' ? text.toUpperCase()
    : style.letterCase === 'title' ? text.replace(/\b\w/g, (c) => c.toUpperCase()) : text;
  return style.suffix === undefined ? cased : `${cased} - Party ${style.suffix}`;
}

function cell(value: string, style: Style): string {
  const padded = style.pad ? ` ${value} ` : value;
  return style.quote || /[",\r\n]/.test(value) ? `"${padded.replaceAll('"', '""')}"` : value;
}

interface Expected { readonly row: number; readonly fiscalYear: number; readonly head: HeadCode; readonly amountPaise: bigint; readonly statement: string }
type Cells = Record<string, string>;
type Spoil = (cells: Cells) => Cells;

/** Renders a spec; `spoil` (if any) rewrites the cells of data row `spoilAt`. */
function render(spec: FileSpec, spoilAt = -1, spoil?: Spoil): { bytes: Buffer; expected: Expected[] } {
  const columns = spec.columns.filter((column) => spec.withNotes || column !== 'notes');
  const header = columns.map((column) =>
    spec.headerStyle === 'snake' ? column : spec.headerStyle === 'upper' ? column.toUpperCase()
      : spec.headerStyle === 'kebab' ? column.replace('_', '-') : column.replace('_', ' ').replace(/\b\w/g, (c) => c.toUpperCase()));
  const lines = [header.join(',')];
  const expected: Expected[] = [];
  const add = (fiscalYear: number, row: RowSpec) => {
    const { phrase, paise, style, signed } = row;
    if (style.blankLineBefore) lines.push('');
    const negative = signed && style.negative !== '';
    let cells: Cells = {
      fiscal_year: YEAR_FORMS[style.yearForm]?.(fiscalYear) ?? `${fiscalYear}`,
      statement: STATEMENT_FORMS[phrase.statement][style.statementForm] ?? 'BS',
      line_item: renderLabel(phrase.text, style),
      amount: renderAmount(paise, style, signed),
      notes: style.suffix === undefined ? '' : `ledger ${style.suffix}, "as per books"`,
    };
    if (expected.length === spoilAt && spoil) cells = spoil(cells);
    lines.push(columns.map((column) => cell(cells[column] ?? '', style)).join(','));
    expected.push({ row: lines.length, fiscalYear, head: phrase.head, amountPaise: negative ? -paise : paise, statement: phrase.statement });
  };
  for (const year of spec.years) {
    const assets = year.assets.reduce((sum, row) => sum + row.paise, 0n);
    const liabilities = year.liabilities.reduce((sum, row) => sum + row.paise, 0n);
    for (const row of [...year.assets, ...year.liabilities]) add(year.year, row);
    const { asset, liability, style } = year.balancing;
    if (assets > liabilities) add(year.year, { phrase: liability, paise: assets - liabilities, style, signed: false });
    if (liabilities > assets) add(year.year, { phrase: asset, paise: liabilities - assets, style, signed: false });
    add(year.year, year.sales);
    for (const row of year.pl) add(year.year, row);
  }
  const text = `${spec.bom ? '\ufeff' : ''}${lines.join(spec.eol)}${spec.trailingEol ? spec.eol : ''}`;
  return { bytes: Buffer.from(text, 'utf8'), expected };
}

async function* chunks(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function readAll(bytes: Buffer, chunkSize: number): Promise<ParsedLineItem[]> {
  const items: ParsedLineItem[] = [];
  for await (const batch of readLineItems(chunks(bytes, chunkSize), { documentName: 'random.csv', batchSize: 7 })) items.push(...batch);
  return items;
}

const classifier = createClassifier();

describe('random well-formed documents', () => {
  it('parse, classify and validate cleanly', async () => {
    await fc.assert(
      fc.asyncProperty(fileArb, async (spec) => {
        const { bytes, expected } = render(spec);
        const items = await readAll(bytes, spec.chunkSize);
        expect(items.map((item) => [item.row, item.fiscalYear, item.statement, item.amountPaise])).toEqual(
          expected.map((row) => [row.row, row.fiscalYear, row.statement, row.amountPaise]),
        );
        const totals: YearTotals = new Map();
        items.forEach((item, i) => {
          const result = classifier.classify(item.label, item.statement);
          expect(result.head, item.label).toBe(expected[i]?.head);
          expect(result.needsReview, item.label).toBe(false);
          if (result.head) accumulate(totals, { ...item, head: result.head });
        });
        expect(validateYears(totals)).toEqual([]);
        expect(computeReport(totals).map((year) => year.fiscalYear)).toEqual(spec.years.map((year) => year.year).sort((a, b) => a - b));
      }),
      { numRuns: 150 },
    );
  });
});

const SPOILS: ReadonlyArray<readonly [string, string]> = [
  ['amount', 'twenty two lakh'], ['amount', ''], ['amount', '-'], ['amount', '1.234'], ['amount', '12,4000'], ['amount', 'Rs.'],
  ['fiscal_year', '20x4'], ['fiscal_year', ''], ['fiscal_year', '2023-25'], ['fiscal_year', '1899'],
  ['statement', 'XX'], ['statement', ''], ['statement', 'Cash Flow'],
  ['line_item', ''], ['line_item', '   '],
];

describe('random documents with one bad row', () => {
  it('fail naming that row and column', async () => {
    await fc.assert(
      fc.asyncProperty(fileArb, fc.nat(), fc.constantFrom(...SPOILS), async (spec, pick, [column, value]) => {
        const rowCount = render(spec).expected.length;
        const spoilAt = pick % rowCount;
        const { bytes, expected } = render(spec, spoilAt, (cells) => ({ ...cells, [column]: value }));
        const row = expected[spoilAt]?.row;
        const error = await readAll(bytes, spec.chunkSize).then(() => null, (e: unknown) => e);
        expect(error).toBeInstanceOf(DocumentFormatError);
        expect(error).toMatchObject({ document: 'random.csv', row, column });
        expect((error as Error).message).toContain(`random.csv, row ${row}, column ${column}: `);
      }),
      { numRuns: 150 },
    );
  });
});

describe('the trial-balance generator', () => {
  it('produces a document that parses, classifies and tallies', async () => {
    const bytes = Buffer.from([...trialBalanceLines(20000, 3, 5)].join('\n') + '\n');
    const totals: YearTotals = new Map();
    let count = 0;
    for await (const batch of readLineItems(chunks(bytes, 64 * 1024), { documentName: 'big.csv' })) {
      for (const item of batch) {
        const result = classifier.classify(item.label, item.statement);
        expect(result.needsReview, item.label).toBe(false);
        if (result.head) accumulate(totals, { ...item, head: result.head });
        count++;
      }
    }
    expect(count).toBeGreaterThan(19_990);
    expect(validateYears(totals)).toEqual([]);
  });
});
