/**
 * cluster_marts on a real DuckDB: a mart written day by day is rewritten sorted by seller (what lets a seller's
 * dashboard skip most of the table), keeps exactly its rows, and is left alone until enough rows are in new days.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { martListingTable } from '../src/marts/analytics/listing-performance.js';
import { addDays } from '../src/marts/common/kit.js';
import { clusterTask } from '../src/marts/maintenance/cluster.js';
import { stgEventsTable } from '../src/marts/staging/stg-events.js';
import type { StateStore } from '../src/ports/state.js';
import type { Row, Warehouse } from '../src/ports/warehouse.js';
import { openState, openWarehouse, taskContext } from './helpers/marts.js';

const task = clusterTask({ tables: [martListingTable], dependsOn: [] });

/** One day of listing rows: `sellers` sellers with 4 listings each, sellers interleaved as a day's build writes them. */
function dayRows(day: string, sellers: number): Row[] {
  const rows: Row[] = [];
  for (let l = 0; l < 4; l++) {
    for (let s = 0; s < sellers; s++) {
      rows.push({
        project_id: 'okla',
        local_date: day,
        listing_id: `lst-${s}-${l}`,
        seller_id: `dlr-${String(s).padStart(2, '0')}`,
        kind: 'vehicle',
        views: s * 10 + l,
        unique_viewers: l,
        favourites: 0,
        unfavourites: 0,
        leads: l % 2,
        test_drives: 0,
        add_to_cart: 0,
        cart_units: 0,
        purchases: 0,
        purchased_units: 0,
        revenue: 0,
        price_changes: 0,
      });
    }
  }
  return rows;
}

/** (seller, day, listing, views) in storage order. */
const stored = (w: Warehouse) =>
  w.query<{ seller_id: string; local_date: string; listing_id: string; views: number }>(
    `SELECT seller_id, CAST(local_date AS VARCHAR) AS local_date, listing_id, views::DOUBLE AS views
       FROM mart_listing_daily ORDER BY rowid`,
  );

const key = (r: { seller_id: string; local_date: string; listing_id: string }) =>
  `${r.seller_id}|${r.local_date}|${r.listing_id}`;
const isSorted = (rows: { seller_id: string; local_date: string; listing_id: string }[]) =>
  rows.every(
    (r, i) =>
      i === 0 || `${rows[i - 1]!.seller_id}|${rows[i - 1]!.local_date}` <= `${r.seller_id}|${r.local_date}`,
  );
const asSet = (rows: Awaited<ReturnType<typeof stored>>) => rows.map((r) => `${key(r)}|${r.views}`).sort();

describe('cluster_marts', () => {
  let w: Warehouse;
  let state: StateStore;
  const run = () => task.run(taskContext(w, state, task, null));

  before(async () => {
    [w, state] = await Promise.all([openWarehouse(), openState()]);
    await w.ensureTable(martListingTable);
    for (let d = 0; d < 5; d++) await w.insert('mart_listing_daily', dayRows(addDays('2026-01-01', d), 12));
  });
  after(async () => {
    await w?.close();
    await state?.close();
  });

  it('rewrites a mart written day by day sorted by seller, with exactly the same rows', async () => {
    const before = await stored(w);
    assert.equal(isSorted(before), false, 'the fixture starts in day order');
    const result = await run();
    assert.equal(result.rowsOut, before.length);
    assert.deepEqual(result.details, { sorted: ['mart_listing_daily'] });
    const after = await stored(w);
    assert.ok(isSorted(after), 'rows are in (project, seller, day) order');
    assert.deepEqual(asSet(after), asSet(before));
  });

  it('leaves the table alone until the rows added since exceed the share, then sorts them in', async () => {
    const sortedRows = (await stored(w)).length;
    // One more day: 48 rows of 288 in a new day (17 %, not above 20 %).
    await w.insert('mart_listing_daily', dayRows('2026-01-06', 12));
    assert.equal((await run()).rowsOut, 0);
    assert.equal(isSorted(await stored(w)), false, 'the new day is appended, unsorted');
    // A day replaced in place (delete + insert, as the daily marts do) does not change the count either.
    await w.exec(`DELETE FROM mart_listing_daily WHERE local_date = DATE '2026-01-02'`);
    await w.insert('mart_listing_daily', dayRows('2026-01-02', 12));
    assert.equal((await run()).rowsOut, 0);
    await w.insert('mart_listing_daily', dayRows('2026-01-07', 12));
    const before = await stored(w);
    assert.ok(before.length > sortedRows * 1.2);
    assert.equal((await run()).rowsOut, before.length);
    const after = await stored(w);
    assert.ok(isSorted(after));
    assert.deepEqual(asSet(after), asSet(before));
  });

  it('sorts again under retention, when old days leave as fast as new ones arrive', async () => {
    const total = (await stored(w)).length;
    const slide = async (drop: string, add: string) => {
      await w.exec(`DELETE FROM mart_listing_daily WHERE local_date = DATE '${drop}'`);
      await w.insert('mart_listing_daily', dayRows(add, 12));
      assert.equal((await stored(w)).length, total, 'the row count stays flat');
    };
    await slide('2026-01-01', '2026-01-08');
    assert.equal((await run()).rowsOut, 0, 'one new day of seven: 14 %');
    await slide('2026-01-02', '2026-01-09');
    assert.equal((await run()).rowsOut, total, 'two new days of seven: 29 %');
    assert.ok(isSorted(await stored(w)));
  });

  it('has nothing to do on an empty table', async () => {
    const empty = await openWarehouse();
    try {
      const r = await task.run(taskContext(empty, state, task, null));
      assert.equal(r.rowsOut, 0);
      assert.deepEqual(r.details, { sorted: [] });
    } finally {
      await empty.close();
    }
  });
});

