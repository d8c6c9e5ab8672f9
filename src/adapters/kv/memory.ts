import { open as openFile, readFile, rename, rm } from 'node:fs/promises';
import { OrderedSet } from '@js-sdsl/ordered-set';
import { PlazaError } from '../../core/errors.js';
import type { KeyValue, SetOptions } from '../../ports/key-value.js';

export interface MemoryKeyValueOptions {
  /** File the data is loaded from on open and saved to periodically and on close. None: nothing persists. */
  snapshotPath?: string;
  /** How often a changed data set is saved. Default 10 000 ms. */
  snapshotIntervalMs?: number;
  /** How often expired keys are reclaimed (reads never see them either way). Default 1000 ms. */
  sweepIntervalMs?: number;
}

/** Same text as Redis, so callers can treat both adapters' errors alike. */
const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INTEGER = 'ERR value is not an integer or out of range';

type Entry =
  | { type: 'string'; value: string; expiresAt?: number }
  | { type: 'hash'; value: Map<string, string>; expiresAt?: number }
  | { type: 'zset'; value: SortedSet; expiresAt?: number };

/**
 * Embedded key-value: Redis semantics in process memory (strings, hashes, sorted sets, millisecond TTLs).
 * Expired keys vanish on access and are reclaimed by a periodic sweep over an expiry-ordered index.
 */
export class MemoryKeyValue implements KeyValue {
  readonly kind = 'memory';
  private readonly data = new Map<string, Entry>();
  /** [expiresAt, key] in expiry order, so the sweep touches only what has expired. */
  private readonly expiries = new OrderedSet<[number, string]>([], comparePairs);
  private readonly timers: NodeJS.Timeout[] = [];
  private changes = 0;
  private saving: Promise<void> | undefined;
  private closed = false;

  private constructor(private readonly snapshotPath: string | undefined) {}

  static async open(options: MemoryKeyValueOptions = {}): Promise<MemoryKeyValue> {
    const kv = new MemoryKeyValue(options.snapshotPath);
    if (options.snapshotPath !== undefined) {
      await kv.load(options.snapshotPath);
      kv.every(options.snapshotIntervalMs ?? 10_000, () => {
        if (kv.changes > 0) kv.snapshot().catch(() => {});
      });
    }
    kv.every(options.sweepIntervalMs ?? 1000, () => kv.sweep());
    return kv;
  }

  async get(key: string): Promise<string | null> {
    const e = this.entry(key);
    if (!e) return null;
    if (e.type !== 'string') throw new Error(WRONGTYPE);
    return e.value;
  }

  async mget(keys: string[]): Promise<(string | null)[]> {
    return keys.map((k) => {
      const e = this.entry(k);
      return e?.type === 'string' ? e.value : null;
    });
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    if (options.ttlMs !== undefined) checkTtl(options.ttlMs);
    this.live();
    if (options.onlyIfAbsent && this.entry(key)) return false;
    this.put(key, { type: 'string', value });
    this.setExpiry(key, options.ttlMs === undefined ? undefined : Date.now() + options.ttlMs);
    return true;
  }

  async del(keys: string[]): Promise<number> {
    let n = 0;
    for (const k of keys) {
      if (this.entry(k)) {
        this.remove(k);
        n++;
      }
    }
    return n;
  }

  async incrBy(key: string, by: number, ttlMs?: number): Promise<number> {
    if (!Number.isSafeInteger(by)) throw new Error(NOT_INTEGER);
    if (ttlMs !== undefined) checkTtl(ttlMs);
    const e = this.entry(key);
    if (e && e.type !== 'string') throw new Error(WRONGTYPE);
    const next = addInteger(e ? e.value : '0', by);
    if (e) {
      e.value = String(next);
      this.changes++;
    } else {
      this.put(key, { type: 'string', value: String(next) });
    }
    // Same rule as the Redis adapter's script, so both agree even for a counter that sat at 0.
    if (ttlMs !== undefined && next === by) this.setExpiry(key, Date.now() + ttlMs);
    return next;
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    if (!Number.isSafeInteger(ttlMs)) throw new Error(NOT_INTEGER);
    if (!this.entry(key)) return false;
    // Redis deletes a key given a TTL that is already over.
    if (ttlMs <= 0) this.remove(key);
    else this.setExpiry(key, Date.now() + ttlMs);
    return true;
  }

