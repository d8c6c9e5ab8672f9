import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CaptureServer, type WireEvent } from './helpers/capture-server.js';
import {
  ensureBundle,
  launchBrowser,
  type PageServer,
  screenshot,
  servePages,
  trackerPage,
} from './helpers/chromium.js';

const WRITE_KEY = 'wk_test_browser';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let browser: Browser;
let capture: CaptureServer;
let pages: PageServer;
let bundle: { bytes: number; gzipBytes: number };

/** The tracker as pages see it (window.plaza). */
type PlazaApi = {
  track(eventType: string, properties?: Record<string, unknown>): void;
  identify(userId: string, traits?: Record<string, unknown>): void;
  reset(): void;
  flush(): Promise<void>;
};

const props = (e: WireEvent | undefined) => (e?.properties ?? {}) as Record<string, unknown>;
const ctx = (e: WireEvent | undefined) => (e?.context ?? {}) as Record<string, unknown>;

/** Stored events of this test, by type. */
function recorder() {
  const from = capture.requests.length;
  const requests = () => capture.requests.slice(from);
  const events = () => {
    const seen = new Set<unknown>();
    return requests()
      .filter((r) => r.status === 200)
      .flatMap((r) => r.events.filter((_, i) => !r.rejectedIndices.includes(i)))
      .filter((e) => !seen.has(e.event_id) && seen.add(e.event_id));
  };
  const ofType = (t: string) => events().filter((e) => e.event_type === t);
  const waitFor = (what: string, pred: () => boolean, timeoutMs = 5000) =>
    capture.waitFor(pred, what, timeoutMs);
  return { requests, events, ofType, waitFor };
}

/** Contexts opened by the running test, closed after it even when it fails. */
const contexts: BrowserContext[] = [];

async function newContext(): Promise<BrowserContext> {
  const context = await browser.newContext();
  contexts.push(context);
  return context;
}

async function open(options: Record<string, unknown> = {}, inline = '', path = '/listings') {
  const context = await newContext();
  const page = await context.newPage();
  pages.setPage(
    path,
    trackerPage({ writeKey: WRITE_KEY, host: capture.url, debug: true, ...options }, inline),
  );
  return { context, page };
}

const trackerReady = (page: Page) =>
  page.waitForFunction(() => !Array.isArray((window as { plaza?: unknown }).plaza));

/** Events waiting in localStorage (all page loads' queues). */
const storedQueue = (page: Page) =>
  page.evaluate(() =>
    Object.keys(localStorage)
      .filter((k) => k.startsWith('plaza_q_'))
      .flatMap(
        (k) => JSON.parse(localStorage.getItem(k) ?? '[]') as { event_id: string; event_type: string }[],
      ),
  );

