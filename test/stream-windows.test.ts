import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { appendEvents, makeEvents, rng } from '../bench/stream/events.js';
import { aggRows, diffRows, recountRows } from '../bench/stream/recount.js';
import { LocalEventLog } from '../src/adapters/event-log/local/local-event-log.js';
import { DuckDbWarehouse } from '../src/adapters/warehouse/duckdb/duckdb-warehouse.js';
import { encodeEvent } from '../src/collector/collector.js';
import { eventTopics, topics } from '../src/collector/topics.js';
import type { PlazaEvent } from '../src/core/envelope.js';
import { createLogger } from '../src/observability/logger.js';
import type { Warehouse } from '../src/ports/warehouse.js';
import { startRawEventsSink } from '../src/sink/raw-events-sink.js';
import { startWindowAggregator, type WindowAggregator } from '../src/stream/windows/aggregator.js';
import { isoMs, readLogged, scanHead } from '../src/stream/windows/event-fields.js';
import { prepareAggregatorReplay } from '../src/stream/windows/replay.js';
import { type AdmittedEvent, WindowState } from '../src/stream/windows/window-state.js';
import { loggedEvent as view } from './fixtures/stream/logged-event.js';
import { tempDir } from './helpers/plaza.js';

const logger = createLogger('silent');
const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const min = 60_000;
const lateness = 10 * min;

/** Feeds events of one partition through admit + apply, as the processor does. */
function feed(state: WindowState, tp: string, events: PlazaEvent[]): AdmittedEvent[] {
  const admitted: AdmittedEvent[] = [];
  for (const e of events) {
    const ev = readLogged(encodeEvent(e), () => false)!;
    if (!state.admit(tp, ev.head, true)) continue;
    admitted.push({
      tp,
      projectId: ev.head.projectId,
      timeMs: ev.head.timeMs,
      counter: 'views',
      visitor: ev.head.anonymousId,
      listingId: ev.head.listingId,
      sellerId: ev.head.sellerId,
      revenue: null,
    });
  }
  state.apply(admitted);
  return admitted;
}

const counts = (rows: Record<string, unknown>[], type: string, id: string) =>
  rows
    .filter((r) => r['entity_type'] === type && r['entity_id'] === id)
    .map((r) => ({
      at: (r['window_start'] as Date).toISOString().slice(11, 16),
      views: r['views'],
      unique: r['unique_viewers'],
    }));

describe('event head scanning', () => {
  it('reads the head of a logged event without parsing it, and agrees with JSON.parse', () => {
    const e = view({ t: T0, visitor: 'añón "x"', listing: 'l-ü' });
    // An escape in a value: the fast path declines and the parser answers.
    assert.equal(scanHead(encodeEvent(e)), null);
    const ev = readLogged(encodeEvent(e), () => false)!;
    assert.equal(ev.head.anonymousId, 'añón "x"');
    const plain = view({ t: T0, visitor: 'añón', listing: 'l-ü', seller: null });
    const head = scanHead(encodeEvent(plain))!;
    assert.deepEqual(
      [
        head.projectId,
        head.eventType,
        head.timeMs,
        head.anonymousId,
        head.userId,
        head.sellerId,
        head.listingId,
      ],
      ['p1', 'listing_viewed', T0, 'añón', null, null, 'l-ü'],
    );
  });

  it('reads ISO times exactly', () => {
    const r = rng(3);
    for (let i = 0; i < 10_000; i++) {
      const t = Math.floor((r() - 0.3) * 5e12);
      const s = new Date(t).toISOString();
      if (s.length === 24) assert.equal(isoMs(s), t, s);
    }
    assert.equal(isoMs('2026-11-23T10:00:00+01:00'), Date.parse('2026-11-23T10:00:00+01:00'));
  });
});

