import type { EntityManager } from '@mikro-orm/postgresql';
import type { PipelineStage } from '../../entities/index.js';
import type { Sql } from '../../database/sql.js';
import type { Logger } from '../logger.js';

/** A document of the project, as a stage that reads its bytes needs it. */
export interface RunDocument {
  id: string;
  filename: string;
  sizeBytes: number;
}

/** The project's checkpoint digests (see `documentsDigest`); null: no checkpoint. */
export interface Checkpoints {
  extractedDigest: string | null;
  classifiedDigest: string | null;
}

/** What a stage gets to do its work. */
export interface StageContext {
  projectId: string;
  firmId: string;
  runId: string;
  /** Its own entity manager fork, for this run only (forked when first read). */
  em: EntityManager;
  sql: Sql;
  /** Aborted on cancel, shutdown or a lost lease: stop at the next safe point (between batches). */
  signal: AbortSignal;
  /** 0..1 within this stage; cheap to call often, the runner throttles what it publishes. */
  reportProgress(fraction: number): void;
  /** sha256 over the project's documents (ids and hashes), the key of the checkpoints. */
  documentsDigest: string;
  /** The documents `documentsDigest` covers, in upload order (read with it, in one statement). */
  documents: readonly RunDocument[];
  /**
   * The checkpoints as read with `documentsDigest` when this execution began, or null once a
   * stage of this execution has run (running one may move them): then read them yourself.
   */
  checkpoints: Checkpoints | null;
  /** True when the run was started with `restart: true`: checkpoints are ignored. */
  restart: boolean;
  /**
   * For an `'on-demand'` CPU-bound stage: waits for a CPU slot (announcing a long wait) and
   * holds it until the body ends. Call it before the CPU-heavy part; calling it again, or in a
   * stage that holds a slot already, does nothing.
   */
  useCpu(): Promise<void>;
  /**
   * What a stage of this execution computed for a later one, by key: one map per execution, in
   * this process (a run resumed elsewhere starts with an empty one). Safe for anything derived
   * from the project's line items: they do not change while a run holds the project (every
   * writer of them refuses a project that is processing).
   */
  memo: Map<symbol, unknown>;
  logger: Logger;
}

/** A stage may end the run early by pausing it for a person (the REVIEW gate). */
export type StageOutcome = { pause: 'REVIEWING'; message: string } | void;

export interface Stage {
  name: PipelineStage;
  /** Share of the whole pipeline's progress bar, relative to the other stages. */
  weight: number;
  /** Whether an earlier run's result still holds, so this stage can be SKIPPED. */
  isCheckpointed?(ctx: StageContext): Promise<boolean>;
  /**
   * Set when `isCheckpointed(ctx)`, given the checkpoints read at the run's start, is exactly
   * `ctx.checkpoints[checkpoint] === ctx.documentsDigest`. The runner can then decide it in SQL
   * and, for a run's first stage, take its RUNNING step in the statement that reads the run's
   * context (one statement fewer per run). Without it, a stage with `isCheckpointed` is decided
   * in JS, as always.
   */
  checkpoint?: keyof Checkpoints;
  /** False when a half-done attempt cannot simply be run again after a crash. Default true. */
  resumable?: boolean;
  /**
   * True for a stage whose body keeps a core busy (EXTRACT): at most CPU_STAGE_CONCURRENCY such
   * bodies run at once per process; the others wait for a CPU slot before their body starts.
   * `'on-demand'` (CLASSIFY): the body starts without one and calls `ctx.useCpu()` only if it
   * has CPU-heavy work to do, so a body that is one statement never queues behind the others.
   */
  cpuBound?: boolean | 'on-demand';

  run(ctx: StageContext): Promise<StageOutcome>;
}

/**
 * An error whose message is meant for the user (a bad row, a balance sheet that does not
 * tally). Anything else thrown by a stage is reported as an internal failure and logged.
 */
export class StageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StageError';
  }
}
