import type { PoolClient } from 'pg';
import type { Orm } from './orm.js';

/**
 * Plain parameterised SQL ($1, $2…) on the ORM's own connection pool, for the statements whose
 * exact shape is the point: the atomic claim, the queue, leases and event sequencing.
 */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs `fn` in one transaction on one connection; rolls back if it throws. */
  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
}

/** Escapes a value for COPY's text format; null becomes \N. */
export function copyValue(value: string | number | bigint | boolean | null): string {
  if (value === null) return '\\N';
  if (typeof value !== 'string') return String(value);
  return value.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

interface KnexClient {
  acquireConnection(): Promise<PoolClient>;
  releaseConnection(conn: PoolClient): Promise<void>;
}

export function createSql(orm: Orm): Sql {
  const client = orm.em.getConnection().getKnex().client as unknown as KnexClient;

  async function withConnection<T>(fn: (conn: PoolClient) => Promise<T>): Promise<T> {
    const conn = await client.acquireConnection();
    try {
      return await fn(conn);
    } finally {
      await client.releaseConnection(conn);
    }
  }

  const onConnection = (conn: PoolClient): Sql => ({
    query: async (text, params) => (await conn.query(text, params)).rows,
    tx: (fn) => fn(onConnection(conn)), // already inside a transaction: join it
  });

  return {
    query: (text, params) => withConnection(async (conn) => (await conn.query(text, params)).rows),
    tx: (fn) =>
      withConnection(async (conn) => {
        await conn.query('begin');
        try {
          const result = await fn(onConnection(conn));
          await conn.query('commit');
          return result;
        } catch (err) {
          await conn.query('rollback').catch(() => undefined);
          throw err;
        }
      }),
  };
}
