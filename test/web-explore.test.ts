/**
 * The Explore page in headless Chromium against a real Plaza with built marts: an analyst asks GMV and orders by
 * day and by store and sees the API's figures, downloads the server's CSV, reloads into the same question; a
 * seller sees only their own store and no platform-wide metric or seller choice. Screenshots in test-artifacts/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { call, createUser, login } from './helpers/auth.js';
import { screenshot } from './helpers/chromium.js';
import type { TestPlaza } from './helpers/plaza.js';
import { startWebPlaza } from './helpers/web.js';

const START = Date.UTC(2026, 0, 5, 4); // midnight in Santo Domingo (UTC−4)
const DAYS = ['2026-01-05', '2026-01-06'];
const range = { from: DAYS[0] as string, to: DAYS[1] as string };
const PASSWORD = 'correct horse battery staple';

let browser: Browser;
let t: TestPlaza;
let store: string;
let analystToken: string;
let sellerToken: string;

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto(`${t.url}/`);
  await page.waitForURL(/\/login$/);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=nav-explore]');
}

/** The table's cells: dimension values as shown, metric values as their raw figure (`data-raw`). */
const tableOf = (page: Page) =>
  page.$$eval('[data-testid=explore-rows] tbody tr', (trs) =>
    trs.map((tr) =>
      Array.from(
        tr.querySelectorAll('td'),
        (td) => td.querySelector('[data-raw]')?.getAttribute('data-raw') ?? td.textContent ?? '',
      ),
    ),
  );

/** What the table must show for an API answer: its rows, then the totals (label cell left out). */
function expected(body: any, dims: string[], metrics: string[]): string[][] {
  const raw = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  return [
    ...body.rows.map((r: any) => [...dims.map((d) => String(r[d] ?? '–')), ...metrics.map((m) => raw(r[m]))]),
    [...dims.map(() => ''), ...metrics.map((m) => raw(body.totals[m]))],
  ];
}

/** Waits until the table shows the API's answer (queries refetch on every change), then asserts it. */
async function tableEquals(page: Page, want: string[][]): Promise<void> {
  const shown = async () => {
    const rows = await tableOf(page);
    // The totals row's first cell is its label.
    return rows.map((r, i) => (i === rows.length - 1 ? ['', ...r.slice(1)] : r));
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (JSON.stringify(await shown()) === JSON.stringify(want)) break;
    await page.waitForTimeout(100);
  }
  assert.deepEqual(await shown(), want);
}

