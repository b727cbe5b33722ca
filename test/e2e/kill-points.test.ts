import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineStage } from '../../src/entities/index.js';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { closeClients, collect, createProject, gql, gqlOk, signUp, upload, wsClient } from '../helpers/client.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { expectEndedWhole, expectIncreasing } from '../helpers/faults/assertions.js';
import { startPgProxy, type Hold, type PgProxy, type Statement } from '../helpers/faults/pg-proxy.js';
import { createDbReader, dataRows, type DbReader } from '../helpers/faults/run-facts.js';
import { START, STATUS, type StatusEvent } from '../helpers/operations.js';
import { trialBalanceCsv } from '../helpers/trial-balance.js';

/**
 * `kill -9` of the real service (a child process) at 11 points of a run, each followed by
 * another process on the same database and DATA_DIR: the run must be taken back within the
 * lease and end COMPLETED (resumed) or ERROR `interrupted:`, with no project left processing,
 * no line item or event duplicated, and one run (resumed, not doubled). Extends crash.test.ts
 * (one kill after a progress tick) to every point of a run.
 *
 * Each process reaches PostgreSQL through a proxy of its own (pg-proxy.ts). Where a point lasts
 * only milliseconds, the proxy stops the process exactly there — holding the statement that
 * stores an event (matched by its message parameter, not by the service's SQL), or freezing
 * every connection once "<STAGE> started" has committed — so the kill lands at the point and
 * not a stage later. The next process is started while the current one works, as a standby
 * replica would be, so each point costs one start-up, not two.
 */

const LEASE_SECONDS = 2;
/** The runner sweeps for expired leases every max(1 s, lease / 2). */
const RECOVERY_PERIOD_MS = Math.max(1000, (LEASE_SECONDS * 1000) / 2);
/** Kill → run taken back: the dead lease runs out, then the next sweep; plus scheduling slack. */
const RECOVERY_BOUND_MS = LEASE_SECONDS * 1000 + RECOVERY_PERIOD_MS + 1500;
const SMALL = trialBalanceCsv(200, 2);
/** Two CLASSIFY pages (10,000 rows each): the kill lands between them. */
const TWO_PAGES = trialBalanceCsv(12_000, 2);
/** EXTRACT takes ~2 s: long enough to kill it after a progress tick. */
const BIG = trialBalanceCsv(50_000, 2);
/** EXTRACT's share of the progress bar (weights 55/35/1/4/5). */
const EXTRACT_SHARE = 0.55;
const CLASSIFY_END = 0.9;
const STAGES: PipelineStage[] = ['EXTRACT', 'CLASSIFY', 'REVIEW', 'VALIDATE', 'GENERATE'];

interface Reach {
  watch: ReturnType<typeof collect<StatusEvent>>;
  /** The startProcessing request, sent but perhaps not answered. */
  start: Promise<unknown>;
}

/** How the proxy stops the victim at a point, and what becomes of what it held after the kill. */
interface Trap {
  reached(): Promise<unknown>;
  afterKill(): Promise<void> | void;
}

interface KillPoint {
  name: string;
  csv: string;
  /** Set up before startProcessing is sent. */
  trap?(proxy: PgProxy): Trap;
  /** Resolves when the victim is at the point; it is killed right after. */
  reach(r: Reach, trap: Trap | undefined): Promise<unknown>;
  /** Stage statuses the dead process left behind (null: not checked), or 'no-run'. */
  diedWith: (string | null)[] | 'no-run';
}

const hasParam = (value: string) => (s: Statement) => s.params.includes(value);
const dropping = (hold: Hold): Trap => ({ reached: () => hold.reached(), afterKill: () => hold.drop() });
const started = (stage: PipelineStage) => (e: StatusEvent) => e.projectStatus.message === `${stage} started`;

/**
 * "<STAGE> started" is stored by a statement with that message as a parameter: let it commit,
 * then freeze every connection, so the stage has not run one statement of its own (whichever
 * connection or worker it would use) when the kill comes.
 */
const atStageStart = (stage: PipelineStage): KillPoint => ({
  name: `at ${stage} start (on its "started" event, before its first statement)`,
  csv: SMALL,
  trap: (proxy) => {
    const freeze = proxy.freezeAfter(hasParam(`${stage} started`));
    return { reached: () => freeze.reached(), afterKill: () => freeze.drop() };
  },
  reach: ({ watch, start }, trap) => Promise.all([start, watch.next(started(stage)), trap!.reached()]),
  diedWith: STAGES.map((s) => (s === stage ? 'RUNNING' : STAGES.indexOf(s) < STAGES.indexOf(stage) ? 'DONE' : 'PENDING')),
});

