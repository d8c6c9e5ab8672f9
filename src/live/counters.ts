import type { Logger } from 'pino';
import { Summary } from 'prom-client';
import { topics } from '../collector/topics.js';
import { localDay } from '../core/time-zone.js';
import type { Metrics } from '../observability/metrics.js';
import type { EventLog, StoredRecord, TopicPartitionOffset } from '../ports/event-log.js';
import type { KeyValue } from '../ports/key-value.js';
import { type ConsumerLoop, startConsumerLoop } from '../stream/consumer-loop.js';
import { firstAtOrAfter } from '../stream/log-time.js';
import {
  counterFor,
  needsBody,
  progressTime,
  readLogged,
  revenueOf,
  visitorOf,
} from '../stream/windows/event-fields.js';
import { lingeringLog, yieldEvery, yieldToEventLoop } from '../stream/windows/linger.js';
import { liveKeys, liveLimits, trendingPeriod, trendingWeight } from './keys.js';

export const liveCountersGroup = 'live-counters';
export const liveCountersTopics: string[] = [topics.userEvents];

/** The project's IANA time zone (its `timeZone` setting). */
export type TimeZoneOf = (projectId: string) => Promise<string>;

/** Increments of one batch, summed before anything is written. */
interface BatchEffects {
  /** stats key → field → increment */
  stats: Map<string, Map<string, number>>;
  /** views-today key → [increment, expires at] */
  viewsToday: Map<string, [number, number]>;
  /** trending key → listing → weight */
  trending: Map<string, Map<string, number>>;
  /** visitors key → visitor → last seen */
  visitors: Map<string, Map<string, number>>;
}

/** One project's increments of a batch, by raw ids. */
class ProjectSums {
  readonly visitors = new Map<string, number>();
  readonly sellerVisitors = new Map<string, Map<string, number>>();
  /** listing → field → increment */
  readonly stats = new Map<string, Map<string, number>>();
  /** local day → views */
  readonly days = new Map<
    string,
    { ends: number; project: number; listings: Map<string, number>; sellers: Map<string, number> }
  >();
  /** period → listing → weight */
  readonly trending = new Map<number, Map<string, number>>();
  constructor(
    readonly projectId: string,
    readonly timeZone: string,
  ) {}
}

function effectsOf(sums: Map<string, ProjectSums>): BatchEffects {
  const fx: BatchEffects = {
    stats: new Map(),
    viewsToday: new Map(),
    trending: new Map(),
    visitors: new Map(),
  };
  for (const [p, ps] of sums) {
    if (ps.visitors.size > 0) fx.visitors.set(liveKeys.visitors(p), ps.visitors);
    for (const [seller, v] of ps.sellerVisitors) fx.visitors.set(liveKeys.sellerVisitors(p, seller), v);
    for (const [listing, fields] of ps.stats) fx.stats.set(liveKeys.listingStats(p, listing), fields);
    for (const [date, d] of ps.days) {
      fx.viewsToday.set(liveKeys.viewsToday(p, 'project', p, date), [d.project, d.ends]);
      for (const [id, n] of d.listings)
        fx.viewsToday.set(liveKeys.viewsToday(p, 'listing', id, date), [n, d.ends]);
      for (const [id, n] of d.sellers)
        fx.viewsToday.set(liveKeys.viewsToday(p, 'seller', id, date), [n, d.ends]);
    }
    for (const [period, m] of ps.trending) fx.trending.set(liveKeys.trending(p, period), m);
  }
  return fx;
}

const add = <K>(m: Map<K, number>, k: K, by: number) => m.set(k, (m.get(k) ?? 0) + by);
function inner<K, V>(m: Map<K, Map<string, V>>, k: K): Map<string, V> {
  let x = m.get(k);
  if (!x) {
    x = new Map();
    m.set(k, x);
  }
  return x;
}

/**
 * Applies a batch of logged events to the live counters (see keys.ts): increments are summed per key in
 * memory, then written with one command per key and field, all in flight at once (pipelined on Redis).
 * Each counter only takes events recent enough to matter to it (event time, capped at received time): a
 * backfill of old history leaves live counters alone.
 *
 * Delivery is at least once: a batch whose writes fail, or a crash between the writes and the log commit,
 * is applied again, so counters can count an event twice in that case. Live counters are for dashboards;
 * the exact figures are agg_minute / agg_hour.
 */
