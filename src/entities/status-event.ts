import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { PIPELINE_STAGES, PROJECT_STATUSES } from './project.js';

/** A stored status change, replayable by `projectStatus(afterSequence)`. */
export const StatusEvent = defineEntity({
  name: 'StatusEvent',
  tableName: 'project_status_events',
  properties: (p) => ({
    projectId: p.uuid().primary(),
    sequence: p.integer().primary(),
    runId: p.uuid().nullable(),
    status: p.enum([...PROJECT_STATUSES]),
    stage: p.enum([...PIPELINE_STAGES]).nullable(),
    progress: p.float(),
    message: p.text().nullable(),
    errorMessage: p.text().nullable(),
    at: p.datetime().defaultRaw('now()'),
  }),
});
export type StatusEvent = InferEntity<typeof StatusEvent>;
