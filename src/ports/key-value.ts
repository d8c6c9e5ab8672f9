/**
 * Key-value port: online features, live counters, caches, rate limits (embedded: in-process memory with
 * snapshots; distributed: Redis). TTLs are in milliseconds; semantics follow Redis.
 */
export interface SetOptions {
  ttlMs?: number;
  /** Only set if the key does not exist (SET NX). */
  onlyIfAbsent?: boolean;
}

export interface KeyValue {
  readonly kind: string;
  get(key: string): Promise<string | null>;
  mget(keys: string[]): Promise<(string | null)[]>;
  /** Returns false when onlyIfAbsent and the key existed. */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;
  del(keys: string[]): Promise<number>;
  /** INCRBY; when ttlMs is given and the key is new (result equals `by`), the TTL is set. */
  incrBy(key: string, by: number, ttlMs?: number): Promise<number>;
  expire(key: string, ttlMs: number): Promise<boolean>;
  /** Remaining TTL in ms; -1 when the key has none, -2 when it does not exist. */
  pttl(key: string): Promise<number>;
  hIncrBy(key: string, field: string, by: number): Promise<number>;
  hSet(key: string, fields: Record<string, string>): Promise<void>;
  hGetAll(key: string): Promise<Record<string, string>>;
  zIncrBy(key: string, member: string, by: number): Promise<number>;
  /** Members by descending score, ranks start..stop inclusive (ZREVRANGE ... WITHSCORES). */
  zRevRangeWithScores(key: string, start: number, stop: number): Promise<{ member: string; score: number }[]>;
  zRemRangeByScore(key: string, min: number, max: number): Promise<number>;
  /** Keys matching a glob pattern (SCAN MATCH); for admin and tests, not hot paths. */
  keys(pattern: string): Promise<string[]>;
  close(): Promise<void>;
}
