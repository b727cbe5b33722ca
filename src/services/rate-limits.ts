import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import { AppError } from './errors.js';
import { metrics } from './metrics.js';

export interface RateLimitOptions {
  loginPerEmail: number;
  loginPerIp: number;
  startsPerFirm: number;
}

/**
 * Attempts per minute: logins per email and per client address (password guessing), pipeline
 * starts per firm. With `redis`, counted in Redis, so the limits hold in total across every
 * process; while Redis is unreachable each limiter falls back to counting in this process's
 * memory (its insurance limiter), never refusing every request. Without `redis`, per process.
 */
export function createRateLimits(opts: RateLimitOptions, redis?: { client: Redis; keyPrefix: string }) {
  const limiter = (keyPrefix: string, points: number): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ keyPrefix, points, duration: 60 });
    if (!redis) return memory;
    return new RateLimiterRedis({
      storeClient: redis.client,
      keyPrefix: `${redis.keyPrefix}${keyPrefix}`,
      points,
      duration: 60,
      // Not connected: straight to the insurance limiter, not a wait for a reconnection.
      rejectIfRedisNotReady: true,
      insuranceLimiter: memory,
    });
  };
  const loginByEmail = limiter('login-email', opts.loginPerEmail);
  const loginByIp = limiter('login-ip', opts.loginPerIp);
  const startsByFirm = limiter('starts', opts.startsPerFirm);

  async function take(limiter: RateLimiterAbstract, key: string, what: string): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      metrics.rateLimited(limiter.keyPrefix);
      const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      throw new AppError('RATE_LIMITED', `too many ${what}; try again in ${seconds} s`, { retryAfterSeconds: seconds });
    }
  }

  return {
    async login(email: string, ip: string): Promise<void> {
      await take(loginByIp, ip, 'login attempts from this address');
      await take(loginByEmail, email.trim().toLowerCase(), 'login attempts for this email');
    },
    /** A successful login forgets the email's failed attempts. */
    async loginSucceeded(email: string): Promise<void> {
      await loginByEmail.delete(email.trim().toLowerCase()).catch(() => undefined);
    },
    start: (firmId: string) => take(startsByFirm, firmId, 'processing starts for this firm'),
  };
}
export type RateLimits = ReturnType<typeof createRateLimits>;
