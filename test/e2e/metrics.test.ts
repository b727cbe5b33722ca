import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createOrm } from '../../src/database/orm.js';
import { createLogger } from '../../src/services/logger.js';
import { createCmaStages } from '../../src/services/pipeline/stages/index.js';
import { buildWorker } from '../../src/worker.js';
import { closeClients, collect, createProject, example, gql, gqlOk, signUp, upload, wsClient } from '../helpers/client.js';
import { createTestDatabase } from '../helpers/database.js';
import { holdStages, type HeldStages } from '../helpers/held-stages.js';
import { START, STATUS, type StatusEvent } from '../helpers/operations.js';
import { hasSample, parsePrometheus, scrape, valueOf, type Family } from '../helpers/prometheus.js';
import { startTestServer, stopAll, testConfig, type TestServer } from '../helpers/server.js';

/** Every family an operator's dashboard and alerts rely on, with its type. */
export const FAMILIES: Record<string, Family['type']> = {
  cma_runs_started_total: 'counter',
  cma_runs_ended_total: 'counter',
  cma_queue_depth: 'gauge',
  cma_queue_oldest_age_seconds: 'gauge',
  cma_runs_running: 'gauge',
  cma_runner_slots: 'gauge',
  cma_stage_duration_seconds: 'histogram',
  cma_run_duration_seconds: 'histogram',
  cma_rows_extracted_total: 'counter',
  cma_status_events_published_total: 'counter',
  cma_status_events_delivered_total: 'counter',
  cma_websocket_connections: 'gauge',
  cma_live_subscriptions: 'gauge',
  cma_slow_clients_closed_total: 'counter',
  cma_graphql_operations_total: 'counter',
  cma_graphql_operation_duration_seconds: 'histogram',
  cma_graphql_errors_total: 'counter',
  cma_rate_limit_refusals_total: 'counter',
  cma_db_pool_connections: 'gauge',
  cma_db_pool_waiting: 'gauge',
  cma_build_info: 'gauge',
  nodejs_eventloop_lag_p99_seconds: 'gauge',
  process_cpu_seconds_total: 'counter',
};

const dataDir = mkdtempSync(path.join(tmpdir(), 'cma-metrics-'));
const isFinal = (e: StatusEvent) => ['COMPLETED', 'ERROR', 'REVIEWING', 'CANCELLED'].includes(e.projectStatus.status);
let server: TestServer;
let held: HeldStages;
let metricsUrl: string;

