import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stgEventsDayTask, stgEventsIncrementalTask } from '../src/marts/staging/stg-events.task.js';
import { syncTasks } from '../src/marts/staging/sync.task.js';
import type { StateStore } from '../src/ports/state.js';
import type { Warehouse } from '../src/ports/warehouse.js';
import {
  ev,
  insertRaw,
  link,
  openState,
  openWarehouse,
  runTask,
  SD,
  withWarehouse,
} from './helpers/marts.js';

/**
 * Staging on hand-made events (project okla, America/Santo_Domingo = UTC−4, so the local day 2026-03-02 is
 * [2026-03-02T04:00Z, 2026-03-03T04:00Z)).
 */
let state: StateStore;
before(async () => {
  state = await openState();
});
after(() => state.close());

const incremental = stgEventsIncrementalTask(10 * 60_000);
const day = stgEventsDayTask();
const [dimListings, dimSellers, dimUsers, stgOrders] = syncTasks('stg_events');
const runWindow = (w: Warehouse, since: string | null, until: string) =>
  runTask(incremental, {
    warehouse: w,
    state,
    window: { since: since ? new Date(since) : null, until: new Date(until) },
  });
const sync = async (w: Warehouse) => {
  for (const t of [dimListings!, dimSellers!, dimUsers!, stgOrders!])
    await runTask(t, { warehouse: w, state });
};