async function query(token: string, body: Record<string, unknown>) {
  const r = await call(t.url, 'POST', '/v1/query', token, {
    project: t.projectId,
    time_range: range,
    ...body,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r;
}

async function pickDates(page: Page): Promise<void> {
  await page.selectOption('[data-testid=range]', 'custom');
  await page.fill('[data-testid=from]', range.from);
  await page.fill('[data-testid=to]', range.to);
}

describe('web app: Explore', { timeout: 240_000 }, () => {
  before(async () => {
    ({ browser, plaza: t } = await startWebPlaza({
      seed: 5,
      start: START,
      days: DAYS,
      users: 400,
      sellers: 5,
    }));
    const [top] = await t.plaza.stores.warehouse.query<{ store_id: string }>(
      `SELECT store_id FROM mart_sales_daily WHERE project_id = $1 GROUP BY 1 ORDER BY sum(orders) DESC, 1 LIMIT 1`,
      [t.projectId],
    );
    assert.ok(top, 'a store with orders');
    store = top.store_id;
    await createUser(t, 'analyst@explore.test', 'analyst', { projectId: t.projectId, password: PASSWORD });
    await createUser(t, 'store@explore.test', 'seller', {
      sellerId: store,
      projectId: t.projectId,
      password: PASSWORD,
    });
    analystToken = (await login(t.url, 'analyst@explore.test', PASSWORD)).access_token;
    sellerToken = (await login(t.url, 'store@explore.test', PASSWORD)).access_token;
  });

  after(async () => {
    await browser?.close();
    await t?.close(true);
  });

  test('an analyst explores GMV and orders, downloads the CSV and reloads into the same question', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    await signIn(page, 'analyst@explore.test');
    await page.click('[data-testid=nav-explore]');
    await page.waitForSelector('[data-testid=explore-controls]');
    await pickDates(page);
    await page.check('[data-testid=metric-gmv]');
    await page.check('[data-testid=metric-orders]');
    assert.equal(await page.inputValue('[data-testid=dimension-0]'), 'date');

    const byDate = await query(analystToken, {
      metrics: ['gmv', 'orders'],
      dimensions: ['date'],
      grain: 'day',
    });
    assert.equal(byDate.body.rows.length, 2, 'both days have orders');
    await tableEquals(page, expected(byDate.body, ['date'], ['gmv', 'orders']));
    // Recharts draws after the table and grows its shapes in: wait for them instead of sampling once.
    await page.locator('[data-testid=explore-chart] .recharts-line').first().waitFor({ state: 'visible' });
    await screenshot(page, 'web-explore-date');

    // By store, as a bar chart; the table follows the API's order.
    await page.selectOption('[data-testid=dimension-0]', 'seller');
    const byStore = await query(analystToken, { metrics: ['gmv', 'orders'], dimensions: ['seller'] });
    assert.ok(byStore.body.rows.length >= 2, 'several stores');
    await tableEquals(page, expected(byStore.body, ['seller'], ['gmv', 'orders']));
    await page
      .locator('[data-testid=explore-chart] .recharts-bar-rectangle')
      .first()
      .waitFor({ state: 'visible' });
    await screenshot(page, 'web-explore-seller');

    // The server's CSV, saved through the browser.
    const csv = await call(t.url, 'POST', '/v1/query', analystToken, {
      project: t.projectId,
      metrics: ['gmv', 'orders'],
      dimensions: ['seller'],
      time_range: range,
      limit: 1000,
      format: 'csv',
    });
    assert.equal(csv.status, 200);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid=download-csv]'),
    ]);
    assert.match(download.suggestedFilename(), /^plaza-query-\d{4}-\d{2}-\d{2}\.csv$/);
    assert.equal(readFileSync((await download.path())!, 'utf8'), csv.body);

    // A reload (or the same link elsewhere) asks the same question.
    const url = page.url();
    assert.match(url, /m=gmv%2Corders|m=gmv,orders/);
    await page.reload();
    await tableEquals(page, expected(byStore.body, ['seller'], ['gmv', 'orders']));
    assert.equal(await page.inputValue('[data-testid=from]'), range.from);

    // An impossible question: the API's 400, with the valid choices, on the page.
    await page.goto(`${t.url}/explore?m=gmv,nope&d=seller&range=custom&from=${range.from}&to=${range.to}`);
    const invalid = await page.textContent('[data-testid=explore-invalid]', { timeout: 15_000 });
    assert.match(invalid ?? '', /unknown metric "nope"; valid: .*gmv/);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(url);
    await tableEquals(page, expected(byStore.body, ['seller'], ['gmv', 'orders']));
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 400, `no horizontal page scroll at 390 px (${width})`);
    await screenshot(page, 'web-explore-390');
    await context.close();
  });

  test('a seller explores only their own store, without platform-wide metrics or a seller choice', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US' });
    const page = await context.newPage();
    await signIn(page, 'store@explore.test');
    await page.click('[data-testid=nav-explore]');
    await page.waitForSelector('[data-testid=explore-controls]');
    for (const id of ['sessions', 'bounce_rate', 'ltv']) {
      assert.equal(await page.locator(`[data-testid=metric-${id}]`).count(), 0, id);
    }
    await pickDates(page);
    await page.uncheck('[data-testid=metric-views]');
    await page.check('[data-testid=metric-gmv]');
    await page.check('[data-testid=metric-orders]');
    const dimensions = await page.$$eval('[data-testid=dimension-0] option', (os) =>
      os.map((o) => (o as HTMLOptionElement).value),
    );
    assert.ok(dimensions.includes('payment_method') && !dimensions.includes('seller'), String(dimensions));
    await page.click('[data-testid=add-filter]');
    const filterDims = await page.$$eval('[data-testid=filter-0] select:first-of-type option', (os) =>
      os.map((o) => (o as HTMLOptionElement).value),
    );
    assert.ok(filterDims.length > 0 && !filterDims.includes('seller'), String(filterDims));
    await page.click('[data-testid=filter-0] button');

    const own = await query(sellerToken, { metrics: ['gmv', 'orders'], dimensions: ['date'], grain: 'day' });
    const asAdmin = await query(t.plaza.adminToken, {
      metrics: ['gmv', 'orders'],
      dimensions: ['date'],
      grain: 'day',
      seller_id: store,
    });
    assert.deepEqual(own.body.rows, asAdmin.body.rows, 'the seller gets exactly their store');
    await tableEquals(page, expected(own.body, ['date'], ['gmv', 'orders']));
    const all = await query(t.plaza.adminToken, { metrics: ['gmv'] });
    assert.ok(Number(all.body.totals.gmv) > Number(own.body.totals.gmv), 'less than the whole marketplace');
    await screenshot(page, 'web-explore-seller-390');
    await context.close();
  });
});