describe('cluster_marts: the days of stg_events', () => {
  let w: Warehouse;
  let state: StateStore;
  const days = ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04'];
  // Now is 2026-01-05 12:00 UTC: days up to 2026-01-03 are complete.
  const dayTask = (maxDaysPerRun?: number) =>
    clusterTask({
      tables: [stgEventsTable],
      dependsOn: [],
      clock: () => new Date('2026-01-05T12:00:00Z'),
      ...(maxDaysPerRun ? { maxDaysPerRun } : {}),
    });
  const run = (t = dayTask()) => t.run(taskContext(w, state, t, null));
  /** Events as a stream writes them: every seller in turn, the days in order. */
  const addEvents = (day: string, perSeller: number, tag = 'e') =>
    w.exec(`INSERT INTO stg_events (project_id, event_id, event_type, local_date, "timestamp", received_at,
        person_id, seller_id, is_bot)
      SELECT 'okla', '${tag}-${day}-' || i, 'listing_viewed', DATE '${day}', TIMESTAMP '${day} 12:00:00' + i * INTERVAL 1 SECOND,
        TIMESTAMP '${day} 12:00:00', 'p' || (i % 7), 'dlr-' || lpad(CAST(i % 5 AS VARCHAR), 2, '0'), false
      FROM range(${perSeller * 5}) r(i)`);
  const stored = () =>
    w.query<{ day: string; seller_id: string; event_id: string }>(
      `SELECT CAST(local_date AS VARCHAR) AS day, seller_id, event_id FROM stg_events ORDER BY rowid`,
    );
  /** Each day's rows together, in seller order within the day, for the days given. */
  const sortedWithin = (rows: Awaited<ReturnType<typeof stored>>, sortedDays: string[]) =>
    sortedDays.every((d) => {
      const idx = rows.flatMap((r, i) => (r.day === d ? [i] : []));
      const contiguous = idx.every((x, k) => k === 0 || x === idx[k - 1]! + 1);
      const sellers = idx.map((i) => rows[i]!.seller_id);
      return contiguous && sellers.every((s, k) => k === 0 || sellers[k - 1]! <= s);
    });
  const ids = (rows: Awaited<ReturnType<typeof stored>>) => rows.map((r) => r.event_id).sort();

  before(async () => {
    [w, state] = await Promise.all([openWarehouse(), openState()]);
    await w.ensureTable(stgEventsTable);
    for (const d of days) await addEvents(d, 4);
  });
  after(async () => {
    await w?.close();
    await state?.close();
  });

  it('sorts each complete day by seller, newest first and at most the days asked, and keeps every row', async () => {
    const before = await stored();
    assert.equal(sortedWithin(before, ['2026-01-01']), false, 'the fixture interleaves sellers');
    const first = await run(dayTask(2));
    assert.deepEqual(first.details, { sorted: [], sortedDays: { stg_events: 2 } });
    assert.equal(first.rowsOut, 40);
    let rows = await stored();
    assert.ok(sortedWithin(rows, ['2026-01-02', '2026-01-03']));
    assert.equal(sortedWithin(rows, ['2026-01-01']), false, 'the oldest day waits for the next run');
    await run();
    rows = await stored();
    assert.ok(sortedWithin(rows, ['2026-01-01', '2026-01-02', '2026-01-03']));
    assert.equal(sortedWithin(rows, ['2026-01-04']), false, 'a day not yet complete is left alone');
    assert.deepEqual(ids(rows), ids(before));
  });

  it('leaves sorted days alone, and sorts a day again when rows arrive late', async () => {
    assert.deepEqual((await run()).details, { sorted: [], sortedDays: {} });
    await addEvents('2026-01-02', 1, 'late');
    assert.equal(sortedWithin(await stored(), ['2026-01-02']), false);
    const again = await run();
    assert.deepEqual(again.details, { sorted: [], sortedDays: { stg_events: 1 } });
    assert.equal(again.rowsOut, 25);
    assert.ok(sortedWithin(await stored(), ['2026-01-01', '2026-01-02', '2026-01-03']));
  });
});
