import { Migration } from '@mikro-orm/migrations';

/**
 * What lets CLASSIFY trust the classification EXTRACT did while it read the rows:
 *
 * - `firms.labels_version`: moved by triggers on every change to the firm's remembered labels
 *   (`firm_label_heads`), whoever writes them (the review service, a migration, a manual fix),
 *   so no writer can forget it. A version read in the same snapshot as the labels names exactly
 *   the labels a classification used.
 * - `cma_projects.extracted_labels_version` / `extracted_review_threshold`: the version and the
 *   threshold EXTRACT classified its rows with, written with `extracted_digest` (null: EXTRACT
 *   did not classify, e.g. rows extracted by older code). CLASSIFY skips its pass only when both
 *   still hold.
 */
export class Migration20261203160000_firm_labels_version extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table firms add column labels_version bigint not null default 0;
      alter table cma_projects
        add column extracted_labels_version bigint,
        add column extracted_review_threshold double precision;

      create function firm_label_heads_bump_version() returns trigger language plpgsql as $$
      begin
        if tg_op = 'TRUNCATE' then
          update firms set labels_version = labels_version + 1;
          return null;
        end if;
        if tg_op in ('UPDATE', 'DELETE') then
          update firms set labels_version = labels_version + 1 where id = old.firm_id;
        end if;
        if tg_op = 'INSERT' or (tg_op = 'UPDATE' and new.firm_id <> old.firm_id) then
          update firms set labels_version = labels_version + 1 where id = new.firm_id;
        end if;
        return null;
      end $$;
      create trigger firm_label_heads_version_insert after insert on firm_label_heads
        for each row execute function firm_label_heads_bump_version();
      -- Re-teaching a label the same head (the review upsert touches updated_at) changes nothing.
      create trigger firm_label_heads_version_update after update on firm_label_heads
        for each row when ((old.firm_id, old.statement, old.label, old.head) is distinct from (new.firm_id, new.statement, new.label, new.head))
        execute function firm_label_heads_bump_version();
      create trigger firm_label_heads_version_delete after delete on firm_label_heads
        for each row execute function firm_label_heads_bump_version();
      create trigger firm_label_heads_version_truncate after truncate on firm_label_heads
        for each statement execute function firm_label_heads_bump_version();
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop trigger firm_label_heads_version_truncate on firm_label_heads;
      drop trigger firm_label_heads_version_delete on firm_label_heads;
      drop trigger firm_label_heads_version_update on firm_label_heads;
      drop trigger firm_label_heads_version_insert on firm_label_heads;
      drop function firm_label_heads_bump_version();
      alter table cma_projects drop column extracted_labels_version, drop column extracted_review_threshold;
      alter table firms drop column labels_version;
    `);
  }
}
