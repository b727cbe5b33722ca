/**
 * The same 150k-row statement as a long CSV, a long .xlsx and a wide .xlsx, each uploaded to a
 * fresh server process and processed to the end over HTTP: upload time, start → final status,
 * and the server's peak RSS (VmHWM, worker threads included). Not part of `npm run bench`
 * (it needs a quiet machine and several minutes):
 *   npx tsx bench/tools/xlsx-vs-csv.ts [--rows 150000] [--database postgres://postgres@127.0.0.1:5432/postgres]
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import ExcelJS from 'exceljs';
import pg from 'pg';
import { readItems, toWide, writeWideWorkbook } from '../../src/scripts/make-wide-workbook.js';
import { gqlOk, signUp } from '../lib/graphql.js';
import { startServer, stopServer } from '../lib/server.js';
import { writeTrialBalance } from '../lib/trial-balance.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '150000' }, database: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' } } });
const rows = Number(values.rows);
const dir = await mkdtemp(path.join(tmpdir(), 'xlsx-vs-csv-'));

const csv = path.join(dir, 'tb.csv');
await writeTrialBalance(csv, rows, 2, 1);
const items = await readItems(csv);
const longXlsx = path.join(dir, 'tb-long.xlsx');
const book = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: longXlsx, useSharedStrings: true, useStyles: true });
const sheet = book.addWorksheet('TB');
sheet.addRow(['fiscal_year', 'statement', 'line_item', 'amount']).commit();
for (const item of items) sheet.addRow([item.fiscalYear, item.statement === 'BALANCE_SHEET' ? 'BS' : 'PL', item.label, Number(item.amountPaise) / 100]).commit();
sheet.commit();
await book.commit();
const wideXlsx = path.join(dir, 'tb-wide.xlsx');
await writeWideWorkbook(toWide(items), { filename: wideXlsx });

const admin = new pg.Client({ connectionString: values.database });
await admin.connect();
const results: Record<string, unknown>[] = [];
try {
  for (const file of [csv, longXlsx, wideXlsx]) {
    const db = `xlsx_vs_csv_${Date.now()}`;
    await admin.query(`create database ${db}`);
    const url = new URL(values.database);
    url.pathname = `/${db}`;
    const server = await startServer({ databaseUrl: url.toString(), dataDir: path.join(dir, db), logFile: path.join(dir, `${db}.log`), logLevel: 'warn' });
    try {
      const account = await signUp(server.url, 'Bench');
      const project = await gqlOk<{ createProject: { id: string } }>(server.url, 'mutation { createProject(input: { name: "bench" }) { id } }', {}, account.token);
      const projectId = project.createProject.id;
      const form = new FormData();
      form.set('operations', JSON.stringify({ query: 'mutation($p: ID!, $f: File!) { uploadDocument(projectId: $p, file: $f) { id } }', variables: { p: projectId, f: null } }));
      form.set('map', JSON.stringify({ 0: ['variables.f'] }));
      form.set('0', new Blob([await readFile(file)], { type: 'application/octet-stream' }), path.basename(file));
      const t0 = performance.now();
      const up = (await (await fetch(server.url, { method: 'POST', body: form, headers: { authorization: `Bearer ${account.token}` } })).json()) as { errors?: unknown };
      if (up.errors) throw new Error(JSON.stringify(up.errors));
      const t1 = performance.now();
      await gqlOk(server.url, 'mutation($id: ID!) { startProcessing(projectId: $id) { message } }', { id: projectId }, account.token);
      let status = '';
      let error: string | null = null;
      // Polled: a bench tool, not a test; 100 ms is small against runs of seconds.
      for (;;) {
        const p = await gqlOk<{ project: { status: string; errorMessage: string | null } }>(server.url, 'query($id: ID!) { project(id: $id) { status errorMessage } }', { id: projectId }, account.token);
        ({ status, errorMessage: error } = p.project);
        if (['COMPLETED', 'ERROR', 'REVIEWING'].includes(status)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const t2 = performance.now();
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.proc.child.pid}/status`, 'utf8'))?.[1];
      results.push({
        file: path.basename(file),
        bytes: (await stat(file)).size,
        uploadMs: Math.round(t1 - t0),
        processMs: Math.round(t2 - t1),
        status,
        error,
        peakRssMB: hwm ? Math.round(Number(hwm) / 1024) : null,
      });
    } finally {
      await stopServer(server);
      await admin.query(`drop database if exists ${db} with (force)`);
    }
  }
} finally {
  await admin.end();
  await rm(dir, { recursive: true, force: true });
}
console.table(results);
