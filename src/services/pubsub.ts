import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub, type PubSub, type PubSubEventTarget } from 'graphql-yoga';
import { Redis } from 'ioredis';
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
}

/** Typed topics: `project:status` is keyed by project id. */
export type Topics = {
  'project:status': [projectId: string, event: ProjectStatusEvent];
};

export type AppPubSub = PubSub<Topics>;

/** The event target decides the transport: in-memory by default, Redis for several processes. */
export function createAppPubSub(eventTarget?: PubSubEventTarget<Topics>): AppPubSub {
  return createPubSub<Topics>(eventTarget ? { eventTarget } : undefined);
}

/**
 * Pubsub over Redis, for several server processes: a run executing in one process reaches
 * subscribers connected to any other. Returns the pubsub and a `close` for shutdown.
 */
export function createRedisPubSub(url: string): { pubsub: AppPubSub; connected(): boolean; close(): Promise<void> } {
  const publishClient = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const subscribeClient = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const eventTarget = createRedisEventTarget<never>({ publishClient, subscribeClient }) as unknown as PubSubEventTarget<Topics>;
  return {
    pubsub: createAppPubSub(eventTarget),
    connected: () => publishClient.status === 'ready' && subscribeClient.status === 'ready',
    async close() {
      await Promise.all([publishClient.quit(), subscribeClient.quit()]).catch(() => undefined);
    },
  };
}
