import { Migration } from '@mikro-orm/migrations';
import { refineStoredHead } from '../src/services/cma/head-migration.js';

/**
 * Moves stored line items and remembered labels from a group head (today's 24) to the finer
 * head of the same group where the label makes it clear: the label, classified by today's
 * table, lands exactly or by a whole phrase on a finer head of that group. The group never
 * changes, so every stored report figure stays valid. Labels are classified once per distinct
 * (statement, label, head), not once per row.
 *
 * `down` leaves the finer heads in place: each still names its group (`groupOf`), and older
 * code would only ignore the heads it does not know.
 */
export class Migration20261203110100_finer_heads extends Migration {
  override async up(): Promise<void> {
    const items = (await this.execute(
      `select distinct statement, label, head from line_items where head is not null`,
    )) as { statement: string; label: string; head: string }[];
    for (const item of items) {
      const finer = refineStoredHead(item.statement, item.label, item.head);
      if (finer) {
        await this.execute(`update line_items set head = ? where statement = ? and label = ? and head = ?`, [finer, item.statement, item.label, item.head]);
      }
    }
    const memory = (await this.execute(`select firm_id, statement, label, head from firm_label_heads`)) as {
      firm_id: string; statement: string; label: string; head: string;
    }[];
    for (const row of memory) {
      const finer = refineStoredHead(row.statement, row.label, row.head);
      if (finer) {
        await this.execute(`update firm_label_heads set head = ? where firm_id = ? and statement = ? and label = ?`, [finer, row.firm_id, row.statement, row.label]);
      }
    }
  }

  override async down(): Promise<void> {
    // Nothing to undo: see the class comment.
  }
}
