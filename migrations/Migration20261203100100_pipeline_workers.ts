import { Migration } from '@mikro-orm/migrations';

/**
 * Processes that run pipelines (ROLE=worker or all) say they are alive here, every
 * LEASE_SECONDS / 3, the same rhythm as their runs' leases: an API process uses it to tell a
 * client whose run is queued whether any worker is up to take it.
 */
export class Migration20261203100100_pipeline_workers extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table pipeline_workers (
        instance_id text primary key,
        slots integer not null check (slots > 0),
        started_at timestamptz not null default now(),
        seen_at timestamptz not null default now()
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table pipeline_workers;');
  }
}
