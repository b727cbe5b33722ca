import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';

/**
 * Open WebSocket connections per client address, for the per-address cap. Nothing is kept per
 * connection (a closure each cost ~100 bytes of heap): each `open` that resolved is matched by
 * exactly one `close` of the same address, which the caller guarantees.
 */
export interface ConnectionCounter {
  /** Counts a new connection; resolves with the address's open connections, this one included. */
  open(address: string): Promise<number>;
  /** One connection of `address` that `open` counted has closed. */
  close(address: string): void;
  stop(): void;
}

/** In this process's memory: the count without `REDIS_URL`, and the fallback while Redis is away. */
export function createLocalConnectionCounter(): ConnectionCounter & { openNow(address: string): number; has(address: string): boolean } {
  const perAddress = new Map<string, number>();
  const openNow = (address: string) => {
    const count = (perAddress.get(address) ?? 0) + 1;
    perAddress.set(address, count);
    return count;
  };
  const close = (address: string) => {
    const left = (perAddress.get(address) ?? 1) - 1;
    if (left <= 0) perAddress.delete(address);
    else perAddress.set(address, left);
  };
  return { openNow, open: async (address) => openNow(address), close, has: (address) => perAddress.has(address), stop: () => undefined };
}

// Per address, a hash of process id → that process's open connections; beside it, a sorted set
// of live processes scored by when their heartbeat runs out. A process that dies stops
// heartbeating: the next open from any process drops its counts (no leak), and idle addresses'
// hashes expire on their own.
const OPEN = `redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
local fields = redis.call('HGETALL', KEYS[1])
local total = 0
for i = 1, #fields, 2 do
  local alive = redis.call('ZSCORE', KEYS[2], fields[i])
  if alive and tonumber(alive) > tonumber(ARGV[2]) then total = total + tonumber(fields[i + 1])
  else redis.call('HDEL', KEYS[1], fields[i]) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return total`;
const CLOSE = `local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if n <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return n`;

/**
 * Counted in Redis across every process. While Redis is unreachable, connections are counted
 * in this process (as without Redis), and released where they were counted.
 */
export function createRedisConnectionCounter(args: {
  client: Redis;
  keyPrefix: string;
  logger: Logger;
  /** How long a silent process's counts last. */
  ttlSeconds?: number;
}): ConnectionCounter {
  const { client, keyPrefix } = args;
  const ttlMs = (args.ttlSeconds ?? 30) * 1000;
  const processId = randomUUID();
  const processes = `${keyPrefix}ws-processes`;
  const keyOf = (address: string) => `${keyPrefix}ws-connections:${address}`;
  const local = createLocalConnectionCounter();
  /** Addresses with connections counted in Redis by this process: their hashes are kept alive. */
  const mine = new Map<string, number>();
  /** Addresses whose release did not reach Redis: set right on the next heartbeat. */
  const stale = new Set<string>();

  const beat = () => {
    if (client.status !== 'ready') return;
    const now = Date.now();
    const pipeline = client.pipeline().zadd(processes, now + ttlMs, processId).zremrangebyscore(processes, '-inf', now).pexpire(processes, ttlMs * 2);
    for (const address of mine.keys()) pipeline.pexpire(keyOf(address), ttlMs * 2);
    const fixing = [...stale];
    stale.clear();
    for (const address of fixing) {
      const n = mine.get(address);
      if (n) pipeline.hset(keyOf(address), processId, n);
      else pipeline.hdel(keyOf(address), processId);
    }
    pipeline.exec().catch(() => fixing.forEach((address) => stale.add(address)));
  };
  const timer = setInterval(beat, ttlMs / 3);
  timer.unref();

  return {
    async open(address) {
      if (client.status !== 'ready') return local.openNow(address);
      const now = Date.now();
      let count: number;
      try {
        count = Number(await client.eval(OPEN, 2, keyOf(address), processes, processId, now, now + ttlMs, ttlMs * 2));
      } catch (err) {
        args.logger.debug({ err: { message: (err as Error).message } }, 'connection count in Redis failed; counting here');
        return local.openNow(address);
      }
      mine.set(address, (mine.get(address) ?? 0) + 1);
      return count;
    },
    close(address) {
      // Counted here while Redis was away: released here. Either count drops by one, which is
      // all an address's total needs.
      if (local.has(address)) return local.close(address);
      const left = (mine.get(address) ?? 1) - 1;
      if (left <= 0) mine.delete(address);
      else mine.set(address, left);
      // Lost while Redis is away: the next heartbeat sets this process's count right.
      client.eval(CLOSE, 1, keyOf(address), processId).catch(() => stale.add(address));
    },
    stop() {
      clearInterval(timer);
    },
  };
}
