import type { Orm } from '../database/orm.js';
import type { Sql } from '../database/sql.js';
import type { MetricsSource } from './metrics.js';
import type { PipelineRunner } from './pipeline/runner.js';

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

// One index-only read of the partial queue index (pipeline_runs_queue_index).
const QUEUE_SQL = `select count(*)::int as depth,
  coalesce(extract(epoch from now() - min(queued_at)), 0)::float8 as "oldestAgeSeconds"
  from pipeline_runs where status = 'QUEUED'`;

/** An app's live readings for the metrics registry. */
export function createMetricsSource(args: {
  orm: Orm;
  sql: Sql;
  runner: PipelineRunner;
  redisConnected?: () => boolean;
  queueCacheMs: number;
}): MetricsSource {
  const { orm, sql, runner } = args;
  return {
    runsRunning: () => runner.activeCount(),
    runnerSlots: () => runner.slots(),
    pool() {
      const pool = (orm.em.getConnection().getKnex().client as { pool?: TarnPool }).pool;
      if (!pool) return { inUse: 0, idle: 0, waiting: 0 };
      return { inUse: pool.numUsed(), idle: pool.numFree(), waiting: pool.numPendingAcquires() };
    },
    ...(args.redisConnected ? { redisConnected: args.redisConnected } : {}),
    async queue() {
      const [row] = await sql.query<{ depth: number; oldestAgeSeconds: number }>(QUEUE_SQL);
      return { depth: row?.depth ?? 0, oldestAgeSeconds: row?.oldestAgeSeconds ?? 0 };
    },
    queueCacheMs: args.queueCacheMs,
  };
}
