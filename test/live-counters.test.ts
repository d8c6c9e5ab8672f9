import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LocalEventLog } from '../src/adapters/event-log/local/local-event-log.js';
import { MemoryKeyValue } from '../src/adapters/kv/memory.js';
import { RedisKeyValue } from '../src/adapters/kv/redis.js';
import { encodeEvent } from '../src/collector/collector.js';
import { partitionKey, topics } from '../src/collector/topics.js';
import type { PlazaEvent } from '../src/core/envelope.js';
import { endOfLocalDay, localDate } from '../src/core/time-zone.js';
import { LiveCounterWriter, liveCountersGroup, startLiveCounters } from '../src/live/counters.js';
import { liveKeys } from '../src/live/keys.js';
import { LiveReader } from '../src/live/read.js';
import { prepareLiveReplay } from '../src/live/replay.js';
import { createLogger } from '../src/observability/logger.js';
import type { StoredRecord } from '../src/ports/event-log.js';
import type { KeyValue } from '../src/ports/key-value.js';
import { loggedEvent as event } from './fixtures/stream/logged-event.js';
import { requireEnv, uniqueName } from './helpers/engines.js';
import { tempDir } from './helpers/plaza.js';

const logger = createLogger('silent');

const min = 60_000;
const tz = 'America/Santo_Domingo';

let offset = 0;
const records = (events: PlazaEvent[]): StoredRecord[] =>
  events.map((e) => ({
    topic: 'user-events',
    partition: 0,
    offset: offset++,
    key: e.anonymous_id ?? '',
    value: encodeEvent(e),
    timestamp: Date.parse(e.received_at),
  }));

describe('local days', () => {
  it('ends a day at the local midnight of the project time zone', () => {
    // Santo Domingo is UTC-4 all year.
    const noon = Date.UTC(2026, 10, 23, 16, 0, 0);
    assert.equal(localDate(tz, noon), '2026-11-23');
    assert.equal(localDate(tz, Date.UTC(2026, 10, 24, 3, 59, 0)), '2026-11-23');
    assert.equal(endOfLocalDay(tz, '2026-11-23'), Date.UTC(2026, 10, 24, 4, 0, 0));
    // New York on the day clocks go back (25 hours long) and in summer.
    assert.equal(endOfLocalDay('America/New_York', '2026-11-01'), Date.UTC(2026, 10, 2, 5, 0, 0));
    assert.equal(endOfLocalDay('America/New_York', '2026-07-01'), Date.UTC(2026, 6, 2, 4, 0, 0));
    assert.equal(endOfLocalDay('Asia/Kolkata', '2026-07-01'), Date.UTC(2026, 6, 1, 18, 30, 0));
  });
});

