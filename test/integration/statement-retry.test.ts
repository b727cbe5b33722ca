import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ormOptions } from '../../src/database/orm.js';
import { createSql } from '../../src/database/sql.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

// A statement that PostgreSQL picks as a deadlock victim had nothing committed: run on its own,
// it is run again (as the claim was, once, under 50 concurrent starts in the bench).

let database: TestDatabase;
let orm: MikroORM;
let other: pg.Client;
beforeAll(async () => {
  database = await createTestDatabase();
  orm = await MikroORM.init(ormOptions(database.url, 2));
  other = new pg.Client({ connectionString: database.url });
  await other.connect();
  await other.query('create table probe (id int primary key, v int not null)');
});
afterAll(async () => {
  await other?.end();
  await orm?.close(true);
  await database?.drop();
});

describe('single statements and deadlocks', () => {
  it('runs a statement PostgreSQL rolled back as a deadlock victim again, and it succeeds once the other is done', async () => {
    await other.query('truncate probe; insert into probe values (1, 0), (2, 0)');
    const retries: { code?: string; attempt: number }[] = [];
    const sql = createSql(orm, { onRetry: (err, attempt) => retries.push({ code: err.code, attempt }) });
    // The other side detects deadlocks late, so the statement under test is the victim.
    await other.query(`set deadlock_timeout = '20s'`);
    await other.query('begin');
    await other.query('update probe set v = v + 1 where id = 1');
    // Row 2, then row 1 (held by the other side) ...
    const statement = sql.query<{ v: number }>(
      `with first as (update probe set v = v + 10 where id = 2 returning 1)
       update probe set v = v + 10 where id = 1 and exists (select 1 from first) returning v`,
    );
    await waitUntilWaiting(other);
    // ... while the other side, holding row 1, asks for row 2: a deadlock.
    await other.query('update probe set v = v + 1 where id = 2');
    await other.query('commit');
    expect(await statement).toEqual([{ v: 11 }]);
    expect(retries).toEqual([{ code: '40P01', attempt: 1 }]);
    expect((await other.query('select id, v from probe order by id')).rows).toEqual([
      { id: 1, v: 11 },
      { id: 2, v: 11 },
    ]);
  });

  it('does not run other errors again', async () => {
    const retries: number[] = [];
    const sql = createSql(orm, { onRetry: (_err, attempt) => retries.push(attempt) });
    await expect(sql.query('insert into probe values (1, 0), (1, 0)')).rejects.toMatchObject({ code: '23505' });
    expect(retries).toEqual([]);
  });
});

/** Until a statement on another connection waits for a lock. */
async function waitUntilWaiting(client: pg.Client): Promise<void> {
  for (;;) {
    const { rows } = await client.query(`select count(*)::int as n from pg_locks where not granted and locktype = 'transactionid'`);
    if (rows[0].n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
