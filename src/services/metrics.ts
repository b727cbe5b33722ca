import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import pkg from '../../package.json' with { type: 'json' };

/**
 * The process's one Prometheus registry. Services call the small functions below (a counter
 * bump, a timer); nothing else imports prom-client. Every label value comes from a closed set
 * (stage names, run statuses, error codes, schema root fields): never an id, never user input.
 * Families are process-wide: a test process running several apps sums them, as a machine would.
 */
export const registry = new Registry();

// process_* and nodejs_* (CPU, memory, GC, event-loop delay percentiles via monitorEventLoopDelay).
collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });

const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
const OPERATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Statuses a run execution can end in (RunEnd), plus what recovery and a queued cancel write. */
export const RUN_END_STATUSES = ['COMPLETED', 'REVIEWING', 'ERROR', 'CANCELLED', 'INTERRUPTED', 'HANDED_BACK', 'LEASE_LOST', 'ABANDONED'] as const;
/** `extensions.code` values of API.md; anything else is counted as OTHER. */
export const ERROR_CODES = ['UNAUTHENTICATED', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'REVIEW_PENDING', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR', 'FORBIDDEN'] as const;
export const RATE_LIMITS = ['login-email', 'login-ip', 'starts', 'ws-connections', 'ws-subscriptions'] as const;

const oneOf = <T extends string>(allowed: readonly T[], value: string, fallback: string): string =>
  (allowed as readonly string[]).includes(value) ? value : fallback;

const runsStarted = new Counter({ name: 'cma_runs_started_total', help: 'Pipeline runs created by startProcessing (run at once or queued).', registers: [registry] });
const runsEnded = new Counter({
  name: 'cma_runs_ended_total',
  help: 'Pipeline run executions ended, by how they ended (HANDED_BACK: returned to the queue on a stop).',
  labelNames: ['status'],
  registers: [registry],
});
const stageDuration = new Histogram({
  name: 'cma_stage_duration_seconds',
  help: 'Time a pipeline stage body ran (waiting for a CPU slot excluded), by stage and outcome.',
  labelNames: ['stage', 'outcome'],
  buckets: DURATION_BUCKETS,
  registers: [registry],
});
const runDuration = new Histogram({
  name: 'cma_run_duration_seconds',
  help: 'Wall time of one run execution in this process, from its first stage to its end, by final status.',
  labelNames: ['status'],
  buckets: DURATION_BUCKETS,
  registers: [registry],
});
const rowsExtracted = new Counter({ name: 'cma_rows_extracted_total', help: 'Line items written by EXTRACT.', registers: [registry] });
const eventsPublished = new Counter({ name: 'cma_status_events_published_total', help: 'Project status events published by this process.', registers: [registry] });
const eventsDelivered = new Counter({
  name: 'cma_status_events_delivered_total',
  help: 'Project status events handed to subscribers in this process (one per subscriber per event).',
  registers: [registry],
});
const wsConnections = new Gauge({ name: 'cma_websocket_connections', help: 'Open graphql-ws WebSocket connections.', registers: [registry] });
const liveSubscriptions = new Gauge({ name: 'cma_live_subscriptions', help: 'projectStatus subscriptions attached (WebSocket and SSE).', registers: [registry] });
const slowClientsClosed = new Counter({ name: 'cma_slow_clients_closed_total', help: 'graphql-ws clients closed (1013) for not reading their messages.', registers: [registry] });
const operations = new Counter({
  name: 'cma_graphql_operations_total',
  help: 'GraphQL operations, by root field (or "other"/"invalid") and type.',
  labelNames: ['operation', 'type'],
  registers: [registry],
});
const operationDuration = new Histogram({
  name: 'cma_graphql_operation_duration_seconds',
  help: 'Time to execute a GraphQL operation (a subscription: until its stream is set up).',
  labelNames: ['operation', 'type'],
  buckets: OPERATION_BUCKETS,
  registers: [registry],
});
const operationErrors = new Counter({
  name: 'cma_graphql_errors_total',
  help: 'Errors in GraphQL results, by root field and extensions.code.',
  labelNames: ['operation', 'code'],
  registers: [registry],
});
const rateLimitRefusals = new Counter({ name: 'cma_rate_limit_refusals_total', help: 'Requests refused by a rate limit.', labelNames: ['limit'], registers: [registry] });
const buildInfo = new Gauge({ name: 'cma_build_info', help: 'Always 1: the running build.', labelNames: ['version', 'commit', 'node'], registers: [registry] });
/** Sets `cma_build_info` (the commit comes from config: BUILD_COMMIT). */
export function setBuildInfo(commit: string | undefined): void {
  buildInfo.reset();
  buildInfo.set({ version: pkg.version, commit: commit?.slice(0, 40) || 'unknown', node: process.version }, 1);
}
setBuildInfo(undefined);

/** What only an app can tell: read at scrape time, summed over the apps of this process. */
export interface MetricsSource {
  /** Runs executing in this process now. */
  runsRunning(): number;
  /** Pipeline slots of this process's runner (0 once it stopped). */
  runnerSlots(): number;
  pool(): { inUse: number; idle: number; waiting: number };
  /** Undefined when Redis is not configured. */
  redisConnected?(): boolean;
  /** The queue as the database sees it; called at most once per cache period. */
  queue(): Promise<{ depth: number; oldestAgeSeconds: number }>;
  /** How long a queue reading is reused, so a scrape costs at most one light query. */
  queueCacheMs: number;
}

const sources = new Set<MetricsSource>();

/** Registers an app's live readings; returns the unregister. */
export function addMetricsSource(source: MetricsSource): () => void {
  sources.add(source);
  return () => void sources.delete(source);
}

const sum = (f: (s: MetricsSource) => number) => [...sources].reduce((total, s) => total + f(s), 0);

new Gauge({
  name: 'cma_runs_running',
  help: 'Pipeline runs executing in this process.',
  registers: [registry],
  collect() {
    this.set(sum((s) => s.runsRunning()));
  },
});
new Gauge({
  name: 'cma_runner_slots',
  help: 'Pipeline slots (PIPELINE_CONCURRENCY) of the runners started in this process; 0: none takes work.',
  registers: [registry],
  collect() {
    this.set(sum((s) => s.runnerSlots()));
  },
});
new Gauge({
  name: 'cma_db_pool_connections',
  help: 'PostgreSQL pool connections of this process, by state.',
  labelNames: ['state'],
  registers: [registry],
  collect() {
    this.set({ state: 'in_use' }, sum((s) => s.pool().inUse));
    this.set({ state: 'idle' }, sum((s) => s.pool().idle));
  },
});
new Gauge({
  name: 'cma_db_pool_waiting',
  help: 'Queries waiting for a PostgreSQL pool connection in this process.',
  registers: [registry],
  collect() {
    this.set(sum((s) => s.pool().waiting));
  },
});
new Gauge({
  name: 'cma_redis_connected',
  help: '1 while the Redis pubsub connections are ready, 0 otherwise; absent without REDIS_URL.',
  // A label, so that the family can have no sample at all (an unlabelled gauge always shows 0).
  labelNames: ['client'],
  registers: [registry],
  collect() {
    this.reset();
    const readers = [...sources].filter((s) => s.redisConnected);
    if (readers.length > 0) this.set({ client: 'pubsub' }, readers.every((s) => s.redisConnected!()) ? 1 : 0);
  },
});

let queueReading: { at: number; value: Promise<{ depth: number; oldestAgeSeconds: number } | null> } | null = null;

/** One reading shared by both queue gauges and by scrapes within the cache period. */
function readQueue(): Promise<{ depth: number; oldestAgeSeconds: number } | null> {
  const source = [...sources].at(-1);
  if (!source) return Promise.resolve(null);
  if (queueReading && Date.now() - queueReading.at < source.queueCacheMs) return queueReading.value;
  const value = source.queue().catch(() => null); // a database that does not answer leaves the gauges out
  queueReading = { at: Date.now(), value };
  return value;
}

new Gauge({
  name: 'cma_queue_depth',
  help: 'Runs waiting QUEUED in the database (all processes), read at most every few seconds.',
  registers: [registry],
  // A failed reading keeps the last value (the database error shows on /readyz and in the logs).
  async collect() {
    const q = await readQueue();
    if (q) this.set(q.depth);
  },
});
new Gauge({
  name: 'cma_queue_oldest_age_seconds',
  help: 'Age of the oldest QUEUED run (0 when none), read at most every few seconds.',
  registers: [registry],
  async collect() {
    const q = await readQueue();
    if (q) this.set(q.oldestAgeSeconds);
  },
});

// ---- what services call ----

export const metrics = {
  runStarted: () => runsStarted.inc(),
  runEnded(status: string, seconds?: number) {
    const label = oneOf(RUN_END_STATUSES, status, 'OTHER');
    runsEnded.inc({ status: label });
    if (seconds !== undefined) runDuration.observe({ status: label }, seconds);
  },
  stageEnded: (stage: string, outcome: 'done' | 'failed' | 'stopped', seconds: number) => stageDuration.observe({ stage, outcome }, seconds),
  rowsExtracted: (n: number) => rowsExtracted.inc(n),
  eventPublished: () => eventsPublished.inc(),
  eventsDelivered: (n: number) => eventsDelivered.inc(n),
  wsConnected: () => wsConnections.inc(),
  wsDisconnected: () => wsConnections.dec(),
  subscriptionAttached: () => liveSubscriptions.inc(),
  subscriptionDetached: () => liveSubscriptions.dec(),
  slowClientClosed: () => slowClientsClosed.inc(),
  rateLimited: (limit: string) => rateLimitRefusals.inc({ limit: oneOf(RATE_LIMITS, limit, 'other') }),
  /** `operation` must already be bounded (see graphql-operation.ts); codes are bounded here. */
  operation(operation: string, type: string, seconds: number, codes: readonly string[]) {
    const t = oneOf(['query', 'mutation', 'subscription', 'unknown'], type, 'unknown');
    operations.inc({ operation, type: t });
    operationDuration.observe({ operation, type: t }, seconds);
    for (const code of codes) operationErrors.inc({ operation, code: oneOf(ERROR_CODES, code, 'OTHER') });
  },
};

export const metricsContentType = registry.contentType;

/** The text exposition of every family. */
export function renderMetrics(): Promise<string> {
  return registry.metrics();
}
