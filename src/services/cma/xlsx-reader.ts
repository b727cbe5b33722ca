/**
 * Reads line items from an .xlsx workbook, streaming: the first worksheet (in tab order) with a
 * recognisable header in its first rows is read, in either layout (layout.ts); the others are
 * skipped. Errors name the sheet, the row and the column (letter and header).
 */
import type { Readable } from 'node:stream';
import type ExcelJS from 'exceljs';
import type { CellProblem, CellValue } from './cell-values.js';
import { DocumentFormatError } from './document-format-error.js';
import { createRowInterpreter, type ParsedLineItem } from './layout.js';
import { truncate } from './money.js';
import { NotAWorkbookError, WorkbookTooLargeError, readWorksheets } from './workbook-stream.js';

/** Options of {@link readWorkbookItems}. */
export interface ReadWorkbookOptions {
  readonly documentName: string;
  readonly batchSize?: number;
  /** Bytes of the file read so far: bounds how far the workbook may unpack. */
  readonly packedBytes: () => number;
}

/**
 * Yields the line items of a workbook in batches.
 * @throws DocumentFormatError on the first problem; earlier batches may have been yielded.
 */
export async function* readWorkbookItems(source: Readable, options: ReadWorkbookOptions): AsyncGenerator<ParsedLineItem[], void, undefined> {
  const document = options.documentName;
  const batchSize = Math.max(1, options.batchSize ?? 2000);
  let best: { error: DocumentFormatError; score: number } | null = null;
  let found = false;
  let itemCount = 0;
  let batch: ParsedLineItem[] = [];
  try {
    for await (const sheet of readWorksheets(source, options.packedBytes)) {
      const fail = (row: number | null, column: string | null, reason: string) =>
        new DocumentFormatError({ document, sheet: sheet.name, row, column, reason });
      const rows = createRowInterpreter({ fail, columnLabel: (index, header) => `${columnLetters(index + 1)} (${truncate(header)})` });
      for await (const row of sheet) {
        // A sheet without a header near its top is read to its end (the archive is read in
        // order), but its rows are not looked at.
        if (rows.layout === null && !rows.searching) continue;
        const items = rows.accept(cellsOf(row), row.number);
        if (items.length === 0) continue;
        for (const item of items) batch.push(item);
        itemCount += items.length;
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (rows.layout !== null) {
        found = true;
        break;
      }
      const problem = rows.headerProblem();
      if (problem !== null && (best === null || problem.score > best.score)) best = problem;
    }
  } catch (error) {
    throw asFormatError(error, document);
  }
  if (!found && best !== null) throw best.error;
  if (batch.length > 0) yield batch;
  if (itemCount === 0) throw new DocumentFormatError({ document, row: null, column: null, reason: 'has no line items' });
}

function asFormatError(error: unknown, document: string): unknown {
  if (error instanceof DocumentFormatError) return error;
  const whole = (reason: string) => new DocumentFormatError({ document, row: null, column: null, reason });
  if (error instanceof WorkbookTooLargeError) {
    return whole(`${error.message}: no workbook compresses that well, so this one is damaged or a zip bomb and was not read`);
  }
  if (error instanceof NotAWorkbookError) return whole(error.message);
  // unzipper, zlib and the XML parser: a truncated, damaged or hand-made archive.
  if (error instanceof Error && error.message === 'FILE_ENDED') return whole('is not a readable Excel workbook: the file ends before its contents do (incomplete)');
  if (error instanceof Error) return whole(`is not a readable Excel workbook: it is damaged (${truncate(error.message, 120)})`);
  return error;
}

/** The row's cells by column (index 0 is column A); missing cells are holes. */
function cellsOf(row: ExcelJS.Row): CellValue[] {
  const cells: CellValue[] = [];
  row.eachCell((cell, column) => {
    cells[column - 1] = cellValueOf(cell.value, cell.numFmt);
  });
  return cells;
}

const problem = (text: string): CellProblem => ({ problem: text });

/** exceljs's value of a cell as the layouts see it. */
export function cellValueOf(value: ExcelJS.CellValue | undefined, numFmt: string | undefined): CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isNaN(value) ? problem('is not a number') : value;
  if (typeof value === 'boolean') return problem(`is ${value ? 'TRUE' : 'FALSE'}, not a value`);
  if (value instanceof Date) return value;
  if ('formula' in value || 'sharedFormula' in value) {
    const formula = 'formula' in value && value.formula ? `the formula =${truncate(value.formula)}` : 'a formula';
    const result = value.result;
    if (result === undefined || result === null) {
      return problem(`holds ${formula} with no saved result; open the workbook in Excel or LibreOffice, let it calculate, and save it again`);
    }
    if (typeof result === 'number') {
      // exceljs turns a plain number with a date format into a Date, but not a formula's result.
      if (Number.isNaN(result)) return problem(`holds ${formula} whose result is an error`);
      return isDateFormat(numFmt) ? excelDate(result) : result;
    }
    if (typeof result === 'object' && result !== null && 'error' in result) return problem(`holds ${formula} whose result is the error ${result.error}`);
    return cellValueOf(result as ExcelJS.CellValue, numFmt);
  }
  if ('richText' in value) return value.richText.map((run) => run.text).join('');
  if ('error' in value) return problem(`is the Excel error ${value.error}`);
  if ('text' in value && typeof value.text === 'string') return value.text;
  if ('sharedString' in value) return problem('refers to a shared string the workbook does not have');
  return problem('cannot be read');
}

// exceljs's rule: a format with a date or time token outside quotes and [brackets].
function isDateFormat(format: string | undefined): boolean {
  if (!format) return false;
  return /[ymdhMsb]+/.test(format.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, ''));
}

function excelDate(serial: number): Date {
  return new Date(Math.round((serial - 25569) * 24 * 3600 * 1000));
}

/** 1 → A, 27 → AA. */
export function columnLetters(column: number): string {
  let letters = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}
