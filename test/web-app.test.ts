/**
 * The web app served by Plaza at `/`, in headless Chromium against a real Plaza (embedded stores): a seller and
 * an admin sign in, see the figures the API gives, a seller is refused the admin page, a reload keeps the
 * session through the refresh token, logout ends it. Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { registerWebApp } from '../src/http/web-app.js';
import { launchBrowser, repoRoot, screenshot } from './helpers/chromium.js';
import { eventually, nativeEvent, post, startPlaza, type TestPlaza } from './helpers/plaza.js';

const WEB_INDEX = join(repoRoot, 'dist/web/index.html');
const SELLER = 'dealer-7';
const PASSWORD = 'correct horse battery';

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

describe('web app', { timeout: 120_000 }, () => {
  before(async () => {
    assert.ok(existsSync(WEB_INDEX), `${WEB_INDEX} is missing: run npm run build (it builds the web app)`);
    [browser, plaza] = await Promise.all([launchBrowser(), startPlaza()]);
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
      await signIn(page, 'seller@web.test');
      await page.waitForURL(/\/seller$/);
      await page.getByTestId('seller-dashboard').waitFor();

      const bearer = await bearerOf('seller@web.test');
      const live = await get(`/v1/live/sellers/${SELLER}?project=${plaza.projectId}`, bearer);
      assert.equal(live.status, 200);
      assert.equal(live.body.views_today, 5);
      assert.equal(await shownValue(page, 'views-today'), String(live.body.views_today));
      assert.equal(await shownValue(page, 'live-visitors'), String(live.body.live_visitors));

      // KPIs come from the semantic layer: the figure it answers for the same query, or a clear empty state
      // while it is absent (404) or the warehouse is not built yet.
      const to = new Date();
      to.setUTCHours(0, 0, 0, 0);
      to.setUTCDate(to.getUTCDate() + 1);
      const from = new Date(to.getTime() - 30 * 86_400_000);
      const answer = await post(
        plaza.url,
        '/v1/query',
        {
          project: plaza.projectId,
          seller_id: SELLER,
          metrics: ['views', 'unique_visitors', 'leads', 'lead_conversion'],
          time_range: { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) },
          grain: 'day',
          compare: 'previous_period',
        },
        { headers: { authorization: `Bearer ${bearer}` } },
      );
      const kpis = page.getByTestId('kpis');
      if (answer.status === 200) {
        const views = answer.body.totals.views;
        assert.equal(await shownValue(page, 'kpi-views'), views == null ? '–' : String(views));
      } else {
        assert.ok(
          answer.status === 404 || answer.body?.error?.code === 'no_data_yet',
          JSON.stringify(answer.body),
        );
        await kpis.locator('[data-state="empty"]').waitFor();
        assert.match((await kpis.textContent()) ?? '', /No data yet/);
      }
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

      await signIn(page, 'admin@web.test');
      await page.waitForURL(/\/admin$/);
      await page.getByTestId('admin-dashboard').waitFor();

      const bearer = await bearerOf('admin@web.test');
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

      // The seller page is not the admin's.
      await page.goto(`${plaza.url}/seller`);
      await page.getByTestId('forbidden').waitFor();
    } finally {
      await context.close();
    }
  });
});
