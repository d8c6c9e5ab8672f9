import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, createUser, login } from './helpers/auth.js';
import { startPlaza, type TestPlaza } from './helpers/plaza.js';
import { close, santoDomingoDay, simulateAndBuild } from './helpers/semantic.js';

const START = Date.UTC(2026, 0, 5, 4); // midnight in Santo Domingo (UTC−4)
const DAYS = ['2026-01-05', '2026-01-06'];
const range = { from: DAYS[0], to: DAYS[DAYS.length - 1] };

/** Sellers through every analytics endpoint, on a simulated vehicle marketplace; conversion and funnels. */
describe('semantic layer: sellers, conversion, funnels and listing stats', () => {
  let t: TestPlaza;
  let a: string; // the signed-in seller
  let b: string; // another seller
  let token: string;
  let ownListing: string;
  let otherListing: string;

  const sql = <T = any>(text: string, params: unknown[] = []) =>
    t.plaza.stores.warehouse.query<T>(text, params);
  const asSeller = (method: string, path: string, body?: unknown) => call(t.url, method, path, token, body);

  before(async () => {
    t = await startPlaza({ overrides: { ingest: { rateLimitPerMinute: 1_000_000 } } });
    await simulateAndBuild(t, {
      vertical: 'vehicles',
      seed: 3,
      start: START,
      days: DAYS,
      users: 300,
      sellers: 8,
    });
    const sellers = await sql<{ seller_id: string; listing: string }>(
      `SELECT seller_id, arg_max(listing_id, views) AS listing FROM mart_listing_daily
        WHERE project_id = $1 AND seller_id IS NOT NULL GROUP BY 1 ORDER BY sum(views) DESC, 1 LIMIT 2`,
      [t.projectId],
    );
    assert.equal(sellers.length, 2, 'two sellers with views');
    [a, b] = sellers.map((s) => s.seller_id) as [string, string];
    [ownListing, otherListing] = sellers.map((s) => s.listing) as [string, string];
    const user = await createUser(t, 'dealer@example.com', 'seller', { sellerId: a });
    token = (await login(t.url, user.email, user.password)).access_token;
  });
  after(async () => t?.close(true));

  const rawCounts = (seller: string) =>
    sql(
      `SELECT count(*) FILTER (WHERE event_type = 'listing_viewed') AS views,
              count(*) FILTER (WHERE event_type = 'contact_sent') AS leads
         FROM raw_events WHERE project_id = $1 AND seller_id = $2 AND NOT is_bot
          AND ${santoDomingoDay('timestamp')} BETWEEN CAST($3 AS DATE) AND CAST($4 AS DATE)`,
      [t.projectId, seller, range.from, range.to],
    );

  it('a seller reads only their own figures, and view → lead conversion equals the raw events', async () => {
    const body = {
      project: t.projectId,
      metrics: ['views', 'leads', 'lead_conversion'],
      dimensions: ['seller'],
      time_range: range,
    };
    const own = await asSeller('POST', '/v1/query', body);
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.deepEqual(
      own.body.rows.map((r: any) => r.seller),
      [a],
    );
    const [raw] = await rawCounts(a);
    assert.ok(Number(raw.views) > 0 && Number(raw.leads) > 0, JSON.stringify(raw));
    assert.equal(own.body.totals.views, raw.views);
    assert.equal(own.body.totals.leads, raw.leads);
    close(own.body.totals.lead_conversion, raw.leads / raw.views, 'lead conversion');
    // The same figures an admin gets when asking for that seller.
    const admin = await t.admin('POST', '/v1/query', { ...body, seller_id: a });
    assert.deepEqual(admin.body.totals, own.body.totals);
    const all = await t.admin('POST', '/v1/query', body);
    assert.ok(all.body.rows.length > 1, 'an admin sees every seller');
  });

  it("refuses another seller's data through every endpoint", async () => {
    const p = t.projectId;
    const forbidden = [
      ['POST', '/v1/query', { project: p, seller_id: b, metrics: ['views'], time_range: range }],
      [
        'POST',
        '/v1/funnels',
        { project: p, seller_id: b, steps: ['listing_viewed', 'contact_sent'], time_range: range },
      ],
      ['POST', '/v1/retention', { project: p, seller_id: b, time_range: range }],
      [
        'GET',
        `/v1/listings/${encodeURIComponent(ownListing)}/stats?project=${p}&seller_id=${encodeURIComponent(b)}`,
      ],
    ] as const;
    for (const [method, path, body] of forbidden) {
      const r = await asSeller(method, path, body);
      assert.equal(r.status, 403, `${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'seller_forbidden');
    }
    // Another seller's listing is not found, exactly like a listing that does not exist.
    const other = await asSeller(
      'GET',
      `/v1/listings/${encodeURIComponent(otherListing)}/stats?project=${p}`,
    );
    const missing = await asSeller('GET', `/v1/listings/no-such-listing/stats?project=${p}`);
    assert.equal(other.status, 404);
    assert.equal(missing.status, 404);
    assert.equal(other.body.error.code, missing.body.error.code);
    // Platform-wide metrics have no seller: refused, not answered for the whole marketplace.
    const platform = await asSeller('POST', '/v1/query', {
      project: p,
      metrics: ['bounce_rate'],
      time_range: range,
    });
    assert.equal(platform.status, 400);
    assert.match(platform.body.error.message, /platform-wide/);
    const anonymous = await call(t.url, 'POST', '/v1/query', null, {
      project: p,
      metrics: ['views'],
      time_range: range,
    });
    assert.equal(anonymous.status, 401);
  });

  it('a seller funnel and retention only count events on their own listings', async () => {
    const body = { project: t.projectId, steps: ['listing_viewed', 'contact_sent'], time_range: range };
    const own = await asSeller('POST', '/v1/funnels', body);
    const admin = await t.admin('POST', '/v1/funnels', { ...body, seller_id: a });
    const all = await t.admin('POST', '/v1/funnels', body);
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.deepEqual(own.body.steps, admin.body.steps);
    assert.ok(own.body.steps[0].count < all.body.steps[0].count);
    const r = await asSeller('POST', '/v1/retention', {
      project: t.projectId,
      period: 'day',
      time_range: range,
      periods: 1,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const [people] = await sql(
      `SELECT count(DISTINCT person_id) AS n FROM stg_events WHERE project_id = $1 AND seller_id = $2 AND NOT is_bot
         AND local_date = CAST($3 AS DATE) AND person_id NOT IN (
           SELECT person_id FROM stg_events WHERE project_id = $1 AND seller_id = $2 AND NOT is_bot AND local_date < CAST($3 AS DATE))`,
      [t.projectId, a, range.from],
    );
    assert.equal(r.body.cohorts[0].size, people.n);
  });

  it('funnel steps equal a recount per person on staging', async () => {
    const r = await t.admin('POST', '/v1/funnels', {
      project: t.projectId,
      steps: ['listing_viewed', 'contact_sent'],
      conversion_window: { value: 1, unit: 'days' },
      time_range: range,
      breakdown: 'device',
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const [raw] = await sql(
      `WITH v AS (SELECT person_id, min("timestamp") AS t0 FROM stg_events
          WHERE project_id = $1 AND NOT is_bot AND event_type = 'listing_viewed'
            AND local_date BETWEEN CAST($2 AS DATE) AND CAST($3 AS DATE) GROUP BY 1)
        SELECT count(*) AS viewed, count(*) FILTER (WHERE EXISTS (
          SELECT 1 FROM stg_events c WHERE c.project_id = $1 AND NOT c.is_bot AND c.event_type = 'contact_sent'
            AND c.person_id = v.person_id AND c."timestamp" >= v.t0 AND c."timestamp" <= v.t0 + INTERVAL 1 DAY)) AS contacted
        FROM v`,
      [t.projectId, range.from, range.to],
    );
    const [first, second] = r.body.steps;
    assert.equal(first.count, raw.viewed);
    assert.equal(second.count, raw.contacted);
    close(second.conversion_from_first, raw.contacted / raw.viewed, 'conversion');
    assert.ok(second.median_seconds_from_previous >= 0);
    const byDevice = r.body.breakdown.reduce((n: number, x: any) => n + x.steps[0].count, 0);
    assert.equal(byDevice, first.count, 'the breakdown adds up');
  });

  it("a seller's listing stats: views per day and contacts as the raw events count them", async () => {
    const q = `project=${t.projectId}&from=${range.from}&to=${range.to}`;
    const r = await asSeller('GET', `/v1/listings/${encodeURIComponent(ownListing)}/stats?${q}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.listing.seller_id, a);
    const raw = await sql(
      `SELECT CAST(${santoDomingoDay('timestamp')} AS VARCHAR) AS day,
              count(*) FILTER (WHERE event_type = 'listing_viewed') AS views,
              count(*) FILTER (WHERE event_type = 'contact_sent') AS leads
         FROM raw_events WHERE project_id = $1 AND listing_id = $2 AND NOT is_bot
          AND ${santoDomingoDay('timestamp')} BETWEEN CAST($3 AS DATE) AND CAST($4 AS DATE)
        GROUP BY 1 HAVING count(*) FILTER (WHERE event_type IN ('listing_viewed', 'contact_sent')) > 0 ORDER BY 1`,
      [t.projectId, ownListing, range.from, range.to],
    );
    assert.deepEqual(
      r.body.days.filter((d: any) => d.views > 0 || d.leads > 0).map((d: any) => [d.date, d.views, d.leads]),
      raw.map((x) => [x.day, x.views, x.leads]),
    );
    const views = raw.reduce((n, x) => n + Number(x.views), 0);
    const leads = raw.reduce((n, x) => n + Number(x.leads), 0);
    assert.deepEqual(r.body.totals, {
      views,
      contacts: leads,
      view_to_contact: views ? leads / views : null,
    });
    assert.ok(Array.isArray(r.body.tips));
    for (const tip of r.body.tips) assert.ok(tip.text && tip.evidence, JSON.stringify(tip));
    const admin = await t.admin('GET', `/v1/listings/${encodeURIComponent(otherListing)}/stats?${q}`);
    assert.equal(admin.status, 200, 'an admin reads any listing');
  });
});
