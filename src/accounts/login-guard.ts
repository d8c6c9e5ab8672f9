import { PlazaError } from '../core/errors.js';
import { sha256Hex } from '../core/secrets.js';
import { fixedWindow } from '../http/rate-limit.js';
import type { KeyValue } from '../ports/key-value.js';

export interface LoginLimits {
  /** Failed sign-ins counted per fixed window of this length. */
  windowMs: number;
  /** Failures per email (whether or not it has an account) before that email is locked until the window ends. */
  perEmail: number;
  /** Failures per client address before it is locked; higher, since offices and NATs share one address. */
  perIp: number;
}

export const defaultLoginLimits: LoginLimits = { windowMs: 15 * 60_000, perEmail: 5, perIp: 50 };

// Emails are hashed in key names: the key-value store (and its snapshots) then holds no addresses.
const emailKey = (email: string) => sha256Hex(email.trim().toLowerCase());

/**
 * Brute-force protection for password sign-in, counted in the key-value port so that every API process
 * behind a load balancer shares one count (Redis). A locked email or address is refused before its password
 * is hashed, which also keeps a flood of attempts from costing argon2 time.
 */
export class LoginGuard {
  constructor(
    private readonly kv: KeyValue,
    private readonly limits: LoginLimits = defaultLoginLimits,
  ) {}

  private keys(email: string, ip: string | null, now: number) {
    const w = fixedWindow(this.limits.windowMs, now);
    return {
      email: `auth:login-failures:email:${emailKey(email)}:${w.index}`,
      ip: ip ? `auth:login-failures:ip:${ip}:${w.index}` : null,
      retryAfter: w.retryAfter,
    };
  }

  /** Throws 429 `too_many_sign_in_attempts` (with Retry-After) when the email or the address is locked. */
  async check(email: string, ip: string | null, now = Date.now()): Promise<void> {
    const k = this.keys(email, ip, now);
    const [byEmail, byIp] = await this.kv.mget(k.ip ? [k.email, k.ip] : [k.email]);
    const locked =
      Number(byEmail ?? 0) >= this.limits.perEmail
        ? 'email'
        : Number(byIp ?? 0) >= this.limits.perIp
          ? 'address'
          : null;
    if (locked) {
      throw new PlazaError(
        'too_many_sign_in_attempts',
        `too many failed sign-ins for this ${locked}; try again in ${k.retryAfter} s`,
        429,
        { details: { retry_after_seconds: k.retryAfter, locked } },
      );
    }
  }

  async failed(email: string, ip: string | null, now = Date.now()): Promise<void> {
    const k = this.keys(email, ip, now);
    const ttl = this.limits.windowMs + 60_000;
    await Promise.all([this.kv.incrBy(k.email, 1, ttl), k.ip ? this.kv.incrBy(k.ip, 1, ttl) : null]);
  }

  /** A correct password clears the email's count (not the address's: one success must not unlock guessing). */
  async succeeded(email: string, now = Date.now()): Promise<void> {
    await this.kv.del([this.keys(email, null, now).email]);
  }
}
