/**
 * The seller dashboard in headless Chromium, on a small simulated store marketplace built by the daily
 * pipeline: the funnel shows what POST /v1/funnels answers for the same question, a listing opened from the
 * top listings table shows its stats and tips as GET /v1/listings/{id}/stats gives them, the daily summaries
 * are those of GET /v1/reports, and another seller's listing is refused. Screenshots at desktop and 390 px.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sellerViewsHour } from './fixtures/reports/seller-hour.js';
import { call, createUser, login } from './helpers/auth.js';
import { screenshot } from './helpers/chromium.js';
import type { TestPlaza } from './helpers/plaza.js';
import { DAY, runAndWait } from './helpers/semantic.js';
import { startWebPlaza } from './helpers/web.js';

const fmt = new Intl.NumberFormat('en-US');
const pct = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

// Two whole days ending two days ago (Santo Domingo, UTC−4): inside the dashboard's last 30 days.
const todaySD = new Date(Date.now() - 4 * 3_600_000);
const START =
  Date.UTC(todaySD.getUTCFullYear(), todaySD.getUTCMonth(), todaySD.getUTCDate() - 3) + 4 * 3_600_000;
const DAYS = [0, 1].map((i) => new Date(START + i * DAY - 4 * 3_600_000).toISOString().slice(0, 10));
const dayBefore = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) - n * DAY).toISOString().slice(0, 10);
const SPIKE_DAY = dayBefore(DAYS[0]!, 20);

describe('web app: seller dashboard, listing page, reports', { timeout: 240_000 }, () => {
  let browser: Browser;
  let t: TestPlaza;
  let seller: string;
  let otherListing: string;
  let email: string;
  let password: string;
  let token: string;

  const asSeller = (method: string, path: string, body?: unknown) => call(t.url, method, path, token, body);

  async function signedIn(width: number, height: number): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width, height }, locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${t.url}/`);
    await page.waitForURL(/\/login$/);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/seller$/);
    return { context, page };
  }

  before(async () => {
    ({ browser, plaza: t } = await startWebPlaza({
      seed: 5,
      start: START,
      days: DAYS,
      users: 40,
      sellers: 5,
    }));
    const sellers = await t.plaza.stores.warehouse.query<{ seller_id: string; listing: string }>(
      `SELECT seller_id, arg_max(listing_id, views) AS listing FROM mart_listing_daily
        WHERE project_id = $1 AND seller_id IS NOT NULL GROUP BY 1 ORDER BY sum(views) DESC, 1 LIMIT 2`,
      [t.projectId],
    );
    assert.equal(sellers.length, 2, 'two sellers with views');
    seller = sellers[0]!.seller_id;
    // An alert for the seller: 10 views a day in the stream's hourly windows for 10 days, then 200, on days
    // well before the simulated ones; the daily run of that day raises it (and summarises the day).
    const hour = (day: string, views: number) => sellerViewsHour(t.projectId, seller, day, views);
    await t.plaza.stores.warehouse.insert('agg_hour', [
      ...Array.from({ length: 10 }, (_, i) => hour(dayBefore(SPIKE_DAY, i + 1), 10)),
      hour(SPIKE_DAY, 200),
    ]);
    await runAndWait(t, 'daily', SPIKE_DAY);
    otherListing = sellers[1]!.listing;
    email = 'store@web-seller.test';
    const user = await createUser(t, email, 'seller', { sellerId: seller, projectId: t.projectId });
    password = user.password;
    token = (await login(t.url, email, password)).access_token;
  });
  after(async () => {
    await browser?.close();
    await t?.close(true);
  });

  test('the funnel, the summaries and a listing page equal the API; another seller’s listing is refused', async () => {
    const { context, page } = await signedIn(1280, 2300);
    try {
      // Funnel: a store's steps, each count as POST /v1/funnels answers the question the card shows.
      const steps = page.locator('[data-testid="funnel-steps"]');
      await steps.waitFor({ timeout: 30_000 });
      const shown = {
        from: await steps.getAttribute('data-from'),
        to: await steps.getAttribute('data-to'),
        steps: (await steps.getAttribute('data-steps'))!.split(','),
      };
      assert.deepEqual(shown.steps, [
        'product_viewed',
        'add_to_cart',
        'checkout_started',
        'purchase_completed',
      ]);
      const api = await asSeller('POST', '/v1/funnels', {
        project: t.projectId,
        time_range: { from: shown.from, to: shown.to },
        steps: shown.steps,
      });
      assert.equal(api.status, 200, JSON.stringify(api.body));
      assert.ok(api.body.steps[0].count > 0, 'the seller has views in the range');
      for (const s of api.body.steps) {
        const li = page.locator(`[data-testid="funnel-step-${s.step}"]`);
        assert.equal(await li.getAttribute('data-count'), String(s.count));
        assert.equal(await li.locator('[data-value]').textContent(), fmt.format(s.count));
        if (s.step > 1 && s.conversion_from_previous !== null)
          assert.match((await li.textContent()) ?? '', new RegExp(pct.format(s.conversion_from_previous)));
      }

      // Daily summaries: one per simulated day with activity, figures as GET /v1/reports has them.
      const reports = await asSeller('GET', `/v1/reports?project=${t.projectId}&limit=14`);
      assert.equal(reports.status, 200);
      const summaries = reports.body.reports.filter((r: any) => r.kind === 'summary');
      assert.ok(summaries.length > 0, JSON.stringify(reports.body));
      for (const r of summaries) {
        const card = page.locator(`[data-testid="summary-${r.day}"]`);
        for (const f of ['views', 'leads', 'orders'])
          assert.equal(
            await card.locator(`[data-figure="${f}"]`).getAttribute('data-value'),
            String(r.payload.figures[f].day),
            `${r.day} ${f}`,
          );
      }
      // The alert of the spike: what (views), the value, and how far from the usual.
      const alerts = reports.body.reports.filter((r: any) => r.kind === 'alert');
      assert.deepEqual(
        alerts.map((r: any) => r.day),
        [SPIKE_DAY],
      );
      const [anomaly] = alerts[0].payload.anomalies;
      const shownAlert = page.locator(`[data-testid="alert-${SPIKE_DAY}"] [data-metric="views"]`);
      const text = (await shownAlert.textContent()) ?? '';
      assert.match(text, new RegExp(`^Views: ${fmt.format(anomaly.value)} unusually high`));
      assert.ok(
        text.includes(`+${new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(anomaly.z)}σ`),
        text,
      );
      await screenshot(page, 'seller-dashboard-desktop');

      // The top listing opens its page: figures and tips of GET /v1/listings/{id}/stats.
      const link = page.locator('[data-testid="listing-link"]').first();
      const id = (await link.textContent())!;
      await link.click();
      await page.waitForURL(new RegExp(`/listings/${encodeURIComponent(id)}$`));
      const stats = await asSeller(
        'GET',
        `/v1/listings/${encodeURIComponent(id)}/stats?project=${t.projectId}`,
      );
      assert.equal(stats.status, 200, JSON.stringify(stats.body));
      const value = (testId: string) =>
        page.locator(`[data-testid="${testId}"] [data-value]`).textContent({ timeout: 15_000 });
      assert.equal(await value('listing-views'), fmt.format(stats.body.totals.views));
      assert.equal(await value('listing-contacts'), fmt.format(stats.body.totals.contacts));
      const conv = stats.body.totals.view_to_contact;
      assert.equal(await value('listing-conversion'), conv === null ? '–' : pct.format(conv));
      await page.locator('[data-testid="listing-tips"]').waitFor();
      const tips = await page.locator('[data-testid="listing-tips"] [data-tip]').allTextContents();
      assert.deepEqual(
        tips,
        stats.body.tips.map((x: any) => x.text),
      );
      if (stats.body.similar.listings > 0) {
        assert.match(
          (await page.locator('[data-testid="listing-similar"]').textContent()) ?? '',
          new RegExp(fmt.format(stats.body.similar.listings)),
        );
      }
      // Its live counters, which a seller may read for their own listing.
      await page.locator('[data-testid="listing-live-views-today"]').waitFor({ timeout: 15_000 });
      await screenshot(page, 'seller-listing-desktop');

      // A listing of theirs with similar listings to compare with, and tips when the data supports any.
      const mine = await t.plaza.stores.warehouse.query<{ listing_id: string }>(
        'SELECT listing_id FROM dim_listings WHERE project_id = $1 AND seller_id = $2 AND is_current ORDER BY 1',
        [t.projectId, seller],
      );
      let compared: any = null;
      for (const { listing_id } of mine) {
        const r = await asSeller(
          'GET',
          `/v1/listings/${encodeURIComponent(listing_id)}/stats?project=${t.projectId}`,
        );
        if (
          r.status === 200 &&
          r.body.similar.listings > 0 &&
          (!compared || r.body.tips.length > compared.tips.length)
        )
          compared = r.body;
      }
      assert.ok(compared, `one of ${mine.length} listings has similar ones`);
      await page.goto(`${t.url}/listings/${encodeURIComponent(compared.listing.listing_id)}`);
      const similar = page.locator('[data-testid="listing-similar"] table');
      await similar.waitFor({ timeout: 15_000 });
      const rows = await similar.locator('tbody tr').allTextContents();
      assert.ok(
        rows.some((r) => r.includes(fmt.format(compared.similar.listings))),
        rows.join(' | '),
      );
      assert.ok(
        rows.some((r) => r.includes(fmt.format(Math.round(compared.similar.median_price)))),
        `median price ${compared.similar.median_price}: ${rows.join(' | ')}`,
      );
      assert.deepEqual(
        await page.locator('[data-testid="listing-tips"] [data-tip]').allTextContents(),
        compared.tips.map((x: any) => x.text),
      );
      await screenshot(page, 'seller-listing-similar');
      // In Spanish the tips are written from their evidence, with the same figures.
      const priceTip = compared.tips.find((x: any) => x.code.startsWith('price_'));
      if (priceTip) {
        await page.selectOption('[data-testid="language"]', 'es');
        const es = await page.locator(`[data-tip="${priceTip.code}"]`).textContent();
        const pctOff = Math.round(
          Math.abs(priceTip.evidence.price / priceTip.evidence.median_price - 1) * 100,
        );
        assert.match(es ?? '', new RegExp(`^Precio ${pctOff} % por (encima|debajo) de anuncios similares`));
        await page.selectOption('[data-testid="language"]', 'en');
      }

      // Another seller's listing: the API says not found, and so does the page.
      const refused = await asSeller(
        'GET',
        `/v1/listings/${encodeURIComponent(otherListing)}/stats?project=${t.projectId}`,
      );
      assert.equal(refused.status, 404);
      await page.goto(`${t.url}/listings/${encodeURIComponent(otherListing)}`);
      const box = page.locator('[data-testid="listing-refused"]');
      await box.waitFor({ timeout: 15_000 });
      assert.equal(await box.getAttribute('data-status'), '404');
      assert.equal(await page.locator('[data-testid="listing-views"]').count(), 0);
      await screenshot(page, 'seller-listing-refused');
    } finally {
      await context.close();
    }
  });

  test('the dashboard and a listing page at 390 px wide', async () => {
    const { context, page } = await signedIn(390, 844);
    try {
      await page.locator('[data-testid="funnel-steps"]').waitFor({ timeout: 30_000 });
      await page.locator('[data-testid^="summary-"]').first().waitFor();
      // Nothing wider than the screen: no horizontal scrolling of the whole page.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
      await page.locator('[data-testid="funnel"]').scrollIntoViewIfNeeded();
      await screenshot(page, 'seller-dashboard-390');
      await page.locator('[data-testid="listing-link"]').first().click();
      await page.locator('[data-testid="listing-views"]').waitFor({ timeout: 15_000 });
      await screenshot(page, 'seller-listing-390');
    } finally {
      await context.close();
    }
  });
});
