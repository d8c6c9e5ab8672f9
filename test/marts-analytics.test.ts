import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { martTasks } from '../src/marts/analytics/marts.task.js';
import { stgEventsIncrementalTask } from '../src/marts/staging/stg-events.task.js';
import { syncTasks } from '../src/marts/staging/sync.task.js';
import type { TaskDef } from '../src/pipelines/types.js';
import type { StateStore } from '../src/ports/state.js';
import type { Warehouse } from '../src/ports/warehouse.js';
import { ev, insertRaw, insertSessions, openState, openWarehouse, runTask } from './helpers/marts.js';

/**
 * The sales, listing, customer, traffic and seller marts on one hand-made marketplace (project okla,
 * America/Santo_Domingo), for the local day D = 2026-03-02 = [2026-03-02T04:00Z, 2026-03-03T04:00Z).
 */
const D = '2026-03-02';
let state: StateStore;
let w: Warehouse;
const marts = new Map(martTasks('stg_events', { churnDays: 10 }).map((t) => [t.id, t]));
const mart = (id: string): TaskDef => marts.get(id)!;
const runMart = (id: string, day = D) => runTask(mart(id), { warehouse: w, state, partition: day });

const seller = (type: string, at: string, sellerId: string, props: Record<string, unknown>) =>
  ev(type, at, {
    anon: null,
    user: `owner-${sellerId}`,
    seller: sellerId,
    props: { store_id: sellerId, ...props },
  });
const buy = (order: string, at: string, buyer: string, store: string, props: Record<string, unknown>) =>
  ev('purchase_completed', at, {
    anon: null,
    user: buyer,
    seller: store,
    props: { order_id: order, store_id: store, currency: 'DOP', ...props },
  });
const ops = (type: string, at: string, order: string, props: Record<string, unknown> = {}) =>
  ev(type, at, { anon: null, user: 'ops', seller: 'st1', props: { order_id: order, ...props } });
const vehicle = (type: string, at: string, listing: string, props: Record<string, unknown> = {}) =>
  ev(type, at, {
    anon: null,
    user: 'dealer-user',
    seller: 's1',
    listing,
    props: { make: 'Toyota', model: 'RAV4', year: 2019, currency: 'DOP', seller_type: 'dealer', ...props },
  });
const buyer = (
  type: string,
  at: string,
  person: string,
  listing: string,
  props: Record<string, unknown> = {},
) => ev(type, at, { anon: person, listing, seller: listing.startsWith('p') ? 'st1' : 's1', props });

