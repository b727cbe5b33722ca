import type { Sql } from '../../database/sql.js';

/**
 * Which processes can run pipelines right now, across every machine: each runner with slots
 * (ROLE=worker or all) upserts its row in `pipeline_workers` when it starts and on every
 * heartbeat, and deletes it when it stops. A row not seen for a lease is a dead process (its
 * runs are recovered by the lease machinery, not here); such rows are swept after an hour.
 */
export async function announceWorker(sql: Sql, instanceId: string, slots: number): Promise<void> {
  await sql.query(
    `insert into pipeline_workers (instance_id, slots) values ($1, $2)
     on conflict (instance_id) do update set seen_at = now(), slots = excluded.slots`,
    [instanceId, slots],
  );
}

export async function withdrawWorker(sql: Sql, instanceId: string): Promise<void> {
  await sql.query('delete from pipeline_workers where instance_id = $1', [instanceId]);
}

export async function sweepDeadWorkers(sql: Sql): Promise<void> {
  await sql.query(`delete from pipeline_workers where seen_at < now() - interval '1 hour'`);
}

/** Whether any process with pipeline slots has been seen within `leaseSeconds`. */
export async function anyWorkerAlive(sql: Sql, leaseSeconds: number): Promise<boolean> {
  const [row] = await sql.query<{ alive: boolean }>(
    'select exists (select 1 from pipeline_workers where seen_at > now() - make_interval(secs => $1)) as alive',
    [leaseSeconds],
  );
  return row?.alive ?? false;
}
