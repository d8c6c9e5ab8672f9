import { PlazaError } from '../core/errors.js';
import type { KeyValue } from '../ports/key-value.js';

/**
 * The fixed window of `windowMs` that `now` falls in (its number, for counter keys) and the whole seconds
 * until it ends (at least 1, for Retry-After). Shared with the sign-in guard (accounts/login-guard.ts).
 */
export function fixedWindow(windowMs: number, now: number): { index: number; retryAfter: number } {
  const index = Math.floor(now / windowMs);
  return { index, retryAfter: Math.max(1, Math.ceil(((index + 1) * windowMs - now) / 1000)) };
}

/**
 * Fixed one-minute windows counted in the key-value port, so every collector process behind a load
 * balancer shares one budget per key when the port is Redis.
 */
export class RateLimiter {
  constructor(
    private readonly kv: KeyValue,
    private readonly perMinute: number,
    /** What a subject is, for the message: a write key, or a user or service key on the app API. */
    private readonly noun = 'key',
  ) {}

  /** Throws 429 (with the seconds to wait) once `subject` has used its budget in the current minute. */
  async hit(subject: string, now = Date.now()): Promise<void> {
    const minute = fixedWindow(60_000, now);
    const count = await this.kv.incrBy(`ratelimit:${subject}:${minute.index}`, 1, 120_000);
    if (count > this.perMinute) {
      const { retryAfter } = minute;
      throw new PlazaError(
        'rate_limited',
        `rate limit of ${this.perMinute} requests per minute exceeded for this ${this.noun}; retry in ${retryAfter} s`,
        429,
        { details: { retry_after_seconds: retryAfter, limit_per_minute: this.perMinute } },
      );
    }
  }
}