const POINTS: KillPoint[] = [
  {
    // The claim stores the run's first event, 'Processing started', as a parameter.
    name: 'before the claim reaches PostgreSQL (startProcessing in flight)',
    csv: SMALL,
    trap: (proxy) => dropping(proxy.hold(hasParam('Processing started'))),
    reach: (_r, trap) => trap!.reached(),
    diedWith: 'no-run',
  },
  {
    name: 'with the claim on the wire: it commits after the process died',
    csv: SMALL,
    trap: (proxy) => {
      const hold = proxy.hold(hasParam('Processing started'));
      return { reached: () => hold.reached(), afterKill: () => hold.release({ thenClose: true }) };
    },
    reach: (_r, trap) => trap!.reached(),
    diedWith: ['PENDING', 'PENDING', 'PENDING', 'PENDING', 'PENDING'],
  },
  {
    name: 'right after startProcessing returns',
    csv: SMALL,
    reach: ({ start }) => start,
    diedWith: [null, 'PENDING', 'PENDING', 'PENDING', 'PENDING'],
  },
  ...STAGES.map(atStageStart),
  {
    name: "mid-EXTRACT batch (after a progress tick below EXTRACT's share)",
    csv: BIG,
    reach: ({ watch }) =>
      watch.next((e) => e.projectStatus.stage === 'EXTRACT' && e.projectStatus.message === null && e.projectStatus.progress > 0 && e.projectStatus.progress < EXTRACT_SHARE),
    diedWith: ['RUNNING', 'PENDING', 'PENDING', 'PENDING', 'PENDING'],
  },
  {
    // CLASSIFY reads line items in pages of 10,000 (`select id, statement, label from
    // line_items ... id > $2 ... limit $3`): its second page is held, its first page's tick seen.
    name: "mid-CLASSIFY batch (after the first page's progress tick, the second page held)",
    csv: TWO_PAGES,
    trap: (proxy) => dropping(proxy.hold(/select id, statement, label from line_items/, { nth: 2 })),
    reach: ({ watch }, trap) =>
      Promise.all([
        trap!.reached(),
        watch.next((e) => e.projectStatus.stage === 'CLASSIFY' && e.projectStatus.message === null && e.projectStatus.progress > EXTRACT_SHARE && e.projectStatus.progress < CLASSIFY_END),
      ]),
    diedWith: ['DONE', 'RUNNING', 'PENDING', 'PENDING', 'PENDING'],
  },
  {
    // The final write stores the event 'Processing completed': it never reaches PostgreSQL.
    name: 'at the final commit (GENERATE finished, the COMPLETED write in flight)',
    csv: SMALL,
    trap: (proxy) => dropping(proxy.hold(hasParam('Processing completed'))),
    reach: ({ watch }, trap) => Promise.all([trap!.reached(), watch.next((e) => e.projectStatus.message === 'GENERATE finished')]),
    diedWith: ['DONE', 'DONE', 'DONE', 'DONE', 'DONE'],
  },
];

/** A service process, and the proxy it alone reaches PostgreSQL through. */
interface Service {
  child: ChildServer;
  proxy: PgProxy;
}

let database: TestDatabase;
let reader: DbReader;
let dataDir: string;
const services: Service[] = [];
let victim: Service;

async function startService(): Promise<Service> {
  const proxy = await startPgProxy(database.url);
  const child = await spawnServer({
    DATABASE_URL: proxy.url,
    DATA_DIR: dataDir,
    LEASE_SECONDS: String(LEASE_SECONDS),
    // CLASSIFY's full pass (read back in pages, rewrite every row), so a kill can land between
    // its pages: by default EXTRACT's classification stands and CLASSIFY is one statement.
    CLASSIFY_FULL_PASS: 'true',
    JWT_SECRET: 'kill-points-secret-that-is-long-enough-0123456789',
  }).catch(async (err: unknown) => {
    await proxy.close();
    throw err;
  });
  const service = { child, proxy };
  services.push(service);
  return service;
}

