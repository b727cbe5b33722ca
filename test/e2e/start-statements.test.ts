import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createProject, example, gqlOk, signUp, upload } from '../helpers/client.js';
import { startTestServer, stopAll } from '../helpers/server.js';

afterAll(stopAll);

// Every statement the server sends goes through pg.Client#query (the ORM's and the raw SQL's).
const sent: string[] = [];
const original = pg.Client.prototype.query;
let counting = false;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const config = args[0] as string | { text?: string };
  if (counting) sent.push(typeof config === 'string' ? config : String(config?.text));
  return (original as (...a: unknown[]) => unknown).apply(this, args);
} as typeof original;
afterEach(() => {
  counting = false;
});
afterAll(() => {
  pg.Client.prototype.query = original;
});

const START = `mutation($id: ID!) { startProcessing(projectId: $id) { message project { id status isProcessing } run { id status } } }`;

describe('the cost of a start in statements', () => {
  it('is three for a run whose EXTRACT fails at once: claim, run context with EXTRACT RUNNING, the run end; no queue read', async () => {
    // No poll, heartbeat or recovery sweep can fall inside the measured window.
    const server = await startTestServer({ config: { leaseSeconds: 3600 }, deps: { runner: { pollIntervalMs: 3_600_000 } } });
    const { token } = await signUp(server.url);
    const projectIds = [await createProject(server.url, token), await createProject(server.url, token)];
    for (const [i, projectId] of projectIds.entries()) {
      const ended = new Promise((resolve) => server.app.runner.events.once('run:end', resolve));
      sent.length = 0;
      counting = true;
      const res = await gqlOk(server.url, START, { id: projectId }, token);
      expect(res.startProcessing.message).toBe('Processing started');
      expect(await ended).toMatchObject({ projectId, status: 'ERROR' }); // no documents
      // The slot is freed just after run:end. A queue read it started would have asked the
      // pool for a connection before this probe did, so it is sent by the time the probe returns.
      await server.app.services.sql.query('select 1 as probe');
      counting = false;
      const statements = sent.filter((t) => t !== 'select 1 as probe');
      expect({ start: i, statements: statements.length, texts: statements.map((t) => t.replace(/\s+/g, ' ').slice(0, 60)) }).toMatchObject({ statements: 3 });
    }
  });

  // The aggregate VALIDATE and GENERATE need, over every line item of the project.
  const totalsQueries = () => sent.filter((t) => /sum\(amount_paise\)/.test(t) && /group by fiscal_year, head/.test(t));

  async function completedRun(config: Record<string, unknown>) {
    const server = await startTestServer({ config: { leaseSeconds: 3600, ...config }, deps: { runner: { pollIntervalMs: 3_600_000 } } });
    const { token } = await signUp(server.url);
    const projectId = await createProject(server.url, token);
    expect((await upload(server.url, token, projectId, { name: 'clean.csv', content: example('clean-two-years.csv') })).errors).toBeUndefined();
    const ended = new Promise((resolve) => server.app.runner.events.once('run:end', resolve));
    sent.length = 0;
    counting = true;
    await gqlOk(server.url, START, { id: projectId }, token);
    expect(await ended).toMatchObject({ projectId, status: 'COMPLETED' });
    counting = false;
    const report = await gqlOk<{ project: { report: { years: unknown[]; forms: unknown[] } | null } }>(
      server.url,
      `query($id: ID!) { project(id: $id) { report {
         years { fiscalYear currentRatio netWorkingCapital workingCapitalGap mpbf }
         forms { code rows { code values { fiscalYear amount } } } } } }`,
      { id: projectId },
      token,
    );
    return report.project.report!;
  }

  it('never aggregates the line items when EXTRACT wrote them in the same run: its sums serve VALIDATE and GENERATE', async () => {
    const fromExtract = await completedRun({});
    expect(totalsQueries()).toHaveLength(0);
    // The same report as from the rows themselves: CLASSIFY's full pass rewrites them, so the
    // totals are read back from the database, once, for both stages.
    const fromRows = await completedRun({ classifyFullPass: true });
    expect(totalsQueries()).toHaveLength(1);
    expect(fromExtract.years).toHaveLength(2);
    expect(fromExtract.forms.length).toBeGreaterThan(0);
    expect(fromExtract).toEqual(fromRows);
  });
});