describe('stg_events', () => {
  let w: Warehouse;
  before(async () => {
    w = await openWarehouse();
  });
  after(() => w.close());

  it('stages typed, deduplicated rows with their local day, person and bot flag', async () => {
    await insertRaw(w, [
      // 01:30 UTC on 3 March is still 2 March in Santo Domingo.
      ev('listing_viewed', '2026-03-03T01:30:00Z', {
        id: 'v1',
        anon: 'a1',
        listing: 'l1',
        seller: 's1',
        props: {
          make: ' Toyota ',
          model: 'RAV4',
          year: 2019,
          price: 1850000,
          currency: 'dop',
          body_type: 'SUV',
        },
      }),
      // The same event again (a client retry), received later: the first copy stays.
      ev('listing_viewed', '2026-03-03T01:30:00Z', {
        id: 'v1',
        anon: 'a1',
        listing: 'l1',
        received: '2026-03-03T01:40:00Z',
        props: { make: 'Other' },
      }),
      ev('page_view', '2026-03-02T12:00:00Z', { id: 'p1', anon: 'bot-1', bot: true, device: 'bot' }),
      ev('favorite', '2026-03-02T13:00:00Z', { id: 'f1', anon: 'a2', user: 'null', listing: 'l1' }),
      ev('purchase_completed', '2026-03-02T14:00:00Z', {
        id: 'o1',
        anon: null,
        user: 'u9',
        seller: 'st1',
        props: { order_id: 'ord-1', total: 100, currency: 'DOP', year: 'not a number' },
      }),
    ]);
    await link(w, 'a1', 'u1', '2026-03-02T10:00:00Z');
    const r = await runWindow(w, null, '2026-03-04T00:00:00Z');
    assert.deepEqual(
      r,
      { rowsIn: 5, rowsOut: 7 },
      '4 events staged, 1 also in stg_changes, 2 in stg_interactions',
    );

    const rows = await w.query(
      `SELECT event_id, local_date, person_id, user_id, is_bot, make, body_type, price, currency, year, order_id,
              received_at FROM stg_events ORDER BY event_id`,
    );
    assert.deepEqual(rows, [
      {
        event_id: 'f1',
        local_date: '2026-03-02',
        person_id: 'a2',
        user_id: null,
        is_bot: false,
        make: null,
        body_type: null,
        price: null,
        currency: null,
        year: null,
        order_id: null,
        received_at: new Date('2026-03-02T13:00:01Z'),
      },
      {
        event_id: 'o1',
        local_date: '2026-03-02',
        person_id: 'u9',
        user_id: 'u9',
        is_bot: false,
        make: null,
        body_type: null,
        price: null,
        currency: 'DOP',
        year: null,
        order_id: 'ord-1',
        received_at: new Date('2026-03-02T14:00:01Z'),
      },
      {
        event_id: 'p1',
        local_date: '2026-03-02',
        person_id: 'bot-1',
        user_id: null,
        is_bot: true,
        make: null,
        body_type: null,
        price: null,
        currency: null,
        year: null,
        order_id: null,
        received_at: new Date('2026-03-02T12:00:01Z'),
      },
      {
        event_id: 'v1',
        local_date: '2026-03-02',
        person_id: 'u1',
        user_id: null,
        is_bot: false,
        make: 'Toyota',
        body_type: 'suv',
        price: 1850000,
        currency: 'DOP',
        year: 2019,
        order_id: null,
        received_at: new Date('2026-03-03T01:30:01Z'),
      },
    ]);
    assert.deepEqual(
      await w.query(
        'SELECT event_id, event_type, person_id, listing_id, make, price FROM stg_interactions ORDER BY 1',
      ),
      [
        {
          event_id: 'f1',
          event_type: 'favorite',
          person_id: 'a2',
          listing_id: 'l1',
          make: null,
          price: null,
        },
        {
          event_id: 'v1',
          event_type: 'listing_viewed',
          person_id: 'u1',
          listing_id: 'l1',
          make: 'Toyota',
          price: 1850000,
        },
      ],
    );
    const changes = await w.query('SELECT event_id, properties FROM stg_changes');
    assert.deepEqual(changes, [
      {
        event_id: 'o1',
        properties: { order_id: 'ord-1', total: 100, currency: 'DOP', year: 'not a number' },
      },
    ]);
  });

  it('yields the same rows when the same window or the same day runs again', async () => {
    const before = await w.query('SELECT * FROM stg_events ORDER BY ALL');
    assert.equal(
      (await runWindow(w, null, '2026-03-04T00:00:00Z')).rowsOut,
      0,
      'every row was staged already',
    );
    // The daily run replaces its day whole: the same rows again.
    assert.equal((await runTask(day, { warehouse: w, state, partition: '2026-03-02' })).rowsOut, 7);
    assert.deepEqual(await w.query('SELECT * FROM stg_events ORDER BY ALL'), before);
  });

  it('replaces a staged copy when an earlier-received copy of the event shows up', async () => {
    // The sink loaded a copy received before the staged one (two collectors, one of them late).
    await insertRaw(w, [
      ev('favorite', '2026-03-02T13:00:00Z', {
        id: 'f1',
        anon: 'a2',
        listing: 'l1',
        received: '2026-03-02T13:00:00.500Z',
        props: { action: 'remove' },
      }),
    ]);
    await runTask(day, { warehouse: w, state, partition: '2026-03-02' });
    assert.deepEqual(await w.query("SELECT action, received_at FROM stg_events WHERE event_id = 'f1'"), [
      { action: 'remove', received_at: new Date('2026-03-02T13:00:00.500Z') },
    ]);
  });

  it('keeps one copy of an event whose copies fall on both sides of midnight, whichever day runs first', async () => {
    for (const order of [
      ['2026-03-05', '2026-03-06'],
      ['2026-03-06', '2026-03-05'],
    ]) {
      await withWarehouse(async (w2) => {
        await insertRaw(w2, [
          // 23:59:50 on 5 March in Santo Domingo, received second.
          ev('page_view', '2026-03-06T03:59:50Z', { id: 'x', received: '2026-03-06T04:00:30Z' }),
          // The same event, its corrected time 20 s later (00:00:10 on 6 March), received first.
          ev('page_view', '2026-03-06T04:00:10Z', { id: 'x', received: '2026-03-06T04:00:20Z' }),
        ]);
        for (const d of order) await runTask(day, { warehouse: w2, state, partition: d });
        assert.deepEqual(await w2.query('SELECT event_id, local_date, received_at FROM stg_events'), [
          { event_id: 'x', local_date: '2026-03-06', received_at: new Date('2026-03-06T04:00:20Z') },
        ]);
      });
    }
  });

  it('re-attributes earlier anonymous rows to the user once the visitor identifies', async () => {
    await insertRaw(w, [
      ev('listing_viewed', '2026-03-02T15:00:00Z', {
        id: 'v2',
        anon: 'a2',
        listing: 'l1',
        received: '2026-03-03T10:00:00Z',
      }),
    ]);
    await link(w, 'a2', 'u2', '2026-03-03T10:00:00Z');
    // The window covers the identification: a2's rows of every day follow it.
    await runWindow(w, '2026-03-03T09:00:00Z', '2026-03-03T11:00:00Z');
    assert.deepEqual(
      await w.query("SELECT event_id, person_id FROM stg_events WHERE anonymous_id = 'a2' ORDER BY 1"),
      [
        { event_id: 'f1', person_id: 'u2' },
        { event_id: 'v2', person_id: 'u2' },
      ],
    );
    assert.deepEqual(
      await w.query("SELECT event_id, person_id FROM stg_interactions WHERE anonymous_id = 'a2' ORDER BY 1"),
      [
        { event_id: 'f1', person_id: 'u2' },
        { event_id: 'v2', person_id: 'u2' },
      ],
    );
  });

  it('catches late events through the lookback, and would miss them without it', async () => {
    await withWarehouse(async (w2) => {
      await insertRaw(w2, [
        ev('page_view', '2026-03-02T11:58:00Z', { id: 'early', received: '2026-03-02T11:58:00Z' }),
      ]);
      // First run; its `until` becomes the watermark.
      await runWindow(w2, null, '2026-03-02T12:00:00Z');
      // Received at 11:59 but loaded into raw_events only after the run (the sink was behind).
      await insertRaw(w2, [
        ev('page_view', '2026-03-02T11:59:00Z', { id: 'late', received: '2026-03-02T11:59:00Z' }),
      ]);
      await insertRaw(w2, [
        ev('page_view', '2026-03-02T12:03:00Z', { id: 'next', received: '2026-03-02T12:03:00Z' }),
      ]);

      const staged = async () =>
        (await w2.query('SELECT event_id FROM stg_events ORDER BY 1')).map((r) => r.event_id);
      // Without lookback the next window starts at the watermark: the late event is never seen.
      await runWindow(w2, '2026-03-02T12:00:00Z', '2026-03-02T12:05:00Z');
      assert.deepEqual(await staged(), ['early', 'next']);
      // The orchestrator starts the window lookbackMs (10 min) before the watermark.
      const r = await runWindow(w2, '2026-03-02T11:55:00Z', '2026-03-02T12:10:00Z');
      assert.deepEqual(r, { rowsIn: 3, rowsOut: 1 }, 'three rows read again, only the late one written');
      assert.deepEqual(await staged(), ['early', 'late', 'next']);
    });
  });

  it('stages the local day of each project in its own time zone', async () => {
    await withWarehouse(async (w2) => {
      const projects = [
        { id: 'okla', timeZone: SD },
        { id: 'tokyo', timeZone: 'Asia/Tokyo' },
      ];
      await insertRaw(w2, [
        ev('page_view', '2026-03-02T03:59:59Z', { id: 'sd-before' }),
        ev('page_view', '2026-03-02T04:00:00Z', { id: 'sd-first' }),
        ev('page_view', '2026-03-03T03:59:59Z', { id: 'sd-last' }),
        ev('page_view', '2026-03-01T15:00:00Z', { id: 'jp-first', project: 'tokyo' }),
        ev('page_view', '2026-03-02T15:00:00Z', { id: 'jp-after', project: 'tokyo' }),
      ]);
      await runTask(day, { warehouse: w2, state, projects, partition: '2026-03-02' });
      assert.deepEqual(
        await w2.query('SELECT project_id, event_id, local_date FROM stg_events ORDER BY 1, 2'),
        [
          { project_id: 'okla', event_id: 'sd-first', local_date: '2026-03-02' },
          { project_id: 'okla', event_id: 'sd-last', local_date: '2026-03-02' },
          { project_id: 'tokyo', event_id: 'jp-first', local_date: '2026-03-02' },
        ],
      );
      // The incremental path computes the same days row by row.
      await runTask(incremental, {
        warehouse: w2,
        state,
        projects,
        window: { since: null, until: new Date('2026-04-01') },
      });
      assert.deepEqual(
        await w2.query('SELECT project_id, event_id, local_date FROM stg_events ORDER BY 1, 2'),
        [
          { project_id: 'okla', event_id: 'sd-before', local_date: '2026-03-01' },
          { project_id: 'okla', event_id: 'sd-first', local_date: '2026-03-02' },
          { project_id: 'okla', event_id: 'sd-last', local_date: '2026-03-02' },
          { project_id: 'tokyo', event_id: 'jp-after', local_date: '2026-03-03' },
          { project_id: 'tokyo', event_id: 'jp-first', local_date: '2026-03-02' },
        ],
      );
    });
  });
});

