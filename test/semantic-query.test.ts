import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestPlaza } from './helpers/plaza.js';
import { close, DAY, runAndWait, santoDomingoDay, startBuiltPlaza } from './helpers/semantic.js';

const START = Date.UTC(2026, 0, 5, 4); // midnight in Santo Domingo (UTC−4), the projects' default zone
const DAYS = ['2026-01-05', '2026-01-06', '2026-01-07'];
const FROM = DAYS[0] as string;
const TO = DAYS[DAYS.length - 1] as string;

/** The semantic layer on a simulated store marketplace, checked against hand-written SQL on raw and staging. */
describe('semantic layer: metrics on simulated stores', () => {
  let t: TestPlaza;

  const query = (body: Record<string, unknown>) =>
    t.admin('POST', '/v1/query', { project: t.projectId, time_range: { from: FROM, to: TO }, ...body });
  const sql = <T = any>(text: string, params: unknown[] = []) =>
    t.plaza.stores.warehouse.query<T>(text, params);

  before(async () => {
    t = await startBuiltPlaza({
      seed: 5,
      start: START,
      days: DAYS,
      users: 300,
      sellers: 6,
    });
  });
  after(async () => t?.close(true));

  // Orders straight from the purchase events: the first purchase_completed of each order, by local day.
  const rawOrders = `WITH p AS (
      SELECT properties->>'order_id' AS order_id, properties->>'store_id' AS store_id,
             properties->>'payment_method' AS payment_method,
             CAST(properties->>'total' AS DECIMAL(18, 2)) AS total,
             ${santoDomingoDay('timestamp')} AS day,
             row_number() OVER (PARTITION BY properties->>'order_id' ORDER BY received_at, event_id) AS n
      FROM raw_events WHERE project_id = $1 AND event_type = 'purchase_completed' AND NOT is_bot)
    SELECT * FROM p WHERE n = 1 AND day BETWEEN CAST($2 AS DATE) AND CAST($3 AS DATE)`;

  it('GMV, orders and AOV per day equal the purchase events', async () => {
    const r = await query({ metrics: ['gmv', 'orders', 'aov'], dimensions: ['date'] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.meta.tables, ['mart_sales_daily']);
    const raw = await sql(
      `SELECT CAST(day AS VARCHAR) AS day, count(*) AS orders, sum(total) AS gmv FROM (${rawOrders}) GROUP BY 1 ORDER BY 1`,
      [t.projectId, FROM, TO],
    );
    assert.ok(raw.length >= 2, 'orders on most days');
    assert.deepEqual(
      r.body.rows.map((x: any) => x.date),
      raw.map((x) => x.day),
    );
    let gmv = 0;
    let orders = 0;
    for (const [i, row] of r.body.rows.entries()) {
      close(row.gmv, raw[i].gmv, `gmv ${row.date}`);
      assert.equal(row.orders, raw[i].orders, `orders ${row.date}`);
      close(row.aov, raw[i].gmv / raw[i].orders, `aov ${row.date}`);
      gmv += Number(raw[i].gmv);
      orders += Number(raw[i].orders);
    }
    close(r.body.totals.gmv, gmv, 'total gmv');
    assert.equal(r.body.totals.orders, orders);
    // A ratio of sums, not the average of the daily AOVs.
    close(r.body.totals.aov, gmv / orders, 'total aov');
  });

  it('breaks down and filters by seller and payment method, also through staging', async () => {
    const raw = await sql(
      `SELECT store_id, count(*) AS orders, sum(total) AS gmv FROM (${rawOrders})
        WHERE payment_method IN ('card', 'cash_on_delivery') GROUP BY 1 ORDER BY 1`,
      [t.projectId, FROM, TO],
    );
    const filters = [{ dimension: 'payment_method', op: 'in', value: ['card', 'cash_on_delivery'] }];
    const r = await query({
      metrics: ['gmv', 'orders'],
      dimensions: ['seller'],
      filters,
      order: [{ field: 'seller', direction: 'asc' }],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(raw.length >= 2, JSON.stringify(raw));
    assert.deepEqual(
      r.body.rows.map((x: any) => [x.seller, x.orders]),
      raw.map((x) => [x.store_id, x.orders]),
    );
    // New vs returning exists only in staging: the planner falls back to stg_orders, same totals.
    const s = await query({ metrics: ['gmv', 'orders'], dimensions: ['customer_type'], filters });
    assert.equal(s.status, 200, JSON.stringify(s.body));
    assert.deepEqual(s.body.meta.tables, ['stg_orders']);
    assert.equal(s.body.totals.orders, r.body.totals.orders);
    close(s.body.totals.gmv, r.body.totals.gmv, 'gmv through staging');
    assert.deepEqual(s.body.rows.map((x: any) => x.customer_type).sort(), ['new', 'returning']);
  });

  it('joins metrics of different tables on the dimensions', async () => {
    const r = await query({ metrics: ['orders', 'sessions', 'bounce_rate'], dimensions: ['date'] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.meta.tables.sort(), ['mart_sales_daily', 'mart_traffic_daily']);
    assert.equal(r.body.rows.length, DAYS.length);
    for (const row of r.body.rows) assert.ok(row.orders > 0 && row.sessions > 0, JSON.stringify(row));
  });

  it('bounce rate equals bounced sessions over sessions', async () => {
    const r = await query({
      metrics: ['bounce_rate', 'sessions', 'pages_per_session'],
      dimensions: ['device'],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const [raw] = await sql(
      `SELECT count(*) AS sessions, count(*) FILTER (WHERE bounce) AS bounces, sum(page_views) AS pv FROM sessions
        WHERE project_id = $1 AND local_date BETWEEN CAST($2 AS DATE) AND CAST($3 AS DATE)
          AND coalesce(device_type, '') <> 'bot'`,
      [t.projectId, FROM, TO],
    );
    assert.ok(Number(raw.sessions) > 50);
    assert.equal(r.body.totals.sessions, raw.sessions);
    close(r.body.totals.bounce_rate, raw.bounces / raw.sessions, 'bounce rate');
    close(r.body.totals.pages_per_session, raw.pv / raw.sessions, 'pages per session');
    assert.ok(r.body.rows.length >= 2, 'several devices');
  });

  it('LTV equals net revenue per customer from the orders', async () => {
    const r = await query({ metrics: ['ltv'] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const [raw] = await sql(
      `SELECT count(DISTINCT person_id) AS customers, sum(net_total) AS net FROM stg_orders
        WHERE project_id = $1 AND status <> 'cancelled'`,
      [t.projectId],
    );
    assert.ok(Number(raw.customers) > 3);
    close(r.body.totals.ltv, raw.net / raw.customers, 'ltv');
  });

  it('retention by first-purchase cohort equals a recount of the orders', async () => {
    const r = await t.admin('POST', '/v1/retention', {
      project: t.projectId,
      cohort: 'first_purchase',
      period: 'day',
      time_range: { from: FROM, to: TO },
      periods: 2,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const orders = await sql<{ person_id: string; day: string }>(
      'SELECT person_id, CAST(local_date AS VARCHAR) AS day FROM stg_orders WHERE project_id = $1',
      [t.projectId],
    );
    const first = new Map<string, string>();
    for (const o of orders)
      if (!first.has(o.person_id) || o.day < (first.get(o.person_id) as string))
        first.set(o.person_id, o.day);
    const expected = new Map<string, Map<number, Set<string>>>();
    for (const o of orders) {
      const cohort = first.get(o.person_id) as string;
      const k = (Date.parse(o.day) - Date.parse(cohort)) / DAY;
      if (cohort < FROM || cohort > TO || k > 2) continue;
      const c = expected.get(cohort) ?? new Map();
      c.set(k, (c.get(k) ?? new Set()).add(o.person_id));
      expected.set(cohort, c);
    }
    const got = r.body.cohorts.map((c: any) => [c.cohort, c.periods.map((p: any) => [p.period, p.active])]);
    const want = [...expected.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([cohort, c]) => [
        cohort,
        [...c.entries()].sort(([a], [b]) => a - b).map(([k, s]) => [k, s.size]),
      ]);
    assert.deepEqual(got, want);
    assert.ok(want.length >= 2);
    const c0 = r.body.cohorts[0];
    assert.equal(c0.periods[0].rate, 1);
    assert.equal(c0.size, c0.periods[0].active);
  });

  it('compares with the previous period', async () => {
    const r = await t.admin('POST', '/v1/query', {
      project: t.projectId,
      metrics: ['gmv'],
      time_range: { from: '2026-01-07', to: '2026-01-07' },
      compare: 'previous_period',
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.compare.time_range, { from: '2026-01-06', to: '2026-01-06' });
    const [prev] = await sql(`SELECT sum(total) AS gmv FROM (${rawOrders})`, [
      t.projectId,
      '2026-01-06',
      '2026-01-06',
    ]);
    close(r.body.compare.totals.gmv, prev.gmv, 'previous gmv');
  });

  it('refuses unknown names, bad filters and ranges with 400 naming the valid choices', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ metrics: ['gmvv'] }, 'unknown_metric', /valid: .*gmv/],
      [{ metrics: ['gmv'], dimensions: ['colour'] }, 'unknown_dimension', /valid: .*payment_method/],
      [
        { metrics: ['gmv'], filters: [{ dimension: 'seller', op: 'like', value: 'x' }] },
        'unknown_filter_op',
        /eq, neq, in/,
      ],
      [
        { metrics: ['gmv'], filters: [{ dimension: 'seller', op: 'in', value: 'x' }] },
        'invalid_filter',
        /list/,
      ],
      [
        { metrics: ['gmv'], filters: [{ dimension: 'date', op: 'gte', value: 'yesterday' }] },
        'invalid_filter',
        /date/,
      ],
      [{ metrics: ['gmv'], time_range: { from: TO, to: FROM } }, 'invalid_time_range', /after/],
      [
        { metrics: ['gmv'], time_range: { from: '2020-01-01', to: TO } },
        'time_range_too_long',
        /at most 731/,
      ],
      [
        { metrics: ['bounce_rate'], dimensions: ['seller'] },
        'unsupported_dimension',
        /mart_traffic_daily: date, source/,
      ],
      [{ metrics: ['gmv'], order: [{ field: 'views' }] }, 'invalid_order', /one of gmv/],
    ];
    for (const [body, code, message] of cases) {
      const r = await query(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.code, code, JSON.stringify(r.body));
      assert.match(r.body.error.message, message);
    }
    const hostile = await query({
      metrics: ['gmv'],
      filters: [{ dimension: 'seller', op: 'eq', value: "x' OR 1=1 --" }],
    });
    assert.equal(hostile.status, 200);
    assert.equal(hostile.body.totals.gmv, null, 'a value is a parameter, never SQL');
  });

  it('answers from the cache until a pipeline run lands new data', async () => {
    const body = { metrics: ['orders', 'gmv'], dimensions: ['payment_method'] };
    const a = await query(body);
    const b = await query(body);
    assert.equal(a.status, 200);
    assert.equal(b.body.meta.cached, true);
    assert.deepEqual(b.body.rows, a.body.rows);
    // Another scope is another entry.
    const c = await query({ ...body, seller_id: a.body.rows.length ? 'nobody' : 'x' });
    assert.equal(c.body.meta.cached, false);
    await runAndWait(t, 'incremental');
    const d = await query(body);
    assert.equal(d.body.meta.cached, false, 'a new run misses the cache');
    assert.deepEqual(d.body.rows, a.body.rows);
    assert.equal((await query(body)).body.meta.cached, true);
  });
});
