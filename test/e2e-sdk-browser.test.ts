/**
 * The browser tracker, built as sites load it, in headless Chromium against a real Plaza: the page is served
 * from its own origin so every send crosses origins (CORS preflight, beacons with the key in the query), and
 * what is asserted is what ends up in raw_events after the workers moved it there.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  ensureBundle,
  launchBrowser,
  type PageServer,
  screenshot,
  servePages,
  trackerPage,
} from './helpers/chromium.js';
import { eventually, startPlaza, type TestPlaza } from './helpers/plaza.js';

/** The tracker as pages see it (window.plaza). */
type PlazaApi = {
  track(eventType: string, properties?: Record<string, unknown>): void;
  identify(userId: string, traits?: Record<string, unknown>): void;
  flush(): Promise<void>;
  getAnonymousId(): string | null;
};

type RawEvent = Record<string, any>;

let browser: Browser;
let plaza: TestPlaza;
let pages: PageServer;
const contexts: BrowserContext[] = [];

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  return context.newPage();
}

/** Serves `path` with the tracker pointed at the current Plaza. */
function setTrackerPage(path: string, options: Record<string, unknown> = {}, title?: string): void {
  pages.setPage(path, trackerPage({ writeKey: plaza.writeKey, host: plaza.url, ...options }, '', title));
}

const trackerReady = (page: Page) =>
  page.waitForFunction(() => !Array.isArray((window as { plaza?: unknown }).plaza));

/** Runs fn with the page's tracker; fn executes in the page, so it may only use its argument. */
async function api<T>(page: Page, fn: (p: PlazaApi) => T | Promise<T>): Promise<T> {
  const tracker = await page.evaluateHandle(() => (window as unknown as { plaza: PlazaApi }).plaza);
  try {
    return (await tracker.evaluate(fn)) as T;
  } finally {
    await tracker.dispose();
  }
}

/** Events waiting in the page origin's localStorage (every page load's queue). */
const storedQueue = (page: Page) =>
  page.evaluate(() =>
    Object.keys(localStorage)
      .filter((k) => k.startsWith('plaza_q_'))
      .flatMap(
        (k) => JSON.parse(localStorage.getItem(k) ?? '[]') as { event_id: string; event_type: string }[],
      ),
  );

/** raw_events rows of one visitor, once the workers have moved everything received so far. */
async function rowsOf(anonymousId: string): Promise<RawEvent[]> {
  await plaza.plaza.drain();
  return plaza.plaza.stores.warehouse.query(
    'SELECT * FROM raw_events WHERE anonymous_id = $1 ORDER BY timestamp, event_id',
    [anonymousId],
  );
}

/** Polls raw_events until pred holds for the visitor's rows. */
const rowsWhen = (anonymousId: string, pred: (rows: RawEvent[]) => boolean, timeoutMs = 10_000) =>
  eventually(async () => {
    const rows = await rowsOf(anonymousId);
    return pred(rows) ? rows : null;
  }, timeoutMs);

const countBy = (rows: RawEvent[], key: string) =>
  rows.reduce<Record<string, number>>((m, r) => {
    m[r[key]] = (m[r[key]] ?? 0) + 1;
    return m;
  }, {});

/** Writes lines onto the page, so a screenshot shows the outcome and not just the page. */
async function note(page: Page, heading: string, lines: string[]): Promise<void> {
  await page.evaluate(
    ([h, text]) => {
      const pre = document.createElement('pre');
      pre.textContent = `${h}\n\n${text}`;
      document.body.appendChild(pre);
    },
    [heading, lines.join('\n')] as const,
  );
}

const describeRows = (rows: RawEvent[]) =>
  rows.map(
    (r) =>
      `${r.event_type.padEnd(16)} user=${r.user_id ?? '-'} ip=${r.ip} ${r.browser}/${r.os} bot=${r.is_bot} ` +
      `utm=${r.utm_source ?? '-'} traits=${JSON.stringify(r.traits)}`,
  );

