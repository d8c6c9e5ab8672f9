import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { martTasks } from '../src/marts/analytics/marts.task.js';
import { stgEventsIncrementalTask } from '../src/marts/staging/stg-events.task.js';
import { syncTasks } from '../src/marts/staging/sync.task.js';
import type { StateStore } from '../src/ports/state.js';
import type { Warehouse } from '../src/ports/warehouse.js';
import { ev, insertRaw, openState, openWarehouse, runTask, SD } from './helpers/marts.js';

/**
 * OKLA's marts on hand-made listings, for D = 2026-03-02 (Santo Domingo, UTC−4: the day ends at
 * 2026-03-03T04:00Z). Project `okla` holds the score and market fixtures, `ui` the interest profile's.
 */
const D = '2026-03-02';
const projects = [
  { id: 'okla', timeZone: SD },
  { id: 'ui', timeZone: SD },
];
let state: StateStore;
let w: Warehouse;
const marts = new Map(martTasks('stg_events').map((t) => [t.id, t]));
const runMart = (id: string, day = D) =>
  runTask(marts.get(id)!, { warehouse: w, state, projects, partition: day });

const rav4 = {
  make: 'Toyota',
  model: 'RAV4',
  year: 2019,
  body_type: 'suv',
  province: 'Santiago',
  currency: 'DOP',
};
const created = (listing: string, at: string, props: Record<string, unknown>, project = 'okla') =>
  ev('listing_created', at, {
    project,
    anon: null,
    user: 'dealer-user',
    seller: 'd1',
    listing,
    props: { published_at: at, seller_type: 'dealer', ...props },
  });
const act = (type: string, at: string, person: string, listing: string, project = 'okla', props = {}) =>
  ev(type, at, { project, anon: person, listing, seller: 'd1', props });

before(async () => {
  state = await openState();
  w = await openWarehouse();
  await insertRaw(w, [
    // Four comparable RAV4 2019 active at the end of D (market median 1,050,000).
    created('L1', '2026-03-01T12:00:00Z', { ...rav4, price: 900_000, photo_count: 20 }),
    created('L2', '2026-02-01T04:00:00Z', { ...rav4, price: 1_000_000, photo_count: 10 }),
    created('L3', '2026-01-02T04:00:00Z', { ...rav4, price: 1_100_000 }),
    created('L4', '2026-02-21T04:00:00Z', { ...rav4, price: 1_300_000, photo_count: 5 }),
    // Sold on D: not active any more, counted as sold by the market trends.
    created('L5', '2026-02-01T04:00:00Z', { ...rav4, price: 800_000 }),
    ev('listing_sold', '2026-03-02T15:00:00Z', {
      anon: null,
      user: 'dealer-user',
      seller: 'd1',
      listing: 'L5',
    }),
    // Another group, published on D.
    created('L7', '2026-03-02T13:00:00Z', { ...rav4, year: 2020, price: 1_200_000 }),
    // A store product: never scored.
    created('P1', '2026-02-01T04:00:00Z', { product_id: 'P1', category: 'Hogar', price: 500 }),

    act('listing_viewed', '2026-03-02T10:00:00Z', 'p1', 'L1'),
    act('listing_viewed', '2026-03-02T10:10:00Z', 'p2', 'L1'),
    act('listing_viewed', '2026-03-02T10:20:00Z', 'p3', 'L1'),
    act('favorite', '2026-03-02T10:01:00Z', 'p1', 'L1', 'okla', { action: 'add' }),
    act('contact_sent', '2026-03-02T10:11:00Z', 'p2', 'L1'),
    act('listing_viewed', '2026-03-02T11:00:00Z', 'p1', 'L2'),
    act('listing_viewed', '2026-03-02T11:05:00Z', 'p1', 'L2'),
    act('test_drive_requested', '2026-03-02T11:06:00Z', 'p1', 'L2'),
    act('listing_viewed', '2026-03-02T12:00:00Z', 'p1', 'L4'),
    act('listing_viewed', '2026-03-02T12:30:00Z', 'p2', 'L4'),
    // Outside the score's seven days (24 Feb – 2 Mar).
    act('listing_viewed', '2026-02-23T12:00:00Z', 'p4', 'L3'),

    // Interest profile fixture.
    created('K1', '2026-02-01T12:00:00Z', { ...rav4, price: 1_000_000 }, 'ui'),
    created(
      'K2',
      '2026-02-01T12:00:00Z',
      {
        make: 'Honda',
        model: 'Civic',
        body_type: 'sedan',
        province: 'Santo Domingo',
        price: 600_000,
        currency: 'DOP',
      },
      'ui',
    ),
    created(
      'K3',
      '2026-02-01T12:00:00Z',
      {
        make: 'Toyota',
        model: 'Hilux',
        body_type: 'pickup',
        province: 'Santiago',
        price: 2_000_000,
        currency: 'DOP',
      },
      'ui',
    ),
    created(
      'K4',
      '2025-10-01T12:00:00Z',
      {
        make: 'Kia',
        model: 'Sportage',
        body_type: 'suv',
        province: 'La Vega',
        price: 20_000,
        currency: 'USD',
      },
      'ui',
    ),
    // Before the 90 days (3 Dec 2025 – 2 Mar 2026).
    act('listing_viewed', '2025-11-01T12:00:00Z', 'u1', 'K4', 'ui', {
      make: 'Kia',
      price: 20_000,
      currency: 'USD',
    }),
    act('listing_viewed', '2026-02-10T12:00:00Z', 'u1', 'K2', 'ui'),
    act('listing_viewed', '2026-02-15T12:00:00Z', 'u1', 'K3', 'ui'),
    act('favorite', '2026-02-15T12:01:00Z', 'u1', 'K3', 'ui', { action: 'add' }),
    act('favorite', '2026-02-15T12:02:00Z', 'u3', 'K3', 'ui', { action: 'add' }),
    act('listing_viewed', '2026-03-02T12:00:00Z', 'u1', 'K1', 'ui', { ...rav4, price: 1_000_000 }),
    act('contact_sent', '2026-03-02T12:01:00Z', 'u1', 'K1', 'ui'),
    act('test_drive_requested', '2026-03-02T12:02:00Z', 'u1', 'K1', 'ui'),
    act('favorite', '2026-03-02T12:03:00Z', 'u1', 'K2', 'ui', { action: 'remove' }),
  ]);
  await runTask(stgEventsIncrementalTask(), {
    warehouse: w,
    state,
    projects,
    window: { since: null, until: new Date('2026-04-01') },
  });
  for (const t of syncTasks('stg_events')) await runTask(t, { warehouse: w, state, projects });
});
after(async () => {
  await w.close();
  await state.close();
});

