import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PlazaClient, type PlazaClientOptions, type PlazaDeliveryError } from '../sdk/node/src/index.js';
import { backoffMs, retryAfterMs } from '../sdk/node/src/retry.js';
import { CaptureServer } from './helpers/capture-server.js';

const WRITE_KEY = 'wk_test_node';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let server: CaptureServer;

/** A client on a fresh capture server state; errors are collected instead of printed. */
function client(options: Partial<PlazaClientOptions> = {}) {
  const errors: PlazaDeliveryError[] = [];
  const c = new PlazaClient({
    writeKey: WRITE_KEY,
    host: server.url,
    flushIntervalMs: 60_000,
    retryBaseMs: 20,
    flushOnExit: false,
    onError: (e) => errors.push(e),
    ...options,
  });
  return { c, errors };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Node client against a capture server', () => {
  before(async () => {
    server = await CaptureServer.start({ writeKey: WRITE_KEY });
  });
  after(() => server.close());

  // Each test looks only at requests made after it started.
  const since = () => {
    const from = server.requests.length;
    return () => server.requests.slice(from);
  };

  test('batches by count, authenticates with the write key, sends native events', async () => {
    const reqs = since();
    const { c } = client({ flushAt: 5 });
    for (let i = 0; i < 12; i++) {
      c.track({
        eventType: 'listing_viewed',
        userId: 'u_1',
        properties: { i },
        sellerId: 's_1',
        listingId: `l_${i}`,
      });
    }
    await server.waitFor(() => reqs().length === 2, 'two full batches');
    assert.deepEqual(
      reqs().map((r) => r.events.length),
      [5, 5],
    );
    const result = await c.flush();
    assert.equal(result.accepted, 12);
    // Up to maxInFlight batches travel at once, so they may arrive in any order; within a batch, order is kept.
    const first = (q: (typeof server.requests)[number]) => (q.events[0]!.properties as { i: number }).i;
    const batches = reqs().sort((a, b) => first(a) - first(b));
    assert.deepEqual(
      batches.map((q) => q.events.map((x) => (x.properties as { i: number }).i)),
      [
        [0, 1, 2, 3, 4],
        [5, 6, 7, 8, 9],
        [10, 11],
      ],
      'each batch holds consecutive events, in order',
    );
    const r = batches[0]!;
    assert.equal(r.headers.authorization, `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.match(String(r.headers['user-agent']), /^plaza-node\//);
    const e = r.events[0]!;
    assert.match(String(e.event_id), UUID);
    assert.equal(e.event_type, 'listing_viewed');
    assert.match(String(e.timestamp), ISO);
    assert.match(String(e.sent_at), ISO);
    assert.equal(e.user_id, 'u_1');
    assert.equal(e.seller_id, 's_1');
    assert.equal(e.listing_id, 'l_0');
    assert.equal('anonymous_id' in e, false, 'absent ids are not sent as null');
    assert.deepEqual(e.context, { library: { name: 'plaza-node', version: '0.1.0' } });
    assert.deepEqual(e.properties, { i: 0 });
    await c.close();
  });

  test('sends a partial batch when the interval elapses, without flush()', async () => {
    const reqs = since();
    const { c } = client({ flushAt: 100, flushIntervalMs: 100 });
    const t0 = Date.now();
    for (let i = 0; i < 3; i++)
      c.track({ eventType: 'search', anonymousId: 'a_1', properties: { query: 'rav4' } });
    await server.waitFor(() => reqs().length === 1, 'interval flush', 2000);
    assert.ok(Date.now() - t0 >= 90, 'not before the interval');
    assert.equal(reqs()[0]!.events.length, 3);
    await c.close();
  });

  test('gzips bodies over 1 KiB when enabled, and never when disabled', async () => {
    const reqs = since();
    const zip = client({ flushAt: 1000 }).c;
    const small = client().c;
    const off = client({ gzip: false, flushAt: 1000 }).c;
    for (let i = 0; i < 50; i++)
      zip.track({ eventType: 'click', userId: 'u', properties: { element: 'x'.repeat(40) } });
    await zip.flush();
    small.track({ eventType: 'click', userId: 'u' });
    await small.flush();
    for (let i = 0; i < 50; i++)
      off.track({ eventType: 'click', userId: 'u', properties: { element: 'x'.repeat(40) } });
    await off.flush();
    const [zipped, tiny, plain] = reqs();
    assert.equal(zipped!.headers['content-encoding'], 'gzip');
    assert.equal(zipped!.events.length, 50);
    assert.ok(zipped!.bytes < plain!.bytes / 4, `gzip shrinks ${plain!.bytes} B to ${zipped!.bytes} B`);
    assert.equal(tiny!.headers['content-encoding'], undefined);
    assert.equal(plain!.headers['content-encoding'], undefined);
    await Promise.all([zip.close(), small.close(), off.close()]);
  });

  test('retries 5xx and network errors with the same event ids and a fresh sent_at', async () => {
    const reqs = since();
    server.failNext(2, 503);
    server.respondNext({ hangUp: true });
    const { c } = client({ retryBaseMs: 30 });
    c.track({ eventType: 'purchase_completed', userId: 'u_9', properties: { total: 10 } });
    const result = await c.flush();
    assert.equal(result.accepted, 1);
    assert.equal(result.failed, 0);
    // the hung-up attempt is recorded before the server drops it
    assert.deepEqual(
      reqs().map((r) => r.status),
      [503, 503, 0, 200],
    );
    const ids = new Set(reqs().map((r) => r.events[0]!.event_id));
    assert.equal(ids.size, 1, 'one event id across attempts');
    const sentAt = reqs().map((r) => Date.parse(String(r.events[0]!.sent_at)));
    assert.ok(sentAt[3]! > sentAt[0]!, 'sent_at is stamped per attempt');
    assert.equal(c.stats.retried, 3);
    await c.close();
  });

  test('gives up after maxRetries and reports the events as failed', async () => {
    const reqs = since();
    server.failNext(3, 500);
    const { c, errors } = client({ maxRetries: 2, retryBaseMs: 5 });
    c.track({ eventType: 'click', userId: 'u' });
    c.track({ eventType: 'click', userId: 'u' });
    const result = await c.flush();
    assert.equal(reqs().length, 3, 'first attempt + 2 retries');
    assert.equal(result.failed, 2);
    assert.equal(c.stats.failed, 2);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.kind, 'failed');
    assert.equal(errors[0]!.details.status, 500);
    await c.close();
  });

  test('backoff is exponential with full jitter, capped; Retry-After reads seconds and dates', () => {
    for (const attempt of [0, 1, 3, 10]) {
      const bound = Math.min(1000, 100 * 2 ** attempt);
      let sum = 0;
      for (let i = 0; i < 2000; i++) {
        const d = backoffMs(attempt, 100, 1000);
        assert.ok(d >= 0 && d <= bound);
        sum += d;
      }
      const mean = sum / 2000;
      assert.ok(Math.abs(mean - bound / 2) < bound * 0.08, `attempt ${attempt}: mean ${mean} ≈ ${bound / 2}`);
    }
    assert.equal(retryAfterMs('2'), 2000);
    assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4000), 6000);
    assert.equal(retryAfterMs(null), null);
    assert.equal(retryAfterMs('soon'), null);
  });

  test('honours 429 Retry-After instead of its own backoff', async () => {
    const reqs = since();
    server.rateLimitNext(1, 1);
    const { c } = client({ retryBaseMs: 1 });
    c.track({ eventType: 'click', userId: 'u' });
    const result = await c.flush();
    assert.equal(result.accepted, 1);
    const [limited, ok] = reqs();
    assert.equal(limited!.status, 429);
    const waited = ok!.at - limited!.at;
    assert.ok(waited >= 950 && waited < 5000, `waited ${waited} ms for Retry-After: 1`);
    await c.close();
  });

  test('does not retry events rejected one by one, and reports why', async () => {
    const reqs = since();
    server.rejectNext([1]);
    const { c, errors } = client();
    c.track({ eventType: 'click', userId: 'u', properties: { n: 0 } });
    c.track({ eventType: 'purchase_completed', userId: 'u', properties: { price: 'ten' } });
    c.track({ eventType: 'click', userId: 'u', properties: { n: 2 } });
    const result = await c.flush();
    await sleep(100);
    assert.equal(reqs().length, 1, 'no retry of the rejected event');
    assert.deepEqual(result, { sent: 3, accepted: 2, deduplicated: 0, rejected: 1, failed: 0, dropped: 0 });
    assert.deepEqual(c.stats.rejectedByKind, { schema: 1 });
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.kind, 'rejected');
    const rej = errors[0]!.details.rejections![0]!;
    assert.equal(rej.eventType, 'purchase_completed');
    assert.equal(rej.eventId, reqs()[0]!.events[1]!.event_id);
    assert.equal(rej.errors[0]!.pointer, '/properties/price');
    await c.close();
  });

  test('a bad write key (401) and a malformed request (400) are not retried', async () => {
    const reqs = since();
    const bad = client({ writeKey: 'wk_wrong' });
    bad.c.track({ eventType: 'click', userId: 'u' });
    const r1 = await bad.c.flush();
    assert.equal(r1.failed, 1);
    assert.equal(bad.errors[0]!.kind, 'unauthorized');
    assert.equal(reqs().length, 1);
    server.respondNext({ status: 400 });
    const good = client();
    good.c.track({ eventType: 'click', userId: 'u' });
    const r2 = await good.c.flush();
    assert.equal(r2.failed, 1);
    assert.equal(good.errors[0]!.kind, 'failed');
    assert.equal(reqs().length, 2);
    await Promise.all([bad.c.close(), good.c.close()]);
  });

  test('a batch refused as too large (413) is split, not lost', async () => {
    const reqs = since();
    server.respondNext({ status: 413 });
    const { c } = client();
    for (let i = 0; i < 4; i++) c.track({ eventType: 'click', userId: 'u', properties: { i } });
    const result = await c.flush();
    assert.equal(result.accepted, 4);
    assert.deepEqual(
      reqs().map((r) => [r.status, r.events.length]),
      [
        [413, 4],
        [200, 2],
        [200, 2],
      ],
    );
    await c.close();
  });

  test('delivers what it queued while the collector was down once it is back', async () => {
    const reqs = since();
    await server.stop();
    const { c } = client({ retryBaseMs: 100, retryMaxMs: 200, maxRetries: 100 });
    c.track({ eventType: 'click', userId: 'u_down' });
    const flushed = c.flush();
    await sleep(300);
    await server.restart();
    const result = await flushed;
    assert.equal(result.accepted, 1);
    assert.ok(c.stats.retried >= 1);
    assert.equal(reqs().at(-1)!.events[0]!.user_id, 'u_down');
    await c.close();
  });

  test('keeps at most maxInFlight requests open', async () => {
    server.delayMs = 60;
    try {
      server.maxConcurrent = 0;
      const { c } = client({ flushAt: 10, maxBatchEvents: 10, maxInFlight: 2 });
      for (let i = 0; i < 100; i++) c.track({ eventType: 'click', userId: 'u' });
      const result = await c.flush();
      assert.equal(result.accepted, 100);
      assert.equal(server.maxConcurrent, 2);
      await c.close();
    } finally {
      server.delayMs = 0;
    }
  });

  test('backpressure: track() returns false at the high-water mark; waitForCapacity() resumes the producer', async () => {
    server.delayMs = 40;
    try {
      const { c } = client({ flushAt: 10, maxBatchEvents: 10, maxInFlight: 1, highWaterMark: 30 });
      let paused = 0;
      for (let i = 0; i < 200; i++) {
        if (!c.track({ eventType: 'click', userId: 'u', properties: { i } })) {
          paused++;
          assert.ok(c.stats.queued >= 30);
          await c.waitForCapacity();
          assert.ok(c.stats.queued < 30);
        }
      }
      const result = await c.flush();
      assert.ok(paused > 0, 'the producer had to wait');
      assert.equal(c.stats.accepted, 200);
      assert.equal(result.dropped, 0);
      await c.close();
    } finally {
      server.delayMs = 0;
    }
  });

  test('a producer ignoring backpressure loses the oldest events beyond maxQueueEvents, counted', async () => {
    const reqs = since();
    server.delayMs = 100;
    try {
      const { c, errors } = client({ flushAt: 10, maxBatchEvents: 10, maxInFlight: 1, maxQueueEvents: 50 });
      for (let i = 0; i < 100; i++) c.track({ eventType: 'click', userId: 'u', properties: { i } });
      const result = await c.flush();
      assert.equal(c.stats.dropped, 40, 'first batch in flight, 50 waiting, 40 dropped');
      assert.equal(result.accepted, 60);
      assert.equal(errors[0]!.kind, 'dropped');
      const sent = reqs().flatMap((r) => r.events.map((e) => (e.properties as { i: number }).i));
      assert.deepEqual(sent.slice(0, 10), [...Array(10).keys()]);
      assert.equal(sent[10], 50, 'the oldest waiting events went first');
      await c.close();
    } finally {
      server.delayMs = 0;
    }
  });

  test('identify and page build their events; close() flushes and detaches', async () => {
    const reqs = since();
    const listeners = process.listenerCount('beforeExit');
    const c = new PlazaClient({ writeKey: WRITE_KEY, host: `${server.url}/`, flushIntervalMs: 60_000 });
    assert.equal(process.listenerCount('beforeExit'), listeners + 1);
    c.identify({ userId: 'u_7', anonymousId: 'a_7', traits: { plan: 'dealer_pro' } });
    c.page({
      anonymousId: 'a_7',
      url: 'https://okla.do/vehiculos?utm_source=fb',
      title: 'Vehículos',
      timestamp: new Date('2024-05-01T10:00:00Z'),
      eventId: '6f1c7a80-1b47-4b52-9d3a-1f0a1f0a1f0a',
    });
    assert.throws(() => c.track({ eventType: 'click' }), /userId or anonymousId/);
    const result = await c.close();
    assert.equal(result.accepted, 2);
    assert.equal(process.listenerCount('beforeExit'), listeners);
    assert.throws(() => c.track({ eventType: 'click', userId: 'u' }), /closed/);
    const [identify, page] = reqs()[0]!.events;
    assert.equal(identify!.event_type, 'identify');
    assert.equal(identify!.user_id, 'u_7');
    assert.equal(identify!.anonymous_id, 'a_7');
    assert.deepEqual(identify!.traits, { plan: 'dealer_pro' }, 'traits travel top-level');
    assert.deepEqual(identify!.properties, {});
    assert.equal('traits' in page!, false, 'only identify carries traits');
    assert.equal(page!.event_type, 'page_view');
    assert.equal(page!.event_id, '6f1c7a80-1b47-4b52-9d3a-1f0a1f0a1f0a');
    assert.equal(page!.timestamp, '2024-05-01T10:00:00.000Z');
    assert.deepEqual(page!.context, {
      page_url: 'https://okla.do/vehiculos?utm_source=fb',
      page_title: 'Vehículos',
      library: { name: 'plaza-node', version: '0.1.0' },
    });
    assert.deepEqual(page!.properties, {
      url: 'https://okla.do/vehiculos?utm_source=fb',
      title: 'Vehículos',
    });
  });

  test('a process that exits without flushing still delivers its events (beforeExit)', async () => {
    const reqs = since();
    const entry = join(fileURLToPath(new URL('.', import.meta.url)), '../sdk/node/src/index.js');
    const script = `
      import { PlazaClient } from ${JSON.stringify(entry)};
      const c = new PlazaClient({ writeKey: ${JSON.stringify(WRITE_KEY)}, host: ${JSON.stringify(server.url)} });
      for (let i = 0; i < 3; i++) c.track({ eventType: 'exit_test', userId: 'u_exit' });
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    assert.equal(
      reqs()
        .flatMap((r) => r.events)
        .filter((e) => e.event_type === 'exit_test').length,
      3,
    );
  });

  test('throughput: 50k events through gzip, batching and HTTP', async (t) => {
    const { c } = client({ flushAt: 500, maxBatchEvents: 500 });
    const n = 50_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      if (
        !c.track({
          eventType: 'listing_viewed',
          userId: `u_${i % 1000}`,
          listingId: `l_${i % 5000}`,
          properties: { position: i % 20 },
        })
      ) {
        await c.waitForCapacity();
      }
    }
    const result = await c.flush();
    const ms = performance.now() - t0;
    assert.equal(result.accepted, n);
    const s = c.stats;
    t.diagnostic(
      `${n} events in ${ms.toFixed(0)} ms (${Math.round(n / (ms / 1000))} events/s incl. the capture server's gunzip+parse ` +
        `in the same process); ${s.requests} requests, ${(s.bytes / s.sent).toFixed(1)} B/event on the wire`,
    );
    await c.close();
  });
});
