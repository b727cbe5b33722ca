import { createPubSub, type PubSub, type PubSubEventTarget } from 'graphql-yoga';
import type { PipelineStage, ProjectStatus } from '../entities/index.js';

/** A project's status as clients see it: one per stored change, and throttled progress ticks. */
export interface ProjectStatusEvent {
  projectId: string;
  runId: string | null;
  /** Strictly increasing per project; never reused (ticks take numbers too). */
  sequence: number;
  status: ProjectStatus;
  stage: PipelineStage | null;
  progress: number;
  message: string | null;
  errorMessage: string | null;
  at: Date;
  /**
   * Live events only (absent on events read back from the database): the sequence of the
   * project's latest STORED event before this one. A subscriber whose last sequence is lower has
   * missed a stored event and reads it back; a dropped progress tick is never such a gap.
   */
  storedBefore?: number;
  /** Live events only: true for a stored status change, false for a progress tick. */
  stored?: boolean;
}

/** Typed topics: `project:status` is keyed by project id. */
export type Topics = {
  'project:status': [projectId: string, event: ProjectStatusEvent];
};

export type AppPubSub = PubSub<Topics>;

/** The event target decides the transport: in-memory by default, Redis for several processes (redis-pubsub.ts). */
export function createAppPubSub(eventTarget?: PubSubEventTarget<Topics>): AppPubSub {
  return createPubSub<Topics>(eventTarget ? { eventTarget } : undefined);
}