export class LiveCounterWriter {
  /**
   * Last-seen scores this writer put in the visitor sets, so that raising one costs one ZINCRBY instead of a
   * read and a write. Only this consumer writes a visitor's member (the log partitions by visitor), and
   * entries leave this cache when they leave the sets (older than 5 minutes), so it never disagrees with
   * the store; after a restart it starts empty and scores are read back.
   */
  private readonly written = new Map<string, Map<string, number>>();
  /** When each visitor set's TTL was last renewed. */
  private readonly visitorsRenewed = new Map<string, number>();
  /** Stats hashes this writer created or renewed, with when it last renewed their TTL. */
  private readonly statsTouched = new Map<string, number>();

  constructor(
    private readonly kv: KeyValue,
    private readonly timeZoneOf: TimeZoneOf,
  ) {}

  /** Time spent reading events and summing increments, and waiting for the writes (ms, since start). */
  readonly timings = { computeMs: 0, writeMs: 0 };

  /** Returns the receive times (ms) of the events it counted, for latency measurements. */
  async apply(records: readonly StoredRecord[], now = Date.now()): Promise<number[]> {
    const t0 = performance.now();
    // Summed by raw ids first (no key strings per event), turned into keys once per batch.
    const sums = new Map<string, ProjectSums>();
    let last: ProjectSums | undefined;
    const received: number[] = [];
    for (let i = 0; i < records.length; i++) {
      if (i > 0 && i % yieldEvery === 0) await yieldToEventLoop();
      const ev = readLogged(records[i]!.value, wantBody);
      if (!ev) continue;
      const h = ev.head;
      const t = progressTime(h);
      if (t < now - liveLimits.horizonMs) continue;
      received.push(h.receivedMs);
      const p = h.projectId;
      if (last?.projectId !== p) {
        last = sums.get(p);
        if (!last) {
          last = new ProjectSums(p, await this.timeZoneOf(p));
          sums.set(p, last);
        }
      }
      const ps = last;
      const visitor = visitorOf(h);
      if (visitor !== null && t >= now - liveLimits.visitorsWindowMs) {
        maxInto(ps.visitors, visitor, t);
        if (h.sellerId !== null) maxInto(inner(ps.sellerVisitors, h.sellerId), visitor, t);
      }
      const counter = counterFor(h.eventType, ev.properties);
      if (counter === null) continue;
      if (h.listingId !== null && counter !== 'searches' && t >= now - liveLimits.listingStatsTtlMs) {
        const fields = inner(ps.stats, h.listingId);
        add(fields, counter, 1);
        if (counter === 'purchases') {
          const rev = revenueOf(ev.properties);
          if (rev) add(fields, `revenue_cents:${rev.currency}`, rev.cents);
        }
      }
      if (counter !== 'views') continue;
      const day = localDay(ps.timeZone, h.timeMs);
      if (day.end > now) {
        let d = ps.days.get(day.date);
        if (!d) {
          d = { ends: day.end, project: 0, listings: new Map(), sellers: new Map() };
          ps.days.set(day.date, d);
        }
        d.project++;
        if (h.listingId !== null) add(d.listings, h.listingId, 1);
        if (h.sellerId !== null) add(d.sellers, h.sellerId, 1);
      }
      if (h.listingId !== null && t >= now - liveLimits.trendingPeriodMs) {
        const period = trendingPeriod(t);
        add(inner(ps.trending, period), h.listingId, trendingWeight(t, period));
        add(inner(ps.trending, period + 1), h.listingId, trendingWeight(t, period + 1));
      }
    }
    const fx = effectsOf(sums);
    const t1 = performance.now();
    this.timings.computeMs += t1 - t0;
    try {
      await this.write(fx, now);
      this.timings.writeMs += performance.now() - t1;
    } catch (e) {
      // Some writes may not have happened: what this writer remembers can no longer be trusted.
      this.written.clear();
      this.statsTouched.clear();
      this.visitorsRenewed.clear();
      throw e;
    }
    return received;
  }