function liveCounterSuite(name: string, open: () => Promise<KeyValue>) {
  describe(`live counters on ${name}`, () => {
    let kv: KeyValue;
    after(async () => kv?.close());

    it('counts views today, listing stats, live visitors and trending, with the seeded TTLs', async () => {
      kv ??= await open();
      const p = uniqueName('p');
      // Local noon, so every event below is today: counters and TTLs take `now`, never the clock.
      const now = Date.UTC(2026, 10, 23, 16, 0, 0);
      const today = localDate(tz, now);
      const writer = new LiveCounterWriter(kv, async () => tz);
      await writer.apply(
        records([
          event({ project: p, t: now - 1 * min, visitor: 'a' }),
          event({ project: p, t: now - 2 * min, visitor: 'b' }),
          event({ project: p, t: now - 3 * min, visitor: 'a', listing: 'l2', seller: 's2' }),
          // Seen 20 minutes ago: a view today, but not a live visitor.
          event({ project: p, t: now - 20 * min, visitor: 'old', listing: 'l2', seller: 's2' }),
          event({ project: p, type: 'page_view', t: now - 1000, visitor: 'c', listing: null, seller: null }),
          event({ project: p, type: 'favorite', t: now - 1000, properties: { action: 'add' } }),
          event({ project: p, type: 'favorite', t: now - 1000, properties: { action: 'remove' } }),
          event({ project: p, type: 'contact_sent', t: now - 1000, visitor: 'a' }),
          event({
            project: p,
            type: 'purchase_completed',
            t: now - 1000,
            properties: { total: 1250.5, currency: 'dop' },
          }),
        ]),
        now,
      );
      // A second batch: counters add up, the same visitor is still one.
      await writer.apply(records([event({ project: p, t: now - 500, visitor: 'a' })]), now);

      const reader = new LiveReader(kv);
      const project = await reader.project(p, tz, now);
      assert.equal(project.views_today, 5);
      assert.equal(project.live_visitors, 4); // a, b, c and v1 (favourites, purchase)
      assert.deepEqual(
        project.trending.map((t) => t.listing_id),
        ['l1', 'l2'],
      );
      assert.ok(
        project.trending[0]!.score > 2.9 && project.trending[0]!.score <= 3,
        `${project.trending[0]!.score}`,
      );

      const seller = await reader.seller(p, 's2', tz, now);
      assert.deepEqual([seller.views_today, seller.live_visitors], [2, 1]);

      const listing = await reader.listing(p, 'l1', tz, now);
      assert.equal(listing.views_today, 3);
      assert.deepEqual(
        { ...listing.stats, since: undefined, last_event_at: undefined },
        {
          views: 3,
          favourites: 1,
          leads: 1,
          test_drives: 0,
          add_to_cart: 0,
          checkouts: 0,
          purchases: 1,
          revenue: { DOP: 1250.5 },
          since: undefined,
          last_event_at: undefined,
        },
      );
      assert.equal(listing.stats!.since, new Date(now).toISOString());

      const statsTtl = await kv.pttl(liveKeys.listingStats(p, 'l1'));
      assert.ok(statsTtl > 29 * min && statsTtl <= 30 * min, `stats ttl ${statsTtl}`);
      const todayTtl = await kv.pttl(liveKeys.viewsToday(p, 'listing', 'l1', today));
      const toMidnight = endOfLocalDay(tz, today) - now;
      assert.ok(
        Math.abs(todayTtl - toMidnight) < 5000,
        `views-today ttl ${todayTtl}, midnight in ${toMidnight}`,
      );
      const visitorsTtl = await kv.pttl(liveKeys.visitors(p));
      assert.ok(visitorsTtl > 0 && visitorsTtl <= 10 * min, `visitors ttl ${visitorsTtl}`);
      assert.equal(await kv.pttl(liveKeys.listingStats(p, 'nothing')), -2);
    });

    it('leaves old events out: yesterday is not today, and visitors leave after 5 minutes', async () => {
      kv ??= await open();
      const p = uniqueName('p');
      const now = Date.now();
      const writer = new LiveCounterWriter(kv, async () => tz);
      const startOfToday = endOfLocalDay(tz, localDate(tz, now - 86_400_000));
      await writer.apply(
        records([
          event({ project: p, t: startOfToday - 1000, visitor: 'y' }),
          event({ project: p, t: now - 6 * min, visitor: 'z' }),
          event({ project: p, t: now - 30 * 3_600_000, visitor: 'w' }),
        ]),
        now,
      );
      const reader = new LiveReader(kv);
      const project = await reader.project(p, tz, now);
      const expectedToday = now - 6 * min >= startOfToday ? 1 : 0;
      assert.deepEqual([project.views_today, project.live_visitors], [expectedToday, 0]);
      // Visitors seen 4 minutes ago are gone a minute and a half later, without any write.
      await writer.apply(records([event({ project: p, t: now - 4 * min, visitor: 'x' })]), now);
      assert.equal((await reader.project(p, tz, now)).live_visitors, 1);
      assert.equal((await reader.project(p, tz, now + 90_000)).live_visitors, 0);
      // A client clock ahead of the server does not keep a visitor live: last seen is capped at received_at.
      await writer.apply(
        records([event({ project: p, t: now + 3_600_000, received: now - 4.5 * min, visitor: 'f' })]),
        now,
      );
      assert.equal((await reader.project(p, tz, now + 90_000)).live_visitors, 0);
    });

    it('ranks trending listings by recent views, not total views', async () => {
      kv ??= await open();
      const p = uniqueName('p');
      const now = Date.now();
      const writer = new LiveCounterWriter(kv, async () => tz);
      const old = Array.from({ length: 4 }, (_, i) =>
        event({ project: p, t: now - 150 * min, visitor: `o${i}`, listing: 'old-hit' }),
      );
      const fresh = Array.from({ length: 2 }, (_, i) =>
        event({ project: p, t: now - 1 * min, visitor: `f${i}`, listing: 'fresh' }),
      );
      await writer.apply(records([...old, ...fresh]), now);
      const { trending } = await new LiveReader(kv).project(p, tz, now);
      assert.deepEqual(
        trending.map((t) => t.listing_id),
        ['fresh', 'old-hit'],
      );
      // 4 views 2.5 h ago at a 30-minute half-life weigh 4 / 32.
      assert.ok(Math.abs(trending[1]!.score - 0.125) <= 0.006, `${trending[1]!.score}`);
    });
  });
}

