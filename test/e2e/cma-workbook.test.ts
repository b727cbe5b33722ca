import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDownloadLinks } from '../../src/services/report/download-links.js';
import { closeClients, collect, createProject, example, gql, gqlOk, signUp, upload, wsClient } from '../helpers/client.js';
import { START, STATUS, type StatusEvent } from '../helpers/operations.js';
import { startTestServer, stopAll, type TestServer } from '../helpers/server.js';

// The sample three-year manufacturer end to end over real HTTP: processed without review, its
// forms and ratios in the API, its workbook downloaded with a token and with a signed link.

const REPORT = `query($id: ID!) { project(id: $id) { status
  review: lineItems(needsReview: true) { id }
  report {
    years { fiscalYear mpbf currentRatio }
    forms { code title rows { code label level kind values { fiscalYear amount months } } }
    ratios { code label formula benchmark values { fiscalYear value meetsBenchmark } }
  }
} }`;
const LINK = `mutation($id: ID!) { reportDownloadUrl(projectId: $id) }`;

let server: TestServer;
let owner: { token: string; firmId: string };
let other: { token: string; firmId: string };
let projectId: string;
let emptyProjectId: string;

async function processSample(token: string, id: string): Promise<void> {
  expect((await upload(server.url, token, id, { name: 'three-years.csv', content: example('three-years.csv') })).errors).toBeUndefined();
  const sub = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id });
  await sub.next(() => true);
  const started = await gqlOk(server.url, START, { id }, token);
  const final = await sub.next(
    (e) => e.projectStatus.runId === started.startProcessing.run.id && ['COMPLETED', 'ERROR', 'REVIEWING', 'CANCELLED'].includes(e.projectStatus.status),
  );
  sub.unsubscribe();
  expect(final.projectStatus).toMatchObject({ status: 'COMPLETED', errorMessage: null });
}

beforeAll(async () => {
  server = await startTestServer();
  owner = await signUp(server.url, 'Mehta & Associates');
  other = await signUp(server.url, 'Another Firm');
  projectId = await createProject(server.url, owner.token, 'Sharma Castings CMA');
  emptyProjectId = await createProject(server.url, owner.token, 'Not yet processed');
  await processSample(owner.token, projectId);
});
afterAll(async () => {
  await closeClients();
  await stopAll();
});