describe('Vehicle Performance Score', () => {
  it('scores every active vehicle and stores each part with its inputs', async () => {
    // Five active vehicles in okla, four in ui.
    assert.equal((await runMart('mart_vehicle_score')).rowsOut, 9);
    const rows = await w.query(
      `SELECT listing_id, days_on_market, photo_count, views_7d, unique_viewers_7d, favourites_7d, leads_7d,
              test_drives_7d, engagement_rate, market_price, comparables, price_ratio, demand_points,
              engagement_points, price_points, quality_points, freshness_points, score
       FROM mart_vehicle_score WHERE project_id = 'okla' ORDER BY listing_id`,
    );
    const market = { market_price: 1_050_000, comparables: 4 };
    // Percentiles rank the five active vehicles: viewers L3 = L7 (0) < L2 (1) < L4 (2) < L1 (3) give 0, 0,
    // 1/2, 3/4, 1; engagement L3 = L4 = L7 (0) < L1 (4/3) < L2 (5) give 0, 0, 0, 3/4, 1.
    assert.deepEqual(rows, [
      {
        listing_id: 'L1',
        days_on_market: 1,
        photo_count: 20,
        views_7d: 3,
        unique_viewers_7d: 3,
        favourites_7d: 1,
        leads_7d: 1,
        test_drives_7d: 0,
        engagement_rate: 4 / 3,
        ...market,
        price_ratio: 900_000 / 1_050_000,
        demand_points: 35,
        engagement_points: 22.5,
        price_points: 20,
        quality_points: 10,
        freshness_points: 4.92,
        score: 92.42,
      },
      {
        listing_id: 'L2',
        days_on_market: 30,
        photo_count: 10,
        views_7d: 2,
        unique_viewers_7d: 1,
        favourites_7d: 0,
        leads_7d: 0,
        test_drives_7d: 1,
        engagement_rate: 5,
        ...market,
        price_ratio: 1_000_000 / 1_050_000,
        demand_points: 17.5,
        engagement_points: 30,
        price_points: 16.51,
        quality_points: 5,
        freshness_points: 2.5,
        score: 71.51,
      },
      {
        listing_id: 'L3',
        days_on_market: 60,
        photo_count: 0,
        views_7d: 0,
        unique_viewers_7d: 0,
        favourites_7d: 0,
        leads_7d: 0,
        test_drives_7d: 0,
        engagement_rate: 0,
        ...market,
        price_ratio: 1_100_000 / 1_050_000,
        demand_points: 0,
        engagement_points: 0,
        price_points: 10.16,
        quality_points: 0,
        freshness_points: 0,
        score: 10.16,
      },
      {
        listing_id: 'L4',
        days_on_market: 10,
        photo_count: 5,
        views_7d: 2,
        unique_viewers_7d: 2,
        favourites_7d: 0,
        leads_7d: 0,
        test_drives_7d: 0,
        engagement_rate: 0,
        ...market,
        price_ratio: 1_300_000 / 1_050_000,
        demand_points: 26.25,
        engagement_points: 0,
        price_points: 0,
        quality_points: 2.5,
        freshness_points: 4.17,
        score: 32.92,
      },
      {
        // Alone in its group: no price judgement (10 of 20), newest, no activity.
        listing_id: 'L7',
        days_on_market: 0,
        photo_count: 0,
        views_7d: 0,
        unique_viewers_7d: 0,
        favourites_7d: 0,
        leads_7d: 0,
        test_drives_7d: 0,
        engagement_rate: 0,
        market_price: 1_200_000,
        comparables: 1,
        price_ratio: 1,
        demand_points: 0,
        engagement_points: 0,
        price_points: 10,
        quality_points: 0,
        freshness_points: 5,
        score: 15,
      },
    ]);
  });
});