describe('dim_listings (SCD2)', () => {
  let w: Warehouse;
  before(async () => {
    w = await openWarehouse();
  });
  after(() => w.close());

  const vehicle = {
    make: 'Toyota',
    model: 'RAV4',
    year: 2019,
    body_type: 'suv',
    province: 'Santiago',
    currency: 'DOP',
  };

  it('keeps the history of price, status and every other attribute', async () => {
    await insertRaw(w, [
      ev('listing_created', '2026-03-01T10:00:00Z', {
        id: 'c1',
        anon: null,
        user: 'slr1',
        seller: 's1',
        listing: 'l1',
        props: {
          ...vehicle,
          price: 100,
          photo_count: 5,
          published_at: '2026-02-27T09:00:00Z',
          seller_type: 'dealer',
        },
      }),
      ev('listing_updated', '2026-03-03T10:00:00Z', {
        id: 'u1',
        anon: null,
        user: 'slr1',
        seller: 's1',
        listing: 'l1',
        props: { price: 90, previous_price: 100, changed_fields: ['price'] },
      }),
      // Not a price or status change: the same version, with more photos.
      ev('listing_updated', '2026-03-04T10:00:00Z', {
        id: 'u2',
        anon: null,
        user: 'slr1',
        seller: 's1',
        listing: 'l1',
        props: { photo_count: 12, changed_fields: ['photo_count'] },
      }),
      ev('listing_sold', '2026-03-06T10:00:00Z', {
        id: 's1',
        anon: null,
        user: 'slr1',
        seller: 's1',
        listing: 'l1',
        props: { sold_price: 88, sold_on_platform: true },
      }),
    ]);
    await runWindow(w, null, '2026-04-01T00:00:00Z');
    const r = await runTask(dimListings!, { warehouse: w, state });
    assert.deepEqual(r, { rowsIn: 1, rowsOut: 4 });
    const rows = await w.query(
      `SELECT version, valid_from, valid_to, is_current, price, previous_price, status, previous_status,
              photo_count, change_type, kind, make, published_at, sold_at, sold_price, sold_on_platform
       FROM dim_listings ORDER BY version`,
    );
    const common = {
      kind: 'vehicle',
      make: 'Toyota',
      published_at: new Date('2026-02-27T09:00:00Z'),
      sold_at: new Date('2026-03-06T10:00:00Z'),
    };
    const unsold = { sold_price: null, sold_on_platform: null };
    assert.deepEqual(rows, [
      {
        version: 1,
        valid_from: new Date('2026-03-01T10:00:00Z'),
        valid_to: new Date('2026-03-03T10:00:00Z'),
        is_current: false,
        price: 100,
        previous_price: null,
        status: 'active',
        previous_status: null,
        photo_count: 5,
        change_type: 'listing_created',
        ...common,
        ...unsold,
      },
      {
        version: 2,
        valid_from: new Date('2026-03-03T10:00:00Z'),
        valid_to: new Date('2026-03-04T10:00:00Z'),
        is_current: false,
        price: 90,
        previous_price: 100,
        status: 'active',
        previous_status: 'active',
        photo_count: 5,
        change_type: 'listing_updated',
        ...common,
        ...unsold,
      },
      {
        // More photos: a version of its own, the price carried over.
        version: 3,
        valid_from: new Date('2026-03-04T10:00:00Z'),
        valid_to: new Date('2026-03-06T10:00:00Z'),
        is_current: false,
        price: 90,
        previous_price: 90,
        status: 'active',
        previous_status: 'active',
        photo_count: 12,
        change_type: 'listing_updated',
        ...common,
        ...unsold,
      },
      {
        version: 4,
        valid_from: new Date('2026-03-06T10:00:00Z'),
        valid_to: null,
        is_current: true,
        price: 90,
        previous_price: 90,
        status: 'sold',
        previous_status: 'active',
        photo_count: 12,
        change_type: 'listing_sold',
        ...common,
        sold_price: 88,
        sold_on_platform: true,
      },
    ]);
    assert.equal(
      (await runTask(dimListings!, { warehouse: w, state })).rowsOut,
      0,
      'nothing stale on a second run',
    );
  });

  it('puts a late change in its place in the history', async () => {
    // A price change of 2 March, received only on 7 March.
    await insertRaw(w, [
      ev('listing_updated', '2026-03-02T10:00:00Z', {
        id: 'late',
        anon: null,
        user: 'slr1',
        seller: 's1',
        listing: 'l1',
        received: '2026-03-07T00:00:00Z',
        props: { price: 95 },
      }),
    ]);
    await runWindow(w, '2026-03-06T23:00:00Z', '2026-03-07T01:00:00Z');
    await runTask(dimListings!, { warehouse: w, state });
    assert.deepEqual(
      await w.query(
        'SELECT version, valid_from, price, previous_price, status FROM dim_listings ORDER BY version',
      ),
      [
        {
          version: 1,
          valid_from: new Date('2026-03-01T10:00:00Z'),
          price: 100,
          previous_price: null,
          status: 'active',
        },
        {
          version: 2,
          valid_from: new Date('2026-03-02T10:00:00Z'),
          price: 95,
          previous_price: 100,
          status: 'active',
        },
        {
          version: 3,
          valid_from: new Date('2026-03-03T10:00:00Z'),
          price: 90,
          previous_price: 95,
          status: 'active',
        },
        {
          version: 4,
          valid_from: new Date('2026-03-04T10:00:00Z'),
          price: 90,
          previous_price: 90,
          status: 'active',
        },
        {
          version: 5,
          valid_from: new Date('2026-03-06T10:00:00Z'),
          price: 90,
          previous_price: 90,
          status: 'sold',
        },
      ],
    );
  });
});

