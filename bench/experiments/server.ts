/**
 * EXPERIMENT entry (not the service): `src/main.ts`'s wiring with switches that stand in for
 * proposed src changes, so each proposal is measured by the same bench before anyone writes it:
 *
 *   BENCH_SERVER_ENTRY=bench/experiments/server.ts npm run bench -- --quick --only start --server-env EXP_ASYNC_COMMIT=1
 *
 * - EXP_ASYNC_COMMIT=1: every plain `sql.query` except the claim (so the runner's stage steps,
 *   ticks and run ends) goes through a second pool whose sessions have
 *   `synchronous_commit = off`: the claim stays durable, the bookkeeping stops waiting on fsync.
 *
 * Needs DATABASE_URL (the bench always sets it).
 */
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createOrm } from '../../src/database/orm.js';
import { createLogger } from '../../src/services/logger.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
if (!config.databaseUrl) throw new Error('DATABASE_URL is required');
const orm = await createOrm(config.databaseUrl, logger);
const app = buildApp({ config, orm, logger });

if (process.env.EXP_ASYNC_COMMIT === '1') {
  const url = new URL(config.databaseUrl);
  url.searchParams.set('options', '-c synchronous_commit=off');
  const asyncPool = new pg.Pool({ connectionString: url.toString(), max: 10 });
  const sql = app.services.sql;
  const durable = sql.query.bind(sql);
  const query = (text: string, params?: unknown[]) =>
    /^\s*with claimed as/.test(text) ? durable(text, params) : asyncPool.query(text, params).then((r) => r.rows);
  sql.query = query as typeof sql.query;
}

const url = await app.start();
logger.info({ url: `${url}/graphql` }, 'experiment server ready');
process.once('SIGTERM', () => void app.stop().then(() => orm.close()).then(() => process.exit(0)));