  async pttl(key: string): Promise<number> {
    const e = this.entry(key);
    if (!e) return -2;
    if (e.expiresAt === undefined) return -1;
    return Math.max(0, e.expiresAt - Date.now());
  }

  async hIncrBy(key: string, field: string, by: number): Promise<number> {
    if (!Number.isSafeInteger(by)) throw new Error(NOT_INTEGER);
    const hash = this.hashFor(key, true);
    const next = addInteger(hash.get(field) ?? '0', by);
    hash.set(field, String(next));
    this.changes++;
    return next;
  }

  async hSet(key: string, fields: Record<string, string>): Promise<void> {
    const entries = Object.entries(fields);
    if (entries.length === 0) {
      this.live();
      return;
    }
    const hash = this.hashFor(key, true);
    for (const [f, v] of entries) hash.set(f, v);
    this.changes++;
  }

  async hGetAll(key: string): Promise<Record<string, string>> {
    const hash = this.hashFor(key, false);
    return hash ? Object.fromEntries(hash) : {};
  }

  async zIncrBy(key: string, member: string, by: number): Promise<number> {
    if (Number.isNaN(by)) throw new Error('ERR value is not a valid float');
    let e = this.entry(key);
    if (e && e.type !== 'zset') throw new Error(WRONGTYPE);
    if (!e) {
      e = { type: 'zset', value: new SortedSet() };
      this.put(key, e);
    }
    const score = e.value.incrBy(member, by);
    this.changes++;
    return score;
  }

  async zRevRangeWithScores(
    key: string,
    start: number,
    stop: number,
  ): Promise<{ member: string; score: number }[]> {
    const e = this.entry(key);
    if (!e) return [];
    if (e.type !== 'zset') throw new Error(WRONGTYPE);
    return e.value.revRange(start, stop);
  }

  async zRemRangeByScore(key: string, min: number, max: number): Promise<number> {
    const e = this.entry(key);
    if (!e) return 0;
    if (e.type !== 'zset') throw new Error(WRONGTYPE);
    const removed = e.value.removeByScore(min, max);
    if (removed > 0) this.changes++;
    // Redis never keeps an empty collection.
    if (e.value.size === 0) this.remove(key);
    return removed;
  }

  async keys(pattern: string): Promise<string[]> {
    this.live();
    const re = globToRegExp(pattern);
    const now = Date.now();
    const out: string[] = [];
    for (const [k, e] of this.data) {
      if ((e.expiresAt === undefined || e.expiresAt > now) && re.test(k)) out.push(k);
    }
    return out;
  }