beforeAll(async () => {
  database = await createTestDatabase();
  reader = createDbReader(database.url);
  dataDir = mkdtempSync(path.join(tmpdir(), 'cma-kill-points-'));
  victim = await startService();
});
afterEach(closeClients);
afterAll(async () => {
  for (const { child } of services) child.process.kill('SIGKILL');
  await Promise.all(services.map(({ child }) => child.exited));
  await Promise.all(services.map(({ proxy }) => proxy.close()));
  await reader.close();
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function stageStatuses(runId: string): Promise<string[]> {
  const rows = await reader.query<{ status: string }>('select status from pipeline_stage_runs where run_id = $1 order by position', [runId]);
  return rows.map((r) => r.status);
}

describe('kill -9 of the service at each point of a run', () => {
  it.each(POINTS.map((p, i) => [`${i + 1}. ${p.name}`, p] as const))('%s', async (_name, point) => {
    // The next process starts now, on the same database and DATA_DIR, as a standby would.
    const heir = startService().then((service) => ({ service, readyAt: Date.now() }));
    heir.catch(() => undefined);
    const { child } = victim;
    try {
      const account = await signUp(child.url);
      const projectId = await createProject(child.url, account.token);
      const uploaded = await upload(child.url, account.token, projectId, { name: 'trial-balance.csv', content: point.csv });
      expect(uploaded.errors).toBeUndefined();
      const rows = dataRows(point.csv);

      const watch = collect<StatusEvent>(wsClient(child.wsUrl, account.token), STATUS, { id: projectId });
      await watch.next(() => true);
      const trap = point.trap?.(victim.proxy);
      const start = gql(child.url, START, { id: projectId }, account.token);
      start.catch(() => undefined); // unanswered when the kill comes first
      await point.reach({ watch, start }, trap);

      child.process.kill('SIGKILL');
      expect(await child.exited).toBe('SIGKILL');
      const killedAt = Date.now();
      await trap?.afterKill();

      // Where it died, as the database recorded it.
      const [run] = await reader.query<{ id: string; status: string; attempts: number }>(
        'select id, status, attempts from pipeline_runs where project_id = $1',
        [projectId],
      );
      if (point.diedWith === 'no-run') {
        expect(run).toBeUndefined();
      } else {
        expect(run).toMatchObject({ status: 'RUNNING', attempts: 1 });
        const statuses = await stageStatuses(run!.id);
        point.diedWith.forEach((want, i) => want && expect(statuses[i], `${STAGES[i]} when the process died`).toBe(want));
      }
      const lastSeen = watch.events.at(-1)?.projectStatus.sequence ?? 0;

      const next = await heir;
      victim = next.service;
      const after = collect<StatusEvent>(wsClient(victim.child.wsUrl, account.token), STATUS, { id: projectId, after: lastSeen });
      if (run) {
        // Taken back within the lease (counted from the kill, or from the other process being
        // up if it came later), then resumed to the end or ended `interrupted:`.
        const from = Math.max(killedAt, next.readyAt);
        await reader.settled(projectId, RECOVERY_BOUND_MS + (point.csv === BIG ? 15_000 : 5000));
        const [recovery] = await reader.query<{ at: Date }>(
          `select at from project_status_events where project_id = $1 and run_id = $2
             and (message like 'resuming:%' or message like 'interrupted:%') order by sequence limit 1`,
          [projectId, run.id],
        );
        expect(recovery, 'a recovery event').toBeDefined();
        expect(recovery!.at.getTime() - from).toBeLessThanOrEqual(RECOVERY_BOUND_MS);

        const final = await after.next((e) => ['COMPLETED', 'ERROR'].includes(e.projectStatus.status), 5000);
        expectIncreasing(after.events);
        expect(after.events[0]!.projectStatus.sequence).toBeGreaterThan(lastSeen);
        const facts = await expectEndedWhole(reader, projectId, { rows, errorMessage: /^interrupted: / });
        expect(final.projectStatus.status).toBe(facts.status);
        if (facts.status === 'COMPLETED') {
          expect(facts.runs[0]!.attempts).toBe(2);
          expect(facts.messages.filter((m) => m.startsWith('resuming: the server running this project stopped'))).toHaveLength(1);
        }
      } else {
        // Nothing was claimed: nothing to recover, nothing stuck, and the project starts normally.
        const facts = await reader.facts(projectId);
        expect({ status: facts.status, isProcessing: facts.isProcessing, runs: facts.runs.length }).toEqual({ status: 'DRAFT', isProcessing: false, runs: 0 });
        await gqlOk(victim.child.url, START, { id: projectId }, account.token);
        await after.next((e) => e.projectStatus.status === 'COMPLETED', 10_000);
        await expectEndedWhole(reader, projectId, { rows, errorMessage: /^interrupted: / });
      }
    } finally {
      // A point that failed before its kill must not leave the next one its process, traps and all.
      if (victim.child === child) {
        child.process.kill('SIGKILL');
        victim = (await heir).service;
      }
    }
  }, 60_000);
});
