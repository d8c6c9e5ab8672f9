import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestPlaza } from './helpers/plaza.js';
import { close, santoDomingoDay, startBuiltPlaza } from './helpers/semantic.js';

const START = Date.UTC(2026, 0, 5, 4); // midnight in Santo Domingo (UTC−4), the projects' default zone
const DAYS = ['2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08'];
// The question: the last two days; the previous period of the same length is the first two.
const FROM = '2026-01-07';
const TO = '2026-01-08';
const PREV = ['2026-01-05', '2026-01-06'] as const;
// Carts and payments are rarer: read them over all the days.
const ALL = { from: DAYS[0] as string, to: TO };

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

function closeOrNull(a: unknown, b: number | null, what: string): void {
  if (b === null) assert.equal(a, null, what);
  else close(a, b, what);
}

/** The platform KPIs that are not sums over one table, each against an independent computation. */
describe('semantic layer: platform KPIs on simulated stores', () => {
  let t: TestPlaza;

  const query = (body: Record<string, unknown>) =>
    t.admin('POST', '/v1/query', { project: t.projectId, time_range: { from: FROM, to: TO }, ...body });
  const sql = <T = any>(text: string, params: unknown[] = []) =>
    t.plaza.stores.warehouse.query<T>(text, params);

  before(async () => {
    t = await startBuiltPlaza({
      seed: 11,
      start: START,
      days: DAYS,
      users: 300,
      sellers: 8,
    });
  });
  after(async () => t?.close(true));

  it('seller churn: active in the previous period and not in this one, over active in the previous one', async () => {
    const rows = await sql<{ seller_id: string; day: string }>(
      `SELECT seller_id, CAST(local_date AS VARCHAR) AS day FROM mart_sellers_daily WHERE project_id = $1 AND is_active`,
      [t.projectId],
    );
    const activeIn = (from: string, to: string) =>
      new Set(rows.filter((r) => r.day >= from && r.day <= to).map((r) => r.seller_id));
    const expect = (from: string, to: string, pFrom: string, pTo: string) => {
      const prev = activeIn(pFrom, pTo);
      const cur = activeIn(from, to);
      const churned = [...prev].filter((s) => !cur.has(s)).length;
      return { churned, rate: ratio(churned, prev.size), prev: prev.size };
    };
    const whole = expect(FROM, TO, PREV[0], PREV[1]);
    assert.ok(whole.prev >= 3, `sellers active before: ${whole.prev}`);
    const r = await query({ metrics: ['seller_churn_rate', 'churned_sellers'], dimensions: [] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.meta.tables, ['seller_periods']);
    closeOrNull(r.body.totals.seller_churn_rate, whole.rate, 'churn over the range');
    assert.equal(r.body.totals.churned_sellers, whole.churned);

    // By day: each day against the day before.
    const d = await query({ metrics: ['seller_churn_rate', 'churned_sellers'], dimensions: ['date'] });
    assert.equal(d.status, 200, JSON.stringify(d.body));
    assert.deepEqual(
      d.body.rows.map((x: any) => x.date),
      ['2026-01-07', '2026-01-08'],
    );
    for (const row of d.body.rows) {
      const prevDay = new Date(Date.parse(`${row.date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
      const e = expect(row.date, row.date, prevDay, prevDay);
      closeOrNull(row.seller_churn_rate, e.rate, `churn ${row.date}`);
      assert.equal(row.churned_sellers, e.churned, `churned ${row.date}`);
    }
    // The totals of a breakdown are the whole range's, not a sum of days.
    closeOrNull(d.body.totals.seller_churn_rate, whole.rate, 'totals by date');

    // Compared with the previous period: the same definition shifted back (nobody active before the data).
    const c = await query({ metrics: ['seller_churn_rate'], dimensions: [], compare: 'previous_period' });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    closeOrNull(
      c.body.compare.totals.seller_churn_rate,
      expect(PREV[0], PREV[1], '2026-01-03', '2026-01-04').rate,
      'compare',
    );
  });

  /** Each non-bot event's person (identity as staged) and local day, from the raw events. */
  const personDays = () =>
    sql<{ person_id: string; day: string }>(
      `SELECT e.person_id, CAST(${santoDomingoDay('r."timestamp"')} AS VARCHAR) AS day
        FROM raw_events r JOIN stg_events e ON e.project_id = r.project_id AND e.event_id = r.event_id
        WHERE r.project_id = $1 AND NOT r.is_bot`,
      [t.projectId],
    );

  it('active users: distinct people by day, by week and over the range', async () => {
    const seen = await personDays();
    const distinct = (keep: (day: string) => boolean) =>
      new Set(seen.filter((p) => keep(p.day)).map((p) => p.person_id)).size;
    const byDay = await query({ metrics: ['active_users'], dimensions: ['date'], time_range: ALL });
    assert.equal(byDay.status, 200, JSON.stringify(byDay.body));
    assert.equal(byDay.body.rows.length, DAYS.length);
    for (const row of byDay.body.rows) {
      assert.equal(
        row.active_users,
        distinct((d) => d === row.date),
        `active users ${row.date}`,
      );
    }
    // People come back on later days: the range's total is fewer than the sum of its days.
    const total = distinct((d) => d >= ALL.from && d <= ALL.to);
    assert.equal(byDay.body.totals.active_users, total);
    assert.ok(
      total < byDay.body.rows.reduce((n: number, r: { active_users: number }) => n + r.active_users, 0),
    );
    // 2026-01-05 is a Monday: one week holds every day.
    const byWeek = await query({
      metrics: ['active_users'],
      dimensions: ['date'],
      grain: 'week',
      time_range: ALL,
    });
    assert.deepEqual(
      byWeek.body.rows.map((r: { date: string; active_users: number }) => [r.date, r.active_users]),
      [['2026-01-05', total]],
    );
  });

  it('new sellers and new users: first day in the data within the period', async () => {
    const sellers = await sql<{ seller_id: string; day: string }>(
      `SELECT seller_id, CAST(local_date AS VARCHAR) AS day FROM mart_sellers_daily WHERE project_id = $1`,
      [t.projectId],
    );
    const firstSeller = new Map<string, string>();
    for (const s of sellers)
      if (!(s.day >= (firstSeller.get(s.seller_id) ?? '9999'))) firstSeller.set(s.seller_id, s.day);
    // People from the raw events (identity as staged): the first local day of each person's non-bot events.
    const people = await personDays();
    const firstPerson = new Map<string, string>();
    for (const p of people)
      if (!(p.day >= (firstPerson.get(p.person_id) ?? '9999'))) firstPerson.set(p.person_id, p.day);
    const within = (m: Map<string, string>, day?: string) =>
      [...m.values()].filter((d) => (day ? d === day : d >= FROM && d <= TO)).length;

    const r = await query({ metrics: ['new_sellers', 'new_users'], dimensions: ['date'] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.totals.new_sellers, within(firstSeller));
    assert.equal(r.body.totals.new_users, within(firstPerson));
    assert.ok(within(firstPerson) > 10, 'new people every day of a growing simulation');
    for (const row of r.body.rows) {
      assert.equal(row.new_users, within(firstPerson, row.date), `new users ${row.date}`);
      assert.equal(row.new_sellers ?? 0, within(firstSeller, row.date), `new sellers ${row.date}`);
    }
    // On the first day of the data, every seller known is new.
    const first = await t.admin('POST', '/v1/query', {
      project: t.projectId,
      time_range: { from: DAYS[0], to: DAYS[0] },
      metrics: ['new_sellers'],
      dimensions: [],
    });
    assert.equal(first.body.totals.new_sellers, within(firstSeller, DAYS[0]));
  });

  it('cart abandonment and checkout completion per session and day', async () => {
    const events = await sql<{ session_id: string; day: string; event_type: string }>(
      `SELECT session_id, CAST(${santoDomingoDay('"timestamp"')} AS VARCHAR) AS day, event_type FROM raw_events
        WHERE project_id = $1 AND NOT is_bot AND session_id IS NOT NULL
          AND event_type IN ('add_to_cart', 'checkout_started', 'purchase_completed')`,
      [t.projectId],
    );
    const sessions = new Map<string, Set<string>>();
    for (const e of events) {
      if (e.day < ALL.from || e.day > ALL.to) continue;
      const k = `${e.session_id}|${e.day}`;
      sessions.set(k, (sessions.get(k) ?? new Set()).add(e.event_type));
    }
    const all = [...sessions.values()];
    const carted = all.filter((s) => s.has('add_to_cart'));
    const checkouts = all.filter((s) => s.has('checkout_started'));
    assert.ok(
      carted.length > 10 && checkouts.length > 3,
      `${carted.length} carts, ${checkouts.length} checkouts`,
    );
    const abandonment = ratio(carted.filter((s) => !s.has('purchase_completed')).length, carted.length);
    const completion = ratio(checkouts.filter((s) => s.has('purchase_completed')).length, checkouts.length);
    assert.ok(abandonment !== null && abandonment > 0 && abandonment < 1, String(abandonment));

    const r = await query({
      metrics: ['cart_abandonment_rate', 'checkout_completion_rate'],
      dimensions: [],
      time_range: ALL,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.meta.tables, ['cart_sessions']);
    closeOrNull(r.body.totals.cart_abandonment_rate, abandonment, 'cart abandonment');
    closeOrNull(r.body.totals.checkout_completion_rate, completion, 'checkout completion');
  });

  it('payment success: checkouts paid over paid + failed attempts', async () => {
    const [raw] = await sql(
      `WITH e AS (SELECT event_type, properties->>'checkout_id' AS checkout, properties->>'order_id' AS order_id,
          ${santoDomingoDay('"timestamp"')} AS day
          FROM raw_events WHERE project_id = $1 AND NOT is_bot AND event_type IN ('purchase_completed', 'payment_failed'))
        SELECT count(DISTINCT coalesce(checkout, order_id)) FILTER (WHERE event_type = 'purchase_completed') AS paid,
          count(*) FILTER (WHERE event_type = 'payment_failed') AS failed
        FROM e WHERE day BETWEEN CAST($2 AS DATE) AND CAST($3 AS DATE)`,
      [t.projectId, ALL.from, ALL.to],
    );
    const paid = Number(raw.paid);
    const failed = Number(raw.failed);
    assert.ok(paid > 3, `paid checkouts ${paid}`);
    const r = await query({ metrics: ['payment_success_rate'], dimensions: [], time_range: ALL });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    closeOrNull(r.body.totals.payment_success_rate, ratio(paid, paid + failed), 'payment success');
  });

  it('refuses the platform KPIs for one seller', async () => {
    // An admin naming a seller is scoped like that seller: platform-wide metrics cannot answer.
    const r = await query({ metrics: ['seller_churn_rate'], seller_id: 'str_001' });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(JSON.stringify(r.body), /platform-wide/);
  });
});