const download = (path: string, token?: string) =>
  fetch(`${server.base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

async function readWorkbook(res: Response): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(await res.arrayBuffer());
  return workbook;
}

describe('the forms in the API', () => {
  it('completes without review and serves Forms II–VI and the ratios', async () => {
    const { project } = await gqlOk(server.url, REPORT, { id: projectId }, owner.token);
    expect(project.status).toBe('COMPLETED');
    expect(project.review).toEqual([]);
    const forms = project.report.forms as { code: string; rows: { code: string; kind: string; values: { fiscalYear: number; amount: number | null; months: number | null }[] }[] }[];
    expect(forms.map((f) => f.code)).toEqual(['FORM_II', 'FORM_III', 'FORM_IV', 'FORM_V', 'FORM_VI']);
    const value = (form: string, row: string, year: number) =>
      forms.find((f) => f.code === form)?.rows.find((r) => r.code === row)?.values.find((v) => v.fiscalYear === year);
    // From the sample's P&L: 4,20,00,000 + 80,00,000 + 6,00,000.
    expect(value('FORM_II', 'NET_SALES', 2024)?.amount).toBe(50_600_000);
    expect(value('FORM_II', 'PROFIT_BEFORE_TAX', 2024)?.amount).toBe(7_700_000);
    expect(value('FORM_III', 'TOTAL_ASSETS', 2024)?.amount).toBe(value('FORM_III', 'TOTAL_LIABILITIES', 2024)?.amount);
    expect(value('FORM_V', 'MPBF', 2023)?.amount).toBe(5_500_000);
    expect(value('FORM_IV', 'RECEIVABLES_DOMESTIC', 2024)?.months).toBeCloseTo(2, 12);
    // Form VI has no column for the first year.
    expect(forms.find((f) => f.code === 'FORM_VI')?.rows[1]?.values.map((v) => v.fiscalYear)).toEqual([2023, 2024]);
    for (const code of ['NET_SALES', 'COST_OF_SALES', 'OPERATING_PROFIT', 'PROFIT_BEFORE_TAX', 'NET_PROFIT']) expect(value('FORM_II', code, 2024), code).toBeDefined();
    for (const code of ['TOTAL_CURRENT_LIABILITIES', 'TERM_LIABILITIES', 'TOTAL_OUTSIDE_LIABILITIES', 'NET_WORTH', 'TOTAL_LIABILITIES', 'TOTAL_CURRENT_ASSETS', 'NET_FIXED_ASSETS', 'TOTAL_ASSETS', 'TANGIBLE_NET_WORTH', 'NET_WORKING_CAPITAL']) {
      expect(value('FORM_III', code, 2024), code).toBeDefined();
    }
    const ratios = project.report.ratios as { code: string; benchmark: string; formula: string; values: { fiscalYear: number; value: number | null; meetsBenchmark: boolean | null }[] }[];
    expect(ratios.map((r) => r.code)).toEqual(expect.arrayContaining(['CURRENT_RATIO', 'TOL_TNW', 'DSCR', 'INTEREST_COVERAGE', 'NET_PROFIT_MARGIN', 'RAW_MATERIALS_HOLDING']));
    const current = ratios.find((r) => r.code === 'CURRENT_RATIO');
    expect(current?.benchmark).toContain('1.33');
    expect(current?.values.find((v) => v.fiscalYear === 2024)).toEqual({ fiscalYear: 2024, value: 33_970_000 / 16_425_000, meetsBenchmark: true });
  });
});

describe('GET /projects/<id>/report.xlsx', () => {
  it('streams the workbook to the firm, with its forms, formulas and lakh values', async () => {
    const res = await download(`/projects/${projectId}/report.xlsx`, owner.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="Sharma-Castings-CMA-cma.xlsx"');
    const workbook = await readWorkbook(res);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Cover', 'Form II', 'Form III', 'Form IV', 'Form V', 'Form VI', 'Ratios']);
    const ii = workbook.getWorksheet('Form II')!;
    expect(ii.getRow(2).getCell(2).value).toBe('FY 2021-22 (Audited)');
    expect(ii.getRow(2).getCell(4).value).toBe('FY 2023-24 (Audited)');
    expect(ii.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    expect(ii.pageSetup).toMatchObject({ fitToPage: true, fitToWidth: 1, orientation: 'landscape' });
    const row = (sheet: ExcelJS.Worksheet, code: string) => {
      let found: ExcelJS.Row | undefined;
      // The row code sits in the last filled cell of each row.
      sheet.eachRow((r) => { if (r.getCell(r.cellCount).value === code) found ??= r; });
      if (!found) throw new Error(`no row ${code} in ${sheet.name}`);
      return found;
    };
    // Domestic sales FY 2023-24: ₹4,20,00,000 = 420 lakh; net sales a formula with its cached value.
    expect(row(ii, 'SALES_DOMESTIC').getCell(4).value).toBe(420);
    const netSales = row(ii, 'NET_SALES').getCell(4).value as ExcelJS.CellFormulaValue;
    expect(netSales.formula).toBe(`D${row(ii, 'GROSS_SALES').number}-D${row(ii, 'EXCISE_DUTY').number}`);
    expect(netSales.result).toBe(506);
    const iii = workbook.getWorksheet('Form III')!;
    const assets = row(iii, 'TOTAL_ASSETS').getCell(4).value as ExcelJS.CellFormulaValue;
    const liabilities = row(iii, 'TOTAL_LIABILITIES').getCell(4).value as ExcelJS.CellFormulaValue;
    expect(assets.result).toBe(531.2);
    expect(liabilities.result).toBe(531.2);
    expect(assets.formula).toMatch(/^D\d+\+D\d+\+D\d+\+D\d+$/);
    const v = workbook.getWorksheet('Form V')!;
    expect((row(v, 'MPBF').getCell(3).value as ExcelJS.CellFormulaValue).formula).toMatch(/^MAX\(0,MIN\(C\d+,C\d+\)\)$/);
    expect(workbook.getWorksheet('Form VI')!.getRow(2).getCell(2).value).toBe('FY 2022-23 (Audited)');
    const cover = workbook.getWorksheet('Cover')!;
    expect(cover.getRow(4).values).toContain('Mehta & Associates');
    const ratios = workbook.getWorksheet('Ratios')!;
    expect(row(ratios, 'CURRENT_RATIO').getCell(4).value).toBeCloseTo(33_970_000 / 16_425_000, 12);
  });

  it('answers NOT_FOUND for another firm, before a report exists, and for a malformed id', async () => {
    for (const [path, token] of [
      [`/projects/${projectId}/report.xlsx`, other.token],
      [`/projects/${emptyProjectId}/report.xlsx`, owner.token],
      ['/projects/not-a-uuid/report.xlsx', owner.token],
    ] as const) {
      const res = await download(path, token);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    }
    const res = await download(`/projects/${projectId}/report.xlsx`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
  });
});

describe('reportDownloadUrl', () => {
  it('returns a link that downloads without a token', async () => {
    const { reportDownloadUrl: link } = await gqlOk(server.url, LINK, { id: projectId }, owner.token);
    expect(link).toMatch(new RegExp(`^/projects/${projectId}/report\\.xlsx\\?firm=${owner.firmId}&expires=\\d+&signature=[\\w-]{43}$`));
    const expires = Number(new URL(link, server.base).searchParams.get('expires'));
    expect(expires * 1000 - Date.now()).toBeLessThanOrEqual(300_000);
    const res = await download(link);
    expect(res.status).toBe(200);
    expect((await readWorkbook(res)).worksheets).toHaveLength(7);
  });

  it('is refused when tampered with, moved to another project or firm, or expired', async () => {
    const { reportDownloadUrl: link } = await gqlOk(server.url, LINK, { id: projectId }, owner.token);
    const url = new URL(link, server.base);
    const signature = url.searchParams.get('signature')!;
    const variants: string[] = [];
    const flipped = new URL(url);
    flipped.searchParams.set('signature', (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1));
    variants.push(flipped.pathname + flipped.search);
    const later = new URL(url);
    later.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
    variants.push(later.pathname + later.search);
    const firm = new URL(url);
    firm.searchParams.set('firm', other.firmId);
    variants.push(firm.pathname + firm.search);
    variants.push(`/projects/${emptyProjectId}/report.xlsx${url.search}`);
    // Signed by the server's own key, but five minutes ago.
    const past = createDownloadLinks({ secret: server.config.jwtSecret, now: () => Date.now() - 301_000 }).create(projectId, owner.firmId);
    variants.push(past);
    for (const variant of variants) {
      const res = await download(variant);
      expect(res.status, variant).toBe(401);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('UNAUTHENTICATED');
      if (variant === past) expect(body.error.message).toContain('expired');
    }
  });

  it('is NOT_FOUND for another firm and before a report exists', async () => {
    for (const [id, token] of [[projectId, other.token], [emptyProjectId, owner.token]] as const) {
      const res = await gql(server.url, LINK, { id }, token);
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
  });
});
