import { defineEntity, type InferEntity } from '@mikro-orm/core';

export const PROJECT_STATUSES = [
  'DRAFT',
  'QUEUED',
  'PROCESSING',
  'REVIEWING',
  'COMPLETED',
  'ERROR',
  'CANCELLED',
  // Never stored: only the final event of a deleted project, after which its subscriptions complete.
  'DELETED',
] as const;
export type ProjectStatus = (typeof PROJECT_STATUSES)[number];

export const PIPELINE_STAGES = ['EXTRACT', 'CLASSIFY', 'REVIEW', 'VALIDATE', 'GENERATE'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/**
 * A borrower's CMA project. Invariant: `isProcessing` is true exactly while a run of this
 * project is QUEUED or RUNNING; it is set by the one atomic claim and cleared in the same
 * transaction as the run's final status. `lastSequence` numbers the project's status events.
 */
export const Project = defineEntity({
  name: 'Project',
  tableName: 'cma_projects',
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    firmId: p.uuid(),
    name: p.string().length(200),
    clientName: p.string().length(200).nullable(),
    status: p.enum([...PROJECT_STATUSES]).default('DRAFT'),
    isProcessing: p.boolean().default(false),
    currentStage: p.enum([...PIPELINE_STAGES]).nullable(),
    progress: p.float().default(0),
    errorMessage: p.text().nullable(),
    lastSequence: p.integer().default(0),
    /** Hash of the document set EXTRACT last finished on; null when no checkpoint holds. */
    extractedDigest: p.string().length(64).nullable(),
    /** Hash of the document set CLASSIFY last finished on. */
    classifiedDigest: p.string().length(64).nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  }),
});
export type Project = InferEntity<typeof Project>;