before(async () => {
  state = await openState();
  w = await openWarehouse();
  await insertRaw(w, [
    // Stores: st1 on the basic plan, st3 cancelled but selling until 5 March, st2 first seen selling on 3 March.
    seller('seller_registered', '2026-01-01T12:00:00Z', 'st1', { plan: 'basico', commission_rate: 0.1 }),
    seller('subscription_started', '2026-01-01T12:01:00Z', 'st1', {
      plan: 'basico',
      amount: 990,
      period: 'month',
      commission_rate: 0.1,
      subscription_id: 'sub1',
    }),
    seller('seller_registered', '2026-01-01T12:00:00Z', 'st3', { plan: 'basico', commission_rate: 0.1 }),
    seller('subscription_started', '2026-01-01T12:01:00Z', 'st3', {
      plan: 'basico',
      amount: 990,
      period: 'month',
      subscription_id: 'sub3',
    }),
    seller('subscription_cancelled', '2026-02-25T12:00:00Z', 'st3', {
      subscription_id: 'sub3',
      ends_on: '2026-03-05',
    }),

    // Orders.
    buy('O', '2026-02-20T15:00:00Z', 'b1', 'st1', { total: 3000, subtotal: 3000, payment_method: 'card' }),
    buy('X', '2026-02-10T15:00:00Z', 'b3', 'st1', { total: 700, subtotal: 700, payment_method: 'card' }),
    buy('A', '2026-03-02T15:00:00Z', 'b1', 'st1', {
      payment_method: 'card',
      items: [
        { product_id: 'p1', category: 'Hogar > Cocina', quantity: 2, price: 1000 },
        { product_id: 'p2', category: 'Moda > Hombre', quantity: 1, price: 3000 },
      ],
      subtotal: 5000,
      discount: 150,
      delivery_fee: 250,
      tax: 900,
      total: 6000,
      commission: 400,
    }),
    buy('B', '2026-03-02T16:00:00Z', 'b2', 'st1', {
      payment_method: 'card',
      items: [{ product_id: 'p1', category: 'Hogar > Cocina', quantity: 1, price: 1000 }],
      subtotal: 1000,
      total: 1000,
    }),
    buy('C', '2026-03-02T20:00:00Z', 'b1', 'st1', {
      payment_method: 'cash_on_delivery',
      items: [{ product_id: 'p3', category: 'Hogar > Cocina', quantity: 4, price: 500 }],
      subtotal: 2000,
      total: 2000,
    }),
    buy('E', '2026-03-03T05:00:00Z', 'b4', 'st2', { total: 50, payment_method: 'card' }),
    ops('order_cancelled', '2026-03-02T17:00:00Z', 'B', { cancelled_by: 'buyer' }),
    ops('order_refunded', '2026-03-02T18:00:00Z', 'O', { refund_id: 'r1', amount: 1000 }),

    // Vehicles of dealer s1: l1 active (repriced on D), l2 sold through the marketplace on D.
    vehicle('listing_created', '2026-02-20T12:00:00Z', 'l1', {
      price: 1_000_000,
      published_at: '2026-02-20T12:00:00Z',
    }),
    vehicle('listing_updated', '2026-03-02T20:00:00Z', 'l1', { price: 950_000, previous_price: 1_000_000 }),
    vehicle('listing_created', '2026-02-01T12:00:00Z', 'l2', { price: 500_000 }),
    vehicle('listing_sold', '2026-03-02T14:00:00Z', 'l2', { sold_price: 480_000, sold_on_platform: true }),

    // Buyer activity on D.
    buyer('listing_viewed', '2026-03-02T10:00:00Z', 'a1', 'l1'),
    buyer('listing_viewed', '2026-03-02T10:05:00Z', 'a1', 'l1'),
    buyer('listing_viewed', '2026-03-02T11:00:00Z', 'a2', 'l1'),
    ev('listing_viewed', '2026-03-02T11:30:00Z', { anon: 'crawler', listing: 'l1', seller: 's1', bot: true }),
    buyer('favorite', '2026-03-02T10:06:00Z', 'a1', 'l1', { action: 'add' }),
    buyer('favorite', '2026-03-02T11:01:00Z', 'a2', 'l1', { action: 'remove' }),
    buyer('contact_sent', '2026-03-02T10:07:00Z', 'a1', 'l1', { channel: 'whatsapp' }),
    buyer('test_drive_requested', '2026-03-02T10:08:00Z', 'a1', 'l1'),
    buyer('product_viewed', '2026-03-02T14:00:00Z', 'b1', 'p1'),
    buyer('product_viewed', '2026-03-02T14:30:00Z', 'b2', 'p1'),
    buyer('add_to_cart', '2026-03-02T14:31:00Z', 'b1', 'p1', { quantity: 2 }),
    // The day before: not in D's rows.
    buyer('listing_viewed', '2026-03-02T03:00:00Z', 'a3', 'l1'),
  ]);
  await insertSessions(w, [
    { source: 'google', medium: 'organic', visitor: 'v1', user_id: 'u1', page_views: 3, duration_s: 120 },
    { source: 'google', medium: 'organic', visitor: 'v1', bounce: true, page_views: 1, duration_s: 0 },
    { source: 'google', medium: 'organic', visitor: 'v2', page_views: 2, duration_s: 60.5 },
    {
      source: '(direct)',
      medium: null,
      device_type: 'desktop',
      visitor: 'v3',
      bounce: true,
      page_views: 1,
      duration_s: 0,
    },
    { source: 'google', medium: 'organic', device_type: 'bot', visitor: 'crawler', page_views: 40 },
    { source: 'google', medium: 'organic', visitor: 'v9', local_date: '2026-03-01' },
  ]);
  await runTask(stgEventsIncrementalTask(), {
    warehouse: w,
    state,
    window: { since: null, until: new Date('2026-04-01') },
  });
  for (const t of syncTasks('stg_events')) await runTask(t, { warehouse: w, state });
});
after(async () => {
  await w.close();
  await state.close();
});

