/**
 * The CMA workbook a bank reads: Cover, Form II … Form VI and Ratios, written with exceljs's
 * streaming writer straight into `out`, row by row. It reads the stored forms and never
 * recomputes a figure: amounts are the stored paise in ₹ lakh (full precision, shown with two
 * decimals, so columns add up on screen as they do in the API), and every SUBTOTAL or TOTAL is
 * an Excel formula over the rows above with the stored value as its cached result.
 */

import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { RowFormula, StoredForm, StoredRatio, StoredRow } from '../../entities/index.js';
import { fiscalYearLabel } from '../cma/fields.js';
import { FORMULA_CHOICES } from './formula-choices.js';

/** What the workbook shows besides the forms. */
export interface WorkbookInput {
  readonly borrower: string;
  readonly projectName: string;
  readonly firmName: string;
  readonly generatedAt: Date;
  readonly forms: readonly StoredForm[];
  readonly ratios: readonly StoredRatio[];
}

/** Sheet names, in order (a form's sheet is named by its code: FORM_II → "Form II"). */
export const SHEET_NAMES = ['Cover', 'Form II', 'Form III', 'Form IV', 'Form V', 'Form VI', 'Ratios'] as const;

const PAISE_PER_LAKH = 10_000_000;
const AMOUNT_FORMAT = '#,##0.00;[Red]-#,##0.00';
const RATIO_FORMAT = '0.00';

/** `FY 2023-24 (Audited)`: every year in a project comes from its statements. */
export function yearColumnLabel(fiscalYear: number): string {
  return `${fiscalYearLabel(fiscalYear)} (Audited)`;
}

export function sheetName(formCode: string): string {
  return `Form ${formCode.replace(/^FORM_/, '')}`;
}

export async function writeWorkbook(out: Writable, input: WorkbookInput): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  workbook.creator = 'CMA processing service';
  workbook.created = input.generatedAt;

  writeCover(workbook, input);
  for (const form of input.forms) writeForm(workbook, form);
  writeRatios(workbook, input.ratios, input.forms);
  await workbook.commit();
}

type Sheet = ExcelJS.Worksheet;

function addSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, name: string, frozenRows: number, frozenColumns: number): Sheet {
  return workbook.addWorksheet(name, {
    views: [{ state: 'frozen', xSplit: frozenColumns, ySplit: frozenRows }],
    pageSetup: {
      paperSize: 9, // A4
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0, // as many pages down as it takes
      printTitlesRow: `1:${frozenRows}`,
      margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.5, header: 0.3, footer: 0.3 },
    },
  });
}

function writeCover(workbook: ExcelJS.stream.xlsx.WorkbookWriter, input: WorkbookInput): void {
  const sheet = addSheet(workbook, 'Cover', 1, 0);
  sheet.columns = [{ width: 28 }, { width: 110 }];
  const years = input.forms.find((form) => form.code === 'FORM_III')?.years ?? [];
  const lines: [string, string][] = [
    ['CMA data', input.borrower],
    ['Borrower', input.borrower],
    ['Project', input.projectName],
    ['Prepared by', input.firmName],
    ['Years', years.map(yearColumnLabel).join(', ')],
    ['Generated at', input.generatedAt.toISOString()],
    ['Units', 'Amounts in ₹ lakh (₹1,00,000), shown with 2 decimals; ratios as numbers; holding levels in months'],
    ['Form I', 'Existing and proposed limits are not in a trial balance: fill them in from the sanction letters'],
  ];
  lines.forEach(([key, value], i) => {
    const row = sheet.addRow([key, value]);
    row.getCell(1).font = { bold: true, size: i === 0 ? 14 : 11 };
    if (i === 0) row.getCell(2).font = { bold: true, size: 14 };
    row.commit();
  });
  sheet.addRow([]).commit();
  const heading = sheet.addRow(['Formula choices', 'Where CMA-FORMS.md allows a choice, this workbook uses:']);
  heading.getCell(1).font = { bold: true };
  heading.commit();
  for (const choice of FORMULA_CHOICES) {
    const row = sheet.addRow(['', choice]);
    row.getCell(2).alignment = { wrapText: true, vertical: 'top' };
    row.commit();
  }
  sheet.commit();
}

