/**
 * The one entry point for reading a statement document: CSV or .xlsx (told apart by the first
 * bytes, not the name), long or wide layout (told apart by the header). Yields the same
 * batches of line items whatever the file, and throws DocumentFormatError for what it cannot read.
 */
import { Readable } from 'node:stream';
import { readLineItems, type ReadLineItemsOptions } from './csv-reader.js';
import { DocumentFormatError } from './document-format-error.js';
import { NOT_XLSX_REASON, OLE_REASON, SNIFF_BYTES, sniffKind } from './document-kind.js';
import type { ParsedLineItem } from './layout.js';
import type { ByteChunk } from './utf8-decoder.js';
import { readWorkbookItems } from './xlsx-reader.js';

export type DocumentFormat = 'csv' | 'xlsx';

/** Options of {@link readStatementItems}. */
export interface ReadStatementOptions extends ReadLineItemsOptions {
  /** What the document was uploaded as. The content decides; this only words the error when a
   *  "workbook" turns out to be neither a workbook nor text. */
  readonly format?: DocumentFormat;
}

/**
 * Reads a statement document into batches of line items (see layout.ts for the layouts,
 * csv-reader.ts and xlsx-reader.ts for the formats).
 * @throws DocumentFormatError on the first problem; earlier batches may have been yielded.
 */
export async function* readStatementItems(
  source: NodeJS.ReadableStream | AsyncIterable<ByteChunk>,
  options: ReadStatementOptions,
): AsyncGenerator<ParsedLineItem[], void, undefined> {
  const iterator = (source as AsyncIterable<ByteChunk>)[Symbol.asyncIterator]();
  let bytes = 0;
  let ended = false;
  const next = async (): Promise<ByteChunk | null> => {
    const step = await iterator.next();
    if (step.done) {
      ended = true;
      return null;
    }
    bytes += typeof step.value === 'string' ? Buffer.byteLength(step.value) : step.value.byteLength;
    options.onBytes?.(bytes);
    return step.value;
  };
  const head: ByteChunk[] = [];
  try {
    let headBytes = 0;
    while (headBytes < SNIFF_BYTES) {
      const chunk = await next();
      if (chunk === null) break;
      head.push(chunk);
      headBytes += typeof chunk === 'string' ? Infinity : chunk.byteLength;
    }
    async function* all(): AsyncGenerator<ByteChunk, void, undefined> {
      yield* head;
      for (let chunk = await next(); chunk !== null; chunk = await next()) yield chunk;
    }
    const first = head.every((chunk) => typeof chunk !== 'string') ? Buffer.concat(head as Uint8Array[]) : Buffer.alloc(0);
    const kind = sniffKind(first);
    const { documentName, batchSize } = options;
    const whole = (reason: string) => new DocumentFormatError({ document: documentName, row: null, column: null, reason });
    if (kind === 'ole') throw whole(OLE_REASON);
    if (kind === 'xlsx') {
      yield* readWorkbookItems(Readable.from(all(), { objectMode: false }), { documentName, batchSize, packedBytes: () => bytes });
    } else if (options.format === 'xlsx' && first.length > 0) {
      throw whole(NOT_XLSX_REASON);
    } else {
      yield* readLineItems(all(), { documentName, batchSize });
    }
  } finally {
    if (!ended) await iterator.return?.();
  }
}
