import { Migration } from '@mikro-orm/migrations';

/**
 * Line items' parents checked once per COPY instead of once per row. The two foreign keys fired a
 * lookup and a row lock on the project and on the document for every inserted row: measured on
 * this machine's PostgreSQL, a COPY of 150,000 items took 1.53 s with them and 0.64–0.70 s
 * without. Their two guarantees are kept another way:
 * - no item without its project and document: EXTRACT, the only writer, locks both rows
 *   (`for key share`, as the foreign key did) before its COPY, in the same transaction, and fails
 *   naming what is gone; a delete of either waits for that transaction;
 * - deleting a project or a document deletes its items: the triggers below (the document's through
 *   the project index, which the cascade of the foreign key could not use).
 */
export class Migration20261203180000_line_items_parents_checked_once extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table line_items drop constraint line_items_project_id_fkey;
      alter table line_items drop constraint line_items_document_id_fkey;

      create function line_items_delete_with_parent() returns trigger language plpgsql as $$
      begin
        if tg_table_name = 'cma_projects' then
          delete from line_items where project_id = old.id;
        else
          delete from line_items where project_id = old.project_id and document_id = old.id;
        end if;
        return null;
      end $$;
      create trigger cma_projects_delete_line_items after delete on cma_projects
        for each row execute function line_items_delete_with_parent();
      create trigger documents_delete_line_items after delete on documents
        for each row execute function line_items_delete_with_parent();
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop trigger documents_delete_line_items on documents;
      drop trigger cma_projects_delete_line_items on cma_projects;
      drop function line_items_delete_with_parent();
      alter table line_items add constraint line_items_project_id_fkey foreign key (project_id) references cma_projects (id) on delete cascade;
      alter table line_items add constraint line_items_document_id_fkey foreign key (document_id) references documents (id) on delete cascade;
    `);
  }
}