describe('syncs in the 5-minute pipeline', () => {
  it('check only the keys with changes received in their window; the daily sync checks every key', async () => {
    await withWarehouse(async (w) => {
      const listing = (id: string, at: string, price: number, received: string) =>
        ev('listing_updated', at, {
          anon: null,
          user: 'slr1',
          seller: 's1',
          listing: id,
          received,
          props: { make: 'Kia', price },
        });
      await insertRaw(w, [
        listing('a', '2026-03-02T10:00:00Z', 10, '2026-03-02T10:00:01Z'),
        listing('b', '2026-03-02T11:00:00Z', 20, '2026-03-02T11:00:01Z'),
      ]);
      await runWindow(w, null, '2026-03-03T00:00:00Z');
      const [incrementalListings] = syncTasks('stg_events', 10 * 60_000);
      assert.equal(incrementalListings!.partitioning, 'incremental');
      const inWindow = (since: string, until: string) =>
        runTask(incrementalListings!, {
          warehouse: w,
          state,
          window: { since: new Date(since), until: new Date(until) },
        });
      // Only listing a changed in this window.
      assert.deepEqual(await inWindow('2026-03-02T09:55:00Z', '2026-03-02T10:30:00Z'), {
        rowsIn: 1,
        rowsOut: 1,
      });
      assert.deepEqual(
        (await w.query('SELECT listing_id FROM dim_listings')).map((r) => r.listing_id),
        ['a'],
      );
      // The daily sync finds b, whose change the 5-minute runs never looked at.
      assert.deepEqual(await runTask(dimListings!, { warehouse: w, state }), { rowsIn: 1, rowsOut: 1 });
      assert.deepEqual(
        (await w.query('SELECT listing_id FROM dim_listings ORDER BY 1')).map((r) => r.listing_id),
        ['a', 'b'],
      );
    });
  });
});

