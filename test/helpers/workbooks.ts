/**
 * Workbooks for tests, made in memory so no binary fixture is committed: ordinary ones with
 * exceljs, and the hostile ones (encrypted, damaged, zip bomb, parts reordered) byte by byte.
 */
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { crc32, deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { CFB_MAGIC } from '../../src/services/cma/document-kind.js';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A sheet as rows of exceljs cell values (numbers, text, Dates, `{ formula, result }`…). */
export interface SheetSpec {
  name: string;
  rows: ExcelJS.CellValue[][];
}

/** An .xlsx made by exceljs's in-memory writer (worksheets before shared strings, as Excel). */
export async function workbook(sheets: SheetSpec[]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  for (const spec of sheets) {
    const sheet = book.addWorksheet(spec.name);
    for (const row of spec.rows) sheet.addRow(row);
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** An .xlsx made by exceljs's streaming writer, for large sheets. */
export async function streamedWorkbook(sheets: SheetSpec[], useSharedStrings = true): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings, useStyles: true });
  for (const spec of sheets) {
    const sheet = book.addWorksheet(spec.name);
    for (const row of spec.rows) sheet.addRow(row).commit();
    sheet.commit();
  }
  await book.commit();
  return Buffer.concat(chunks);
}

/** A ZIP archive of the given parts, deflated, in the order given. */
export function zipArchive(parts: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const name = Buffer.from(part.name, 'utf8');
    const packed = deflateRawSync(part.data);
    const crc = crc32(part.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(part.data.length >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, packed);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(0x0800, 8);
    entry.writeUInt16LE(8, 10);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(packed.length, 20);
    entry.writeUInt32LE(part.data.length >>> 0, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE(offset, 42);
    central.push(entry, name);
    offset += local.length + name.length + packed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const requireFromExcelJs = createRequire(createRequire(import.meta.url).resolve('exceljs'));
const JSZip = requireFromExcelJs('jszip') as {
  loadAsync(data: Buffer): Promise<{ files: Record<string, { name: string; dir: boolean; async(type: 'nodebuffer'): Promise<Buffer> }> }>;
};

/** The parts of an .xlsx, in archive order. */
export async function unzipParts(xlsx: Buffer): Promise<{ name: string; data: Buffer }[]> {
  const zip = await JSZip.loadAsync(xlsx);
  const parts: { name: string; data: Buffer }[] = [];
  for (const file of Object.values(zip.files)) if (!file.dir) parts.push({ name: file.name, data: await file.async('nodebuffer') });
  return parts;
}

/** The same workbook with its parts in another order (`first` names go first, in that order). */
export async function reorderParts(xlsx: Buffer, first: string[]): Promise<Buffer> {
  const parts = await unzipParts(xlsx);
  const rank = (name: string) => (first.includes(name) ? first.indexOf(name) : first.length);
  return zipArchive([...parts].sort((a, b) => rank(a.name) - rank(b.name)));
}

/**
 * A small workbook whose first sheet unpacks to `unpackedBytes` (valid XML padded with spaces):
 * about a thousand times its packed size.
 */
export async function zipBomb(unpackedBytes: number): Promise<Buffer> {
  const parts = await unzipParts(await workbook([{ name: 'Statements', rows: [['fiscal_year', 'statement', 'line_item', 'amount']] }]));
  return zipArchive(
    parts.map((part) => {
      if (part.name !== 'xl/worksheets/sheet1.xml') return part;
      const xml = part.data.toString('utf8');
      const at = xml.indexOf('<sheetData>');
      const padding = Buffer.alloc(Math.max(0, unpackedBytes - xml.length), ' ');
      return { name: part.name, data: Buffer.concat([Buffer.from(xml.slice(0, at)), padding, Buffer.from(xml.slice(at))]) };
    }),
  );
}

/** What a password-protected workbook looks like: an OLE compound file holding an EncryptedPackage. */
export function encryptedWorkbook(): Buffer {
  const body = Buffer.alloc(4096, 0);
  Buffer.from('EncryptedPackage', 'utf16le').copy(body, 1024);
  Buffer.from('EncryptionInfo', 'utf16le').copy(body, 1152);
  return Buffer.concat([CFB_MAGIC, body]);
}