  private async write(fx: BatchEffects, now: number): Promise<void> {
    const kv = this.kv;
    const ops: Promise<unknown>[] = [];
    for (const [key, expiredAt] of this.statsTouched) {
      if (expiredAt <= now - liveLimits.listingStatsTtlMs) this.statsTouched.delete(key);
    }
    for (const [key, fields] of fx.stats) {
      const touched = this.statsTouched.get(key);
      ops.push(
        (async () => {
          const writes: Promise<unknown>[] = [...fields].map(([f, n]) => kv.hIncrBy(key, f, n));
          const stamps: Record<string, string> = { last_at: String(now) };
          // A hash this writer kept alive needs no look; otherwise a zero increment reads `since` (0: new).
          if (touched === undefined && (await kv.hIncrBy(key, 'since', 0)) === 0)
            stamps['since'] = String(now);
          writes.push(kv.hSet(key, stamps));
          // The sliding TTL is renewed at most once a minute: stats live 29 to 30 minutes after the last event.
          if (touched === undefined || touched <= now - 60_000) {
            writes.push(kv.expire(key, liveLimits.listingStatsTtlMs));
            this.statsTouched.set(key, now);
          }
          await Promise.all(writes);
        })(),
      );
    }
    for (const [key, [n, ends]] of fx.viewsToday) {
      ops.push(kv.incrBy(key, n, Math.max(1, Math.round(ends - now))));
    }
    for (const [key, members] of fx.trending) {
      ops.push(
        Promise.all([...members].map(([m, w]) => kv.zIncrBy(key, m, w))).then(() =>
          kv.expire(key, liveLimits.trendingKeyTtlMs),
        ),
      );
    }
    const cutoff = now - liveLimits.visitorsWindowMs;
    for (const [key, cached] of this.written) {
      for (const [m, score] of cached) if (score <= cutoff) cached.delete(m);
      if (cached.size === 0) {
        this.written.delete(key);
        this.visitorsRenewed.delete(key);
      }
    }
    for (const [key, members] of fx.visitors) {
      ops.push(
        (async () => {
          // Trimmed first, then read whole the first time this writer touches the set: from then on the
          // cache knows every member, and a member it does not know is a member the set does not hold.
          await kv.zRemRangeByScore(key, Number.NEGATIVE_INFINITY, cutoff);
          let cached = this.written.get(key);
          if (!cached) {
            const all = await kv.zRevRangeWithScores(key, 0, -1);
            cached = new Map(all.map((m) => [m.member, m.score]));
            this.written.set(key, cached);
          }
          const known = cached;
          // The port has no ZADD: a score is raised to the last-seen time by the difference, and only when
          // it moves by visitorsStepMs or more (a member is new, or seen again 10 s or more later).
          await Promise.all(
            [...members].map(([m, seen]) => {
              const current = known.get(m);
              if (current !== undefined && seen - current < liveLimits.visitorsStepMs) return null;
              known.set(m, seen);
              return kv.zIncrBy(key, m, seen - (current ?? 0));
            }),
          );
          const renewed = this.visitorsRenewed.get(key) ?? 0;
          if (renewed <= now - 60_000) {
            this.visitorsRenewed.set(key, now);
            await kv.expire(key, liveLimits.visitorsKeyTtlMs);
          }
        })(),
      );
    }
    await Promise.all(ops);
  }
}

const wantBody = (eventType: string) => needsBody.has(eventType);

function maxInto(m: Map<string, number>, k: string, v: number): void {
  const cur = m.get(k);
  if (cur === undefined || v > cur) m.set(k, v);
}

export interface LiveCountersOptions {
  log: EventLog;
  kv: KeyValue;
  timeZoneOf: TimeZoneOf;
  logger: Logger;
  metrics?: Metrics;
  /** Batches are topped up for this long (latency traded for fewer writes). Default 50 ms. */
  lingerMs?: number;
  maxRecords?: number;
  group?: string;
}