describe('dim_sellers (SCD2) and dim_users', () => {
  let w: Warehouse;
  before(async () => {
    w = await openWarehouse();
  });
  after(() => w.close());

  it('versions plan, commission, monthly amount and status', async () => {
    const store = { seller_id: 'st1', store_id: 'st1', store_name: 'Hogar Feliz', currency: 'DOP' };
    const seller = (type: string, at: string, props: Record<string, unknown>) =>
      ev(type, at, { anon: null, user: 'owner1', seller: 'st1', props: { ...store, ...props } });
    await insertRaw(w, [
      seller('seller_registered', '2026-01-10T12:00:00Z', {
        plan: 'basico',
        commission_rate: 0.12,
        province: 'Santiago',
        category: 'Hogar',
      }),
      seller('subscription_started', '2026-01-10T12:05:00Z', {
        subscription_id: 'sub1',
        plan: 'basico',
        amount: 990,
        period: 'month',
        commission_rate: 0.12,
      }),
      // Same terms: no new version.
      seller('subscription_renewed', '2026-02-10T12:00:00Z', {
        subscription_id: 'sub1',
        plan: 'basico',
        amount: 990,
        period: 'month',
        commission_rate: 0.12,
      }),
      seller('subscription_changed', '2026-02-20T12:00:00Z', {
        subscription_id: 'sub1',
        plan: 'premium',
        amount: 16470,
        period: 'quarter',
        commission_rate: 0.07,
        previous_plan: 'basico',
      }),
      seller('subscription_cancelled', '2026-03-15T12:00:00Z', {
        subscription_id: 'sub1',
        plan: 'premium',
        ends_on: '2026-05-19',
      }),
      ev('identify', '2026-01-10T11:59:00Z', {
        anon: 'dev-1',
        user: 'owner1',
        traits: { role: 'store_owner', province: 'Santiago' },
      }),
      ev('signed_up', '2026-01-10T11:58:00Z', {
        anon: 'dev-1',
        user: 'owner1',
        props: { role: 'store_owner' },
      }),
    ]);
    await link(w, 'dev-1', 'owner1', '2026-01-10T11:59:00Z');
    await runWindow(w, null, '2026-04-01T00:00:00Z');
    await sync(w);
    const rows = await w.query(
      `SELECT version, valid_from, valid_to, kind, name, province, category, plan, commission_rate, amount,
              monthly_amount, status, ends_on, change_type, joined_at
       FROM dim_sellers ORDER BY version`,
    );
    const common = {
      kind: 'store',
      name: 'Hogar Feliz',
      province: 'Santiago',
      category: 'Hogar',
      joined_at: new Date('2026-01-10T12:00:00Z'),
    };
    assert.deepEqual(rows, [
      {
        version: 1,
        valid_from: new Date('2026-01-10T12:00:00Z'),
        valid_to: new Date('2026-01-10T12:05:00Z'),
        plan: 'basico',
        commission_rate: 0.12,
        amount: null,
        monthly_amount: null,
        status: 'active',
        ends_on: null,
        change_type: 'seller_registered',
        ...common,
      },
      {
        version: 2,
        valid_from: new Date('2026-01-10T12:05:00Z'),
        valid_to: new Date('2026-02-20T12:00:00Z'),
        plan: 'basico',
        commission_rate: 0.12,
        amount: 990,
        monthly_amount: 990,
        status: 'active',
        ends_on: null,
        change_type: 'subscription_started',
        ...common,
      },
      {
        version: 3,
        valid_from: new Date('2026-02-20T12:00:00Z'),
        valid_to: new Date('2026-03-15T12:00:00Z'),
        plan: 'premium',
        commission_rate: 0.07,
        amount: 16470,
        monthly_amount: 5490,
        status: 'active',
        ends_on: null,
        change_type: 'subscription_changed',
        ...common,
      },
      {
        version: 4,
        valid_from: new Date('2026-03-15T12:00:00Z'),
        valid_to: null,
        plan: 'premium',
        commission_rate: 0.07,
        amount: 16470,
        monthly_amount: 5490,
        status: 'cancelled',
        ends_on: '2026-05-19',
        change_type: 'subscription_cancelled',
        ...common,
      },
    ]);
    assert.deepEqual(await w.query('SELECT * EXCLUDE (source_fingerprint) FROM dim_users'), [
      {
        project_id: 'okla',
        user_id: 'owner1',
        first_seen_at: new Date('2026-01-10T11:58:00Z'),
        signed_up_at: new Date('2026-01-10T11:58:00Z'),
        identified_at: new Date('2026-01-10T11:59:00Z'),
        anonymous_ids: 1,
        role: 'store_owner',
        province: 'Santiago',
        traits: { role: 'store_owner', province: 'Santiago' },
      },
    ]);
  });
});

