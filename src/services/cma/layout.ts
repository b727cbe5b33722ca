/**
 * The two layouts a statement may have, whatever the file format:
 *
 * - long: one row per amount, columns `fiscal_year`, `statement`, `line_item`, `amount`;
 * - wide: one row per line, columns `statement`, `line_item` (or `particulars`) and one column
 *   per year headed `FY2024`, `2023-24`, `FY 2023-24`, `31-03-2024`, `31.03.2024`…
 *
 * The header is the first row (of the first few) that names either layout's columns; rows
 * above it (a title, a firm's name) are skipped. {@link createRowInterpreter} turns the rows
 * after it into line items, in file order, naming the row and column of the first problem.
 */
import { AmountError } from './money.js';
import { CellError, cellAmount, cellText, headerText, isBlank, type CellValue } from './cell-values.js';
import type { DocumentFormatError } from './document-format-error.js';
import { FieldError, fiscalYearLabel, normalizeHeader, parseFiscalYear, parseStatement, type Statement } from './fields.js';
import { yearOf } from './year-header.js';

/** One line item of a document, parsed but not yet classified. */
export interface ParsedLineItem {
  /** 1-based row of the file (CSV line, or worksheet row) the item comes from. */
  readonly row: number;
  readonly fiscalYear: number;
  readonly statement: Statement;
  /** The line_item cell, trimmed, never empty. */
  readonly label: string;
  readonly amountPaise: bigint;
}

/** Longest line item label a document may have. */
export const MAX_LABEL_CHARS = 1000;
/** How many non-blank rows at the top of a file (or sheet) may come before the header. */
export const HEADER_SEARCH_ROWS = 20;

/** The long layout's columns, by their normalized header names. */
export const REQUIRED_COLUMNS = ['fiscal_year', 'statement', 'line_item', 'amount'] as const;
type Column = (typeof REQUIRED_COLUMNS)[number];
const ALIASES: Readonly<Record<string, Column>> = { particulars: 'line_item' };
const WIDE_HINT = 'a wide layout has statement, line_item (or particulars) and one column per year, e.g. FY2024';

export type Layout =
  | { readonly kind: 'long'; readonly columns: Readonly<Record<Column, number>> }
  | {
      readonly kind: 'wide';
      readonly statement: number;
      readonly label: number;
      readonly years: readonly { readonly index: number; readonly fiscalYear: number; readonly header: string }[];
    };

/** How the file format names things in messages. */
export interface LayoutContext {
  fail(row: number | null, column: string | null, reason: string): DocumentFormatError;
  /** A column as messages name it: `amount` in a CSV, `C (amount)` in a workbook. */
  columnLabel(index: number, header: string): string;
}

interface HeaderProblem {
  readonly score: number;
  readonly row: number;
  readonly column: string;
  readonly reason: string;
}

/** Reads rows into line items once it has seen the header; see the file comment. */
export interface RowInterpreter {
  readonly layout: Layout | null;
  /** Line items of one row; none for blank rows, rows above the header and the header itself. */
  accept(cells: readonly CellValue[], row: number): ParsedLineItem[];
  /** True while no header is found and the header may still come. */
  readonly searching: boolean;
  /** The best guess at why no header was found (a row with most of the names), or null when every row was blank. */
  headerProblem(): { error: DocumentFormatError; score: number } | null;
}

export function createRowInterpreter(ctx: LayoutContext): RowInterpreter {
  let layout: Layout | null = null;
  let best: HeaderProblem | null = null;
  let rowsSeen = 0;
  return {
    get layout() {
      return layout;
    },
    get searching() {
      return layout === null && rowsSeen < HEADER_SEARCH_ROWS;
    },
    accept(cells, row) {
      if (cells.every(isBlank)) return [];
      if (layout !== null) return layout.kind === 'long' ? [readLongRow(layout.columns, cells, row, ctx)] : readWideRow(layout, cells, row, ctx);
      if (rowsSeen >= HEADER_SEARCH_ROWS) return [];
      rowsSeen++;
      const match = matchHeader(cells.map(headerText), row, ctx);
      if ('kind' in match) layout = match;
      // A row naming more of the columns is the likelier header; the first of equals wins.
      else if (best === null || match.score > best.score) best = match;
      return [];
    },
    headerProblem() {
      return best === null ? null : { error: ctx.fail(best.row, best.column, best.reason), score: best.score };
    },
  };
}

