import pg from 'pg';
import { waitFor } from '../deferred.js';

/**
 * What the database says about a project after a fault, read straight from its tables (not
 * through the service under test), for the invariants every fault test checks: nothing left
 * running, no duplicated line items, an event log without duplicates or gaps in order.
 */
export interface RunFacts {
  status: string;
  isProcessing: boolean;
  errorMessage: string | null;
  runs: { id: string; status: string; attempts: number; errorMessage: string | null }[];
  /** Runs QUEUED or RUNNING, over every project of the database. */
  activeRunsAnywhere: number;
  lineItems: { count: number; distinctRows: number };
  /** Stored event sequences in the order they were written (by `at`). */
  sequences: number[];
  lastSequence: number;
  /** Messages that must appear once per run at most ("X finished", final statuses) but did not. */
  repeatedOnceOnlyMessages: string[];
  messages: string[];
  hasReport: boolean;
}

/** One connection for a test file's reads; `close` in afterAll. */
export function createDbReader(url: string) {
  let client: pg.Client | null = null;
  let connecting: Promise<pg.Client> | null = null;
  const connection = (): Promise<pg.Client> => {
    if (client) return Promise.resolve(client);
    connecting ??= (async () => {
      const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
      c.on('error', () => {
        // PostgreSQL was stopped under us (the fault under test): reconnect on next use.
        if (client === c) client = null;
      });
      await c.connect();
      client = c;
      return c;
    })().finally(() => (connecting = null));
    return connecting;
  };

  async function query<T extends pg.QueryResultRow = Record<string, any>>(text: string, params: unknown[] = []): Promise<T[]> {
    const c = await connection();
    try {
      return (await c.query<T>(text, params)).rows;
    } catch (err) {
      if (client === c && !isQueryError(err)) {
        client = null;
        await c.end().catch(() => undefined);
      }
      throw err;
    }
  }

  async function facts(projectId: string): Promise<RunFacts> {
    const [project] = await query(
      `select status, is_processing as "isProcessing", error_message as "errorMessage", last_sequence as "lastSequence",
              exists (select 1 from cma_reports where project_id = $1) as "hasReport"
       from cma_projects where id = $1`,
      [projectId],
    );
    if (!project) throw new Error(`project ${projectId} not found`);
    const runs = await query<RunFacts['runs'][number]>(
      `select id, status, attempts, error_message as "errorMessage" from pipeline_runs where project_id = $1 order by queued_at`,
      [projectId],
    );
    const [active] = await query(`select count(*)::int as n from pipeline_runs where status in ('QUEUED', 'RUNNING')`);
    const [items] = await query(
      `select count(*)::int as count, count(distinct (document_id, row_number))::int as "distinctRows"
       from line_items where project_id = $1`,
      [projectId],
    );
    // Ordered by `at` (the writing transaction's start), not by sequence: one writer at a time
    // per project means sequences increase with time; a deposed writer racing the new owner
    // would show up as a sequence out of order.
    const events = await query<{ sequence: number; message: string | null; runId: string | null; status: string }>(
      `select sequence, message, run_id as "runId", status from project_status_events where project_id = $1 order by at, sequence`,
      [projectId],
    );
    const seen = new Map<string, number>();
    for (const e of events) {
      const onceOnly = e.message !== null && (/ finished$/.test(e.message) || ['COMPLETED', 'CANCELLED'].includes(e.status));
      if (!onceOnly) continue;
      const key = `${e.runId}:${e.status}:${e.message}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    return {
      status: project.status,
      isProcessing: project.isProcessing,
      errorMessage: project.errorMessage,
      runs,
      activeRunsAnywhere: active!.n,
      lineItems: items as RunFacts['lineItems'],
      sequences: events.map((e) => e.sequence),
      lastSequence: project.lastSequence,
      repeatedOnceOnlyMessages: [...seen].filter(([, n]) => n > 1).map(([k]) => k),
      messages: events.map((e) => e.message ?? ''),
      hasReport: project.hasReport,
    };
  }

  /**
   * Polls (a DB condition with a deadline) until the project is no longer processing and no run
   * of it is QUEUED or RUNNING; resolves with the time that took.
   */
  async function settled(projectId: string, timeoutMs: number): Promise<number> {
    const began = Date.now();
    await waitFor(
      async () => {
        const rows = await query(
          `select 1 from cma_projects p where p.id = $1 and not p.is_processing
             and not exists (select 1 from pipeline_runs r where r.project_id = p.id and r.status in ('QUEUED', 'RUNNING'))`,
          [projectId],
        ).catch(() => []);
        return rows.length > 0;
      },
      `project ${projectId} to stop processing`,
      timeoutMs,
    );
    return Date.now() - began;
  }

  return {
    query,
    facts,
    settled,
    async close() {
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
export type DbReader = ReturnType<typeof createDbReader>;

/** Rows of data in a CSV text: its lines minus the header. */
export function dataRows(csv: string): number {
  return csv.trim().split('\n').length - 1;
}

function isQueryError(err: unknown): boolean {
  // An error PostgreSQL answered with (bad SQL, a constraint) leaves the connection usable.
  const code = (err as { code?: string }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('57') && !code.startsWith('08');
}