describe('browser tracker in headless Chromium', () => {
  before(async () => {
    bundle = await ensureBundle();
    [browser, capture, pages] = await Promise.all([
      launchBrowser(),
      CaptureServer.start({ writeKey: WRITE_KEY }),
      servePages(),
    ]);
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  after(async () => {
    await Promise.all([browser?.close(), capture?.close(), pages?.close()]);
  });

  test('bundle stays under 6 KiB gzipped', (t) => {
    t.diagnostic(`plaza.min.js: ${bundle.bytes} B, ${bundle.gzipBytes} B gzipped`);
    assert.ok(bundle.gzipBytes < 6 * 1024, `${bundle.gzipBytes} B gzipped`);
  });

  test('page views, track and identify carry the visitor, session and user ids; SPA navigations count', async () => {
    const rec = recorder();
    const { page } = await open({ flushIntervalMs: 100 }, "plaza.track('early_click', { button: 'hero' });");
    const landing = `${pages.url}/listings?utm_source=newsletter&utm_campaign=may`;
    await page.goto(landing);
    await rec.waitFor('page_view and the snippet-queued event', () => rec.events().length >= 2);
    const [view] = rec.ofType('page_view');
    const [early] = rec.ofType('early_click');
    assert.ok(view && early);
    assert.match(String(view.event_id), UUID);
    assert.match(String(view.anonymous_id), UUID);
    assert.match(String(view.session_id), UUID);
    assert.equal(view.user_id, undefined);
    assert.ok(
      !Number.isNaN(Date.parse(String(view.timestamp))) && !Number.isNaN(Date.parse(String(view.sent_at))),
    );
    assert.deepEqual(props(view), {
      url: landing,
      path: '/listings',
      title: 'Plaza SDK test page',
      referrer: '',
      utm_source: 'newsletter',
      utm_campaign: 'may',
    });
    const c = ctx(view);
    assert.equal(c.page_url, landing);
    assert.equal(c.page_title, 'Plaza SDK test page');
    assert.deepEqual(c.library, { name: 'plaza-browser', version: '0.1.0' });
    assert.match(String(c.user_agent), /HeadlessChrome/);
    assert.ok(typeof c.timezone === 'string' && c.timezone !== '');
    assert.ok(typeof c.locale === 'string' && c.locale !== '');
    assert.ok((c.screen as { width: number }).width > 0);
    assert.deepEqual(props(early), { button: 'hero' });
    assert.equal(early.anonymous_id, view.anonymous_id);
    assert.equal(early.session_id, view.session_id);
    const req = rec.requests()[0]!;
    assert.equal(req.headers.authorization, `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`);
    assert.equal(req.headers['content-type'], 'application/json');
    assert.ok(capture.preflights >= 1, 'cross-origin JSON with Authorization is preflighted');

    await page.evaluate(() => {
      const p = (window as unknown as { plaza: PlazaApi }).plaza;
      p.identify('user_42', { plan: 'pro' });
      p.track('favorite', { listing_id: 'l_1' });
      return p.flush();
    });
    const [identify] = rec.ofType('identify');
    const [favorite] = rec.ofType('favorite');
    assert.equal(identify?.user_id, 'user_42');
    assert.deepEqual(identify?.traits, { plan: 'pro' }, 'traits travel top-level');
    assert.deepEqual(props(identify), {});
    assert.equal('traits' in favorite!, false, 'only identify carries traits');
    assert.equal(favorite?.user_id, 'user_42');
    assert.equal(favorite?.anonymous_id, view.anonymous_id);
    assert.equal(favorite?.session_id, view.session_id);

    // A router pushes a new URL and sets the title right after: one page view, with the new title.
    await page.evaluate(() => {
      history.pushState({}, '', '/listings/l_1');
      document.title = 'Toyota RAV4 2021';
    });
    await rec.waitFor('SPA page view', () => rec.ofType('page_view').length === 2);
    const spa = rec.ofType('page_view')[1]!;
    assert.equal(props(spa).path, '/listings/l_1');
    assert.equal(props(spa).title, 'Toyota RAV4 2021');
    assert.equal(props(spa).referrer, landing, 'the previous SPA URL is the referrer');
    assert.equal(spa.user_id, 'user_42');
    await page.evaluate(() => history.back());
    await rec.waitFor('page view on popstate', () => rec.ofType('page_view').length === 3);
    assert.equal(props(rec.ofType('page_view')[2]).path, '/listings');
    await screenshot(page, 'sdk-browser-tracked-page');

    const storedAid = await page.evaluate(() => localStorage.getItem('plaza_aid'));
    assert.equal(storedAid, view.anonymous_id);
    await page.evaluate(() => {
      const p = (window as unknown as { plaza: PlazaApi }).plaza;
      p.reset();
      p.track('after_logout');
      return p.flush();
    });
    const [loggedOut] = rec.ofType('after_logout');
    assert.ok(loggedOut);
    assert.equal(loggedOut.user_id, undefined);
    assert.notEqual(loggedOut.anonymous_id, view.anonymous_id);
    assert.notEqual(loggedOut.session_id, view.session_id);
    assert.equal(rec.ofType('page_view').length, 3, 'no page view without a navigation');
  });

  test('the session survives a reload and rotates after 30 minutes of inactivity (fake clock)', async () => {
    const rec = recorder();
    const { page } = await open({ flushIntervalMs: 100 });
    await page.clock.install({ time: new Date('2026-03-02T14:00:00Z') });
    await page.goto(`${pages.url}/listings`);
    await rec.waitFor('first page view', () => rec.ofType('page_view').length === 1);
    await page.reload();
    await rec.waitFor('page view after reload', () => rec.ofType('page_view').length === 2);
    const [first, second] = rec.ofType('page_view');
    assert.equal(second!.session_id, first!.session_id, 'same session after reload');
    assert.equal(second!.anonymous_id, first!.anonymous_id, 'same visitor after reload');
    assert.ok(String(first!.timestamp).startsWith('2026-03-02T14:00'), 'timestamps come from the page clock');

    const trackAfter = async (idle: string, type: string) => {
      await page.clock.fastForward(idle);
      await page.evaluate((t) => {
        const p = (window as unknown as { plaza: PlazaApi }).plaza;
        p.track(t);
        return p.flush();
      }, type);
      return rec.ofType(type)[0]!;
    };
    const within = await trackAfter('29:00', 'after_29_min');
    assert.equal(within.session_id, first!.session_id, '29 idle minutes keep the session');
    const later = await trackAfter('31:00', 'after_31_min');
    assert.notEqual(later.session_id, first!.session_id, '31 idle minutes start a new session');
    assert.equal(later.anonymous_id, first!.anonymous_id);
    const next = await trackAfter('00:05', 'right_after');
    assert.equal(next.session_id, later.session_id);
  });

  test('offline queue: events wait in localStorage while the collector is down and go out on the next load', async () => {
    const rec = recorder();
    await capture.stop();
    const { context, page } = await open({ flushIntervalMs: 100 });
    let waiting: { event_id: string; event_type: string }[] = [];
    try {
      await page.goto(`${pages.url}/listings`);
      await trackerReady(page);
      await page.evaluate(() =>
        (window as unknown as { plaza: PlazaApi }).plaza.track('contact_sent', {
          listing_id: 'l_7',
        }),
      );
      await page.waitForFunction(
        () =>
          Object.keys(localStorage)
            .filter((k) => k.startsWith('plaza_q_'))
            .reduce((n, k) => n + (JSON.parse(localStorage.getItem(k) ?? '[]') as unknown[]).length, 0) === 2,
      );
      waiting = await storedQueue(page);
      assert.deepEqual(waiting.map((e) => e.event_type).sort(), ['contact_sent', 'page_view']);
      await screenshot(page, 'sdk-browser-offline');
      await page.close();
    } finally {
      await capture.restart();
    }
    assert.equal(rec.events().length, 0);

    const page2 = await context.newPage();
    await page2.goto(`${pages.url}/listings`);
    await rec.waitFor('queued events and the new page view', () => rec.events().length === 3);
    const ids = rec.events().map((e) => e.event_id);
    for (const e of waiting)
      assert.ok(ids.includes(e.event_id), `${e.event_type} delivered with its original id`);
    await page2.waitForFunction(() => !Object.keys(localStorage).some((k) => k.startsWith('plaza_q_')));
  });

  test('events still queued when the visitor leaves go out by sendBeacon, once', async () => {
    const rec = recorder();
    const { page } = await open({ flushAt: 100, flushIntervalMs: 60_000 });
    await page.goto(`${pages.url}/listings`);
    await trackerReady(page);
    await page.evaluate(() =>
      (window as unknown as { plaza: PlazaApi }).plaza.track('contact_sent', {
        listing_id: 'l_9',
      }),
    );
    assert.deepEqual(
      rec.requests().map((r) => r.events.map((e) => e.event_type)),
      [],
      'nothing sent before leaving',
    );
    await page.goto('about:blank');
    await rec.waitFor('beacon', () => rec.events().length === 2);
    const beacon = rec.requests()[0]!;
    assert.match(String(beacon.headers['content-type']), /^text\/plain/);
    assert.equal(beacon.headers.authorization, undefined);
    assert.equal(beacon.query.get('writeKey'), WRITE_KEY);
    assert.deepEqual(
      beacon.events.map((e) => e.event_type),
      ['page_view', 'contact_sent'],
    );
    // Coming back: the beaconed events are not sent again.
    await page.goto(`${pages.url}/listings`);
    await trackerReady(page);
    await page.evaluate(() => (window as unknown as { plaza: PlazaApi }).plaza.flush());
    assert.equal(rec.ofType('page_view').length, 2);
    assert.equal(
      capture.allEvents().filter((e) => e.event_id === beacon.events[1]!.event_id).length,
      1,
      'contact_sent arrived exactly once',
    );
  });

  test('honours 429 Retry-After, retries 5xx, and never resends rejected events', async () => {
    const rec = recorder();
    capture.rateLimitNext(1, 1).rejectNext([1]);
    const { page } = await open({ flushAt: 2, flushIntervalMs: 60_000, autoPageViews: false });
    await page.goto(`${pages.url}/listings`);
    await trackerReady(page);
    await page.evaluate(() => {
      const p = (window as unknown as { plaza: PlazaApi }).plaza;
      p.track('search', { query: 'rav4' });
      p.track('purchase_completed', { price: 'ten' });
    });
    await rec.waitFor('retry after 429', () => rec.requests().length === 2, 10_000);
    const [limited, retried] = rec.requests();
    assert.equal(limited!.status, 429);
    assert.ok(retried!.at - limited!.at >= 950, `waited ${retried!.at - limited!.at} ms for Retry-After: 1`);
    assert.deepEqual(retried!.rejectedIndices, [1]);
    capture.failNext(1, 503);
    await page.evaluate(() => {
      const p = (window as unknown as { plaza: PlazaApi }).plaza;
      p.track('click', { n: 1 });
      p.track('click', { n: 2 });
    });
    await rec.waitFor('retry after 503', () => rec.ofType('click').length === 2, 10_000);
    const statuses = rec.requests().map((r) => r.status);
    assert.deepEqual(statuses, [429, 200, 503, 200]);
    assert.ok(
      !rec.requests()[3]!.events.some((e) => e.event_type === 'purchase_completed'),
      'rejected not resent',
    );
    // The capture server records the 200 before the page has read it, so wait for the page to let go.
    await page.waitForFunction(() => !Object.keys(localStorage).some((k) => k.startsWith('plaza_q_')));
    assert.deepEqual(await storedQueue(page), []);
  });

  test('without localStorage the visitor id lives in a first-party cookie', async () => {
    const rec = recorder();
    const context = await newContext();
    await context.addInitScript(() => {
      Object.defineProperty(window, 'localStorage', {
        get() {
          throw new DOMException('storage blocked', 'SecurityError');
        },
      });
    });
    const page = await context.newPage();
    pages.setPage('/blocked', trackerPage({ writeKey: WRITE_KEY, host: capture.url, flushIntervalMs: 50 }));
    await page.goto(`${pages.url}/blocked`);
    await rec.waitFor('page view', () => rec.ofType('page_view').length === 1);
    await page.reload();
    await rec.waitFor('page view after reload', () => rec.ofType('page_view').length === 2);
    const [a, b] = rec.ofType('page_view');
    assert.equal(b!.anonymous_id, a!.anonymous_id);
    assert.equal(b!.session_id, a!.session_id);
    const cookies = await context.cookies(pages.url);
    assert.equal(cookies.find((c) => c.name === 'plaza_aid')?.value, a!.anonymous_id);
  });
});