describe('User Interest Profile', () => {
  it('weighs 90 days of interactions into preferred makes, body types, provinces and a price range', async () => {
    await runMart('mart_user_interest');
    const rows = await w.query(
      "SELECT * EXCLUDE (project_id) FROM mart_user_interest WHERE project_id = 'ui'",
    );
    assert.deepEqual(rows, [
      {
        person_id: 'u1',
        as_of_date: D,
        window_days: 90,
        interactions: 6,
        views: 3,
        favourites: 1,
        leads: 1,
        test_drives: 1,
        weight: 19,
        preferred_make: 'Toyota',
        preferred_body_type: 'suv',
        preferred_province: 'Santiago',
        top_makes: [
          { value: 'Toyota', share: 0.9474 },
          { value: 'Honda', share: 0.0526 },
        ],
        top_body_types: [
          { value: 'suv', share: 0.7368 },
          { value: 'pickup', share: 0.2105 },
          { value: 'sedan', share: 0.0526 },
        ],
        top_provinces: [
          { value: 'Santiago', share: 0.9474 },
          { value: 'Santo Domingo', share: 0.0526 },
        ],
        price_currency: 'DOP',
        // Prices of the six interactions: 600k, 2M, 2M, 1M, 1M, 1M.
        price_p25: 1_000_000,
        price_median: 1_000_000,
        price_p75: 1_750_000,
        first_active_at: new Date('2026-02-10T12:00:00Z'),
        last_active_at: new Date('2026-03-02T12:02:00Z'),
      },
    ]);
  });

  it('refreshes the persons active on a day, and leaves newer profiles alone', async () => {
    await runMart('mart_user_interest', '2026-02-15');
    assert.deepEqual(
      await w.query(
        "SELECT person_id, as_of_date, interactions, weight FROM mart_user_interest WHERE project_id = 'ui' ORDER BY 1",
      ),
      [
        { person_id: 'u1', as_of_date: D, interactions: 6, weight: 19 },
        { person_id: 'u3', as_of_date: '2026-02-15', interactions: 1, weight: 3 },
      ],
    );
  });
});

describe('Market Trends', () => {
  it('gives supply, prices and demand by make, model, year, province and currency', async () => {
    await runMart('mart_market_trends');
    assert.deepEqual(
      await w.query(
        "SELECT * EXCLUDE (project_id, local_date) FROM mart_market_trends_daily WHERE project_id = 'okla' ORDER BY year",
      ),
      [
        {
          make: 'Toyota',
          model: 'RAV4',
          year: 2019,
          province: 'Santiago',
          currency: 'DOP',
          supply: 4,
          new_listings: 0,
          sold_listings: 1,
          removed_listings: 0,
          median_price: 1_050_000,
          avg_price: 1_075_000,
          views: 7,
          unique_viewers: 3,
          favourites: 1,
          leads: 2,
          views_per_listing: 1.75,
        },
        {
          make: 'Toyota',
          model: 'RAV4',
          year: 2020,
          province: 'Santiago',
          currency: 'DOP',
          supply: 1,
          new_listings: 1,
          sold_listings: 0,
          removed_listings: 0,
          median_price: 1_200_000,
          avg_price: 1_200_000,
          views: 0,
          unique_viewers: 0,
          favourites: 0,
          leads: 0,
          views_per_listing: 0,
        },
      ],
    );
  });
});
