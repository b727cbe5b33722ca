/**
 * Tenancy sweep, generated from the schema: every field that takes an id (as an argument or
 * inside an input object) is called by firm B with firm A's ids. B must get exactly what it
 * gets for an id that exists nowhere (null for nullable queries, NOT_FOUND otherwise, no
 * subscription events), and A's data must not change. A field with an id argument and no case
 * in TENANCY_CASES fails the suite, so a new field cannot ship without its tenancy test.
 *
 * Firm A's objects come from the real pipeline: projects in DRAFT, REVIEWING (needs-review.csv,
 * line items waiting for review), COMPLETED, ERROR, and one held PROCESSING at CLASSIFY.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isNonNullType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSchema } from '../../src/schema/index.js';
import { createCmaStages } from '../../src/services/pipeline/stages/index.js';
import { closeClients, collect, createProject, example, gql, gqlOk, signUp, upload, wsClient } from '../helpers/client.js';
import { holdStages, type HeldStages } from '../helpers/held-stages.js';
import { describeIdField, fieldsWithArguments, idArgumentPaths } from '../helpers/fuzz/schema-walk.js';
import { sseOnce } from '../helpers/fuzz/sse.js';
import { STATUS, type StatusEvent } from '../helpers/operations.js';
import { createTestDatabase } from '../helpers/database.js';
import { startTestServer, stopAll, testConfig, type TestServer } from '../helpers/server.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'cma-tenancy-'));
let held: HeldStages;
let server: TestServer;

const FINAL = ['COMPLETED', 'REVIEWING', 'ERROR', 'CANCELLED'];
type Statement = 'BALANCE_SHEET' | 'PROFIT_AND_LOSS';
/** A head valid for each statement, and one that is not (for the owner's harmless control call). */
const HEAD_FOR: Record<Statement, string> = { BALANCE_SHEET: 'CAPITAL', PROFIT_AND_LOSS: 'SALES' };
const WRONG_HEAD_FOR: Record<Statement, string> = { BALANCE_SHEET: 'SALES', PROFIT_AND_LOSS: 'CAPITAL' };

interface Account {
  token: string;
  firmId: string;
}
interface Fixture {
  a: Account;
  b: Account;
  /** Firm A's projects, one per state a client can find them in. */
  projects: { draft: string; reviewing: string; completed: string; failed: string; running: string };
  /** Firm A's line items: waiting for review, classified by a finished run, extracted by a running one. */
  items: { review: string; classified: string; running: string };
  statementOf: Map<string, Statement>;
  /** Firm B's own project. */
  bProject: string;
}
let fx: Fixture;

/** Uploads `file`, starts the pipeline and waits for the run's final event. */
async function runToEnd(token: string, projectId: string, file: string): Promise<string> {
  const res = await upload(server.url, token, projectId, { name: file, content: example(file) });
  expect(res.errors).toBeUndefined();
  const sub = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: projectId });
  await sub.next(() => true);
  const started = await gqlOk(server.url, 'mutation($id: ID!) { startProcessing(projectId: $id) { run { id } } }', { id: projectId }, token);
  const runId: string = started.startProcessing.run.id;
  const final = await sub.next((e) => e.projectStatus.runId === runId && FINAL.includes(e.projectStatus.status));
  sub.unsubscribe();
  return final.projectStatus.status;
}

async function lineItems(token: string, projectId: string, needsReview?: boolean) {
  const data = await gqlOk(
    server.url,
    'query($id: ID!, $r: Boolean) { project(id: $id) { lineItems(needsReview: $r, first: 1000) { id statement head needsReview } } }',
    { id: projectId, r: needsReview },
    token,
  );
  return data.project.lineItems as { id: string; statement: Statement; head: string | null; needsReview: boolean }[];
}

