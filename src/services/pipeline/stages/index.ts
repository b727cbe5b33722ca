import type { Stage } from '../stage.js';
import { classifyStage } from './classify.js';
import { extractStage } from './extract.js';
import { generateStage } from './generate.js';
import { reviewStage } from './review.js';
import { validateStage } from './validate.js';

/** The CMA pipeline, in order: EXTRACT → CLASSIFY → REVIEW → VALIDATE → GENERATE. */
export function createCmaStages(opts: { reviewThreshold: number; databaseUrl: string }): Stage[] {
  return [
    // The checkpoint each one's isCheckpointed compares (test/unit/stage-checkpoints.test.ts holds them to it).
    { ...extractStage({ databaseUrl: opts.databaseUrl }), checkpoint: 'extractedDigest' },
    { ...classifyStage({ reviewThreshold: opts.reviewThreshold, databaseUrl: opts.databaseUrl }), checkpoint: 'classifiedDigest' },
    reviewStage(),
    validateStage(),
    generateStage(),
  ];
}
