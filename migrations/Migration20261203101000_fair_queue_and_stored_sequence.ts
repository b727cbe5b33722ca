import { Migration } from '@mikro-orm/migrations';

/**
 * Two things the multi-process work needs from the database itself:
 *
 * - `cma_projects.stored_sequence` / `previous_stored_sequence`: the sequence of the project's
 *   latest STORED event and of the one before it, kept on the row the event's statement already
 *   locks. Every published event carries the latest stored sequence before it, so a subscriber
 *   sees at once when a stored event never reached it (Redis pubsub is at-most-once) and reads
 *   exactly the missing ones, while a dropped progress tick (never stored) is no gap at all.
 * - `firms.running_runs`: RUNNING runs per firm, kept by triggers on every status change of a
 *   run, so a claim or a take can check the per-firm cap against the latest committed value
 *   under the firm row's lock (a count(*) in the same statement would read a stale snapshot).
 *   Plus the index the fair take walks: each firm's queued runs, oldest first.
 */
export class Migration20261203101000_fair_queue_and_stored_sequence extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table cma_projects
        add column stored_sequence integer not null default 0,
        add column previous_stored_sequence integer not null default 0;
      update cma_projects p set stored_sequence = coalesce(
        (select max(sequence) from project_status_events e where e.project_id = p.id), 0);

      alter table firms add column running_runs integer not null default 0 check (running_runs >= 0);
      update firms f set running_runs = (select count(*) from pipeline_runs r where r.firm_id = f.id and r.status = 'RUNNING');

      create index pipeline_runs_firm_queue_index on pipeline_runs (firm_id, queued_at, id) where status = 'QUEUED';

      create function pipeline_runs_count_running() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') and old.status = 'RUNNING' then
          update firms set running_runs = running_runs - 1 where id = old.firm_id;
        end if;
        if tg_op in ('UPDATE', 'INSERT') and new.status = 'RUNNING' then
          update firms set running_runs = running_runs + 1 where id = new.firm_id;
        end if;
        return null;
      end $$;
      create trigger pipeline_runs_running_insert after insert on pipeline_runs
        for each row when (new.status = 'RUNNING') execute function pipeline_runs_count_running();
      create trigger pipeline_runs_running_update after update of status on pipeline_runs
        for each row when (old.status is distinct from new.status and (old.status = 'RUNNING' or new.status = 'RUNNING'))
        execute function pipeline_runs_count_running();
      create trigger pipeline_runs_running_delete after delete on pipeline_runs
        for each row when (old.status = 'RUNNING') execute function pipeline_runs_count_running();
    `);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop trigger pipeline_runs_running_delete on pipeline_runs;
      drop trigger pipeline_runs_running_update on pipeline_runs;
      drop trigger pipeline_runs_running_insert on pipeline_runs;
      drop function pipeline_runs_count_running();
      drop index pipeline_runs_firm_queue_index;
      alter table firms drop column running_runs;
      alter table cma_projects drop column stored_sequence, drop column previous_stored_sequence;
    `);
  }
}
