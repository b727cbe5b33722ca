import { Migration } from '@mikro-orm/migrations';

/**
 * The items waiting for review get their partial index back (…010000 dropped it so that CLASSIFY's
 * update of every row could be HOT; since …170000 that pass writes only the rows a taught label
 * changed, on full pages, and EXTRACT writes each row once). Without it REVIEW's count and the
 * review list read every item of the project: 67 ms at 150,000 items for a count of 0. The index
 * holds only the items that need review, so EXTRACT's COPY adds no entry for the others.
 */
export class Migration20261203190000_line_items_review_index extends Migration {
  override async up(): Promise<void> {
    this.addSql('create index line_items_review_index on line_items (project_id, id) where needs_review;');
  }

  override async down(): Promise<void> {
    this.addSql('drop index line_items_review_index;');
  }
}