  /** Writes the snapshot now (atomically: temp file, fsync, rename). Without a snapshot path, does nothing. */
  async snapshot(): Promise<void> {
    const path = this.snapshotPath;
    if (path === undefined) return;
    // One write at a time; a request during a write waits for it and then writes the newer state.
    while (this.saving) await this.saving;
    this.saving = this.writeSnapshot(path).finally(() => {
      this.saving = undefined;
    });
    await this.saving;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const t of this.timers) clearInterval(t);
    await this.snapshot();
    this.closed = true;
    this.data.clear();
    this.expiries.clear();
  }

  // -------------------------------------------------------------------------------------------------------

  private live(): void {
    if (this.closed) throw new PlazaError('kv_unavailable', 'the in-memory key-value store is closed', 503);
  }

  /** The live entry of a key; an expired one is deleted on the way. */
  private entry(key: string): Entry | undefined {
    this.live();
    const e = this.data.get(key);
    if (e?.expiresAt !== undefined && e.expiresAt <= Date.now()) {
      this.remove(key);
      return undefined;
    }
    return e;
  }

  private hashFor(key: string, create: true): Map<string, string>;
  private hashFor(key: string, create: false): Map<string, string> | undefined;
  private hashFor(key: string, create: boolean): Map<string, string> | undefined {
    const e = this.entry(key);
    if (e && e.type !== 'hash') throw new Error(WRONGTYPE);
    if (e || !create) return e?.value;
    const value = new Map<string, string>();
    this.put(key, { type: 'hash', value });
    return value;
  }

  /** Replaces whatever the key held; the caller sets the TTL. */
  private put(key: string, entry: Entry): void {
    this.remove(key);
    this.data.set(key, entry);
    this.changes++;
  }

  private remove(key: string): void {
    const e = this.data.get(key);
    if (!e) return;
    if (e.expiresAt !== undefined) this.expiries.eraseElementByKey([e.expiresAt, key]);
    this.data.delete(key);
    this.changes++;
  }

  private setExpiry(key: string, expiresAt: number | undefined): void {
    const e = this.data.get(key);
    if (!e) return;
    if (e.expiresAt !== undefined) this.expiries.eraseElementByKey([e.expiresAt, key]);
    e.expiresAt = expiresAt;
    if (expiresAt !== undefined) this.expiries.insert([expiresAt, key]);
    this.changes++;
  }

  private sweep(): void {
    const now = Date.now();
    for (let first = this.expiries.front(); first && first[0] <= now; first = this.expiries.front()) {
      this.remove(first[1]);
    }
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    // Housekeeping must not keep a process alive on its own.
    t.unref();
    this.timers.push(t);
  }

  private async load(path: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    let snapshot: Snapshot;
    try {
      snapshot = JSON.parse(text) as Snapshot;
      if (snapshot.version !== 1 || !Array.isArray(snapshot.entries))
        throw new Error('unknown snapshot format');
    } catch (e) {
      // Starting empty would overwrite the snapshot with nothing at the next save: refuse instead.
      throw new PlazaError(
        'kv_snapshot_unreadable',
        `key-value snapshot ${path} cannot be read (${(e as Error).message}); move it away to start empty`,
        500,
        { cause: e },
      );
    }
    const now = Date.now();
    for (const [key, s] of snapshot.entries) {
      if (s.x !== undefined && s.x <= now) continue;
      const entry: Entry =
        s.t === 'string'
          ? { type: 'string', value: s.v }
          : s.t === 'hash'
            ? { type: 'hash', value: new Map(Object.entries(s.v)) }
            : { type: 'zset', value: SortedSet.from(s.v) };
      this.data.set(key, entry);
      this.setExpiry(key, s.x);
    }
    this.changes = 0;
  }

  private async writeSnapshot(path: string): Promise<void> {
    const changesBefore = this.changes;
    const now = Date.now();
    const entries: SnapshotEntry[] = [];
    for (const [key, e] of this.data) {
      if (e.expiresAt !== undefined && e.expiresAt <= now) continue;
      const s: SnapshotValue =
        e.type === 'string'
          ? { t: 'string', v: e.value }
          : e.type === 'hash'
            ? { t: 'hash', v: Object.fromEntries(e.value) }
            : { t: 'zset', v: e.value.toPairs() };
      if (e.expiresAt !== undefined) s.x = e.expiresAt;
      entries.push([key, s]);
    }
    const body = JSON.stringify({ version: 1, savedAt: now, entries } satisfies Snapshot);
    const tmp = `${path}.${process.pid}.tmp`;
    const file = await openFile(tmp, 'w');
    try {
      await file.writeFile(body, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    // Changes made while writing stay pending for the next save.
    this.changes -= changesBefore;
  }
}

interface Snapshot {
  version: 1;
  savedAt: number;
  entries: SnapshotEntry[];
}
type SnapshotEntry = [string, SnapshotValue];
/** x: absolute expiry in ms since the epoch, so TTLs keep running while the process is down. */
type SnapshotValue =
  | { t: 'string'; v: string; x?: number }
  | { t: 'hash'; v: Record<string, string>; x?: number }
  | { t: 'zset'; v: [string, number | string][]; x?: number };

/** By number, then by string; infinities compare equal to themselves (their difference is NaN, hence `||`). */
function comparePairs(a: [number, string], b: [number, string]): number {
  return a[0] - b[0] || compareStrings(a[1], b[1]);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new Error('ERR invalid expire time in set');
}

/** Redis integer arithmetic on a stored string, within the range a JS number holds exactly. */
function addInteger(stored: string, by: number): number {
  if (!/^-?(0|[1-9][0-9]*)$/.test(stored)) throw new Error(NOT_INTEGER);
  const next = Number(stored) + by;
  if (!Number.isSafeInteger(next)) throw new Error('ERR increment or decrement would overflow');
  return next;
}

/**
 * A Redis sorted set: member → score, plus the members ordered by (score, member), so an increment costs
 * O(log n) and ranks near either end are cheap to reach.
 */
class SortedSet {
  private readonly scores = new Map<string, number>();
  private readonly order = new OrderedSet<[number, string]>([], comparePairs);

  static from(pairs: [string, number | string][]): SortedSet {
    const set = new SortedSet();
    for (const [member, score] of pairs) {
      set.incrBy(member, typeof score === 'number' ? score : score === 'inf' ? Infinity : -Infinity);
    }
    return set;
  }

  get size(): number {
    return this.scores.size;
  }

  incrBy(member: string, by: number): number {
    const old = this.scores.get(member);
    const score = (old ?? 0) + by;
    if (Number.isNaN(score)) throw new Error('ERR resulting score is not a number (NaN)');
    if (old !== undefined) this.order.eraseElementByKey([old, member]);
    this.order.insert([score, member]);
    this.scores.set(member, score);
    return score;
  }

  /** ZREVRANGE start stop WITHSCORES: ranks count from the highest score; negative ranks from the lowest. */
  revRange(start: number, stop: number): { member: string; score: number }[] {
    const n = this.scores.size;
    let from = start < 0 ? Math.max(0, n + start) : start;
    const to = stop < 0 ? n + stop : Math.min(stop, n - 1);
    if (from > to || from >= n) return [];
    from = Math.max(from, 0);
    const count = to - from + 1;
    const out: { member: string; score: number }[] = [];
    // Walk from whichever end is nearer the requested ranks.
    if (from <= n - 1 - to) {
      const it = this.order.rBegin();
      for (let i = 0; i < from; i++) it.next();
      for (let i = 0; i < count; i++, it.next()) out.push(pair(it.pointer));
    } else {
      const it = this.order.begin();
      for (let i = 0; i < n - 1 - to; i++) it.next();
      for (let i = 0; i < count; i++, it.next()) out.push(pair(it.pointer));
      out.reverse();
    }
    return out;
  }

  removeByScore(min: number, max: number): number {
    let removed = 0;
    // '' sorts before every member, so this finds the first element scoring at least min.
    const it = this.order.lowerBound([min, '']);
    while (!it.equals(this.order.end()) && it.pointer[0] <= max) {
      this.scores.delete(it.pointer[1]);
      this.order.eraseElementByIterator(it);
      removed++;
    }
    return removed;
  }

  /** Infinite scores are legal in Redis but not in JSON, so they are written as Redis writes them. */
  toPairs(): [string, number | string][] {
    return [...this.scores].map(([m, s]) => [m, Number.isFinite(s) ? s : s > 0 ? 'inf' : '-inf']);
  }
}

function pair([score, member]: [number, string]): { member: string; score: number } {
  return { member, score };
}

/** Redis glob (KEYS/SCAN MATCH): * ? [abc] [^a] [a-z] and backslash escapes; '*' crosses ':' and '/'. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRegExp(pattern[++i] as string);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      let cls = '';
      for (let j = 0; j < body.length; j++) {
        const ch = body[j] as string;
        if (ch === '\\' && j + 1 < body.length) cls += escapeClass(body[++j] as string);
        else if (ch === '-' && j > 0 && j + 1 < body.length) cls += '-';
        else cls += escapeClass(ch);
      }
      re += `[${negate ? '^' : ''}${cls}]`;
      i = end;
    } else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function escapeClass(c: string): string {
  return c.replace(/[\]\\^-]/g, '\\$&');
}
