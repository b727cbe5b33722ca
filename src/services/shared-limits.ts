import type { Config } from '../config.js';
import { createLocalConnectionCounter, createRedisConnectionCounter, type ConnectionCounter } from './connection-counter.js';
import type { Logger } from './logger.js';
import { createRateLimits, type RateLimits } from './rate-limits.js';
import { createRedisClient } from './redis-clients.js';

/**
 * The limits that must hold in total across processes: login and start rate limits and the
 * per-address WebSocket cap. Counted in Redis with `REDIS_URL` (a client of their own that
 * never queues a command: while Redis is away each count falls back to this process's at once,
 * logged once per outage), in this process's memory without it.
 */
export function createSharedLimits(config: Config, logger: Logger): { rateLimits: RateLimits; connections: ConnectionCounter; close(): Promise<void> } {
  if (!config.redisUrl) {
    return { rateLimits: createRateLimits(config.rateLimits), connections: createLocalConnectionCounter(), close: async () => undefined };
  }
  const redis = createRedisClient(config.redisUrl, {
    logger,
    role: 'limits',
    whileDown: 'rate limits and WebSocket connection caps count per process until it returns',
    options: { enableOfflineQueue: false, maxRetriesPerRequest: 0 },
  });
  const keyPrefix = config.redisKeyPrefix;
  const connections = createRedisConnectionCounter({ client: redis.client, keyPrefix, logger });
  return {
    rateLimits: createRateLimits(config.rateLimits, { client: redis.client, keyPrefix }),
    connections,
    async close() {
      connections.stop();
      await redis.close();
    },
  };
}
