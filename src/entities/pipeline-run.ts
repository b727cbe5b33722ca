import { defineEntity, type InferEntity } from '@mikro-orm/core';

export const RUN_STATUSES = [
  'QUEUED',
  'RUNNING',
  'REVIEWING',
  'COMPLETED',
  'ERROR',
  'CANCELLED',
  'INTERRUPTED',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * One press of "process". The queue is this table: QUEUED rows ordered by `queuedAt`, taken
 * with FOR UPDATE SKIP LOCKED. A RUNNING row is leased by `leaseOwner` while `heartbeatAt` is fresh.
 */
export const PipelineRun = defineEntity({
  name: 'PipelineRun',
  tableName: 'pipeline_runs',
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    projectId: p.uuid().index(),
    firmId: p.uuid(),
    status: p.enum([...RUN_STATUSES]),
    restart: p.boolean().default(false),
    queuedAt: p.datetime().defaultRaw('clock_timestamp()'),
    startedAt: p.datetime().defaultRaw('now()'),
    finishedAt: p.datetime().nullable(),
    heartbeatAt: p.datetime().nullable(),
    leaseOwner: p.string().length(100).nullable(),
    attempts: p.integer().default(0),
    cancelRequested: p.boolean().default(false),
    errorMessage: p.text().nullable(),
  }),
});
export type PipelineRun = InferEntity<typeof PipelineRun>;