describe('window state: lateness', () => {
  it('puts a late event in its own window once, and drops one beyond the allowed lateness', () => {
    const s = new WindowState(lateness);
    feed(s, 'user-events/0', [
      view({ t: T0 + 30_000, visitor: 'a' }),
      view({ t: T0 + 12 * min, visitor: 'b' }), // watermark 10:12
      view({ t: T0 + 5 * min, visitor: 'c' }), // minute 10:05 ends 10:06; + 10 min = 10:16 > 10:12: on time
      // Received 20 s after b, so b moves the watermark to 10:12 for it. Minute 09:58 ends 09:59, + 10 min =
      // 10:09 <= 10:12: late.
      view({ t: T0 - 2 * min, received: T0 + 12 * min + 20_000, visitor: 'd' }),
    ]);
    const out = s.flush();
    assert.deepEqual(counts(out.minuteRows, 'listing', 'l1'), [
      { at: '10:00', views: 1, unique: 1 },
      { at: '10:12', views: 1, unique: 1 },
      { at: '10:05', views: 1, unique: 1 },
    ]);
    assert.deepEqual(counts(out.hourRows, 'project', 'p1'), [{ at: '10:00', views: 3, unique: 3 }]);
    assert.equal(s.lateDroppedTotal('p1'), 1);
    assert.deepEqual(out.state.late_dropped, { p1: 1 });
  });

  it('never makes an event late because of one received less than 10 s before or after it', () => {
    const s = new WindowState(lateness);
    // Two requests of a backfill, appended in the wrong order: the second one's history is an hour older.
    const now = T0 + 24 * 60 * min;
    const second = feed(s, 'user-events/0', [view({ t: T0 + 60 * min, received: now + 2000 })]);
    const first = feed(s, 'user-events/0', [view({ t: T0, received: now + 1000 })]);
    assert.deepEqual([second.length, first.length], [1, 1]);
    // The same old event received 11 s after the newer one is late.
    assert.equal(feed(s, 'user-events/0', [view({ t: T0, received: now + 13_000 })]).length, 0);
  });

  it('keeps a watermark per partition and per project', () => {
    const s = new WindowState(lateness);
    feed(s, 'user-events/0', [view({ t: T0 + 60 * min })]);
    // Partition 1 and project p2 have not moved: an old event there is on time.
    const later = T0 + 60 * min + 20_000;
    const a = feed(s, 'user-events/1', [view({ t: T0, received: later })]);
    const b = feed(s, 'user-events/0', [view({ t: T0, received: later, project: 'p2' })]);
    const c = feed(s, 'user-events/0', [view({ t: T0, received: later })]);
    assert.deepEqual([a.length, b.length, c.length], [1, 1, 0]);
  });

  it('caps the watermark at received_at, so a client clock running ahead cannot close windows', () => {
    const s = new WindowState(lateness);
    feed(s, 'user-events/0', [view({ t: T0 + 60 * min, received: T0 })]);
    assert.equal(feed(s, 'user-events/0', [view({ t: T0 - 5 * min, received: T0 + 20_000 })]).length, 1);
    assert.equal(s.watermark('user-events/0', 'p1'), T0);
  });

  it('counts unique viewers per window across partitions and drops closed viewer sets', () => {
    const s = new WindowState(lateness);
    feed(s, 'user-events/0', [view({ t: T0, visitor: 'a' }), view({ t: T0 + 1000, visitor: 'a' })]);
    feed(s, 'user-events/1', [view({ t: T0 + 2000, visitor: 'b', listing: 'l2' })]);
    let out = s.flush();
    assert.deepEqual(counts(out.minuteRows, 'project', 'p1'), [{ at: '10:00', views: 3, unique: 2 }]);
    assert.deepEqual(counts(out.minuteRows, 'seller', 's1'), [{ at: '10:00', views: 3, unique: 2 }]);
    assert.equal(out.viewerRows.length, 2);
    // Partition 0 moves far ahead: its sets of 10:00 are dropped, partition 1's stay.
    feed(s, 'user-events/0', [
      view({ t: T0 + 3 * 60 * min, visitor: 'z' }),
      view({ t: T0 + 3 * 60 * min + 20_000, visitor: 'z' }),
    ]);
    s.evict(Date.now());
    out = s.flush();
    assert.ok(s.stats().viewerSets > 0);
    const cut = s.viewerCutoffs().find((c) => c.partition === 0)!;
    assert.equal(cut.before, T0 + 2 * 60 * min);
  });

  it('restores viewer sets from stored rows so a visitor is not counted twice after a restart', () => {
    const s = new WindowState(lateness);
    feed(s, 'user-events/0', [view({ t: T0, visitor: 'a' })]);
    const first = s.flush();
    const r = new WindowState(lateness);
    r.restoreState(first.state);
    for (const v of first.viewerRows) {
      r.restoreViewers('user-events/0', 'p1', (v['window_start'] as Date).getTime(), v['visitors']);
    }
    r.installGroup('minute', 'p1', T0, first.minuteRows);
    r.installGroup('hour', 'p1', T0, first.hourRows);
    feed(r, 'user-events/0', [view({ t: T0 + 1000, visitor: 'a' }), view({ t: T0 + 2000, visitor: 'b' })]);
    assert.deepEqual(counts(r.flush().minuteRows, 'listing', 'l1'), [{ at: '10:00', views: 3, unique: 2 }]);
  });
});

