/**
 * Excel statements end to end over real HTTP: a wide workbook uploaded, processed, COMPLETED
 * with the same report as its long CSV; workbooks that cannot be read end the run in ERROR
 * naming the sheet, row and column, and store no line items.
 */
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toWide, writeWideWorkbook, wideCsv } from '../../src/scripts/make-wide-workbook.js';
import { readStatementItems } from '../../src/services/cma/statement-reader.js';
import type { ParsedLineItem } from '../../src/services/cma/layout.js';
import { closeClients, collect, createProject, example, gqlOk, signUp, upload, wsClient } from '../helpers/client.js';
import { START, STATUS, type StatusEvent } from '../helpers/operations.js';
import { startTestServer, stopAll, type TestServer } from '../helpers/server.js';
import { workbook, XLSX_TYPE, zipBomb } from '../helpers/workbooks.js';

const DETAILS = `query($id: ID!) { project(id: $id) {
  status errorMessage
  report { years { fiscalYear currentRatio totalOutsideLiabilitiesToNetWorth netWorkingCapital workingCapitalGap mpbf inventoryDays receivableDays payableDays } }
} }`;

let server: TestServer;
let bomb: Buffer;
beforeAll(async () => {
  // Made before the server starts: deflating 100 MB blocks this process for a while, which would
  // let the in-process server time out the test client's idle keep-alive sockets under it.
  bomb = await zipBomb(100 * 1024 * 1024);
  server = await startTestServer();
});
afterAll(async () => {
  await closeClients();
  await stopAll();
});

async function processFile(token: string, file: { name: string; type: string; content: string | Buffer }) {
  const projectId = await createProject(server.url, token);
  const res = await upload(server.url, token, projectId, file);
  expect(res.errors, file.name).toBeUndefined();
  const sub = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId });
  await sub.next(() => true);
  const started = await gqlOk(server.url, START, { id: projectId }, token);
  const final = await sub.next((e) => e.projectStatus.runId === started.startProcessing.run.id && ['COMPLETED', 'ERROR', 'REVIEWING'].includes(e.projectStatus.status));
  sub.unsubscribe();
  const details = await gqlOk(server.url, DETAILS, { id: projectId }, token);
  const items = await server.app.services.sql.query<{ n: number }>('select count(*)::int as n from line_items where project_id = $1', [projectId]);
  return { final: final.projectStatus, project: details.project, lineItems: items[0]!.n };
}

async function longItems(csv: string): Promise<ParsedLineItem[]> {
  const items: ParsedLineItem[] = [];
  for await (const batch of readStatementItems(Readable.from([Buffer.from(csv)]), { documentName: 'x.csv' })) items.push(...batch);
  return items;
}

async function wideWorkbook(csv: string): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeWideWorkbook(toWide(await longItems(csv)), { stream: out });
  return Buffer.concat(chunks);
}

describe('Excel statements over HTTP', () => {
  it('a wide workbook and a wide CSV process to COMPLETED with the same report as the long CSV', { timeout: 60_000 }, async () => {
    const { token } = await signUp(server.url);
    const csv = example('clean-two-years.csv');
    const long = await processFile(token, { name: 'clean-two-years.csv', type: 'text/csv', content: csv });
    expect(long.final.status).toBe('COMPLETED');
    const wide = await processFile(token, { name: 'clean-two-years-wide.xlsx', type: XLSX_TYPE, content: await wideWorkbook(csv) });
    expect(wide.final.status, wide.project.errorMessage).toBe('COMPLETED');
    expect(wide.project.report).toEqual(long.project.report);
    expect(wide.lineItems).toBe(long.lineItems);
    const wideText = await processFile(token, { name: 'clean-two-years-wide.csv', type: 'text/csv', content: wideCsv(toWide(await longItems(csv))) });
    expect(wideText.final.status).toBe('COMPLETED');
    expect(wideText.project.report).toEqual(long.project.report);
  });

  it('a formula without a cached value, a date where an amount belongs, a zip bomb: ERROR naming the place, nothing stored', { timeout: 90_000 }, async () => {
    const header = ['fiscal_year', 'statement', 'line_item', 'amount'];
    const cases: [string, Buffer, string][] = [
      [
        'formula.xlsx',
        await workbook([{ name: 'TB', rows: [header, [2024, 'BS', 'Share Capital', 100], [2024, 'BS', 'Reserves', { formula: 'D2*2' } as never]] }]),
        'formula.xlsx, sheet "TB", row 3, column D (amount): holds the formula =D2*2 with no saved result',
      ],
      ['date.xlsx', await workbook([{ name: 'TB', rows: [header, [2024, 'BS', 'Share Capital', new Date(Date.UTC(2024, 2, 31))]] }]), 'date.xlsx, sheet "TB", row 2, column D (amount): is a date (31-03-2024), not an amount'],
      ['bomb.xlsx', bomb, 'bomb.xlsx unpacks to more than 64.0 MB'],
    ];
    const { token } = await signUp(server.url);
    for (const [name, content, message] of cases) {
      const result = await processFile(token, { name, type: XLSX_TYPE, content });
      expect(result.final.status, name).toBe('ERROR');
      expect(result.project.errorMessage, name).toContain(message);
      expect(result.lineItems, name).toBe(0);
    }
  });
});
