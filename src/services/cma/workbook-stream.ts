/**
 * exceljs's streaming WorkbookReader with its `parse` replaced, so that a workbook cannot make
 * the worker unpack without bound, hang, or leave files behind. exceljs 4.4.0's own parse:
 *
 * - counts no unpacked bytes: a zip bomb is inflated whole (into temporary files when its
 *   worksheets come before the shared strings, as in every file Excel saves);
 * - hangs on a damaged deflate stream: unzipper reports the error on the archive while the
 *   worksheet being read waits for an end that never comes;
 * - removes its temporary files only on success (or at process exit: our workers live on).
 *
 * This parse reuses exceljs's part readers (`_parseRels`, `_parseWorkbook`, `_parseSharedStrings`,
 * `_parseStyles`, `_parseWorksheet`) on the same unzipper exceljs uses, and feeds them through a
 * counting stream; worksheets are yielded in tab order when they had to be spooled.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ExcelJS from 'exceljs';

const requireFromExcelJs = createRequire(createRequire(import.meta.url).resolve('exceljs'));
const unzipper = requireFromExcelJs('unzipper') as { Parse(options: { forceStream: boolean }): NodeJS.ReadWriteStream & AsyncIterable<ZipEntry> };

interface ZipEntry extends Readable {
  path: string;
}

/** A worksheet as exceljs reads it: rows of cells, with its tab name. */
export interface SheetReader extends AsyncIterable<ExcelJS.Row> {
  readonly name: string;
}

/** The workbook unpacks to more than its limit; see {@link unpackedLimit}. */
export class WorkbookTooLargeError extends Error {
  override readonly name = 'WorkbookTooLargeError';
}

/** A ZIP archive that is not an Excel workbook (no xl/workbook.xml). */
export class NotAWorkbookError extends Error {
  override readonly name = 'NotAWorkbookError';
}

/** Unpacked bytes a workbook may always reach, whatever its size. */
export const UNPACKED_FLOOR_BYTES = 64 * 1024 * 1024;
/** Beyond the floor, how many times its own (packed) size a workbook may unpack to. */
export const UNPACKED_RATIO = 100;
/** Never more than this, however large the upload. */
export const UNPACKED_MAX_BYTES = 1024 * 1024 * 1024;

/**
 * The unpacked bytes allowed after `packed` bytes of the file were read. Real workbooks
 * compress 5 to 15 times (XML of a sheet); a zip bomb does a thousand times and more.
 */
export function unpackedLimit(packed: number): number {
  return Math.min(UNPACKED_MAX_BYTES, Math.max(UNPACKED_FLOOR_BYTES, UNPACKED_RATIO * packed));
}

interface ReaderInternals {
  model?: { sheets?: { name: string; id: number; rId: string }[] };
  workbookRels?: { Id: string; Target: string }[];
  sharedStrings?: unknown[];
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncIterable<unknown>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseWorksheet(iterator: AsyncIterable<unknown>, sheetNo: string): Iterable<{ eventType: string; value: SheetReader }>;
}

const SHEET_PART = /^xl\/worksheets\/sheet(\d+)\.xml$/;

/**
 * Yields the worksheets of an .xlsx byte stream, one at a time: the caller reads each sheet's
 * rows before asking for the next (the archive is read in order). Stopping early (break, or an
 * error) ends the reading and removes every temporary file.
 * @param packedBytes bytes of `source` read so far, for the unpacked-size limit.
 * @throws WorkbookTooLargeError, NotAWorkbookError, or unzipper's / the XML parser's errors.
 */