describe('stg_orders', () => {
  let w: Warehouse;
  before(async () => {
    w = await openWarehouse();
  });
  after(() => w.close());

  const order = (id: string, at: string, props: Record<string, unknown>, eventId = `buy-${id}`) =>
    ev('purchase_completed', at, {
      id: eventId,
      anon: 'dev-9',
      user: 'buyer1',
      seller: 'st1',
      props: { order_id: id, store_id: 'st1', currency: 'DOP', payment_method: 'card', ...props },
    });
  const after_ = (type: string, id: string, at: string, props: Record<string, unknown>, eventId: string) =>
    ev(type, at, { id: eventId, anon: null, user: 'ops', seller: 'st1', props: { order_id: id, ...props } });

  it('builds one row per order with lines, cancellation, refunds and commission', async () => {
    await insertRaw(w, [
      ev('seller_registered', '2026-01-01T00:00:00Z', {
        anon: null,
        user: 'owner',
        seller: 'st1',
        props: { store_id: 'st1', plan: 'basico', commission_rate: 0.1 },
      }),
      order('A', '2026-03-02T15:00:00Z', {
        items: [
          { product_id: 'p1', category: 'Hogar > Cocina', quantity: 2, price: 1000 },
          { product_id: 'p2', category: 'Moda > Hombre', quantity: 1, price: 3000 },
        ],
        subtotal: 5000,
        delivery_fee: 250,
        tax: 900,
        discount: 150,
        total: 6000,
        commission: 400,
      }),
      // The store's server sent the purchase twice: one order.
      order('A', '2026-03-02T15:00:05Z', { total: 6000 }, 'buy-A-again'),
      order('B', '2026-03-02T16:00:00Z', {
        items: [{ product_id: 'p1', category: 'Hogar > Cocina', price: 1000 }],
        subtotal: 1000,
        total: 1000,
      }),
      order('C', '2026-03-03T05:00:00Z', { subtotal: 500, total: 500, commission_rate: 0.2 }),
      order('D', '2026-03-03T06:00:00Z', { subtotal: 800, total: 800 }),
      after_('order_refunded', 'A', '2026-03-10T10:00:00Z', { refund_id: 'r1', amount: 1000 }, 'ref-1'),
      after_('order_refunded', 'A', '2026-03-10T10:00:09Z', { refund_id: 'r1', amount: 1000 }, 'ref-1-again'),
      after_('order_refunded', 'A', '2026-03-11T10:00:00Z', { refund_id: 'r2', amount: 500 }, 'ref-2'),
      after_('order_cancelled', 'B', '2026-03-02T17:00:00Z', { cancelled_by: 'seller' }, 'can-1'),
      after_('order_refunded', 'C', '2026-03-12T10:00:00Z', { refund_id: 'r3', full: true }, 'ref-3'),
    ]);
    await runWindow(w, null, '2026-04-01T00:00:00Z');
    await sync(w);
    const rows = await w.query(
      `SELECT order_id, local_date, person_id, store_id, category, top_category, lines, units, total, commission_rate,
              commission, status, cancelled_by, refunds, refunded_amount, net_total, event_id
       FROM stg_orders ORDER BY order_id`,
    );
    const base = { person_id: 'buyer1', store_id: 'st1', cancelled_by: null };
    assert.deepEqual(rows, [
      {
        ...base,
        order_id: 'A',
        local_date: '2026-03-02',
        category: 'Moda > Hombre',
        top_category: 'Moda',
        lines: 2,
        units: 3,
        total: 6000,
        commission_rate: 0.1,
        commission: 400,
        status: 'partially_refunded',
        refunds: 2,
        refunded_amount: 1500,
        net_total: 4500,
        event_id: 'buy-A',
      },
      {
        ...base,
        order_id: 'B',
        local_date: '2026-03-02',
        category: 'Hogar > Cocina',
        top_category: 'Hogar',
        lines: 1,
        units: 1,
        total: 1000,
        commission_rate: 0.1,
        commission: 100,
        status: 'cancelled',
        cancelled_by: 'seller',
        refunds: 0,
        refunded_amount: 0,
        net_total: 0,
        event_id: 'buy-B',
      },
      {
        ...base,
        // 05:00 UTC is 01:00 on 3 March in Santo Domingo.
        order_id: 'C',
        local_date: '2026-03-03',
        category: null,
        top_category: null,
        lines: 0,
        units: 0,
        total: 500,
        commission_rate: 0.2,
        commission: 100,
        status: 'refunded',
        refunds: 1,
        refunded_amount: 500,
        net_total: 0,
        event_id: 'buy-C',
      },
      {
        ...base,
        order_id: 'D',
        local_date: '2026-03-03',
        category: null,
        top_category: null,
        lines: 0,
        units: 0,
        total: 800,
        commission_rate: 0.1,
        commission: 80,
        status: 'completed',
        refunds: 0,
        refunded_amount: 0,
        net_total: 800,
        event_id: 'buy-D',
      },
    ]);
    assert.deepEqual(
      await w.query(
        'SELECT order_id, line_no, product_id, quantity, amount FROM stg_order_items ORDER BY 1, 2',
      ),
      [
        { order_id: 'A', line_no: 1, product_id: 'p1', quantity: 2, amount: 2000 },
        { order_id: 'A', line_no: 2, product_id: 'p2', quantity: 1, amount: 3000 },
        { order_id: 'B', line_no: 1, product_id: 'p1', quantity: 1, amount: 1000 },
      ],
    );
  });

  it('updates an order when a refund arrives weeks later, and only that order', async () => {
    await insertRaw(w, [
      after_('order_refunded', 'D', '2026-03-30T10:00:00Z', { refund_id: 'r4', amount: 300 }, 'ref-4'),
    ]);
    await runWindow(w, '2026-03-30T09:00:00Z', '2026-03-30T11:00:00Z');
    const r = await runTask(stgOrders!, { warehouse: w, state });
    assert.deepEqual(r, { rowsIn: 1, rowsOut: 1 });
    assert.deepEqual(
      await w.query("SELECT status, refunded_amount, net_total FROM stg_orders WHERE order_id = 'D'"),
      [{ status: 'partially_refunded', refunded_amount: 300, net_total: 500 }],
    );
  });
});