beforeAll(async () => {
  // The real stages, built as the app builds them (they need the database's URL), made holdable.
  const database = await createTestDatabase();
  const options = { reviewThreshold: testConfig().reviewThreshold, databaseUrl: database.url };
  held = holdStages(createCmaStages(options as Parameters<typeof createCmaStages>[0]));
  server = await startTestServer({ database, config: { dataDir }, deps: { stages: held.stages } });
  const a = await signUp(server.url, 'Firm A');
  const b = await signUp(server.url, 'Firm B');
  const [draft, reviewing, completed, failed, running, bProject] = await Promise.all([
    createProject(server.url, a.token, 'A draft'),
    createProject(server.url, a.token, 'A reviewing'),
    createProject(server.url, a.token, 'A completed'),
    createProject(server.url, a.token, 'A failed'),
    createProject(server.url, a.token, 'A running'),
    createProject(server.url, b.token, 'B own'),
  ]);
  const ends = await Promise.all([
    runToEnd(a.token, reviewing!, 'needs-review.csv'),
    runToEnd(a.token, completed!, 'clean-two-years.csv'),
    runToEnd(a.token, failed!, 'bad-amount.csv'),
  ]);
  expect(ends).toEqual(['REVIEWING', 'COMPLETED', 'ERROR']);

  // Held at CLASSIFY: EXTRACT has written the line items, the run is live.
  held.hold(running!, 'CLASSIFY');
  expect((await upload(server.url, a.token, running!, { name: 'needs-review.csv', content: example('needs-review.csv') })).errors).toBeUndefined();
  await gqlOk(server.url, 'mutation($id: ID!) { startProcessing(projectId: $id) { run { id } } }', { id: running }, a.token);
  await held.entered(running!, 'CLASSIFY');

  const [review, classified, extracted] = await Promise.all([
    lineItems(a.token, reviewing!, true),
    lineItems(a.token, completed!),
    lineItems(a.token, running!),
  ]);
  expect(review.length).toBeGreaterThan(0);
  expect(classified.every((i) => i.head !== null)).toBe(true);
  expect(extracted.length).toBeGreaterThan(0);
  fx = {
    a,
    b,
    projects: { draft: draft!, reviewing: reviewing!, completed: completed!, failed: failed!, running: running! },
    items: { review: review[0]!.id, classified: classified[0]!.id, running: extracted[0]!.id },
    statementOf: new Map([...review, ...classified, ...extracted].map((i) => [i.id, i.statement])),
    bProject: bProject!,
  };
}, 120_000);

afterAll(async () => {
  await closeClients();
  await stopAll();
});

// ---------------------------------------------------------------------------------------------
// What a client observes, and A's whole state.

interface ObservedError {
  message: string;
  extensions?: { code?: string; [k: string]: unknown };
  path?: unknown;
}
/** Everything a caller can see of one call, compared whole between A's id and a missing one. */
interface Outcome {
  observed: unknown;
  errors: ObservedError[];
  /** The field's value (null when hidden); undefined when it errored. */
  value: unknown;
  /** Subscription events delivered. */
  events: number;
}

function httpOutcome(field: string, res: { status: number; data?: Record<string, unknown> | null; errors?: ObservedError[] }): Outcome {
  return {
    observed: { status: res.status, data: res.data, errors: res.errors },
    errors: res.errors ?? [],
    value: res.data?.[field],
    events: 0,
  };
}

/** Every row a call could have touched (heartbeats aside), stored bytes included. */
async function snapshot() {
  const q = (text: string) => server.app.services.sql.query(text);
  return {
    projects: await q(`select id, firm_id, name, client_name, status, is_processing, current_stage, progress, error_message,
                              last_sequence, extracted_digest, classified_digest, updated_at from cma_projects order by id`),
    documents: await q('select id, project_id, firm_id, filename, sha256, size_bytes, storage_key from documents order by id'),
    runs: await q(`select id, project_id, status, restart, queued_at, started_at, finished_at, cancel_requested, attempts, error_message
                   from pipeline_runs order by id`),
    stageRuns: await q('select run_id, stage, status, progress, started_at, finished_at from pipeline_stage_runs order by run_id, position'),
    lineItems: await q('select id, project_id, document_id, head, confidence, needs_review, amount_paise from line_items order by id'),
    labelHeads: await q('select firm_id, statement, label, head, updated_at from firm_label_heads order by 1, 2, 3'),
    events: await q('select project_id, count(*)::int as n, max(sequence) as last from project_status_events group by 1 order by 1'),
    reports: await q('select project_id, run_id, generated_at from cma_reports order by 1'),
    chunks: await q('select document_id, count(*)::int as n, sum(length(data))::bigint as bytes from document_chunks group by 1 order by 1'),
  };
}

