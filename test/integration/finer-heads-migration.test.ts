import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ormOptions } from '../../src/database/orm.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

// The migration that introduces the finer heads, on a real PostgreSQL: items and firm memory
// stored under today's 24 heads move to a finer head of the same group where the label says so,
// and stay put otherwise.

let database: TestDatabase;
let orm: MikroORM;
beforeAll(async () => {
  database = await createTestDatabase();
  orm = await MikroORM.init(ormOptions(database.url, 2));
});
afterAll(async () => {
  await orm?.close(true);
  await database?.drop();
});

describe('Migration20261203110100_finer_heads', () => {
  it('moves stored items and remembered labels to finer heads of their group where the label is clear', async () => {
    const migrator = orm.getMigrator();
    await migrator.up({ to: 'Migration20261203110000_cma_forms' });
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const sql = async (text: string, params: unknown[] = []) => (await client.query(text, params)).rows;
    // Items need a document; its columns belong to the storage code (which other work changes),
    // so foreign keys are not checked for this one session instead of faking a document.
    await sql(`set session_replication_role = replica`);
    const [firm] = await sql(`insert into firms (name) values ('F') returning id`);
    const [project] = await sql(`insert into cma_projects (firm_id, name) values ($1, 'P') returning id`, [firm.id]);
    const document = { id: '00000000-0000-4000-8000-000000000001' };
    const items: [string, string, string][] = [
      ['PROFIT_AND_LOSS', 'Export Sales', 'SALES'],
      ['PROFIT_AND_LOSS', 'Sales', 'SALES'],
      ['BALANCE_SHEET', 'Work in Progress', 'INVENTORY'],
      ['BALANCE_SHEET', 'Kotak OD A/c', 'BANK_BORROWINGS'],
      ['BALANCE_SHEET', 'Raw Materials', 'OTHER_CURRENT_ASSETS'],
    ];
    for (const [i, [statement, label, head]] of items.entries()) {
      await sql(
        `insert into line_items (project_id, document_id, row_number, fiscal_year, statement, label, amount_paise, head, confidence)
         values ($1, $2, $3, 2024, $4, $5, 100, $6, 1)`,
        [project.id, document.id, i + 2, statement, label, head],
      );
    }
    await sql(`insert into firm_label_heads (firm_id, statement, label, head) values ($1, 'BALANCE_SHEET', 'finished goods', 'INVENTORY'), ($1, 'BALANCE_SHEET', 'kotak od', 'BANK_BORROWINGS')`, [firm.id]);
    await client.end();

    await migrator.up();

    const after = new pg.Client({ connectionString: database.url });
    await after.connect();
    const read = async (text: string) => (await after.query(text)).rows;
    const heads = await read(`select label, head from line_items order by row_number`);
    expect(heads.map((r: { head: string }) => r.head)).toEqual(['SALES_EXPORT', 'SALES', 'INVENTORY_STOCK_IN_PROCESS', 'BANK_BORROWINGS', 'OTHER_CURRENT_ASSETS']);
    const memory = await read(`select label, head from firm_label_heads order by label`);
    await after.end();
    expect(memory).toEqual([{ label: 'finished goods', head: 'INVENTORY_FINISHED_GOODS' }, { label: 'kotak od', head: 'BANK_BORROWINGS' }]);
  });
});
