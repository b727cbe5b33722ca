import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from './errors.js';
import { metrics } from './metrics.js';

export interface RateLimitOptions {
  loginPerEmail: number;
  loginPerIp: number;
  startsPerFirm: number;
}

/**
 * Attempts per minute: logins per email and per client address (password guessing), pipeline
 * starts per firm. Counters live in this process's memory: with several processes behind a
 * balancer each allows the limit (documented in the README).
 */
export function createRateLimits(opts: RateLimitOptions) {
  const loginByEmail = new RateLimiterMemory({ keyPrefix: 'login-email', points: opts.loginPerEmail, duration: 60 });
  const loginByIp = new RateLimiterMemory({ keyPrefix: 'login-ip', points: opts.loginPerIp, duration: 60 });
  const startsByFirm = new RateLimiterMemory({ keyPrefix: 'starts', points: opts.startsPerFirm, duration: 60 });

  async function take(limiter: RateLimiterMemory, key: string, what: string): Promise<void> {
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
      await loginByEmail.delete(email.trim().toLowerCase());
    },
    start: (firmId: string) => take(startsByFirm, firmId, 'processing starts for this firm'),
  };
}
export type RateLimits = ReturnType<typeof createRateLimits>;