export interface LiveCounters extends ConsumerLoop {
  readonly group: string;
  /** Event → counter latency (collector receive time to counters written) of recent events, ms. */
  latency(): { count: number; p50: number; p95: number; p99: number; max: number };
  stats(): { events: number; batches: number; computeMs: number; writeMs: number };
}

/**
 * The live-counters processor: its own consumer group on user events, so warehouse writes never delay it.
 * At start it resumes from the group's committed offsets, but never from further back than the live horizon
 * (25 h of log time): older events cannot change any live counter.
 */
export async function startLiveCounters(o: LiveCountersOptions): Promise<LiveCounters> {
  const group = o.group ?? liveCountersGroup;
  const writer = new LiveCounterWriter(o.kv, o.timeZoneOf);
  const samples = new LatencySamples(20_000);
  const summary = o.metrics ? latencySummary(o.metrics) : null;
  const totals = { events: 0, batches: 0 };
  const loop = await startConsumerLoop({
    log: lingeringLog(o.log, o.lingerMs ?? 50),
    group,
    topics: liveCountersTopics,
    logger: o.logger,
    maxRecords: o.maxRecords ?? 20_000,
    pollTimeoutMs: 200,
    ...(o.metrics ? { metrics: o.metrics } : {}),
    startFrom: () => positionsBeyondHorizon(o.log, group, Date.now() - liveLimits.horizonMs),
    async handle(records) {
      const received = await writer.apply(records);
      const done = Date.now();
      // At most ~200 observations per batch for the Prometheus summary; every event for the local samples.
      const step = Math.max(1, Math.floor(received.length / 200));
      for (let i = 0; i < received.length; i++) {
        const ms = done - received[i]!;
        samples.add(ms);
        if (summary && i % step === 0) summary.observe(ms / 1000);
      }
      totals.events += records.length;
      totals.batches++;
    },
  });
  return {
    group,
    drain: (timeoutMs) => loop.drain(timeoutMs),
    stop: () => loop.stop(),
    latency: () => samples.summary(),
    stats: () => ({ ...totals, ...writer.timings }),
  };
}

/**
 * Where to start each partition that must skip ahead: the first record appended at or after `sinceMs`
 * (binary search on append times, which grow with offsets) where that is past the group's committed offset.
 */
export async function positionsBeyondHorizon(
  log: EventLog,
  group: string,
  sinceMs: number,
): Promise<TopicPartitionOffset[]> {
  const skipped: TopicPartitionOffset[] = [];
  for (const topic of liveCountersTopics) {
    const [ends, committed] = await Promise.all([log.endOffsets(topic), log.committedOffsets(group, topic)]);
    for (let p = 0; p < ends.length; p++) {
      const from = committed[p] ?? 0;
      const end = ends[p] ?? 0;
      if (from >= end) continue;
      const at = await firstAtOrAfter(log, topic, p, end, sinceMs, from);
      if (at > from) skipped.push({ topic, partition: p, offset: at });
    }
  }
  return skipped;
}

/** A ring of recent latencies (ms). */
class LatencySamples {
  private readonly ring: Float64Array;
  private n = 0;
  constructor(size: number) {
    this.ring = new Float64Array(size);
  }
  add(ms: number): void {
    this.ring[this.n++ % this.ring.length] = ms;
  }
  summary(): { count: number; p50: number; p95: number; p99: number; max: number } {
    const k = Math.min(this.n, this.ring.length);
    const sorted = Array.from(this.ring.subarray(0, k)).sort((a, b) => a - b);
    const q = (x: number) => (k === 0 ? 0 : sorted[Math.min(k - 1, Math.floor(x * k))]!);
    return { count: this.n, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: k === 0 ? 0 : sorted[k - 1]! };
  }
}

function latencySummary(metrics: Metrics): Summary {
  const name = 'plaza_live_counter_latency_seconds';
  const existing = metrics.registry.getSingleMetric(name);
  if (existing) return existing as Summary;
  return new Summary({
    name,
    help: 'Time from the collector receiving an event to the live counters including it (last 5 minutes)',
    percentiles: [0.5, 0.95, 0.99],
    maxAgeSeconds: 300,
    ageBuckets: 5,
    registers: [metrics.registry],
  });
}