/** Column layout of a form sheet: label, then per year an amount (and, in Form IV, months). */
function writeForm(workbook: ExcelJS.stream.xlsx.WorkbookWriter, form: StoredForm): void {
  const withMonths = form.rows.some((row) => row.values.some((value) => value.months !== null));
  const perYear = withMonths ? 2 : 1;
  const sheet = addSheet(workbook, sheetName(form.code), 2, 1);
  sheet.columns = [
    { width: 70 },
    ...form.years.flatMap(() => (withMonths ? [{ width: 18 }, { width: 10 }] : [{ width: 20 }])),
    { width: 32 },
  ];
  const title = sheet.addRow([`${form.title} (₹ lakh)`]);
  title.getCell(1).font = { bold: true, size: 13 };
  title.commit();
  const header = sheet.addRow([
    'Particulars',
    ...form.years.flatMap((y) => (withMonths ? [yearColumnLabel(y), 'Months'] : [yearColumnLabel(y)])),
    'Row code',
  ]);
  header.font = { bold: true };
  header.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  header.commit();

  // Sheet row of each form row, for formulas; rows are written in order, so "above" holds.
  const rowNumber = new Map<string, number>();
  form.rows.forEach((row, i) => rowNumber.set(row.code, i + 3));
  const column = (yearIndex: number) => columnLetter(2 + yearIndex * perYear);

  for (const row of form.rows) {
    const line = sheet.addRow([]);
    const label = line.getCell(1);
    label.value = row.label;
    label.alignment = { indent: row.level === 0 ? 0 : row.level * 2 - 1, wrapText: true, vertical: 'top' };
    if (row.kind === 'HEADING' || row.kind === 'TOTAL' || row.kind === 'SUBTOTAL') label.font = { bold: row.kind !== 'SUBTOTAL' || row.level === 0, italic: row.level === 2 && row.kind === 'HEADING' };
    form.years.forEach((fiscalYear, yearIndex) => {
      const value = row.values.find((v) => v.fiscalYear === fiscalYear);
      if (!value || row.kind === 'HEADING') return;
      const cell = line.getCell(2 + yearIndex * perYear);
      if (row.kind === 'RATIO') {
        if (value.value !== null) {
          cell.value = value.value;
          cell.numFmt = RATIO_FORMAT;
        }
      } else if (value.paise !== null) {
        const lakh = Number(value.paise) / PAISE_PER_LAKH;
        cell.value = row.formula ? { formula: excelFormula(row.formula, rowNumber, column(yearIndex)), result: lakh } : lakh;
        cell.numFmt = AMOUNT_FORMAT;
        if (row.kind === 'TOTAL') cell.font = { bold: true };
        if (row.kind === 'TOTAL' || row.kind === 'SUBTOTAL') cell.border = { top: { style: 'thin' } };
      }
      if (withMonths && value.months !== null) {
        const months = line.getCell(3 + yearIndex * perYear);
        months.value = value.months;
        months.numFmt = RATIO_FORMAT;
      }
    });
    const code = line.getCell(2 + form.years.length * perYear);
    code.value = row.code;
    code.font = { color: { argb: 'FF808080' }, size: 9 };
    line.commit();
  }
  sheet.commit();
}

/** A row's formula over the rows above it, in one year's column. */
export function excelFormula(formula: RowFormula, rowNumber: ReadonlyMap<string, number>, column: string): string {
  const ref = (code: string) => {
    const n = rowNumber.get(code);
    if (n === undefined) throw new Error(`formula names row ${code}, which the form does not have`);
    return `${column}${n}`;
  };
  const terms = (list: readonly { code: string; sign: 1 | -1 }[]) =>
    list.map((term, i) => `${term.sign < 0 ? '-' : i === 0 ? '' : '+'}${ref(term.code)}`).join('');
  switch (formula.op) {
    case 'SUM':
      return terms(formula.terms);
    case 'QUARTER':
      // Rounded to the paisa (7 decimals of a lakh), as the stored value is.
      return `ROUND(0.25*(${terms(formula.terms)}),7)`;
    case 'LOWER_NOT_NEGATIVE':
      return `MAX(0,MIN(${ref(formula.of[0])},${ref(formula.of[1])}))`;
  }
}

function writeRatios(workbook: ExcelJS.stream.xlsx.WorkbookWriter, ratios: readonly StoredRatio[], forms: readonly StoredForm[]): void {
  const years = forms.find((form) => form.code === 'FORM_III')?.years ?? ratios[0]?.values.map((v) => v.fiscalYear) ?? [];
  const sheet = addSheet(workbook, 'Ratios', 2, 1);
  sheet.columns = [{ width: 40 }, ...years.map(() => ({ width: 20 })), ...years.map(() => ({ width: 14 })), { width: 70 }, { width: 40 }, { width: 30 }];
  const title = sheet.addRow(['Ratios against benchmarks']);
  title.getCell(1).font = { bold: true, size: 13 };
  title.commit();
  const header = sheet.addRow([
    'Ratio',
    ...years.map(yearColumnLabel),
    ...years.map((y) => `${fiscalYearLabel(y)}: meets benchmark`),
    'Formula',
    'Benchmark',
    'Code',
  ]);
  header.font = { bold: true };
  header.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  header.commit();
  for (const ratio of ratios) {
    const byYear = (y: number) => ratio.values.find((v) => v.fiscalYear === y);
    const line = sheet.addRow([
      ratio.label,
      ...years.map((y) => byYear(y)?.value ?? null),
      ...years.map((y) => {
        const meets = byYear(y)?.meetsBenchmark;
        return meets === true ? 'Yes' : meets === false ? 'No' : '—';
      }),
      ratio.formula,
      ratio.benchmark,
      ratio.code,
    ]);
    years.forEach((_, i) => (line.getCell(2 + i).numFmt = RATIO_FORMAT));
    line.getCell(2 + years.length * 2).alignment = { wrapText: true, vertical: 'top' };
    line.getCell(3 + years.length * 2).alignment = { wrapText: true, vertical: 'top' };
    line.commit();
  }
  sheet.commit();
}

/** 1 → A, 27 → AA. */
export function columnLetter(index: number): string {
  let n = index;
  let letters = '';
  while (n > 0) {
    const rest = (n - 1) % 26;
    letters = String.fromCharCode(65 + rest) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

export type { StoredRow };
