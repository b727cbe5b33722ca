import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Logger } from 'pino';
import { entities } from '../entities/index.js';
import { migrationsList } from './migrations-list.js';

export type Orm = MikroORM;

/** MikroORM options shared by the service, the tests and the CLI. */
export function ormOptions(clientUrl: string, poolMax = 20): Options {
  return {
    clientUrl,
    entities,
    extensions: [Migrator],
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    pool: { min: 0, max: poolMax },
    // Request code always works on a fork; a stray global use is a bug we want to hear about.
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug: false,
  };
}

/**
 * Connects and brings the schema up to date. Two processes starting together both call this;
 * an advisory lock makes the second wait for the first instead of racing it.
 */
export async function createOrm(clientUrl: string, logger?: Logger, poolMax?: number): Promise<Orm> {
  const orm = await MikroORM.init(ormOptions(clientUrl, poolMax));
  try {
    await migrate(orm, logger);
  } catch (err) {
    await orm.close(true);
    throw err;
  }
  return orm;
}

const MIGRATION_LOCK = 727_001;

export async function migrate(orm: Orm, logger?: Logger): Promise<string[]> {
  const knex = orm.em.getConnection().getKnex();
  const conn = await knex.client.acquireConnection();
  try {
    await conn.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await orm.getMigrator().up();
    const names = applied.map((m) => m.name);
    if (names.length > 0) logger?.info({ migrations: names }, 'applied migrations');
    return names;
  } finally {
    await conn.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await knex.client.releaseConnection(conn);
  }
}