/** Runs a graphql-ws subscription until the server ends it, or `ms` passes (a leak would stream). */
async function subscribeWs(token: string, variables: Record<string, unknown>, ms = 3_000) {
  const client = wsClient(server.wsUrl, token);
  const sub = collect<StatusEvent>(client, STATUS, variables);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([sub.ended(), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
  sub.unsubscribe();
  await client.dispose();
  return { events: sub.events, errors: sub.errors as ObservedError[], completed: sub.completed };
}

// ---------------------------------------------------------------------------------------------
// The table: one case per schema coordinate of a field that takes an id.

interface TenancyCase {
  /** Firm A's ids the field is aimed at; every one is tried. */
  targets(fx: Fixture): string[];
  /** An id of the same shape that belongs to no one. */
  missing(): string;
  /**
   * Calls the field as `token` with `id`, with arguments that would succeed for the owner, so a
   * missing firm check shows up as a success or a change. `target` is A's id being probed (the
   * missing-id call gets the same, so both calls differ only in the id).
   */
  call(id: string, token: string, target: string): Promise<Outcome>;
  /** The owner's own call with the same shape reaches the object (and changes nothing). */
  owner: { target(fx: Fixture): string; check(id: string, token: string): Promise<void> };
}

const uuidMissing = () => randomUUID();
/** Line item ids are bigints; this one is far beyond any this database has issued. */
const lineItemMissing = () => String(900_000_000_000 + Math.floor(Math.random() * 1e9));
const allProjects = (f: Fixture) => Object.values(f.projects);

const TENANCY_CASES: Record<string, TenancyCase> = {
  'Query.project': {
    targets: allProjects,
    missing: uuidMissing,
    call: async (id, token) =>
      httpOutcome('project', await gql(server.url, 'query($id: ID!) { project(id: $id) { id name status documents { id } lineItems { id } } }', { id }, token)),
    owner: {
      target: (f) => f.projects.reviewing,
      async check(id, token) {
        const data = await gqlOk(server.url, 'query($id: ID!) { project(id: $id) { id } }', { id }, token);
        expect(data.project.id).toBe(id.toLowerCase());
      },
    },
  },

  'Mutation.uploadDocument': {
    targets: allProjects,
    missing: uuidMissing,
    call: async (id, token) =>
      httpOutcome('uploadDocument', await upload(server.url, token, id, { name: 'needs-review.csv', content: example('needs-review.csv') })),
    owner: {
      target: (f) => f.projects.draft,
      async check(id, token) {
        // An empty file is refused only after the project is found: proof the owner got through.
        const res = await upload(server.url, token, id, { name: 'empty.csv', content: '' });
        expect(res.errors?.[0]).toMatchObject({ message: '"empty.csv" is empty', extensions: { code: 'BAD_USER_INPUT' } });
      },
    },
  },

  'Mutation.startProcessing': {
    targets: allProjects,
    missing: uuidMissing,
    // restart: true would even get past the review gate if the firm check were missing.
    call: async (id, token) =>
      httpOutcome(
        'startProcessing',
        await gql(server.url, 'mutation($id: ID!) { startProcessing(projectId: $id, options: { restart: true }) { message run { id } } }', { id }, token),
      ),
    owner: {
      target: (f) => f.projects.reviewing,
      async check(id, token) {
        const res = await gql(server.url, 'mutation($id: ID!) { startProcessing(projectId: $id) { message } }', { id }, token);
        expect(res.errors?.[0]?.extensions?.code).toBe('REVIEW_PENDING');
      },
    },
  },

  'Mutation.cancelProcessing': {
    targets: allProjects,
    missing: uuidMissing,
    call: async (id, token) =>
      httpOutcome('cancelProcessing', await gql(server.url, 'mutation($id: ID!) { cancelProcessing(projectId: $id) { id status } }', { id }, token)),
    owner: {
      target: (f) => f.projects.completed,
      async check(id, token) {
        const res = await gql(server.url, 'mutation($id: ID!) { cancelProcessing(projectId: $id) { id } }', { id }, token);
        expect(res.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
        expect(res.errors?.[0]?.message).toContain('not being processed');
      },
    },
  },

  'Mutation.classifyLineItem': {
    targets: (f) => Object.values(f.items),
    missing: lineItemMissing,
    call: async (id, token, target) =>
      httpOutcome(
        'classifyLineItem',
        await gql(
          server.url,
          'mutation($id: ID!, $head: String!) { classifyLineItem(lineItemId: $id, head: $head) { id head needsReview } }',
          { id, head: HEAD_FOR[fx.statementOf.get(target)!] },
          token,
        ),
      ),
    owner: {
      target: (f) => f.items.review,
      async check(id, token) {
        // A head of the other statement is refused naming the item: found, and nothing written.
        const res = await gql(server.url, 'mutation($id: ID!, $head: String!) { classifyLineItem(lineItemId: $id, head: $head) { id } }', { id, head: WRONG_HEAD_FOR[fx.statementOf.get(id)!] }, token);
        expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(res.errors?.[0]?.message).toContain(`line item ${id} (`);
      },
    },
  },

  'Subscription.projectStatus': {
    targets: allProjects,
    missing: uuidMissing,
    async call(id, token) {
      // Both transports, with and without a replay: live state and stored events alike.
      const ws = await subscribeWs(token, { id });
      const replay = await subscribeWs(token, { id, after: 0 });
      const sse = await sseOnce(server.url, STATUS, { id }, { token, stopAfter: 1 });
      const ssePayloads = sse.payloads;
      return {
        observed: { ws, replay, sse: { status: sse.status, payloads: ssePayloads, completed: sse.completed } },
        errors: [...ws.errors, ...replay.errors, ...ssePayloads.flatMap((p) => p.errors ?? [])] as ObservedError[],
        value: undefined,
        events: ws.events.length + replay.events.length + ssePayloads.filter((p) => p.data).length,
      };
    },
    owner: {
      target: (f) => f.projects.running,
      async check(id, token) {
        const sub = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id });
        const first = await sub.next(() => true);
        sub.unsubscribe();
        expect(first.projectStatus).toMatchObject({ projectId: id.toLowerCase(), status: 'PROCESSING', stage: 'CLASSIFY' });
      },
    },
  },
};

// ---------------------------------------------------------------------------------------------

const ID_FIELDS = fieldsWithArguments(getSchema()).filter((entry) => idArgumentPaths(entry.field).length > 0);

/** The id as sent, and upper-cased (ids are parsed case-insensitively: no second way in). */
const variants = (id: string) => [...new Set([id, id.toUpperCase()])];

describe('the table covers the schema', () => {
  it('finds the fields that take ids by walking the schema', () => {
    // A sanity floor: the walk sees the fields API.md promises (argument names included).
    expect(ID_FIELDS.map(describeIdField)).toEqual(
      expect.arrayContaining([
        'Query.project(id)',
        'Mutation.uploadDocument(projectId)',
        'Mutation.startProcessing(projectId)',
        'Mutation.cancelProcessing(projectId)',
        'Mutation.classifyLineItem(lineItemId)',
        'Subscription.projectStatus(projectId)',
      ]),
    );
  });

  it('has no case for a field that no longer exists', () => {
    const known = new Set(ID_FIELDS.map((entry) => entry.coordinate));
    const stale = Object.keys(TENANCY_CASES).filter((coordinate) => !known.has(coordinate));
    expect(stale, `remove these stale entries from TENANCY_CASES in test/e2e/tenancy-sweep.test.ts: ${stale.join(', ')}`).toEqual([]);
  });
});

describe('firm B calling every id-taking field with firm A’s ids', () => {
  for (const entry of ID_FIELDS) {
    it(`${describeIdField(entry)}: B gets what a missing id gets, and A's data is unchanged`, async () => {
      const tenancyCase = TENANCY_CASES[entry.coordinate];
      if (!tenancyCase) {
        throw new Error(
          `${describeIdField(entry)} takes an id but has no tenancy case: add a "${entry.coordinate}" entry to TENANCY_CASES ` +
            'in test/e2e/tenancy-sweep.test.ts showing that another firm gets null/NOT_FOUND (exactly as for a missing id) and changes nothing.',
        );
      }
      // From the schema: a nullable query field hides the object as null; anything else NOT_FOUND.
      const answer = entry.root === 'query' && !isNonNullType(entry.field.type) ? 'null' : 'NOT_FOUND';
      const before = await snapshot();
      for (const target of tenancyCase.targets(fx)) {
        const missing = await tenancyCase.call(tenancyCase.missing(), fx.b.token, target);
        for (const id of variants(target)) {
          const stolen = await tenancyCase.call(id, fx.b.token, target);
          const what = `${entry.coordinate} by firm B on A's ${id}`;
          if (answer === 'null') {
            expect(stolen.errors, what).toEqual([]);
            expect(stolen.value, what).toBeNull();
          } else {
            expect(stolen.errors.length, what).toBeGreaterThan(0);
            expect(stolen.errors.map((e) => e.extensions?.code), what).toEqual(stolen.errors.map(() => 'NOT_FOUND'));
            expect(stolen.value ?? null, what).toBeNull();
          }
          expect(stolen.events, what).toBe(0);
          // Indistinguishable: the same status, data, messages and extensions as a missing id.
          expect(stolen.observed, what).toEqual(missing.observed);
        }
      }
      expect(await snapshot()).toEqual(before);

      // The same call by the owner gets through: the denial above is the firm check, not a typo.
      await tenancyCase.owner.check(tenancyCase.owner.target(fx), fx.a.token);
      expect(await snapshot()).toEqual(before);
    });
  }
});

describe('projects lists only the caller’s firm', () => {
  it('never shows A’s projects to B, with no filter, every status filter and every page', async () => {
    const statuses = getSchema().getType('ProjectStatus');
    const values = statuses && 'getValues' in statuses ? statuses.getValues().map((v) => v.name) : [];
    expect(values).toContain('REVIEWING');
    const aIds = new Set(allProjects(fx));
    const list = async (token: string, args: Record<string, unknown>) =>
      (
        await gqlOk(server.url, 'query($s: ProjectStatus, $f: Int, $o: Int) { projects(status: $s, first: $f, offset: $o) { id } }', args, token)
      ).projects.map((p: { id: string }) => p.id) as string[];

    const seenByA = new Set<string>();
    for (const status of [undefined, ...values]) {
      for (const page of [{ f: 200, o: 0 }, { f: 1, o: 0 }, { f: 1, o: 1 }, { f: 0, o: 0 }]) {
        const args = { s: status, ...page };
        const b = await list(fx.b.token, args);
        expect(b.filter((id) => aIds.has(id)), `B's projects(${JSON.stringify(args)})`).toEqual([]);
        expect(b.every((id) => id === fx.bProject), `B's projects(${JSON.stringify(args)})`).toBe(true);
        for (const id of await list(fx.a.token, args)) seenByA.add(`${status}:${id}`);
      }
    }
    // Not vacuous: A does see each of its projects under its own status.
    for (const [status, id] of [
      ['DRAFT', fx.projects.draft],
      ['REVIEWING', fx.projects.reviewing],
      ['COMPLETED', fx.projects.completed],
      ['ERROR', fx.projects.failed],
      ['PROCESSING', fx.projects.running],
    ]) {
      expect(seenByA.has(`${status}:${id}`), `A sees its ${status} project`).toBe(true);
    }
  });
});

describe('projectStatus stays within the firm', () => {
  it('B subscribed to its own project receives none of A’s events while A’s project runs', async () => {
    const bLive = collect<StatusEvent>(wsClient(server.wsUrl, fx.b.token), STATUS, { id: fx.bProject });
    const bReplay = collect<StatusEvent>(wsClient(server.wsUrl, fx.b.token), STATUS, { id: fx.bProject, after: 0 });
    const bInitial = await bLive.next(() => true);
    expect(bInitial.projectStatus).toMatchObject({ projectId: fx.bProject, status: 'DRAFT' });

    const aSub = collect<StatusEvent>(wsClient(server.wsUrl, fx.a.token), STATUS, { id: fx.projects.running });
    await aSub.next(() => true);
    held.release(fx.projects.running, 'CLASSIFY');
    const aFinal = await aSub.next((e) => FINAL.includes(e.projectStatus.status));
    expect(aFinal.projectStatus.status).toBe('REVIEWING');
    expect(aSub.events.length).toBeGreaterThan(3);

    // A barrier, not a sleep: B's own run is published after every event of A's, so anything
    // of A's that leaked would already be in B's lists by the time B's run ends.
    expect(await runToEnd(fx.b.token, fx.bProject, 'clean-two-years.csv')).toBe('COMPLETED');
    await bLive.next((e) => e.projectStatus.status === 'COMPLETED');
    await bReplay.next((e) => e.projectStatus.status === 'COMPLETED');

    const aRunIds = new Set(aSub.events.map((e) => e.projectStatus.runId).filter(Boolean));
    for (const [name, sub] of [['live', bLive], ['replay', bReplay]] as const) {
      expect(sub.errors, name).toEqual([]);
      expect(sub.events.length, name).toBeGreaterThan(1);
      expect(sub.events.filter((e) => e.projectStatus.projectId !== fx.bProject), name).toEqual([]);
      expect(sub.events.filter((e) => aRunIds.has(e.projectStatus.runId)), name).toEqual([]);
    }
  });
});
