/**
 * GET /v1/reports: the daily pipeline keeps every seller summary and anomaly alert in the warehouse (a seller
 * without an e-mail account included), sellers read only their own, and running a day again changes nothing.
 * Also the live counters of a listing for its seller, ownership read from dim_listings.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sellerViewsHour } from './fixtures/reports/seller-hour.js';
import { call, createUser, login } from './helpers/auth.js';
import { startPlaza, type TestPlaza } from './helpers/plaza.js';
import { runAndWait, santoDomingoDay, simulateAndBuild } from './helpers/semantic.js';

const START = Date.UTC(2026, 0, 5, 4); // midnight in Santo Domingo (UTC−4)
const DAYS = ['2026-01-05', '2026-01-06'];
/** A day long before the simulation, where a made-up seller gets a spike of views. */
const SPIKE_DAY = '2025-12-20';
const SPIKY = 'spiky-seller';

describe('reports API: daily summaries and alerts for sellers', { timeout: 240_000 }, () => {
  let t: TestPlaza;
  let a: string;
  let b: string;
  let token: string;
  const sql = <T = any>(text: string, params: unknown[] = []) =>
    t.plaza.stores.warehouse.query<T>(text, params);
  const asSeller = (path: string) => call(t.url, 'GET', path, token);

  before(async () => {
    t = await startPlaza({ overrides: { ingest: { rateLimitPerMinute: 1_000_000 } } });
    // The spiky seller's hourly windows: 10 views a day for 10 days, then 200 (local noon = 16:00Z).
    const hour = (day: string, views: number) => sellerViewsHour(t.projectId, SPIKY, day, views);
    const before = Array.from({ length: 10 }, (_, i) =>
      new Date(Date.parse(`${SPIKE_DAY}T00:00:00Z`) - (i + 1) * 86_400_000).toISOString().slice(0, 10),
    );
    // Before any daily run there is no report table: an empty list, not an error.
    const none = await t.admin('GET', `/v1/reports?project=${t.projectId}`);
    assert.deepEqual([none.status, none.body], [200, { reports: [] }]);
    await simulateAndBuild(t, {
      vertical: 'stores',
      seed: 11,
      start: START,
      days: DAYS,
      users: 40,
      sellers: 5,
    });
    await t.plaza.stores.warehouse.insert('agg_hour', [
      ...before.map((d) => hour(d, 10)),
      hour(SPIKE_DAY, 200),
    ]);
    await runAndWait(t, 'daily', SPIKE_DAY);
    const sellers = await sql<{ seller_id: string }>(
      `SELECT seller_id FROM dim_listings WHERE project_id = $1 AND is_current AND seller_id IS NOT NULL
        GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2`,
      [t.projectId],
    );
    assert.equal(sellers.length, 2);
    [a, b] = sellers.map((s) => s.seller_id) as [string, string];
    // No e-mail is configured: the outbox holds nothing for this seller, the report table must.
    const user = await createUser(t, 'shop@example.com', 'seller', { sellerId: a });
    token = (await login(t.url, user.email, user.password)).access_token;
  });
  after(async () => t?.close(true));

  it("keeps each active seller's summary per day, its figures equal to the raw events", async () => {
    const all = await t.admin('GET', `/v1/reports?project=${t.projectId}&kind=summary&limit=500`);
    assert.equal(all.status, 200, JSON.stringify(all.body));
    const simulated = all.body.reports.filter((r: any) => DAYS.includes(r.day));
    const expected = await sql<{ seller_id: string; day: string; views: number; orders: number }>(
      `SELECT seller_id, strftime(${santoDomingoDay('timestamp')}, '%Y-%m-%d') AS day,
              count(*) FILTER (WHERE event_type IN ('listing_viewed', 'product_viewed')) AS views,
              count(*) FILTER (WHERE event_type = 'purchase_completed') AS orders
         FROM raw_events WHERE project_id = $1 AND seller_id IS NOT NULL GROUP BY 1, 2`,
      [t.projectId],
    );
    const byKey = new Map(expected.map((e) => [`${e.seller_id}|${e.day}`, e]));
    assert.ok(simulated.length >= 3, `summaries of the simulated days: ${simulated.length}`);
    for (const r of simulated) {
      assert.equal(r.entity_type, 'seller');
      const e = byKey.get(`${r.entity_id}|${r.day}`);
      const views = e ? Number(e.views) : 0;
      assert.equal(r.payload.figures.views.day, views, `${r.entity_id} ${r.day} views`);
      assert.equal(r.payload.figures.orders.day, e ? Number(e.orders) : 0, `${r.entity_id} ${r.day} orders`);
    }
    // Every seller with views on a day has its summary of that day (no e-mail recipient needed).
    for (const day of DAYS) {
      const kept = new Set(simulated.filter((r: any) => r.day === day).map((r: any) => r.entity_id));
      for (const e of expected.filter((x) => x.day === day && Number(x.views) > 0))
        assert.ok(kept.has(e.seller_id), `summary of ${e.seller_id} on ${day}`);
    }
    // Newest first.
    const days = all.body.reports.map((r: any) => r.day);
    assert.deepEqual(days, [...days].sort().reverse());
  });

  it('keeps the alerts of a spike, with the summary of that day', async () => {
    const r = await t.admin('GET', `/v1/reports?project=${t.projectId}&seller_id=${SPIKY}`);
    assert.equal(r.status, 200);
    const alert = r.body.reports.find((x: any) => x.kind === 'alert');
    assert.ok(alert, JSON.stringify(r.body));
    assert.equal(alert.day, SPIKE_DAY);
    const [views] = alert.payload.anomalies;
    assert.deepEqual([views.metric, views.value, views.direction], ['views', 200, 'spike']);
    const summary = r.body.reports.find((x: any) => x.kind === 'summary' && x.day === SPIKE_DAY);
    assert.equal(summary.payload.figures.views.day, 200);
    assert.equal(summary.payload.figures.views.previous_day, 10);
    assert.equal(summary.payload.figures.views.average_7d, 10);
  });

  it("forces the seller's own id and refuses another seller's reports", async () => {
    const own = await asSeller(`/v1/reports?project=${t.projectId}`);
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.ok(own.body.reports.length > 0);
    assert.ok(own.body.reports.every((r: any) => r.entity_type === 'seller' && r.entity_id === a));
    const other = await asSeller(`/v1/reports?project=${t.projectId}&seller_id=${encodeURIComponent(b)}`);
    assert.deepEqual([other.status, other.body.error.code], [403, 'seller_forbidden']);
    const spiky = await asSeller(`/v1/reports?project=${t.projectId}&seller_id=${SPIKY}`);
    assert.equal(spiky.status, 403);
    const bad = await t.admin('GET', `/v1/reports?project=${t.projectId}&kind=weekly`);
    assert.equal(bad.status, 400);
    const missing = await t.admin('GET', '/v1/reports?project=no-such-project');
    assert.deepEqual([missing.status, missing.body.error.code], [404, 'project_not_found']);
    const openapi = await fetch(`${t.url}/openapi.json`).then((r) => r.json());
    assert.ok(openapi.paths['/v1/reports']?.get, 'GET /v1/reports is documented');
    assert.ok(
      openapi.paths['/v1/live/listings/{id}'].get.parameters.some((p: any) => p.name === 'seller_id'),
    );
  });

  it('running a day again leaves the same reports', async () => {
    const day = DAYS[1]!;
    const read = async () =>
      (await t.admin('GET', `/v1/reports?project=${t.projectId}&limit=500`)).body.reports
        .filter((r: any) => r.day === day)
        .map((r: any) => ({ ...r, created_at: undefined }));
    const first = await read();
    assert.ok(first.length > 0);
    await runAndWait(t, 'daily', day);
    assert.deepEqual(await read(), first);
    const [count] = await sql<{ n: number }>(
      'SELECT count(*) AS n FROM report_entries WHERE project_id = $1 AND day = CAST($2 AS DATE)',
      [t.projectId, day],
    );
    assert.equal(Number(count?.n), first.length);
  });

  it('serves a seller the live counters of their own listings only (owner from dim_listings)', async () => {
    const listingOf = async (seller: string) =>
      (
        await sql<{ listing_id: string }>(
          'SELECT listing_id FROM dim_listings WHERE project_id = $1 AND seller_id = $2 AND is_current LIMIT 1',
          [t.projectId, seller],
        )
      )[0]!.listing_id;
    const mine = await listingOf(a);
    const theirs = await listingOf(b);
    const path = (l: string) => `/v1/live/listings/${encodeURIComponent(l)}?project=${t.projectId}`;
    const own = await asSeller(path(mine));
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.equal(own.body.listing_id, mine);
    const other = await asSeller(path(theirs));
    assert.deepEqual([other.status, other.body.error.code], [404, 'listing_not_found']);
    assert.doesNotMatch(JSON.stringify(other.body), /views_today/);
    const named = await asSeller(`${path(theirs)}&seller_id=${encodeURIComponent(b)}`);
    assert.deepEqual([named.status, named.body.error.code], [403, 'seller_forbidden']);
    // Admins read any listing; naming a seller checks the ownership for them too.
    assert.equal((await t.admin('GET', path(theirs))).status, 200);
    assert.equal((await t.admin('GET', `${path(theirs)}&seller_id=${encodeURIComponent(a)}`)).status, 404);
  });
});