/** Fails replaceRows at random, before or after the real write (a crash before or after the commit). */
function flaky(w: Warehouse, r: () => number, p: number): Warehouse {
  return new Proxy(w, {
    get(target, prop) {
      if (prop === 'replaceRows') {
        return async (...args: Parameters<Warehouse['replaceRows']>) => {
          const x = r();
          if (x < p / 2) throw new Error('injected failure before the write');
          await target.replaceRows(...args);
          if (x < p) throw new Error('injected failure after the write');
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

describe('windowed aggregator on the event log and DuckDB', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('equals a batch recount of raw_events after random restarts, failures and replays', async () => {
    const dir = tempDir('plaza-windows-');
    dirs.push(dir);
    const log = await LocalEventLog.open(join(dir, 'log'), { defaultPartitions: 3, fsync: false });
    for (const t of eventTopics) await log.ensureTopic(t);
    const warehouse = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'), { threads: 2 });
    const r = rng(42);
    try {
      // Two projects, 8 % of events late by up to 25 minutes (some within the 10 allowed, some beyond).
      const events = [
        ...makeEvents({
          projectId: 'p1',
          count: 12_000,
          startMs: T0,
          stepMs: 400,
          visitors: 400,
          listings: 120,
          sellers: 15,
          lateShare: 0.08,
          maxLateMs: 25 * min,
          seed: 1,
        }),
        ...makeEvents({
          projectId: 'p2',
          count: 4000,
          startMs: T0 + 30 * min,
          stepMs: 900,
          visitors: 100,
          lateShare: 0.05,
          maxLateMs: 15 * min,
          seed: 2,
          idPrefix: 'q',
        }),
      ].sort((a, b) => Date.parse(a.received_at) - Date.parse(b.received_at));

      let agg: WindowAggregator | null = null;
      const start = async () =>
        startWindowAggregator({
          log,
          warehouse: flaky(warehouse, r, 0.15),
          logger,
          allowedLatenessMs: lateness,
          lingerMs: 0,
          maxRecords: 300 + Math.floor(r() * 700),
        });
      for (let i = 0; i < events.length; i += 1000) {
        await appendEvents(log, events.slice(i, i + 1000), 250);
        agg ??= await start();
        await new Promise((res) => setTimeout(res, r() * 60));
        const x = r();
        if (x < 0.3) {
          // Restart: a new processor resumes from the warehouse.
          await agg.stop();
          agg = null;
        } else if (x < 0.45) {
          // Replay: the log forgets the group's commits; positions stored beside the effects still rule.
          await agg.stop();
          agg = null;
          const c = await log.consumer({ group: 'window-aggregator', topics: [topics.userEvents] });
          const parts = await log.partitions(topics.userEvents);
          await c.commit(
            Array.from({ length: parts }, (_, p) => ({ topic: topics.userEvents, partition: p, offset: 0 })),
          );
          await c.close();
        }
      }
      agg ??= await start();
      await agg.drain(120_000);
      await agg.stop();

      const sink = await startRawEventsSink(log, warehouse, logger);
      await sink.drain(60_000);
      await sink.stop();

      const expected = await recountRows(warehouse, lateness);
      const actual = await aggRows(warehouse);
      assert.ok(expected.rows.size > 1000, `only ${expected.rows.size} rows`);
      assert.ok((expected.lateDropped.get('p1') ?? 0) > 0, 'the fixture has events beyond the lateness');
      assert.deepEqual(diffRows(actual, expected.rows), []);
      const [state] = await warehouse.query<{ state: { late_dropped: Record<string, number> } }>(
        "SELECT state FROM agg_state WHERE consumer_group = 'window-aggregator'",
      );
      assert.deepEqual(state!.state.late_dropped, Object.fromEntries(expected.lateDropped));
      // Minutes add up to hours.
      const [sums] = await warehouse.query<{ m: number; h: number }>(
        `SELECT (SELECT sum(views) FROM agg_minute WHERE entity_type = 'project') AS m,
                (SELECT sum(views) FROM agg_hour WHERE entity_type = 'project') AS h`,
      );
      assert.equal(Number(sums!.m), Number(sums!.h));

      // Replays: from a time (the hours before it are kept), then from the start.
      for (const fromMs of [T0 + 70 * min, undefined]) {
        const replay = await prepareAggregatorReplay(log, warehouse, fromMs === undefined ? {} : { fromMs });
        assert.ok(replay.deleted.agg_minute > 0);
        if (fromMs !== undefined) {
          assert.equal(replay.fromHour, new Date(T0 + 60 * min).toISOString());
          assert.ok(replay.deleted.agg_minute < expected.rows.size / 2, 'earlier hours are kept');
        }
        const again = await startWindowAggregator({ log, warehouse, logger, allowedLatenessMs: lateness });
        await again.drain(120_000);
        await again.stop();
        assert.deepEqual(diffRows(await aggRows(warehouse), expected.rows), [], `replay from ${fromMs}`);
      }
    } finally {
      await warehouse.close();
      await log.close();
    }
  });
});
