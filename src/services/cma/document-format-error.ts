/**
 * The one error every statement reader (CSV or workbook, long or wide) throws for a document it
 * cannot read: it names the document, and where one is to blame the sheet, row and column.
 */

/** A document that cannot be read. `message` is shown to the accountant as is. */
export class DocumentFormatError extends Error {
  override readonly name = 'DocumentFormatError';
  readonly code = 'DOCUMENT_FORMAT';
  readonly document: string;
  /** The worksheet of a workbook; null for CSV, or for a problem with the workbook as a whole. */
  readonly sheet: string | null;
  /** Null when the problem is the file (or sheet) as a whole. */
  readonly row: number | null;
  readonly column: string | null;
  /** The message without the document/sheet/row/column prefix. */
  readonly reason: string;

  constructor(fields: { document: string; sheet?: string | null; row: number | null; column: string | null; reason: string }) {
    const sheet = fields.sheet ?? null;
    const place = sheet === null ? fields.document : `${fields.document}, sheet "${sheet}"`;
    const where =
      fields.row === null
        ? sheet === null
          ? place
          : `${place}:`
        : `${place}, row ${fields.row}${fields.column === null ? '' : `, column ${fields.column}`}:`;
    super(`${where} ${fields.reason}`);
    this.document = fields.document;
    this.sheet = sheet;
    this.row = fields.row;
    this.column = fields.column;
    this.reason = fields.reason;
  }
}

/** How a reader reports a problem at a row and column (by index into the row's cells). */
export type FailAt = (row: number | null, column: number | null, reason: string) => DocumentFormatError;