describe('sales marts', () => {
  it('sums the day by store, payment method and currency, refunds by the day they were made', async () => {
    assert.deepEqual(await runMart('mart_sales'), { rowsIn: 3, rowsOut: 4 });
    assert.deepEqual(
      await w.query('SELECT * EXCLUDE (project_id, local_date) FROM mart_sales_daily ORDER BY ALL'),
      [
        {
          store_id: 'st1',
          payment_method: 'card',
          currency: 'DOP',
          orders: 2,
          customers: 2,
          units: 4,
          gmv: 7000,
          aov: 3500,
          discount: 150,
          delivery_fee: 250,
          tax: 900,
          commission: 400,
          cancelled_orders: 1,
          cancelled_amount: 1000,
          refunds: 1,
          refunded_amount: 1000,
        },
        {
          store_id: 'st1',
          payment_method: 'cash_on_delivery',
          currency: 'DOP',
          orders: 1,
          customers: 1,
          units: 4,
          gmv: 2000,
          aov: 2000,
          discount: 0,
          delivery_fee: 0,
          tax: 0,
          // No commission in the event: subtotal × the store's rate.
          commission: 200,
          cancelled_orders: 0,
          cancelled_amount: 0,
          refunds: 0,
          refunded_amount: 0,
        },
      ],
    );
    assert.deepEqual(
      await w.query('SELECT * EXCLUDE (project_id, local_date) FROM mart_sales_category_daily ORDER BY ALL'),
      [
        {
          store_id: 'st1',
          category: 'Hogar > Cocina',
          top_category: 'Hogar',
          currency: 'DOP',
          orders: 3,
          units: 7,
          item_revenue: 5000,
        },
        {
          store_id: 'st1',
          category: 'Moda > Hombre',
          top_category: 'Moda',
          currency: 'DOP',
          orders: 1,
          units: 1,
          item_revenue: 3000,
        },
      ],
    );
  });
});

describe('listing performance', () => {
  it('counts activity, purchases, rates, price changes and days on market per listing', async () => {
    await runMart('mart_listing_performance');
    const rows = await w.query(
      `SELECT listing_id, seller_id, kind, views, unique_viewers, favourites, unfavourites, leads, test_drives,
              add_to_cart, cart_units, purchases, purchased_units, revenue, lead_rate, cart_rate, purchase_rate,
              price, price_changes, status, days_on_market
       FROM mart_listing_daily WHERE local_date = '${D}' ORDER BY listing_id`,
    );
    const none = { price: null, price_changes: 0, status: null, days_on_market: null };
    const quiet = {
      views: 0,
      unique_viewers: 0,
      favourites: 0,
      unfavourites: 0,
      leads: 0,
      test_drives: 0,
      add_to_cart: 0,
      cart_units: 0,
      lead_rate: null,
      cart_rate: null,
      purchase_rate: null,
    };
    assert.deepEqual(rows, [
      {
        listing_id: 'l1',
        seller_id: 's1',
        kind: 'vehicle',
        views: 3,
        unique_viewers: 2,
        favourites: 1,
        unfavourites: 1,
        leads: 1,
        test_drives: 1,
        add_to_cart: 0,
        cart_units: 0,
        purchases: 0,
        purchased_units: 0,
        revenue: 0,
        lead_rate: 2 / 3,
        cart_rate: 0,
        purchase_rate: 0,
        price: 950_000,
        price_changes: 1,
        status: 'active',
        // Published 2026-02-20T12:00Z, 10 days and 16 hours before the end of D.
        days_on_market: 10,
      },
      {
        listing_id: 'l2',
        seller_id: 's1',
        kind: 'vehicle',
        ...quiet,
        purchases: 1,
        purchased_units: 1,
        revenue: 480_000,
        price: 500_000,
        price_changes: 0,
        status: 'sold',
        // From 2026-02-01T12:00Z to the sale, 2026-03-02T14:00Z.
        days_on_market: 29,
      },
      {
        listing_id: 'p1',
        seller_id: 'st1',
        kind: 'product',
        ...quiet,
        views: 2,
        unique_viewers: 2,
        add_to_cart: 1,
        cart_units: 2,
        lead_rate: 0,
        cart_rate: 0.5,
        purchase_rate: 1,
        purchases: 2,
        purchased_units: 3,
        revenue: 3000,
        ...none,
      },
      {
        listing_id: 'p2',
        seller_id: null,
        kind: null,
        ...quiet,
        purchases: 1,
        purchased_units: 1,
        revenue: 3000,
        ...none,
      },
      {
        listing_id: 'p3',
        seller_id: null,
        kind: null,
        ...quiet,
        purchases: 1,
        purchased_units: 4,
        revenue: 2000,
        ...none,
      },
    ]);
  });
});

