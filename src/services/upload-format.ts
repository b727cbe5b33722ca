/**
 * Which uploads are statements: CSV text or an .xlsx workbook. The name or the declared type
 * says which the client means; the first bytes say which it is, and the checks that fit that
 * format run as the bytes stream past (nothing is buffered beyond the first few bytes).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { NOT_XLSX_REASON, OLE_REASON, SNIFF_BYTES, XLSX_CONTENT_TYPE, sniffKind } from './cma/document-kind.js';
import { badInput } from './errors.js';

export type UploadFormat = 'csv' | 'xlsx';

const CSV_TYPES = new Set(['text/csv', 'application/csv', 'text/comma-separated-values', 'application/vnd.ms-excel']);

/**
 * The format a client means by this name and type: `.xlsx` or the workbook type → xlsx; `.csv`
 * or a CSV type → csv (a Windows browser calls a .csv `application/vnd.ms-excel`).
 * @throws BAD_USER_INPUT for anything else.
 */
export function acceptedFormat(filename: string, contentType: string): UploadFormat {
  const name = filename.toLowerCase();
  if (name.endsWith('.xlsx') || (contentType === XLSX_CONTENT_TYPE && !name.endsWith('.csv'))) return 'xlsx';
  if (name.endsWith('.csv') || CSV_TYPES.has(contentType)) return 'csv';
  throw badInput(`only CSV and Excel workbook (.xlsx) files are accepted; "${filename}" is ${contentType}`, 'file');
}

/** The content type stored for an accepted upload: what it is, not what the browser said. */
export function storedContentType(format: UploadFormat, declared: string): string {
  if (format === 'xlsx') return XLSX_CONTENT_TYPE;
  return CSV_TYPES.has(declared) ? declared : 'text/csv';
}

/**
 * Checks an upload's content as it streams: a workbook must start as a ZIP package (a
 * password-protected workbook or an .xls is an OLE file and is refused with what to do); CSV
 * must be UTF-8 text without NUL bytes. A ZIP package uploaded under a .csv name is taken as
 * the workbook it is. Errors are BAD_USER_INPUT naming the file.
 */
export class UploadContentCheck extends Transform {
  /** The format the content turned out to be; known once the first bytes have passed. */
  format: UploadFormat;
  private decided = false;
  private head: Buffer[] = [];
  private headBytes = 0;
  private offset = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly filename: string,
    private readonly declared: UploadFormat,
  ) {
    super();
    this.format = declared;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.decided) return this.pass(chunk, done);
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes < SNIFF_BYTES) return done();
    this.decide(done);
  }

  override _flush(done: TransformCallback): void {
    if (!this.decided && this.headBytes > 0) {
      // A file shorter than the sniff window: its bytes are all in the head, and `decide` hands
      // them on through its callback, which a flush must push itself.
      this.decide((error, head) => {
        if (error) return done(error);
        if (head) this.push(head);
        this.finishText(done);
      });
      return;
    }
    this.finishText(done);
  }

  private decide(done: TransformCallback): void {
    this.decided = true;
    const head = Buffer.concat(this.head);
    this.head = [];
    const kind = sniffKind(head);
    if (kind === 'ole') return done(badInput(`"${this.filename}" ${OLE_REASON}`, 'file'));
    if (kind === 'xlsx') this.format = 'xlsx';
    else if (this.declared === 'xlsx') return done(badInput(`"${this.filename}" ${NOT_XLSX_REASON}`, 'file'));
    else this.format = 'csv';
    this.pass(head, done);
  }

  private pass(chunk: Buffer, done: TransformCallback): void {
    const at = this.offset;
    this.offset += chunk.length;
    if (this.format === 'csv') {
      try {
        this.decoder.decode(chunk, { stream: true });
      } catch {
        return done(badInput(`"${this.filename}" is not valid UTF-8 text (near byte ${at})`, 'file'));
      }
      if (chunk.includes(0)) return done(badInput(`"${this.filename}" is a binary file, not CSV text`, 'file'));
    }
    done(null, chunk);
  }

  private finishText(done: TransformCallback): void {
    if (this.format !== 'csv') return done();
    try {
      this.decoder.decode();
    } catch {
      return done(badInput(`"${this.filename}" ends in the middle of a UTF-8 character`, 'file'));
    }
    done();
  }
}
