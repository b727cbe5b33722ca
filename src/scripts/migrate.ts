import { loadConfig } from '../config.js';
import { ensureDatabase } from '../database/database-url.js';
import { startEmbeddedPostgres } from '../database/embedded.js';
import { createOrm } from '../database/orm.js';
import { createLogger } from '../services/logger.js';
import path from 'node:path';

/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database) and exits. */
const config = loadConfig();
const logger = createLogger(config.logLevel);
const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dir: path.join(config.dataDir, 'postgres'), logger });
const url = config.databaseUrl ?? embedded!.url.replace(/\/postgres$/, '/cma');
if (embedded) await ensureDatabase(url);
const orm = await createOrm(url, logger);
const pending = await orm.getMigrator().getPendingMigrations();
logger.info({ pending: pending.length }, 'migrations up to date');
await orm.close();
await embedded?.stop();