describe('customers', () => {
  it('describes each customer as of the day, and the day as new vs returning', async () => {
    await runMart('mart_customers');
    assert.deepEqual(await w.query('SELECT * EXCLUDE (project_id) FROM mart_customers ORDER BY person_id'), [
      {
        person_id: 'b1',
        user_id: 'b1',
        as_of_date: D,
        first_order_at: new Date('2026-02-20T15:00:00Z'),
        last_order_at: new Date('2026-03-02T20:00:00Z'),
        cohort_month: '2026-02-01',
        orders: 3,
        revenue: 11000,
        refunded: 1000,
        ltv: 10000,
        aov: 11000 / 3,
        is_returning: true,
        days_since_last_order: 0,
        churn_days: 10,
        churned: false,
      },
      {
        person_id: 'b3',
        user_id: 'b3',
        as_of_date: D,
        first_order_at: new Date('2026-02-10T15:00:00Z'),
        last_order_at: new Date('2026-02-10T15:00:00Z'),
        cohort_month: '2026-02-01',
        orders: 1,
        revenue: 700,
        refunded: 0,
        ltv: 700,
        aov: 700,
        is_returning: false,
        days_since_last_order: 20,
        churn_days: 10,
        churned: true,
      },
    ]);
    assert.deepEqual(await w.query('SELECT * EXCLUDE (project_id, local_date) FROM mart_customers_daily'), [
      {
        customers: 1,
        new_customers: 0,
        returning_customers: 1,
        orders: 2,
        new_customer_orders: 0,
        returning_customer_orders: 2,
        revenue: 8000,
        new_customer_revenue: 0,
        returning_customer_revenue: 8000,
        total_customers: 2,
        churned_customers: 1,
        active_customers: 1,
      },
    ]);
  });

  it('counts a first order as a new customer, and never replaces a newer snapshot with an older one', async () => {
    const snapshot = await w.query('SELECT * FROM mart_customers ORDER BY ALL');
    await runMart('mart_customers', '2026-02-20');
    assert.deepEqual(await w.query('SELECT * FROM mart_customers ORDER BY ALL'), snapshot);
    assert.deepEqual(
      await w.query(
        `SELECT customers, new_customers, returning_customers, total_customers, churned_customers
         FROM mart_customers_daily WHERE local_date = '2026-02-20'`,
      ),
      [{ customers: 1, new_customers: 1, returning_customers: 0, total_customers: 2, churned_customers: 0 }],
    );
  });
});

describe('traffic', () => {
  it('aggregates the day’s sessions by source, medium and device, bots left out', async () => {
    assert.deepEqual(await runMart('mart_traffic'), { rowsIn: 5, rowsOut: 2 });
    assert.deepEqual(
      await w.query('SELECT * EXCLUDE (project_id, local_date) FROM mart_traffic_daily ORDER BY source'),
      [
        {
          source: '(direct)',
          medium: '(none)',
          device_type: 'desktop',
          sessions: 1,
          visitors: 1,
          users: 0,
          bounces: 1,
          bounce_rate: 1,
          page_views: 1,
          pages_per_session: 1,
          total_duration_s: 0,
          avg_duration_s: 0,
        },
        {
          source: 'google',
          medium: 'organic',
          device_type: 'mobile',
          sessions: 3,
          visitors: 2,
          users: 1,
          bounces: 1,
          bounce_rate: 1 / 3,
          page_views: 6,
          pages_per_session: 2,
          total_duration_s: 180.5,
          avg_duration_s: 180.5 / 3,
        },
      ],
    );
  });
});

