/**
 * cluster_marts on a real DuckDB: a mart written day by day is rewritten sorted by seller (what lets a seller's
 * dashboard skip most of the table), keeps exactly its rows, and is left alone until enough new rows came in.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { martListingTable } from '../src/marts/analytics/listing-performance.js';
import { addDays } from '../src/marts/common/kit.js';
import { clusterTask } from '../src/marts/maintenance/cluster.js';
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
    // One more day: 48 rows on 240 sorted (20 %, not above it).
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
