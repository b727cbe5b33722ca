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

/**
 * SQLSTATEs for which PostgreSQL rolled a transaction back so that another could go on: a
 * deadlock victim (40P01), a serialization failure (40001). A statement run on its own (not in
 * `tx`) had nothing committed, so it is run again.
 */
const RETRYABLE = new Set(['40P01', '40001']);
/** Attempts of a single statement, the first included. */
export const STATEMENT_ATTEMPTS = 3;

/** Says so in the log when a statement is run again (see `RETRYABLE`). */
export function logRetries(logger: { warn(fields: object, message: string): void }) {
  return {
    onRetry: (err: Error & { code?: string }, attempt: number) =>
      logger.warn({ code: err.code, attempt, reason: err.message }, 'PostgreSQL rolled a statement back to resolve a conflict with another; running it again'),
  };
}

export function createSql(orm: Orm, options: { onRetry?: (err: Error & { code?: string }, attempt: number) => void } = {}): Sql {
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
    async query(text, params) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await withConnection(async (conn) => (await conn.query(text, params)).rows);
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (attempt >= STATEMENT_ATTEMPTS || code === undefined || !RETRYABLE.has(code)) throw err;
          options.onRetry?.(err as Error & { code?: string }, attempt);
          // The two went at the same moment: a short, varied pause lets the other finish first.
          await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
        }
      }
    },
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
