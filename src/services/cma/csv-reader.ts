/**
 * Streams a CMA input CSV into line items, in batches, without holding the file in memory.
 * Every problem becomes a {@link DocumentFormatError} naming the document, the row (the 1-based
 * line in the file; the header is usually row 1) and, where one is to blame, the column.
 */

import { Readable, pipeline } from 'node:stream';
import { CsvError, parse, type InfoRecord, type Options as CsvOptions } from 'csv-parse';
import { DocumentFormatError } from './document-format-error.js';
import { createRowInterpreter, type ParsedLineItem } from './layout.js';
import { Utf8Error, decodeUtf8Strictly, type ByteChunk } from './utf8-decoder.js';

export { DocumentFormatError } from './document-format-error.js';
export { MAX_LABEL_CHARS, REQUIRED_COLUMNS, type ParsedLineItem } from './layout.js';

/** Options of {@link readLineItems}. */
export interface ReadLineItemsOptions {
  /** Name used in every error message, e.g. `bank.csv`. */
  readonly documentName: string;
  /** Called with the running count of bytes read from `source`, for progress. */
  readonly onBytes?: (bytesSoFar: number) => void;
  /** Line items per yielded batch; default 2,000. */
  readonly batchSize?: number;
}

/** Longest row, in characters, a CSV document may have. */
export const MAX_RECORD_CHARS = 65_536;

/**
 * Reads line items from a CSV byte stream (see PIPELINE.md, "Documents") and yields them in
 * batches. The header row names the columns of the long or the wide layout (layout.ts), in any
 * order and case, with spaces, underscores or hyphens; other columns are ignored. Title rows
 * above the header are skipped.
 *
 * An empty file, or one with only a header, fails with `<document> has no line items`: a
 * document that contributes nothing is almost always the wrong file, and saying so beats a
 * later "no sales" error that does not name it.
 * @throws DocumentFormatError on the first problem; earlier batches may already have been yielded.
 */
export async function* readLineItems(
  source: NodeJS.ReadableStream | AsyncIterable<ByteChunk>,
  options: ReadLineItemsOptions,
): AsyncGenerator<ParsedLineItem[], void, undefined> {
  const document = options.documentName;
  const batchSize = Math.max(1, options.batchSize ?? 2000);
  const fail = (row: number | null, column: string | null, reason: string): DocumentFormatError =>
    new DocumentFormatError({ document, row, column, reason });
  const rows = createRowInterpreter({ fail, columnLabel: (_index, header) => header });

  let headerWidth = 0;
  // csv-parse counts "\r\n" inside a quoted field as two lines; this is how far ahead it is.
  let lineSkew = 0;
  // Rows are checked inside the parser's on_record hook rather than in the loop below, so that
  // csv-parse's own errors and ours surface in file order: the first bad row is the one named.
  const onRecord = (record: string[], context: InfoRecord): ParsedLineItem[] | undefined => {
    const breaks = lineBreaksInFields(record);
    const row = context.lines - breaks.counted - lineSkew;
    lineSkew += breaks.counted - breaks.real;
    if (rows.layout === null) {
      const items = rows.accept(record, row);
      if (rows.layout !== null) headerWidth = record.length;
      else if (!rows.searching) throw rows.headerProblem()?.error ?? fail(row, null, 'has no header row');
      return items.length > 0 ? items : undefined;
    }
    // Title rows above the header may be any width; every row below it has the header's.
    if (record.length !== headerWidth) throw fail(row, null, `has ${record.length} columns, the header row has ${headerWidth}`);
    const items = rows.accept(record, row);
    return items.length > 0 ? items : undefined;
  };

  // A bad byte ends the text cleanly at the start of its line instead of failing the stream,
  // so every row before it is still checked in order and an earlier bad row is named first.
  const found: { encodingError: Utf8Error | null } = { encodingError: null };
  async function* validLines(): AsyncGenerator<string, void, undefined> {
    try {
      yield* decodeUtf8Strictly(source as AsyncIterable<ByteChunk>, options.onBytes);
    } catch (error) {
      if (!(error instanceof Utf8Error)) throw error;
      found.encodingError = error;
    }
  }
  const encodingFailure = (error: Utf8Error): DocumentFormatError =>
    fail(error.line, null, `${error.message}; save the file as UTF-8`);

  const text = Readable.from(validLines());
  const parser = parse({
    bom: true,
    skip_empty_lines: true,
    trim: true,
    // Checked in onRecord, against the header rather than the first row (a title may come first).
    relax_column_count: true,
    // A trial-balance row is well under 1 KB; a 1 MB "row" is a wrong or hostile file.
    max_record_size: MAX_RECORD_CHARS,
    // The hook turns records into line items; csv-parse's types assume it returns records.
    on_record: onRecord as unknown as NonNullable<CsvOptions['on_record']>,
  });
  // pipeline forwards a decoding error into the parser, so the loop below sees it; the callback
  // is required by the API but has nothing left to do.
  pipeline(text, parser, () => {});

  let batch: ParsedLineItem[] = [];
  let itemCount = 0;
  try {
    for await (const items of parser as AsyncIterable<ParsedLineItem[]>) {
      for (const item of items) batch.push(item);
      itemCount += items.length;
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
  } catch (error) {
    if (error instanceof DocumentFormatError) throw error;
    // A quote left open where the text was cut short may well close after the bad byte.
    if (found.encodingError && error instanceof CsvError && error.code === 'CSV_QUOTE_NOT_CLOSED') {
      throw encodingFailure(found.encodingError);
    }
    if (error instanceof CsvError) {
      const lines = typeof error.lines === 'number' ? error.lines : 1;
      throw fail(Math.max(1, lines - lineSkew), null, describeCsvError(error, headerWidth));
    }
    throw error;
  }
  if (found.encodingError) throw encodingFailure(found.encodingError);
  if (batch.length > 0) yield batch;
  if (rows.layout === null) {
    const problem = rows.headerProblem();
    if (problem !== null) throw problem.error;
  }
  if (itemCount === 0) throw fail(null, null, 'has no line items');
}

/** CR and LF characters inside the record's fields as csv-parse counts them (each one) and as
 *  lines really are (a CRLF pair is one break). */
function lineBreaksInFields(record: readonly string[]): { counted: number; real: number } {
  let counted = 0;
  let real = 0;
  for (const field of record) {
    if (field.indexOf('\n') === -1 && field.indexOf('\r') === -1) continue;
    for (let i = 0; i < field.length; i++) {
      const char = field.charCodeAt(i);
      if (char !== 10 && char !== 13) continue;
      counted++;
      if (!(char === 13 && field.charCodeAt(i + 1) === 10)) real++;
    }
  }
  return { counted, real };
}

// csv-parse's messages describe its own options; these say what to fix in the file.
function describeCsvError(error: CsvError, headerWidth: number): string {
  switch (error.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS': {
      // csv-parse attaches the offending record and compares it with the first (header) row.
      const count = Array.isArray(error.record) ? `${error.record.length} columns` : 'a different number of columns';
      return `has ${count}, the header row has ${headerWidth}`;
    }
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'has a quote that is never closed';
    case 'CSV_MAX_RECORD_SIZE':
      return `is longer than ${MAX_RECORD_CHARS.toLocaleString('en-IN')} characters`;
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'has text after a closing quote; put the whole field in quotes and double any quote inside it';
    default:
      return `cannot be read as CSV (${error.message})`;
  }
}
