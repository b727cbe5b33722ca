/**
 * Turns a long-layout CSV (fiscal_year, statement, line_item, amount) into the wide layout
 * accountants keep: one row per line, one column per year. Writes an .xlsx workbook (a cover
 * sheet, then the statements under two title rows) and, optionally, the same table as CSV.
 *
 *   npm run examples:wide                      # examples/three-years.csv → three-years-wide.xlsx/.csv
 *   tsx src/scripts/make-wide-workbook.ts <long.csv> <wide.xlsx> [<wide.csv>]
 *
 * Amounts go into the workbook as numbers (rupees) and into the CSV as plain decimals; a line
 * absent in a year is a blank cell. Deterministic: the same input gives the same cells.
 */
import { createReadStream, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ExcelJS from 'exceljs';
import { fiscalYearLabel, type Statement } from '../services/cma/fields.js';
import type { ParsedLineItem } from '../services/cma/layout.js';
import { readStatementItems } from '../services/cma/statement-reader.js';

/** The wide table: years newest first (as accountants lay them out), rows in first-seen order. */
export interface WideTable {
  readonly years: readonly number[];
  readonly rows: readonly { readonly statement: Statement; readonly label: string; readonly amounts: ReadonlyMap<number, bigint> }[];
}

const STATEMENT_TEXT: Record<Statement, string> = { BALANCE_SHEET: 'Balance Sheet', PROFIT_AND_LOSS: 'Profit & Loss' };

/** Reads any statement document (long or wide, CSV or workbook) into its line items. */
export async function readItems(file: string): Promise<ParsedLineItem[]> {
  const items: ParsedLineItem[] = [];
  for await (const batch of readStatementItems(createReadStream(file), { documentName: path.basename(file) })) items.push(...batch);
  return items;
}

/**
 * Pivots line items to one row per (statement, label); a label that occurs twice in a year
 * (two "Others" lines) gets a second row, so no amount is merged or lost.
 */
export function toWide(items: readonly ParsedLineItem[]): WideTable {
  const years = [...new Set(items.map((item) => item.fiscalYear))].sort((a, b) => b - a);
  const rows: { statement: Statement; label: string; amounts: Map<number, bigint> }[] = [];
  const byKey = new Map<string, { statement: Statement; label: string; amounts: Map<number, bigint> }[]>();
  const seen = new Map<string, number>();
  for (const item of items) {
    const key = `${item.statement}\u0000${item.label}`;
    const occurrence = `${key}\u0000${item.fiscalYear}`;
    const index = seen.get(occurrence) ?? 0;
    seen.set(occurrence, index + 1);
    const group = byKey.get(key) ?? [];
    byKey.set(key, group);
    let row = group[index];
    if (!row) {
      row = { statement: item.statement, label: item.label, amounts: new Map() };
      group.push(row);
      rows.push(row);
    }
    row.amounts.set(item.fiscalYear, item.amountPaise);
  }
  return { years, rows };
}

/** Paise as a workbook number of rupees (exact to the paisa below 2^53 paise), else as text. */
function amountCell(paise: bigint): number | string {
  const safe = BigInt(Number.MAX_SAFE_INTEGER);
  return paise <= safe && paise >= -safe ? Number(paise) / 100 : paiseText(paise);
}

function paiseText(paise: bigint): string {
  const negative = paise < 0n;
  const magnitude = negative ? -paise : paise;
  return `${negative ? '-' : ''}${magnitude / 100n}.${(magnitude % 100n).toString().padStart(2, '0')}`;
}

/** Writes the table as a workbook, streaming (exceljs's WorkbookWriter): a cover sheet, then the statements. */
export async function writeWideWorkbook(table: WideTable, target: { filename: string } | { stream: import('node:stream').Writable }, title = 'Statements'): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ ...target, useSharedStrings: true, useStyles: true });
  workbook.creator = 'make-wide-workbook';
  workbook.created = workbook.modified = new Date(Date.UTC(2024, 3, 1));
  const cover = workbook.addWorksheet('Cover');
  cover.addRow([title]).commit();
  cover.addRow(['One row per line, one column per year; a blank cell: the line is absent that year.']).commit();
  cover.commit();
  const sheet = workbook.addWorksheet('Statements');
  sheet.addRow([`${title} (₹)`]).commit();
  sheet.addRow([]).commit();
  sheet.addRow(['Statement', 'Particulars', ...table.years.map(fiscalYearLabel)]).commit();
  for (const row of table.rows) {
    const amounts = table.years.map((year) => {
      const paise = row.amounts.get(year);
      return paise === undefined ? null : amountCell(paise);
    });
    sheet.addRow([STATEMENT_TEXT[row.statement], row.label, ...amounts]).commit();
  }
  sheet.commit();
  await workbook.commit();
}

/** The table as a wide CSV with balance-sheet dates for headers (31-03-2024 closes FY 2023-24). */
export function wideCsv(table: WideTable): string {
  const quote = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const lines = [['statement', 'line_item', ...table.years.map((year) => `31-03-${year}`)].join(',')];
  for (const row of table.rows) {
    const amounts = table.years.map((year) => {
      const paise = row.amounts.get(year);
      return paise === undefined ? '' : paiseText(paise);
    });
    lines.push([STATEMENT_TEXT[row.statement], quote(row.label), ...amounts].join(','));
  }
  return `${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<void> {
  const [input, workbookOut, csvOut] = argv;
  if (!input || !workbookOut) {
    console.error('usage: tsx src/scripts/make-wide-workbook.ts <long.csv> <wide.xlsx> [<wide.csv>]');
    process.exit(2);
  }
  const table = toWide(await readItems(input));
  await writeWideWorkbook(table, { filename: workbookOut }, path.basename(input, path.extname(input)));
  if (csvOut) writeFileSync(csvOut, wideCsv(table));
  console.log(`${input}: ${table.rows.length} lines × ${table.years.length} years → ${[workbookOut, csvOut].filter(Boolean).join(', ')}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
