import { Redis } from 'ioredis';
import { PlazaError } from '../../core/errors.js';
import type { KeyValue, SetOptions } from '../../ports/key-value.js';

export interface RedisKeyValueOptions {
  /** How long connecting may take before failing with kv_unavailable. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Connection errors the client recovers from by reconnecting (commands still fail while it is down). */
  onError?: (error: Error) => void;
}

/**
 * INCRBY, then PEXPIRE only when the result equals the increment (the key was just created), in one atomic step:
 * two round trips would leave a counter without a TTL if the process died in between.
 */
const INCR_WITH_TTL = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if v == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v`;

type WithScripts = Redis & {
  plazaIncrByTtl(key: string, by: number, ttlMs: number): Promise<number>;
};

/** Distributed key-value: Redis through ioredis. */
export class RedisKeyValue implements KeyValue {
  readonly kind = 'redis';

  private constructor(
    private readonly client: WithScripts,
    private readonly where: string,
  ) {}

  static async open(url: string, options: RedisKeyValueOptions = {}): Promise<RedisKeyValue> {
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs ?? 5000,
      // Fail a command after one reconnection attempt instead of queueing it for ~20: callers get a prompt
      // kv_unavailable and decide for themselves (serve without the cache, reject the request...).
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    }) as WithScripts;
    client.on('error', (e: Error) => options.onError?.(e));
    client.defineCommand('plazaIncrByTtl', { numberOfKeys: 1, lua: INCR_WITH_TTL });
    const kv = new RedisKeyValue(client, describeUrl(url));
    try {
      await client.connect();
    } catch (e) {
      client.disconnect();
      throw kv.normalise(e);
    }
    return kv;
  }

  get(key: string): Promise<string | null> {
    return this.run(() => this.client.get(key));
  }

  async mget(keys: string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.run(() => this.client.mget(keys));
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    const args: (string | number)[] = [];
    if (options.ttlMs !== undefined) args.push('PX', options.ttlMs);
    if (options.onlyIfAbsent) args.push('NX');
    const reply = await this.run(() => this.client.call('SET', key, value, ...args));
    return reply === 'OK';
  }

  async del(keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.run(() => this.client.del(keys));
  }

  async incrBy(key: string, by: number, ttlMs?: number): Promise<number> {
    if (ttlMs === undefined) return this.run(() => this.client.incrby(key, by));
    // PEXPIRE would take 0 or less as "delete now"; SET PX rejects it, and so does this, like the memory adapter.
    if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new Error('ERR invalid expire time in set');
    return this.run(() => this.client.plazaIncrByTtl(key, by, ttlMs));
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    return (await this.run(() => this.client.pexpire(key, ttlMs))) === 1;
  }

  pttl(key: string): Promise<number> {
    return this.run(() => this.client.pttl(key));
  }

  hIncrBy(key: string, field: string, by: number): Promise<number> {
    return this.run(() => this.client.hincrby(key, field, by));
  }

  async hSet(key: string, fields: Record<string, string>): Promise<void> {
    // HSET with no fields is a Redis syntax error; the port treats it as nothing to do.
    if (Object.keys(fields).length === 0) return;
    await this.run(() => this.client.hset(key, fields));
  }

  hGetAll(key: string): Promise<Record<string, string>> {
    return this.run(() => this.client.hgetall(key));
  }

  async zIncrBy(key: string, member: string, by: number): Promise<number> {
    return parseScore(await this.run(() => this.client.zincrby(key, scoreArg(by), member)));
  }

  async zRevRangeWithScores(
    key: string,
    start: number,
    stop: number,
  ): Promise<{ member: string; score: number }[]> {
    const flat = await this.run(() => this.client.zrevrange(key, start, stop, 'WITHSCORES'));
    const out: { member: string; score: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      out.push({ member: flat[i] as string, score: parseScore(flat[i + 1] as string) });
    }
    return out;
  }

  zRemRangeByScore(key: string, min: number, max: number): Promise<number> {
    return this.run(() => this.client.zremrangebyscore(key, scoreArg(min), scoreArg(max)));
  }

  async keys(pattern: string): Promise<string[]> {
    // SCAN, never KEYS: it does not block the server; it may repeat a key, hence the set.
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = await this.run(() => this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000));
      for (const k of batch) found.add(k);
      cursor = next;
    } while (cursor !== '0');
    return [...found];
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      // Already disconnected: nothing left to close gracefully.
      this.client.disconnect();
    }
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (e) {
      throw this.normalise(e);
    }
  }

  /** Connection trouble becomes kv_unavailable; Redis's own replies (WRONGTYPE, ERR ...) pass through. */
  private normalise(e: unknown): unknown {
    if (!isConnectionFailure(e)) return e;
    const reason = e instanceof Error ? e.message : String(e);
    return new PlazaError('kv_unavailable', `Redis at ${this.where} is unavailable: ${reason}`, 503, {
      cause: e,
    });
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

function isConnectionFailure(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  if (e.name === 'ReplyError') return /^(LOADING|MASTERDOWN|BUSY)\b/.test(e.message);
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return (
    e.name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|Stream isn't writeable|connect ETIMEDOUT|ECONNREFUSED|Reached the max retries/i.test(
      e.message,
    )
  );
}

/** Redis spells infinite scores inf/-inf; JS would send "Infinity". */
function scoreArg(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return '+inf';
  if (n === Number.NEGATIVE_INFINITY) return '-inf';
  return String(n);
}

function parseScore(s: string): number {
  if (s === 'inf' || s === '+inf') return Number.POSITIVE_INFINITY;
  if (s === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(s);
}

/** host:port for messages; never the password. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'the configured URL';
  }
}