describe('sellers', () => {
  it('gives every known seller its terms, activity and active status at the end of the day', async () => {
    await runMart('mart_sellers');
    assert.deepEqual(
      await w.query(
        `SELECT seller_id, kind, plan, commission_rate, status, is_active, mrr, listings_active, listings_new,
                orders, gmv, commission, views, leads
         FROM mart_sellers_daily ORDER BY seller_id`,
      ),
      [
        {
          seller_id: 's1',
          kind: 'dealer',
          plan: null,
          commission_rate: null,
          status: 'active',
          is_active: true,
          mrr: 0,
          listings_active: 1,
          listings_new: 0,
          orders: 0,
          gmv: 0,
          commission: 0,
          views: 3,
          leads: 2,
        },
        {
          seller_id: 'st1',
          kind: 'store',
          plan: 'basico',
          commission_rate: 0.1,
          status: 'active',
          is_active: true,
          mrr: 990,
          listings_active: 0,
          listings_new: 0,
          orders: 3,
          gmv: 9000,
          commission: 600,
          views: 2,
          leads: 0,
        },
        {
          // Cancelled in February, selling until 5 March: active, but no longer recurring revenue.
          seller_id: 'st3',
          kind: 'store',
          plan: 'basico',
          commission_rate: 0.1,
          status: 'cancelled',
          is_active: true,
          mrr: 0,
          listings_active: 0,
          listings_new: 0,
          orders: 0,
          gmv: 0,
          commission: 0,
          views: 0,
          leads: 0,
        },
      ],
    );
  });
});

describe('people', () => {
  const people = async () =>
    w.query<{ person_id: string; first_date: string; device_type: string | null }>(
      `SELECT person_id, CAST(first_date AS VARCHAR) AS first_date, device_type FROM mart_people
       WHERE project_id = 'okla' ORDER BY person_id`,
    );
  // The definition mart_people keeps: each person's first day in the daily mart, and that day's device.
  const minimum = async () =>
    w.query<{ person_id: string; first_date: string; device_type: string | null }>(
      `SELECT person_id, CAST(min(local_date) AS VARCHAR) AS first_date, arg_min(device_type, local_date) AS device_type
       FROM mart_active_people_daily WHERE project_id = 'okla' GROUP BY person_id ORDER BY person_id`,
    );
  const firstDay = async (person: string) => (await people()).find((p) => p.person_id === person)?.first_date;

  it("keeps each person's first day equal to the minimum over the daily mart, through backfills, re-runs and stitching", async () => {
    await runMart('mart_active_people');
    assert.equal(await firstDay('a1'), D);
    assert.equal(await firstDay('a3'), undefined, 'a3 was active the day before only');
    assert.equal(await firstDay('crawler'), undefined, 'bots are not people');
    // A backfill of earlier days moves first days back.
    await runMart('mart_active_people', '2026-03-01');
    await runMart('mart_active_people', '2026-02-20');
    assert.equal(await firstDay('a3'), '2026-03-01');
    assert.equal(await firstDay('b1'), '2026-02-20');
    assert.equal(await firstDay('a1'), D);
    assert.deepEqual(await people(), await minimum());

    // Identity stitching: b2 turns out to be b1. Rebuilding D drops b2 and keeps b1's earlier first day.
    await w.query(`UPDATE stg_events SET person_id = 'b1' WHERE project_id = 'okla' AND person_id = 'b2'`);
    await runMart('mart_active_people');
    assert.equal(await firstDay('b2'), undefined);
    assert.equal(await firstDay('b1'), '2026-02-20');
    const before = await people();
    assert.deepEqual(before, await minimum());
    await runMart('mart_active_people');
    assert.deepEqual(await people(), before, 're-running a day changes nothing');

    // A person whose only day disappears is gone; a table emptied by hand is rebuilt by the next run.
    await w.query(`DELETE FROM mart_people`);
    await runMart('mart_active_people', '2026-03-01');
    assert.deepEqual(await people(), before);
  });
});
