/**
 * What a document's first bytes say it is. Shared by the upload check (which refuses what can
 * never be read) and the readers (which pick CSV or workbook by content, not by name).
 */

/** An .xlsx workbook is a ZIP package: every one starts with a local file header. */
export const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
/** OLE compound file: a password-protected (encrypted) .xlsx, or an Excel 97-2003 .xls. */
export const CFB_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
/** Bytes needed to tell the kinds apart. */
export const SNIFF_BYTES = CFB_MAGIC.length;

export type DocumentKind = 'xlsx' | 'ole' | 'other';

/** The kind of a document from its first bytes (at least {@link SNIFF_BYTES} of them, or all). */
export function sniffKind(head: Uint8Array): DocumentKind {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (bytes.subarray(0, ZIP_MAGIC.length).equals(ZIP_MAGIC)) return 'xlsx';
  if (bytes.subarray(0, CFB_MAGIC.length).equals(CFB_MAGIC)) return 'ole';
  return 'other';
}

/** Why an OLE compound file cannot be read, and what to do about it. */
export const OLE_REASON =
  'is a password-protected (encrypted) workbook or an old Excel 97-2003 .xls file, not an .xlsx workbook: remove the password, or save it as an Excel Workbook (.xlsx), and upload it again';

/** Why a file named or typed as a workbook is not one. */
export const NOT_XLSX_REASON = 'is not an Excel .xlsx workbook (its content is not a ZIP package)';

/** The content type stored for a workbook. */
export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
