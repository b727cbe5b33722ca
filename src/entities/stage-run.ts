import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { PIPELINE_STAGES } from './project.js';

export const STAGE_STATUSES = ['PENDING', 'RUNNING', 'DONE', 'SKIPPED', 'FAILED'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

/** A stage of a run; `position` keeps pipeline order. */
export const StageRun = defineEntity({
  name: 'StageRun',
  tableName: 'pipeline_stage_runs',
  properties: (p) => ({
    runId: p.uuid().primary(),
    stage: p.enum([...PIPELINE_STAGES]).primary(),
    position: p.smallint(),
    status: p.enum([...STAGE_STATUSES]).default('PENDING'),
    progress: p.float().default(0),
    startedAt: p.datetime().nullable(),
    finishedAt: p.datetime().nullable(),
  }),
});
export type StageRun = InferEntity<typeof StageRun>;