liveCounterSuite('memory', () => MemoryKeyValue.open());

/** Appends events to the user-events topic as the collector would, at append time `at`. */
const appendAt = (log: LocalEventLog, events: PlazaEvent[], at: number) =>
  log.append(
    topics.userEvents,
    events.map((e) => ({ key: partitionKey(e), value: encodeEvent(e), timestamp: at })),
  );

/** Runs the processor until it has caught up with the log; stops it even when it cannot. */
async function drained(log: LocalEventLog, kv: KeyValue) {
  const live = await startLiveCounters({ log, kv, logger, timeZoneOf: async () => tz, lingerMs: 0 });
  try {
    await live.drain(10_000);
  } finally {
    await live.stop();
  }
  return live.stats();
}

describe('live counters processor', () => {
  const dir = tempDir('plaza-live-');
  after(() => rm(dir, { recursive: true, force: true }));

  /** A fresh local log with the user-events topic and an in-memory key-value store, closed after `fn`. */
  async function withStores(name: string, fn: (log: LocalEventLog, kv: MemoryKeyValue) => Promise<void>) {
    const log = await LocalEventLog.open(join(dir, name), { defaultPartitions: 2, fsync: false });
    const kv = await MemoryKeyValue.open();
    try {
      await log.ensureTopic(topics.userEvents);
      await fn(log, kv);
    } finally {
      await kv.close();
      await log.close();
    }
  }

  it('drains a log whose records are all beyond the horizon: the skip is committed', () =>
    withStores('old-only', async (log, kv) => {
      const p = uniqueName('p');
      const old = Date.now() - 30 * 3_600_000;
      await appendAt(
        log,
        ['o1', 'o2', 'o3', 'o4'].map((v) => event({ project: p, t: old, visitor: v })),
        old,
      );
      assert.equal((await drained(log, kv)).events, 0);
      assert.deepEqual(
        await log.committedOffsets(liveCountersGroup, topics.userEvents),
        await log.endOffsets(topics.userEvents),
      );
    }));

  it('skips what is older than the live horizon, and rebuilds the counters on replay', () =>
    withStores('log', async (log, kv) => {
      const p = uniqueName('p');
      const now = Date.now();
      const old = now - 30 * 3_600_000;
      const append = (events: PlazaEvent[], at: number) => appendAt(log, events, at);
      await append(
        [event({ project: p, t: old, visitor: 'o1' }), event({ project: p, t: old, visitor: 'o2' })],
        old,
      );
      await append(
        ['a', 'b', 'c'].map((v) => event({ project: p, t: now - 60_000, visitor: v })),
        now,
      );
      const run = () => drained(log, kv);
      const first = await run();
      assert.equal(first.events, 3, 'records appended before the horizon are not even read');
      const reader = new LiveReader(kv);
      const before = await reader.project(p, tz);
      assert.deepEqual([before.views_today, before.live_visitors], [3, 3]);

      const replay = await prepareLiveReplay(log, kv);
      assert.ok(replay.deletedKeys >= 3, `${replay.deletedKeys}`);
      assert.equal((await reader.project(p, tz)).views_today, 0);
      assert.equal(
        replay.positions.reduce((s, x) => s + x.offset, 0),
        2,
      );
      await run();
      const after = await reader.project(p, tz);
      assert.deepEqual([after.views_today, after.live_visitors], [3, 3]);
    }));
});
liveCounterSuite('Redis', () => RedisKeyValue.open(requireEnv('PLAZA_TEST_REDIS_URL')));