describe('browser tracker in headless Chromium against a real Plaza', () => {
  before(async () => {
    await ensureBundle();
    [browser, plaza, pages] = await Promise.all([launchBrowser(), startPlaza(), servePages()]);
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await Promise.all([browser?.close(), pages?.close()]);
    await plaza?.close(true);
  });

  test('page view, track and identify are stored cross-origin, enriched, with traits and user ids', async () => {
    setTrackerPage('/vehiculos/toyota-rav4-2021', { flushIntervalMs: 100 }, 'Toyota RAV4 XLE 2021');
    const page = await newPage();
    const landing =
      `${pages.url}/vehiculos/toyota-rav4-2021?utm_source=newsletter&utm_medium=email&utm_campaign=mayo` +
      '&utm_content=hero';
    assert.notEqual(
      new URL(pages.url).origin,
      new URL(plaza.url).origin,
      'the page and Plaza differ in origin',
    );
    await page.goto(landing);
    await trackerReady(page);
    const aid = String(await api(page, (p) => p.getAnonymousId()));
    await rowsWhen(aid, (rows) => rows.some((r) => r.event_type === 'page_view'));

    await api(page, async (p) => {
      p.track('listing_viewed', {
        listing_id: 'lst_8841',
        seller_id: 'dlr_052',
        make: 'Toyota',
        model: 'RAV4',
        year: 2021,
        price: 1950000,
        currency: 'DOP',
      });
      await p.flush();
      p.identify('user-42', { email: 'ana@example.com' });
      p.track('contact_sent', { channel: 'whatsapp', listing_id: 'lst_8841', seller_id: 'dlr_052' });
      await p.flush();
    });
    const stored = await rowsWhen(aid, (r) => r.length >= 4);
    // identify and the event right after it can share a millisecond: order by the tracker's own order.
    const order = ['page_view', 'listing_viewed', 'identify', 'contact_sent'];
    const rows = stored.sort((a, b) => order.indexOf(a.event_type) - order.indexOf(b.event_type));
    assert.deepEqual(
      rows.map((r) => r.event_type),
      order,
    );
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i]!.timestamp >= rows[i - 1]!.timestamp);
    assert.equal(new Set(rows.map((r) => r.event_id)).size, 4, 'each event stored once');
    assert.equal(new Set(rows.map((r) => r.session_id)).size, 1, 'one session');
    const [view, listing, identify, contact] = rows as [RawEvent, RawEvent, RawEvent, RawEvent];

    assert.equal(view.user_id, null);
    assert.equal(listing.user_id, null, 'before identify the visitor is anonymous');
    assert.equal(identify.user_id, 'user-42');
    assert.equal(contact.user_id, 'user-42', 'events after identify carry the user id');
    assert.deepEqual(identify.traits, { email: 'ana@example.com' }, 'traits stored top-level');
    assert.deepEqual(identify.properties, {}, 'no personal data in properties');
    assert.equal(listing.traits, null);

    assert.equal(listing.listing_id, 'lst_8841');
    assert.equal(listing.seller_id, 'dlr_052');
    assert.equal(Number(listing.schema_version), 1, 'validated against the catalogue schema');
    assert.deepEqual(listing.properties, {
      listing_id: 'lst_8841',
      seller_id: 'dlr_052',
      make: 'Toyota',
      model: 'RAV4',
      year: 2021,
      price: 1950000,
      currency: 'DOP',
    });
    assert.equal(contact.properties.channel, 'whatsapp');

    const ua = String(view.user_agent);
    const chromeVersion = /HeadlessChrome\/([\d.]+)/.exec(ua)?.[1];
    assert.ok(chromeVersion, `headless Chromium's UA: ${ua}`);
    for (const r of rows) {
      assert.equal(r.project_id, plaza.projectId);
      assert.equal(r.source_shape, 'native');
      assert.equal(r.source_key_id, plaza.keyId);
      assert.equal(r.library_name, 'plaza-browser');
      assert.equal(r.library_version, '0.1.0');
      // isbot lists "HeadlessChrome": an automated browser is counted as a bot, which is right for analytics.
      assert.equal(r.is_bot, true);
      assert.equal(r.device_type, 'bot');
      assert.equal(r.browser, 'Chrome Headless');
      assert.equal(r.browser_version, chromeVersion);
      assert.equal(r.os, 'Linux');
      assert.equal(r.ip, '127.0.0.0', 'loopback truncated to /24 before storage');
      assert.ok(r.received_at instanceof Date, 'received_at set');
      assert.ok(Math.abs(r.received_at.getTime() - Date.now()) < 60_000);
      assert.ok(r.sent_at instanceof Date);
      assert.equal(r.page_url, landing);
      assert.equal(r.page_path, '/vehiculos/toyota-rav4-2021');
      assert.equal(r.page_title, 'Toyota RAV4 XLE 2021');
      assert.deepEqual(
        [r.utm_source, r.utm_medium, r.utm_campaign, r.utm_term, r.utm_content],
        ['newsletter', 'email', 'mayo', null, 'hero'],
      );
      assert.ok(r.locale && r.timezone, 'locale and time zone from the browser');
      assert.ok((r.context_extra as { screen?: { width: number } }).screen?.width, 'screen kept in context');
    }
    assert.equal(view.properties.path, '/vehiculos/toyota-rav4-2021');
    assert.equal(view.properties.utm_campaign, 'mayo');
    assert.deepEqual(view.flags, []);
    await note(page, 'Stored in raw_events', describeRows(rows));
    await screenshot(page, 'e2e-sdk-browser-stored');
  });

  test('leaving the page hands the last event to sendBeacon; Plaza stores it exactly once', async () => {
    // A long interval keeps the events queued until the page goes away.
    setTrackerPage('/listado', { flushIntervalMs: 60_000 }, 'Listado');
    pages.setPage('/adios', '<!doctype html><title>Adiós</title><h1>Another page, no tracker</h1>');
    const page = await newPage();
    await page.goto(`${pages.url}/listado`);
    await trackerReady(page);
    const aid = String(await api(page, (p) => p.getAnonymousId()));
    await api(page, (p) => p.track('contact_sent', { channel: 'phone', listing_id: 'lst_7' }));
    const queued = await eventually(async () => {
      const q = await storedQueue(page);
      return q.length === 2 ? q : null;
    });
    assert.deepEqual(
      queued.map((e) => e.event_type),
      ['page_view', 'contact_sent'],
    );
    // Playwright does not report requests made while a document unloads, so the page notes its own beacons
    // (in sessionStorage, which outlives the navigation) and passes them on to the real sendBeacon.
    await page.evaluate(() => {
      const send = navigator.sendBeacon.bind(navigator);
      navigator.sendBeacon = (url, data) => {
        const ok = send(url, data);
        const seen = JSON.parse(sessionStorage.getItem('beacons') ?? '[]') as unknown[];
        seen.push({ url: String(url), type: data instanceof Blob ? data.type : typeof data, ok });
        sessionStorage.setItem('beacons', JSON.stringify(seen));
        return ok;
      };
    });

    await page.goto(`${pages.url}/adios`);
    const rows = await rowsWhen(aid, (r) => r.length >= 2);
    assert.deepEqual(rows.map((r) => r.event_id).sort(), queued.map((e) => e.event_id).sort());
    assert.deepEqual(countBy(rows, 'event_type'), { page_view: 1, contact_sent: 1 });
    const beacons = JSON.parse((await page.evaluate(() => sessionStorage.getItem('beacons'))) ?? '[]') as {
      url: string;
      type: string;
      ok: boolean;
    }[];
    assert.equal(beacons.length, 1, 'one beacon');
    assert.equal(beacons[0]!.url, `${plaza.url}/v1/events?writeKey=${plaza.writeKey}`, 'key in the query');
    assert.equal(beacons[0]!.type, 'text/plain', 'a simple request: no preflight');
    assert.equal(beacons[0]!.ok, true);
    assert.deepEqual(await storedQueue(page), [], 'the beacon took the queue');
    // Nothing arrives later: the events stay stored once.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await rowsOf(aid)).length, 2);
    await screenshot(page, 'e2e-sdk-browser-after-beacon');
  });

  test('events tracked while Plaza is down wait in localStorage and arrive once after a restart', async () => {
    setTrackerPage('/tienda', { flushIntervalMs: 100 }, 'Tienda');
    const page = await newPage();
    await page.goto(`${pages.url}/tienda`);
    await trackerReady(page);
    const aid = String(await api(page, (p) => p.getAnonymousId()));
    await rowsWhen(aid, (r) => r.length === 1);

    const { dataDir, writeKey } = plaza;
    await plaza.close();
    await api(page, async (p) => {
      p.track('search', { query: 'jeepeta toyota', results_count: 37, page: 1 });
      p.track('listing_viewed', { listing_id: 'lst_1', price: 1200000, currency: 'DOP' });
      p.track('contact_sent', { channel: 'form', listing_id: 'lst_1' });
      await p.flush();
    });
    const offline = await eventually(async () => {
      const q = await storedQueue(page);
      return q.length === 3 ? q : null;
    });
    assert.deepEqual(
      offline.map((e) => e.event_type),
      ['search', 'listing_viewed', 'contact_sent'],
    );
    await note(
      page,
      'Plaza is down: waiting in localStorage',
      offline.map((e) => `${e.event_type.padEnd(16)} ${e.event_id}`),
    );
    await screenshot(page, 'e2e-sdk-browser-offline');

    plaza = await startPlaza({ dataDir, writeKey });
    // A new port: the site now points its tracker at the new address; localStorage belongs to the page's origin.
    setTrackerPage('/tienda', { flushIntervalMs: 100 }, 'Tienda');
    await page.reload();
    await trackerReady(page);
    await rowsWhen(aid, (r) => r.length >= 5);
    await new Promise((r) => setTimeout(r, 300));
    const final = await rowsOf(aid);
    assert.deepEqual(countBy(final, 'event_type'), {
      page_view: 2,
      search: 1,
      listing_viewed: 1,
      contact_sent: 1,
    });
    assert.equal(new Set(final.map((r) => r.event_id)).size, final.length, 'no event stored twice');
    for (const e of offline) {
      assert.equal(final.filter((r) => r.event_id === e.event_id).length, 1, `${e.event_type} stored once`);
    }
    assert.deepEqual(await storedQueue(page), [], 'queue emptied once delivered');
    const search = final.find((r) => r.event_type === 'search')!;
    assert.equal(search.properties.query, 'jeepeta toyota');
    assert.ok(
      search.received_at.getTime() - new Date(search.timestamp).getTime() >= 0,
      'received after it happened',
    );
    await note(page, 'Stored after the restart', describeRows(final));
    await screenshot(page, 'e2e-sdk-browser-after-restart');
  });
});
