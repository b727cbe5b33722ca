import { Migration } from '@mikro-orm/migrations';

/** The whole first schema. Hand-written so the queue and lease indexes are exactly as used. */
export class Migration20261128000000_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table firms (
        id uuid primary key default gen_random_uuid(),
        name varchar(200) not null,
        created_at timestamptz not null default now()
      );

      create table users (
        id uuid primary key default gen_random_uuid(),
        firm_id uuid not null references firms (id) on delete cascade,
        email varchar(320) not null unique,
        name varchar(200) not null,
        password_hash varchar(300) not null,
        created_at timestamptz not null default now()
      );
      create index users_firm_id_index on users (firm_id);

      create table cma_projects (
        id uuid primary key default gen_random_uuid(),
        firm_id uuid not null references firms (id) on delete cascade,
        name varchar(200) not null,
        client_name varchar(200),
        status text not null default 'DRAFT'
          check (status in ('DRAFT','QUEUED','PROCESSING','REVIEWING','COMPLETED','ERROR','CANCELLED')),
        is_processing boolean not null default false,
        current_stage text check (current_stage in ('EXTRACT','CLASSIFY','REVIEW','VALIDATE','GENERATE')),
        progress double precision not null default 0 check (progress between 0 and 1),
        error_message text,
        last_sequence integer not null default 0,
        extracted_digest varchar(64),
        classified_digest varchar(64),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index cma_projects_firm_created_index on cma_projects (firm_id, created_at desc, id);

      create table documents (
        id uuid primary key default gen_random_uuid(),
        project_id uuid not null references cma_projects (id) on delete cascade,
        firm_id uuid not null references firms (id) on delete cascade,
        filename varchar(255) not null,
        content_type varchar(120) not null,
        size_bytes bigint not null check (size_bytes > 0),
        sha256 varchar(64) not null,
        storage_key varchar(200) not null,
        uploaded_at timestamptz not null default now()
      );
      create index documents_project_id_index on documents (project_id, uploaded_at, id);

      create table pipeline_runs (
        id uuid primary key default gen_random_uuid(),
        project_id uuid not null references cma_projects (id) on delete cascade,
        firm_id uuid not null references firms (id) on delete cascade,
        status text not null
          check (status in ('QUEUED','RUNNING','REVIEWING','COMPLETED','ERROR','CANCELLED','INTERRUPTED')),
        restart boolean not null default false,
        queued_at timestamptz not null default clock_timestamp(),
        started_at timestamptz not null default now(),
        finished_at timestamptz,
        heartbeat_at timestamptz,
        lease_owner varchar(100),
        attempts integer not null default 0,
        cancel_requested boolean not null default false,
        error_message text
      );
      create index pipeline_runs_project_index on pipeline_runs (project_id, started_at desc);
      create index pipeline_runs_queue_index on pipeline_runs (queued_at, id) where status = 'QUEUED';
      create index pipeline_runs_lease_index on pipeline_runs (heartbeat_at) where status = 'RUNNING';
      -- The database's own guarantee behind CONFLICT: at most one active run per project.
      create unique index pipeline_runs_one_active_index on pipeline_runs (project_id)
        where status in ('QUEUED', 'RUNNING');

      create table pipeline_stage_runs (
        run_id uuid not null references pipeline_runs (id) on delete cascade,
        stage text not null check (stage in ('EXTRACT','CLASSIFY','REVIEW','VALIDATE','GENERATE')),
        position smallint not null,
        status text not null default 'PENDING'
          check (status in ('PENDING','RUNNING','DONE','SKIPPED','FAILED')),
        progress double precision not null default 0,
        started_at timestamptz,
        finished_at timestamptz,
        primary key (run_id, stage)
      );

      create table line_items (
        id bigint generated always as identity primary key,
        project_id uuid not null references cma_projects (id) on delete cascade,
        document_id uuid not null references documents (id) on delete cascade,
        row_number integer not null,
        fiscal_year smallint not null,
        statement text not null check (statement in ('BALANCE_SHEET','PROFIT_AND_LOSS')),
        label text not null,
        amount_paise bigint not null,
        head varchar(40),
        confidence double precision not null default 0,
        needs_review boolean not null default false
      );
      create index line_items_project_index on line_items (project_id, id);
      create index line_items_review_index on line_items (project_id, id) where needs_review;

      create table firm_label_heads (
        firm_id uuid not null references firms (id) on delete cascade,
        statement text not null check (statement in ('BALANCE_SHEET','PROFIT_AND_LOSS')),
        label text not null,
        head varchar(40) not null,
        updated_at timestamptz not null default now(),
        primary key (firm_id, statement, label)
      );

      create table project_status_events (
        project_id uuid not null references cma_projects (id) on delete cascade,
        sequence integer not null,
        run_id uuid references pipeline_runs (id) on delete set null,
        status text not null,
        stage text,
        progress double precision not null,
        message text,
        error_message text,
        at timestamptz not null default now(),
        primary key (project_id, sequence)
      );

      create table cma_reports (
        project_id uuid primary key references cma_projects (id) on delete cascade,
        run_id uuid not null references pipeline_runs (id) on delete cascade,
        generated_at timestamptz not null default now(),
        years jsonb not null
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table if exists cma_reports, project_status_events, firm_label_heads, line_items,
        pipeline_stage_runs, pipeline_runs, documents, cma_projects, users, firms cascade;
    `);
  }
}
