import { Migration } from '@mikro-orm/migrations';

/**
 * Forms II–VI and the ratios are stored with the report (computed once by GENERATE, read by
 * the API and the workbook). Reports generated before have none until their project runs again.
 */
export class Migration20261203110000_cma_forms extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table cma_reports add column forms jsonb not null default '[]', add column ratios jsonb not null default '[]';`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table cma_reports drop column forms, drop column ratios;');
  }
}