function matchHeader(texts: readonly string[], row: number, ctx: LayoutContext): Layout | HeaderProblem {
  const found = new Map<Column, number>();
  const years: { index: number; fiscalYear: number; header: string }[] = [];
  let problem: { column: string; reason: string } | null = null;
  texts.forEach((text, index) => {
    const normal = normalizeHeader(text);
    const name = (REQUIRED_COLUMNS as readonly string[]).includes(normal) ? (normal as Column) : ALIASES[normal];
    if (name !== undefined) {
      if (found.has(name)) problem ??= { column: ctx.columnLabel(index, name), reason: 'appears twice in the header row' };
      else found.set(name, index);
      return;
    }
    const fiscalYear = yearOf(text);
    if (fiscalYear === null) return;
    const twin = years.find((y) => y.fiscalYear === fiscalYear);
    if (twin) {
      problem ??= {
        column: ctx.columnLabel(index, text),
        reason: `is ${fiscalYearLabel(fiscalYear)} again (so is column ${ctx.columnLabel(twin.index, twin.header)})`,
      };
    }
    years.push({ index, fiscalYear, header: text });
  });
  // Names count most; several year columns hint at a wide header, while one year cell is as
  // likely a long layout's data row, which must not outscore a broken header above it.
  const score = found.size * 2 + (years.length >= 2 ? 1 : 0);
  const long = found.has('fiscal_year') || found.has('amount') || years.length === 0;
  const needed: readonly Column[] = long ? REQUIRED_COLUMNS : ['statement', 'line_item'];
  const [missing, ...others] = needed.filter((name) => !found.has(name));
  if (missing !== undefined) {
    const also = others.length > 0 ? ` (so are ${others.join(', ')})` : '';
    const expected = long ? `expected ${REQUIRED_COLUMNS.join(', ')}` : WIDE_HINT;
    return { score, row, column: missing, reason: `is missing from the header row${also}; ${expected}` };
  }
  // Assigned in the callback above, which TypeScript's narrowing does not follow.
  const twice = problem as { column: string; reason: string } | null;
  if (twice !== null) return { score, row, ...twice };
  if (long) return { kind: 'long', columns: Object.fromEntries(found) as Record<Column, number> };
  return { kind: 'wide', statement: found.get('statement')!, label: found.get('line_item')!, years };
}

function readLongRow(columns: Readonly<Record<Column, number>>, cells: readonly CellValue[], row: number, ctx: LayoutContext): ParsedLineItem {
  const fiscalYear = readCell(cells, columns.fiscal_year, 'fiscal_year', row, ctx, readYear);
  const statement = readCell(cells, columns.statement, 'statement', row, ctx, readStatement);
  const label = readCell(cells, columns.line_item, 'line_item', row, ctx, readLabel);
  const amountPaise = readCell(cells, columns.amount, 'amount', row, ctx, cellAmount);
  // A long row states its amount: blank is an error here (a wide row leaves blank years out).
  if (amountPaise === null) throw ctx.fail(row, ctx.columnLabel(columns.amount, 'amount'), 'is blank');
  return { row, fiscalYear, statement, label, amountPaise };
}

function readWideRow(layout: Extract<Layout, { kind: 'wide' }>, cells: readonly CellValue[], row: number, ctx: LayoutContext): ParsedLineItem[] {
  const amounts: { fiscalYear: number; amountPaise: bigint }[] = [];
  for (const year of layout.years) {
    const amountPaise = readCell(cells, year.index, year.header, row, ctx, cellAmount);
    if (amountPaise !== null) amounts.push({ fiscalYear: year.fiscalYear, amountPaise });
  }
  // No amount in any year: a heading ("CURRENT ASSETS") or a spacer, not a line.
  if (amounts.length === 0) return [];
  const statement = readCell(cells, layout.statement, 'statement', row, ctx, readStatement);
  const label = readCell(cells, layout.label, 'line_item', row, ctx, readLabel);
  return amounts.map(({ fiscalYear, amountPaise }) => ({ row, fiscalYear, statement, label, amountPaise }));
}

function readCell<T>(
  cells: readonly CellValue[],
  index: number,
  header: string,
  row: number,
  ctx: LayoutContext,
  read: (cell: CellValue) => T,
): T {
  try {
    return read(cells[index] ?? null);
  } catch (error) {
    if (error instanceof AmountError || error instanceof FieldError || error instanceof CellError) {
      throw ctx.fail(row, ctx.columnLabel(index, header), error.message);
    }
    throw error;
  }
}

function readYear(cell: CellValue): number {
  const text = cellText(cell);
  return yearOf(text) ?? parseFiscalYear(text);
}

function readStatement(cell: CellValue): Statement {
  return parseStatement(cellText(cell));
}

function readLabel(cell: CellValue): string {
  const label = cellText(cell).trim();
  if (label === '') throw new CellError('is blank');
  if (label.length > MAX_LABEL_CHARS) throw new CellError(`is longer than ${MAX_LABEL_CHARS} characters`);
  return label;
}
