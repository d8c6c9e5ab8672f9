/**
 * The web app served by Plaza at `/`, in headless Chromium against a real Plaza (embedded stores) holding a
 * small simulated store marketplace with its warehouse built: a seller and an admin sign in, see the figures
 * the API gives (KPI tiles, sellers table, operations), a seller is refused the admin page, a reload keeps
 * the session through the refresh token, logout ends it. Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { registerWebApp } from '../src/http/web-app.js';
import { screenshot } from './helpers/chromium.js';
import { eventually, nativeEvent, post, type TestPlaza } from './helpers/plaza.js';
import { DAY } from './helpers/semantic.js';
import { startWebPlaza } from './helpers/web.js';

const PASSWORD = 'correct horse battery';
// The three local days (Santo Domingo, UTC−4) before today: inside the dashboards' last 30 days, and none
// of it "today" for the live counters.
const TODAY_START = Date.UTC(
  ...(() => {
    const d = new Date(Date.now() - 4 * 3_600_000);
    return [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 4] as const;
  })(),
);
const START = TODAY_START - 3 * DAY;
const DAYS = [0, 1, 2].map((i) => new Date(START + i * DAY).toISOString().slice(0, 10));
/** The simulated store with the most views: the seller who signs in. */
let SELLER: string;

let browser: Browser;
let plaza: TestPlaza;

async function bearerOf(email: string): Promise<string> {
  const r = await post(plaza.url, '/v1/auth/login', { email, password: PASSWORD });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.access_token as string;
}