export async function* readWorksheets(source: Readable, packedBytes: () => number): AsyncGenerator<SheetReader, void, undefined> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    // Styles tell a date cell (a number with a date format) from an amount.
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const book = reader as unknown as ReaderInternals;
  const zip = unzipper.Parse({ forceStream: true });
  let unpacked = 0;
  let current: Transform | null = null;
  let failure: Error | null = null;
  const fail = (error: Error) => {
    failure ??= error;
    current?.destroy(error);
  };
  zip.on('error', fail);
  source.on('error', (error) => {
    fail(error);
    (zip as unknown as Readable).destroy(error);
  });
  source.pipe(zip);

  const counted = (entry: ZipEntry): Transform => {
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        unpacked += chunk.length;
        const limit = unpackedLimit(packedBytes());
        if (unpacked > limit) return done(new WorkbookTooLargeError(`unpacks to more than ${mb(limit)} (from ${mb(packedBytes())} read so far)`));
        done(null, chunk);
      },
    });
    entry.on('error', (error) => counter.destroy(error));
    // Whoever reads the part sees its error; a part already read has no reader left, and an
    // archive error reaching it must not become an uncaught exception.
    counter.on('error', () => undefined);
    entry.pipe(counter);
    current = counter;
    // The archive may already have failed (it ended early) before this entry was taken: its
    // data will never come, so the entry must not be waited on.
    if (failure) counter.destroy(failure);
    return counter;
  };

  let spoolDir: string | null = null;
  const spooled: { sheetNo: string; file: string }[] = [];
  try {
    for await (const entry of zip as AsyncIterable<ZipEntry>) {
      const part = counted(entry);
      const sheet = SHEET_PART.exec(entry.path);
      if (entry.path === 'xl/_rels/workbook.xml.rels') await book._parseRels(part);
      else if (entry.path === 'xl/workbook.xml') await book._parseWorkbook(part);
      else if (entry.path === 'xl/sharedStrings.xml') for await (const _ of book._parseSharedStrings(part)) void _;
      else if (entry.path === 'xl/styles.xml') await book._parseStyles(part);
      else if (sheet && book.sharedStrings && book.workbookRels && book.model) {
        yield worksheet(book, part, sheet[1]!);
      } else if (sheet) {
        // Its shared strings (or the workbook's names) come later in the archive: keep it aside.
        spoolDir ??= await mkdtemp(path.join(tmpdir(), 'cma-xlsx-'));
        const file = path.join(spoolDir, `sheet${sheet[1]}.xml`);
        await pipeline(part, createWriteStream(file));
        spooled.push({ sheetNo: sheet[1]!, file });
      } else {
        for await (const _ of part) void _;
      }
      if (failure) throw failure;
    }
    if (failure) throw failure;
    if (!book.model) throw new NotAWorkbookError('is a ZIP archive but not an Excel workbook (it has no xl/workbook.xml)');
    for (const { sheetNo, file } of inTabOrder(book, spooled)) {
      const part = createReadStream(file);
      current = null;
      try {
        yield worksheet(book, part, sheetNo);
      } finally {
        part.destroy();
      }
    }
  } finally {
    current = null;
    (zip as unknown as Readable).destroy();
    source.destroy();
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  }
}

function worksheet(book: ReaderInternals, part: Readable, sheetNo: string): SheetReader {
  for (const { eventType, value } of book._parseWorksheet(part, sheetNo)) if (eventType === 'worksheet') return value;
  throw new Error(`exceljs did not open worksheet ${sheetNo}`);
}

/** Spooled sheets in the workbook's tab order (sheetN.xml numbers need not follow it). */
function inTabOrder(book: ReaderInternals, spooled: { sheetNo: string; file: string }[]): { sheetNo: string; file: string }[] {
  const tabs = (book.model?.sheets ?? []).map((sheet) => book.workbookRels?.find((rel) => rel.Id === sheet.rId)?.Target);
  const position = (sheetNo: string) => {
    const at = tabs.indexOf(`worksheets/sheet${sheetNo}.xml`);
    return at < 0 ? Number.MAX_SAFE_INTEGER : at;
  };
  return [...spooled].sort((a, b) => position(a.sheetNo) - position(b.sheetNo));
}

function mb(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}
