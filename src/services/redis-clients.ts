import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.js';

/**
 * An ioredis client that reports its outages once: the first error after it was last ready is
 * logged at warn (with what the service does meanwhile), the rest are not, and the recovery is
 * logged at info. ioredis reconnects by itself (backoff up to 2 s); `onReady` listeners run on
 * every (re)connection, for work that must follow one (resubscribing, re-reading events).
 */
export function createRedisClient(
  url: string,
  args: { logger: Logger; role: string; whileDown: string; options?: RedisOptions },
): { client: Redis; onReady(listener: () => void): void; isReady(): boolean; close(): Promise<void> } {
  const log = args.logger.child({ component: 'redis', role: args.role });
  const client = new Redis(url, {
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 100, 2000),
    ...args.options,
  });
  let down = false;
  const listeners: (() => void)[] = [];
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log.warn({ err: { message: err.message } }, `Redis is unreachable: ${args.whileDown}`);
  });
  client.on('close', () => {
    if (down) return;
    down = true;
    log.warn(`Redis connection lost: ${args.whileDown}`);
  });
  client.on('ready', () => {
    if (down) log.info('Redis is reachable again');
    down = false;
    for (const listener of listeners) listener();
  });
  return {
    client,
    onReady: (listener) => void listeners.push(listener),
    isReady: () => client.status === 'ready',
    async close() {
      down = true; // a closing client's errors are not an outage
      await client.quit().catch(() => client.disconnect());
    },
  };
}