beforeAll(async () => {
  const database = await createTestDatabase();
  held = holdStages(createCmaStages({ reviewThreshold: testConfig().reviewThreshold, databaseUrl: database.url }));
  // One slot, so a second start waits in the queue.
  server = await startTestServer({ database, config: { dataDir, pipelineConcurrency: 1 }, deps: { stages: held.stages } });
  metricsUrl = `${server.base}/metrics`;
});
afterAll(async () => {
  await closeClients();
  await stopAll();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Scrapes until `check` holds (gauges read at scrape time follow the server's own work). */
async function scrapeUntil(check: (f: Map<string, Family>) => boolean, what: string): Promise<Map<string, Family>> {
  for (let i = 0; i < 200; i++) {
    const families = await scrape(metricsUrl);
    if (check(families)) return families;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`metrics never showed ${what}`);
}

async function uploadedProject(token: string, name: string): Promise<string> {
  const projectId = await createProject(server.url, token, name);
  const res = await upload(server.url, token, projectId, { name: 'clean.csv', content: example('clean-two-years.csv') });
  expect(res.errors).toBeUndefined();
  return projectId;
}

describe('/metrics through whole runs', () => {
  it('has every family with HELP and TYPE, and they move as the runs do', async () => {
    const before = await scrape(metricsUrl);
    for (const [name, type] of Object.entries(FAMILIES)) {
      expect(before.get(name), name).toBeDefined();
      expect(before.get(name)!.type, name).toBe(type);
      expect(before.get(name)!.help.length, name).toBeGreaterThan(10);
    }
    expect(valueOf(before, 'cma_build_info', { version: '0.1.0', node: process.version })).toBe(1);
    expect(valueOf(before, 'cma_runner_slots')).toBe(1);
    expect(valueOf(before, 'cma_queue_depth')).toBe(0);
    expect(hasSample(before, 'cma_redis_connected')).toBe(false); // no REDIS_URL
    const v0 = (name: string, labels?: Record<string, string>) => valueOf(before, name, labels);

    const { token } = await signUp(server.url);
    const first = await uploadedProject(token, 'first');
    const second = await uploadedProject(token, 'second');
    held.hold(first, 'EXTRACT');
    const sub1 = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: first });
    const sub2 = collect<StatusEvent>(wsClient(server.wsUrl, token), STATUS, { id: second });
    await sub1.next(() => true);
    await sub2.next(() => true);
    const subscribed = await scrape(metricsUrl);
    expect(valueOf(subscribed, 'cma_live_subscriptions')).toBe(v0('cma_live_subscriptions') + 2);
    expect(valueOf(subscribed, 'cma_websocket_connections')).toBe(v0('cma_websocket_connections') + 2);

    await gqlOk(server.url, START, { id: first }, token);
    await held.entered(first, 'EXTRACT');
    const queued = await gqlOk(server.url, START, { id: second }, token);
    expect(queued.startProcessing.message).toBe('Processing queued');

    const waiting = await scrape(metricsUrl);
    expect(valueOf(waiting, 'cma_runs_started_total')).toBe(v0('cma_runs_started_total') + 2);
    expect(valueOf(waiting, 'cma_queue_depth')).toBe(1);
    expect(valueOf(waiting, 'cma_queue_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(valueOf(waiting, 'cma_runs_running')).toBe(1);
    expect(valueOf(waiting, 'cma_graphql_operations_total', { operation: 'startProcessing', type: 'mutation' })).toBe(
      v0('cma_graphql_operations_total', { operation: 'startProcessing', type: 'mutation' }) + 2,
    );

    held.release(first, 'EXTRACT');
    expect((await sub1.next(isFinal)).projectStatus.status).toBe('COMPLETED');
    expect((await sub2.next(isFinal)).projectStatus.status).toBe('COMPLETED');

    const after = await scrapeUntil((f) => valueOf(f, 'cma_runs_running') === 0, 'no run running');
    expect(valueOf(after, 'cma_runs_ended_total', { status: 'COMPLETED' })).toBe(v0('cma_runs_ended_total', { status: 'COMPLETED' }) + 2);
    expect(valueOf(after, 'cma_queue_depth')).toBe(0);
    expect(valueOf(after, 'cma_queue_oldest_age_seconds')).toBe(0);
    expect(valueOf(after, 'cma_run_duration_seconds_count', { status: 'COMPLETED' })).toBe(v0('cma_run_duration_seconds_count', { status: 'COMPLETED' }) + 2);
    for (const stage of ['EXTRACT', 'CLASSIFY', 'REVIEW', 'VALIDATE', 'GENERATE']) {
      expect(valueOf(after, 'cma_stage_duration_seconds_count', { stage, outcome: 'done' }), stage).toBe(
        v0('cma_stage_duration_seconds_count', { stage, outcome: 'done' }) + 2,
      );
    }
    // The held EXTRACT took at least as long as the wait for the second start.
    expect(valueOf(after, 'cma_rows_extracted_total')).toBeGreaterThan(v0('cma_rows_extracted_total'));
    const published = valueOf(after, 'cma_status_events_published_total') - v0('cma_status_events_published_total');
    expect(published).toBeGreaterThanOrEqual(2 * 12); // per run: start, 5 × (started, finished), completed
    const delivered = valueOf(after, 'cma_status_events_delivered_total') - v0('cma_status_events_delivered_total');
    expect(delivered).toBe(published); // one subscriber per project

    sub1.unsubscribe();
    sub2.unsubscribe();
    await closeClients();
    const gone = await scrapeUntil(
      (f) => valueOf(f, 'cma_live_subscriptions') === v0('cma_live_subscriptions') && valueOf(f, 'cma_websocket_connections') === v0('cma_websocket_connections'),
      'subscriptions and connections back where they were',
    );
    expect(valueOf(gone, 'cma_live_subscriptions')).toBe(v0('cma_live_subscriptions'));
  });

  it('counts errors by extensions.code and keeps labels bounded after 1,000 random operation names', async () => {
    const { token } = await signUp(server.url);
    const before = await scrape(metricsUrl);
    const missing = await gql(server.url, START, { id: '00000000-0000-4000-8000-000000000000' }, token);
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const random = () => `op_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
    for (let batch = 0; batch < 50; batch++) {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => {
          const name = random();
          // Valid queries with a random name, and invalid ones naming a random field.
          return i % 2 === 0
            ? gql(server.url, `query ${name} { me { id } }`, {}, token)
            : gql(server.url, `query ${name} { ${random()} }`, {}, token);
        }),
      );
    }
    const after = await scrape(metricsUrl);
    const text = await (await fetch(metricsUrl)).text();
    expect(text).not.toMatch(/op_[a-z0-9]{6,}/);
    expect(valueOf(after, 'cma_graphql_errors_total', { operation: 'startProcessing', code: 'NOT_FOUND' })).toBe(
      valueOf(before, 'cma_graphql_errors_total', { operation: 'startProcessing', code: 'NOT_FOUND' }) + 1,
    );
    expect(valueOf(after, 'cma_graphql_operations_total', { operation: 'me', type: 'query' })).toBe(
      valueOf(before, 'cma_graphql_operations_total', { operation: 'me', type: 'query' }) + 500,
    );
    expect(valueOf(after, 'cma_graphql_operations_total', { operation: 'invalid' })).toBe(valueOf(before, 'cma_graphql_operations_total', { operation: 'invalid' }) + 500);
    expect(valueOf(after, 'cma_graphql_errors_total', { operation: 'invalid', code: 'BAD_USER_INPUT' })).toBeGreaterThanOrEqual(500);
    // Label sets: at most one per schema root field, plus invalid/other/introspection.
    const operations = after.get('cma_graphql_operations_total')!.samples;
    const rootFields = new Set(operations.map((s) => s.labels.operation));
    expect(rootFields.size).toBeLessThanOrEqual(40);
    const series = [...after.values()].reduce((n, f) => n + f.samples.length, 0);
    const seriesBefore = [...before.values()].reduce((n, f) => n + f.samples.length, 0);
    // 1,000 random names added only the handful of series of "me" and "invalid".
    expect(series - seriesBefore).toBeLessThan(60);
  }, 180_000);
});

describe('the Grafana dashboard and the alert rules', () => {
  const read = (file: string) => readFileSync(new URL(`../../deploy/${file}`, import.meta.url), 'utf8');
  /** Metric names in a PromQL expression (ours, Node's and the process's). */
  const namesIn = (expr: string) => [...expr.matchAll(/\b((?:cma|nodejs|process)_[a-z0-9_]+)\b/g)].map((m) => m[1]!);

  it('reference only metrics /metrics serves, in valid JSON and YAML', async () => {
    const dashboard = JSON.parse(read('grafana-dashboard.json')) as { panels: { type: string; title: string; targets?: { expr: string }[] }[] };
    const rules = parseYaml(read('alerts.yml')) as { groups: { name: string; rules: { alert: string; expr: string; for: string; annotations: { summary: string } }[] }[] };
    const exprs = [
      ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
      ...rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr }))),
    ];
    expect(dashboard.panels.filter((p) => p.type !== 'row').length).toBeGreaterThanOrEqual(15);
    const alerts = rules.groups.flatMap((g) => g.rules);
    expect(alerts.map((r) => r.alert)).toEqual(expect.arrayContaining(['CmaQueueStuck', 'CmaRunsFailing', 'CmaNoWorkerAlive', 'CmaEventLoopLagging']));
    for (const rule of alerts) {
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
    }

    const families = await scrape(metricsUrl);
    const served = new Set([...families.values()].flatMap((f) => [f.name, ...f.samples.map((s) => s.name)]));
    // Families that may have no sample yet (labelled, nothing counted) still declare HELP/TYPE.
    const declared = (name: string) => served.has(name) || families.has(name.replace(/_(bucket|sum|count)$/, ''));
    let checked = 0;
    for (const { where, expr } of exprs) {
      const names = namesIn(expr);
      expect(names.length, `${where}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) {
        expect(declared(name), `${where} uses ${name}`).toBe(true);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(25);
  });
});

describe('/metrics access', () => {
  it('requires the bearer token when METRICS_TOKEN is set', async () => {
    const token = 'a-metrics-token-of-some-length';
    const guarded = await startTestServer({ config: { metrics: { ...testConfig().metrics, token } } });
    const url = `${guarded.base}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong-token-of-the-same-size' } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: token } })).status).toBe(401);
    const families = await scrape(url, token);
    expect(families.get('cma_runs_started_total')).toBeDefined();
  });

  it('is served by a worker process (ROLE=worker) on its health port too, with its runner slots', async () => {
    const database = await createTestDatabase();
    const config = testConfig({ databaseUrl: database.url, pipelineConcurrency: 3, metrics: { ...testConfig().metrics, token: 'worker-metrics-token-123' } });
    const orm = await createOrm(database.url, undefined, 4);
    const worker = buildWorker({ config, orm, logger: createLogger('silent') });
    const slotsBefore = valueOf(await scrape(metricsUrl), 'cma_runner_slots');
    try {
      const base = await worker.start();
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      const families = await scrape(`${base}/metrics`, 'worker-metrics-token-123');
      // The servers of this file and this worker share the process's registry: +3 slots.
      expect(valueOf(families, 'cma_runner_slots')).toBe(slotsBefore + 3);
      expect(families.get('cma_queue_depth')).toBeDefined();
    } finally {
      await worker.stop();
      await orm.close(true);
      await database.drop();
    }
  });

  it('serves /metrics on METRICS_PORT alone, on loopback, and not on the API port', async () => {
    const separate = await startTestServer({ config: { metrics: { ...testConfig().metrics, port: 0 } } });
    const url = separate.app.metricsUrl();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(url).not.toContain(new URL(separate.base).port + '/');
    expect(parsePrometheus(await (await fetch(url!)).text()).get('cma_queue_depth')).toBeDefined();
    expect((await fetch(`${separate.base}/metrics`)).status).toBe(404);
    expect((await fetch(url!.replace('/metrics', '/graphql'))).status).toBe(404);
  });
});