async function get(path: string, bearer: string): Promise<{ status: number; body: any }> {
  const res = await fetch(plaza.url + path, { headers: { authorization: `Bearer ${bearer}` } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto(`${plaza.url}/`);
  await page.waitForURL(/\/login$/);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[type=submit]');
}

const shownValue = (page: Page, testId: string) =>
  page.locator(`[data-testid="${testId}"] [data-value]`).textContent({ timeout: 15_000 });

/** The bodies of the page's POST /v1/query requests, as it sends them. */
function captureQueries(page: Page): any[] {
  const bodies: any[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/v1/query') bodies.push(r.postDataJSON());
  });
  return bodies;
}

const sentQuery = (bodies: any[], match: (b: any) => boolean) =>
  eventually(async () => bodies.find(match), 15_000);

/** The same question asked through the API with the same user's token. */
async function ask(body: unknown, bearer: string): Promise<any> {
  const r = await post(plaza.url, '/v1/query', body, { headers: { authorization: `Bearer ${bearer}` } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** A KPI tile's text as the page formats it (web/src/analytics.tsx KpiTiles, en-US). */
/** 'ratio': a ratio shown as money (average order value). */
type Kind = 'money' | 'count' | 'percent' | 'ratio';

/** A tile as the page formats it: a count or sum without rows is 0, a ratio without data "–". */
function tileText(v: number | null | undefined, kind: Kind): string {
  if (v == null && (kind === 'percent' || kind === 'ratio')) return '–';
  const o: Intl.NumberFormatOptions =
    kind === 'percent'
      ? { style: 'percent', maximumFractionDigits: 1 }
      : { maximumFractionDigits: kind === 'money' || kind === 'ratio' ? 0 : 2 };
  return new Intl.NumberFormat('en-US', o).format(v ?? 0);
}

async function checkTiles(
  page: Page,
  totals: Record<string, number | null>,
  kinds: Record<string, Kind>,
): Promise<void> {
  for (const [metric, kind] of Object.entries(kinds)) {
    assert.equal(await shownValue(page, `kpi-${metric}`), tileText(totals[metric], kind), metric);
  }
}

describe('web app', { timeout: 300_000 }, () => {
  before(async () => {
    ({ browser, plaza: plaza } = await startWebPlaza({
      seed: 3,
      start: START,
      days: DAYS,
      users: 40,
      sellers: 5,
    }));
    const [top] = await plaza.plaza.stores.warehouse.query<{ seller_id: string }>(
      `SELECT seller_id FROM mart_listing_daily WHERE project_id = $1 AND seller_id IS NOT NULL
        GROUP BY 1 ORDER BY sum(views) DESC, 1 LIMIT 1`,
      [plaza.projectId],
    );
    assert.ok(top, 'a simulated seller with views');
    SELLER = top.seller_id;
    const users = [
      { email: 'admin@web.test', role: 'admin', password: PASSWORD },
      {
        email: 'seller@web.test',
        role: 'seller',
        seller_id: SELLER,
        project_id: plaza.projectId,
        password: PASSWORD,
      },
    ];
    for (const u of users) {
      const r = await plaza.admin('POST', '/v1/admin/users', u);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    // Views of the seller's listings, another seller's, and one invalid event (a dead letter).
    const events = [
      ...[1, 2, 3, 4, 5].map((i) =>
        nativeEvent({
          anonymous_id: `buyer-${i}`,
          properties: { listing_id: `lst-${i % 2}`, seller_id: SELLER },
        }),
      ),
      ...[1, 2].map((i) =>
        nativeEvent({
          anonymous_id: `other-${i}`,
          properties: { listing_id: 'lst-x', seller_id: 'dealer-9' },
        }),
      ),
    ];
    const sent = await post(plaza.url, '/v1/events', { events }, { writeKey: plaza.writeKey });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const bad = await post(plaza.url, '/v1/events', nativeEvent({ timestamp: 'yesterday' }), {
      writeKey: plaza.writeKey,
    });
    assert.equal(bad.status, 400);
    await eventually(async () => {
      const live = await plaza.admin('GET', `/v1/live/projects/${plaza.projectId}`);
      return live.body?.views_today === 7;
    });
    await eventually(
      async () => (await plaza.admin('GET', '/v1/admin/deadletters')).body.dead_letters.length > 0,
    );
    // One pipeline run for the runs table.
    const run = await plaza.admin('POST', '/v1/pipelines/incremental/run', {});
    assert.ok([200, 201, 202].includes(run.status), JSON.stringify(run.body));
    await eventually(async () => {
      const runs = await plaza.admin('GET', '/v1/pipelines/incremental/runs');
      return runs.body.runs.every((r: any) => r.status !== 'queued' && r.status !== 'running');
    }, 30_000);
  });

  after(async () => {
    await browser?.close();
    await plaza?.close(true);
  });

  test('the server gives the app its paths and keeps the API and operations its own', async () => {
    const html = { accept: 'text/html,application/xhtml+xml' };
    const root = await fetch(`${plaza.url}/`, { headers: html });
    assert.equal(root.status, 200);
    assert.match(await root.text(), /<div id="root">/);
    // A client-side route reloaded in the browser gets the app (SPA fallback).
    const deep = await fetch(`${plaza.url}/seller`, { headers: html });
    assert.equal(deep.status, 200);
    assert.match(await deep.text(), /<div id="root">/);
    // The API's unknown paths stay JSON 404s, also for a browser.
    const unknownApi = await fetch(`${plaza.url}/v1/nope`, { headers: html });
    assert.equal(unknownApi.status, 404);
    assert.equal(((await unknownApi.json()) as any).error.code, 'not_found');
    // A missing asset is a 404, not the app.
    assert.equal((await fetch(`${plaza.url}/assets/missing.js`)).status, 404);
    for (const path of ['/healthz', '/openapi.json', '/metrics', '/docs']) {
      assert.equal((await fetch(plaza.url + path)).status, 200, path);
    }
  });

  test('without a build, the app paths answer a page that says how to build it', async () => {
    const app = Fastify();
    const fallback = await registerWebApp(app, mkdtempSync(join(tmpdir(), 'plaza-noweb-')));
    app.setNotFoundHandler((request, reply) =>
      fallback(request, reply) ? reply : reply.status(404).send({ error: 'not_found' }),
    );
    try {
      const root = await app.inject({ url: '/', headers: { accept: 'text/html' } });
      assert.equal(root.statusCode, 503);
      assert.match(root.body, /npm run build/);
      const deep = await app.inject({ url: '/admin', headers: { accept: 'text/html' } });
      assert.equal(deep.statusCode, 503);
      assert.match(deep.body, /not built/);
      const api = await app.inject({ url: '/v1/anything', headers: { accept: 'text/html' } });
      assert.equal(api.statusCode, 404);
    } finally {
      await app.close();
    }
  });

  test('a seller signs in on a phone-sized screen, sees their live figures, and is refused the admin page', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
    try {
      const page = await context.newPage();
      const queries = captureQueries(page);
      await signIn(page, 'seller@web.test');
      await page.waitForURL(/\/seller$/);
      await page.getByTestId('seller-dashboard').waitFor();

      const bearer = await bearerOf('seller@web.test');
      const live = await get(`/v1/live/sellers/${SELLER}?project=${plaza.projectId}`, bearer);
      assert.equal(live.status, 200);
      assert.equal(live.body.views_today, 5);
      assert.equal(await shownValue(page, 'views-today'), String(live.body.views_today));
      assert.equal(await shownValue(page, 'live-visitors'), String(live.body.live_visitors));

      // KPI tiles: the figures the semantic layer answers for the question the page asked (its seller id
      // forced by the server), on the simulated days.
      const asked = await sentQuery(
        queries,
        (b) => b.metrics?.includes('unique_visitors') && !b.dimensions?.length,
      );
      const answer = await ask(asked, bearer);
      assert.ok(answer.totals.views > 0, JSON.stringify(answer.totals));
      // A store: orders and sales where a dealer sees leads.
      await checkTiles(page, answer.totals, {
        views: 'count',
        unique_visitors: 'count',
        orders: 'count',
        gmv: 'money',
      });
      await page.getByTestId('summaries').waitFor();
      // Usable at 390 px: nothing wider than the screen.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(overflow <= 390, `page is ${overflow}px wide at 390px`);
      await screenshot(page, 'web-seller-390');

      // The access token stays in memory; only the refresh token is stored, and a reload resumes with it.
      const stored = await page.evaluate(() => ({ ...localStorage }));
      assert.ok(stored['plaza.refresh_token'], 'refresh token stored');
      assert.ok(!Object.values(stored).some((v) => String(v).startsWith('eyJ')), 'no JWT in localStorage');
      await page.reload();
      await page.getByTestId('seller-dashboard').waitFor();
      assert.notEqual(
        await page.evaluate(() => localStorage.getItem('plaza.refresh_token')),
        stored['plaza.refresh_token'],
      );

      // Spanish.
      await page.getByTestId('language').selectOption('es');
      await page.getByRole('heading', { name: /Panel del vendedor/ }).waitFor();
      assert.match((await page.getByTestId('views-today').textContent()) ?? '', /Vistas hoy/i);
      await screenshot(page, 'web-seller-390-es');

      // The admin page is not for sellers (and the API agrees).
      await page.goto(`${plaza.url}/admin`);
      await page.getByTestId('forbidden').waitFor();
      assert.equal((await get('/v1/pipelines', bearer)).status, 403);
      await screenshot(page, 'web-seller-forbidden');

      // Logout ends the session: back to sign-in, and the stored refresh token is gone.
      await page.getByTestId('logout').click();
      await page.waitForURL(/\/login$/);
      assert.equal(await page.evaluate(() => localStorage.getItem('plaza.refresh_token')), null);
    } finally {
      await context.close();
    }
  });

  test('an admin sees live counters, pipeline runs, quality, dead letters and ingestion lag as the API gives them', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1400 }, locale: 'en-US' });
    try {
      const page = await context.newPage();
      const bad = await post(plaza.url, '/v1/auth/login', {
        email: 'admin@web.test',
        password: 'wrong password!',
      });
      assert.equal(bad.status, 401);
      await page.goto(`${plaza.url}/login`);
      await page.fill('input[name=email]', 'admin@web.test');
      await page.fill('input[name=password]', 'wrong password!');
      await page.click('button[type=submit]');
      await page.getByRole('alert').filter({ hasText: 'Wrong email or password' }).waitFor();

      const queries = captureQueries(page);
      const opsSeen: any[] = [];
      page.on('response', async (r) => {
        if (new URL(r.url()).pathname === '/v1/admin/ops' && r.ok()) opsSeen.push(await r.json());
      });
      await signIn(page, 'admin@web.test');
      await page.waitForURL(/\/admin$/);
      await page.getByTestId('admin-dashboard').waitFor();

      const bearer = await bearerOf('admin@web.test');

      // Platform KPI tiles: the API's answer to the page's own question, formatted as the page does.
      const tiles = await sentQuery(queries, (b) => b.metrics?.includes('seller_churn_rate'));
      const kpis = await ask(tiles, bearer);
      assert.ok(
        kpis.totals.gmv > 0 && kpis.totals.orders > 0 && kpis.totals.new_users > 0,
        JSON.stringify(kpis),
      );
      // The data starts within the last 30 days: every seller known is new in them.
      const [known] = await plaza.plaza.stores.warehouse.query<{ n: number }>(
        'SELECT count(DISTINCT seller_id) AS n FROM mart_sellers_daily WHERE project_id = $1',
        [plaza.projectId],
      );
      assert.equal(kpis.totals.new_sellers, Number(known?.n));
      await checkTiles(page, kpis.totals, {
        gmv: 'money',
        commission: 'money',
        mrr: 'money',
        active_sellers: 'count',
        active_users: 'count',
        orders: 'count',
        aov: 'ratio',
        bounce_rate: 'percent',
        seller_churn_rate: 'percent',
        new_sellers: 'count',
        new_users: 'count',
        payment_success_rate: 'percent',
      });

      // Sellers table: the rows, in order, and their raw figures equal the API's for the same question.
      const tableRows = async () =>
        page.locator('[data-testid="sellers-table"] tbody tr').evaluateAll((trs) =>
          trs.map((tr) => ({
            seller: tr.querySelector('[data-testid="seller-id"]')?.textContent ?? '',
            raw: Object.fromEntries(
              Array.from(tr.querySelectorAll('[data-metric]')).map((c) => [
                c.getAttribute('data-metric'),
                c.getAttribute('data-raw'),
              ]),
            ),
          })),
        );
      const expectRows = (answer: any) =>
        answer.rows.map((r: any) => ({
          seller: String(r.seller ?? '–'),
          raw: Object.fromEntries(
            ['gmv', 'orders', 'views', 'leads', 'new_listings'].map((m) => [
              m,
              r[m] == null ? '' : String(r[m]),
            ]),
          ),
        }));
      const sellersAsked = await sentQuery(
        queries,
        (b) => b.metrics?.includes('new_listings') && !b.filters?.length,
      );
      assert.deepEqual(sellersAsked.order, [{ field: 'gmv', direction: 'desc' }]);
      assert.equal(sellersAsked.limit, 50);
      const sellers = await ask(sellersAsked, bearer);
      assert.ok(sellers.rows.length >= 5, JSON.stringify(sellers.rows));
      await page.locator('[data-testid="sellers-table"] tbody tr').first().waitFor();
      assert.deepEqual(await tableRows(), expectRows(sellers));
      // The filter box narrows on the server: the table is the API's answer for the filtered question.
      await page.getByTestId('sellers-filter').fill(SELLER);
      const filteredAsked = await sentQuery(
        queries,
        (b) => b.metrics?.includes('new_listings') && b.filters?.length,
      );
      assert.deepEqual(filteredAsked.filters, [{ dimension: 'seller', op: 'contains', value: SELLER }]);
      const filtered = await ask(filteredAsked, bearer);
      assert.ok(
        filtered.rows.some((r: any) => r.seller === SELLER) && filtered.rows.length < sellers.rows.length,
      );
      await eventually(
        async () => JSON.stringify(await tableRows()) === JSON.stringify(expectRows(filtered)),
      );

      // Operations: what the page shows is what GET /v1/admin/ops answered it.
      await page.getByTestId('ops-p50').waitFor();
      await eventually(async () => {
        const o = opsSeen.at(-1);
        if (!o) return false;
        const fmt = (v: number) => new Intl.NumberFormat('en-US').format(v);
        return (
          (await shownValue(page, 'ops-accepted')) === fmt(o.events.accepted) &&
          (await shownValue(page, 'ops-rejected')) === fmt(o.events.rejected) &&
          (await shownValue(page, 'ops-p95')) ===
            `${new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(o.latency.p95_ms)} ms`
        );
      });
      const ops = opsSeen.at(-1);
      assert.ok(ops.events.accepted > 100 && ops.requests.total > 0, JSON.stringify(ops));
      assert.equal(ops.requests.server_errors, 0);
      const live = await get(`/v1/live/projects/${plaza.projectId}`, bearer);
      assert.equal(live.body.views_today, 7);
      assert.equal(await shownValue(page, 'views-today'), '7');
      // A new view reaches the page through the project's event stream (SSE), without a reload or a poll
      // (the page polls once a minute only).
      const more = await post(
        plaza.url,
        '/v1/events',
        nativeEvent({ anonymous_id: 'buyer-sse', properties: { listing_id: 'lst-1', seller_id: SELLER } }),
        { writeKey: plaza.writeKey },
      );
      assert.equal(more.status, 200);
      await page
        .locator('[data-testid="views-today"] [data-value]')
        .filter({ hasText: /^8$/ })
        .waitFor({ timeout: 15_000 });

      // Pipeline runs: one row per run the API lists.
      const runs = await get('/v1/pipelines/incremental/runs', bearer);
      const daily = await get('/v1/pipelines/daily/runs', bearer);
      const expected = runs.body.runs.length + daily.body.runs.length;
      assert.ok(expected >= 1);
      await page.getByTestId('pipeline-runs-table').waitFor();
      assert.equal(await page.locator('[data-testid="pipeline-runs-table"] tbody tr').count(), expected);

      // Dead letters: the count the API gives.
      const dead = await get('/v1/admin/deadletters', bearer);
      assert.ok(dead.body.dead_letters.length >= 1);
      assert.equal(
        await page.getByTestId('deadletters-count').textContent(),
        String(dead.body.dead_letters.length),
      );

      // Ingestion lag per consumer group, and data quality (results or the empty state).
      await page.getByTestId('total-lag').waitFor();
      const health = await (await fetch(`${plaza.url}/v1/health/ingestion`)).json();
      const groups = new Set((health as any).consumers.map((c: any) => c.group));
      assert.equal(await page.locator('[data-testid="ingestion"] tbody tr').count(), groups.size);
      await page.getByTestId('quality').locator('table, [data-state="empty"]').first().waitFor();
      await screenshot(page, 'web-admin');
      await page.setViewportSize({ width: 390, height: 1400 });
      await page.getByTestId('sellers-table').waitFor();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      // What sticks out, to name it when this fails.
      const wide = await page.evaluate(() =>
        Array.from(document.querySelectorAll('[data-testid]'))
          .filter((e) => e.getBoundingClientRect().right > 390)
          .map((e) => e.getAttribute('data-testid')),
      );
      assert.ok(width <= 390, `admin page is ${width}px wide at 390px: ${wide.join(', ')}`);
      await screenshot(page, 'web-admin-390');

      // The seller page is not the admin's.
      await page.goto(`${plaza.url}/seller`);
      await page.getByTestId('forbidden').waitFor();
    } finally {
      await context.close();
    }
  });
});
