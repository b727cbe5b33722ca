import type { Stage } from '../stage.js';
import { classifyStage } from './classify.js';
import { extractStage } from './extract.js';
import { generateStage } from './generate.js';
import { reviewStage } from './review.js';
import { validateStage } from './validate.js';

/** Options of {@link createCmaStages}. */
export interface CmaStageOptions {
  reviewThreshold: number;
  databaseUrl: string;
  /**
   * CLASSIFY classifies and rewrites every row even when EXTRACT's classification still holds
   * (CLASSIFY_FULL_PASS). For the fault and kill-point suites, which stop CLASSIFY between its
   * pages; the result is the same either way.
   */
  classifyFullPass?: boolean;
  /** Nice value of the EXTRACT/CLASSIFY worker threads on Linux (PIPELINE_WORKER_NICE); default 0. */
  workerNice?: number;
}

/** The CMA pipeline, in order: EXTRACT → CLASSIFY → REVIEW → VALIDATE → GENERATE. */
export function createCmaStages(opts: CmaStageOptions): Stage[] {
  return [
    extractStage({ databaseUrl: opts.databaseUrl, reviewThreshold: opts.reviewThreshold, workerNice: opts.workerNice }),
    classifyStage({ reviewThreshold: opts.reviewThreshold, databaseUrl: opts.databaseUrl, fullPass: opts.classifyFullPass, workerNice: opts.workerNice }),
    reviewStage(),
    validateStage(),
    generateStage(),
  ];
}
