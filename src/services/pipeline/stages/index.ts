import type { Stage } from '../stage.js';
import { classifyStage } from './classify.js';
import { extractStage } from './extract.js';
import { generateStage } from './generate.js';
import { reviewStage } from './review.js';
import { validateStage } from './validate.js';

/** The CMA pipeline, in order: EXTRACT → CLASSIFY → REVIEW → VALIDATE → GENERATE. */
export function createCmaStages(opts: { reviewThreshold: number; databaseUrl: string }): Stage[] {
  return [
    extractStage({ databaseUrl: opts.databaseUrl }),
    classifyStage({ reviewThreshold: opts.reviewThreshold, databaseUrl: opts.databaseUrl }),
    reviewStage(),
    validateStage(),
    generateStage(),
  ];
}
