import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMetrics } from '../src/observability/metrics.js';
import { bucketQuantile, opsSummary } from '../src/observability/ops-summary.js';
import { nativeEvent, post, startPlaza, type TestPlaza } from './helpers/plaza.js';

describe('ops summary from the Prometheus registry', () => {
  it('interpolates quantiles inside buckets like histogram_quantile', () => {
    // 10 observations ≤ 0.01 s, 10 more ≤ 0.1 s, none above.
    const buckets: [number, number][] = [
      [0.01, 10],
      [0.1, 20],
      [Number.POSITIVE_INFINITY, 20],
    ];
    assert.equal(bucketQuantile(0.5, buckets), 0.01);
    assert.ok(Math.abs((bucketQuantile(0.75, buckets) as number) - 0.055) < 1e-12);
    assert.equal(bucketQuantile(0.5, []), null);
    // Beyond the largest finite bound the histogram knows nothing more.
    assert.equal(
      bucketQuantile(0.99, [
        [0.1, 1],
        [Number.POSITIVE_INFINITY, 10],
      ]),
      0.1,
    );
  });

  it('counts only API routes, 5xx as errors, and the event counters', async () => {
    const m = createMetrics();
    const hit = (route: string, status: number, seconds: number) => {
      m.requests.inc({ method: 'GET', route, status: String(status) });
      m.requestSeconds.observe({ method: 'GET', route }, seconds);
    };
    for (let i = 0; i < 90; i++) hit('/v1/query', 200, 0.004);
    for (let i = 0; i < 6; i++) hit('/v1/query', 400, 0.002);
    for (let i = 0; i < 4; i++) hit('/v1/admin/ops', 503, 0.2);
    for (let i = 0; i < 50; i++) hit('/healthz', 500, 2);
    m.eventsAccepted.inc({ project: 'a', shape: 'native' }, 7);
    m.eventsAccepted.inc({ project: 'b', shape: 'segment' }, 3);
    m.eventsRejected.inc({ project: 'a', kind: 'schema' }, 2);
    const s = await opsSummary(m, Date.parse('2026-01-01T00:00:00Z'), Date.parse('2026-01-01T01:00:00Z'));
    assert.equal(s.uptime_seconds, 3600);
    assert.deepEqual(s.requests, { total: 100, client_errors: 6, server_errors: 4, error_rate: 0.04 });
    assert.equal(s.latency.count, 100);
    // Rank 50 of 100 falls in (0.0025, 0.005], holding the 90 observations of 4 ms after 6 of 2 ms.
    assert.ok(
      Math.abs((s.latency.p50_ms as number) - (2.5 + (2.5 * 44) / 90)) < 0.01,
      String(s.latency.p50_ms),
    );
    assert.ok((s.latency.p95_ms as number) <= 5 && (s.latency.p95_ms as number) > 2.5);
    // The 4 slow ones are the top 4 %: p99 lies in (0.1, 0.25].
    assert.ok((s.latency.p99_ms as number) > 100 && (s.latency.p99_ms as number) <= 250);
    assert.deepEqual(s.events, { accepted: 10, rejected: 2, deduplicated: 0 });
  });
});

describe('GET /v1/admin/ops', () => {
  let t: TestPlaza;
  before(async () => {
    t = await startPlaza();
  });
  after(async () => t?.close(true));

  it('reflects the requests and events this test makes', async () => {
    const before = await t.admin('GET', '/v1/admin/ops');
    assert.equal(before.status, 200, JSON.stringify(before.body));
    for (let i = 0; i < 8; i++) assert.equal((await t.admin('GET', '/v1/admin/projects')).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await t.admin('GET', '/v1/admin/projects/nope')).status, 404);
    const ok = await post(
      t.url,
      '/v1/events',
      { events: [nativeEvent(), nativeEvent(), nativeEvent()] },
      {
        writeKey: t.writeKey,
      },
    );
    assert.equal(ok.body.accepted, 3, JSON.stringify(ok.body));
    // One valid and one invalid event in a batch: the invalid one is rejected (a dead letter), the call is 200.
    const bad = await post(
      t.url,
      '/v1/events',
      { events: [nativeEvent(), nativeEvent({ timestamp: 'yesterday' })] },
      { writeKey: t.writeKey },
    );
    assert.equal(bad.status, 200, JSON.stringify(bad.body));
    assert.equal(bad.body.rejected.length, 1, JSON.stringify(bad.body));

    const now = await t.admin('GET', '/v1/admin/ops');
    assert.equal(now.status, 200);
    const a = before.body;
    const b = now.body;
    // The first ops call itself, 8 + 3 admin calls, 2 collection calls.
    assert.equal(b.requests.total - a.requests.total, 1 + 8 + 3 + 2);
    assert.equal(b.latency.count - a.latency.count, 1 + 8 + 3 + 2);
    assert.equal(b.requests.client_errors - a.requests.client_errors, 3);
    assert.equal(b.requests.server_errors, 0);
    assert.equal(b.requests.error_rate, 0);
    assert.equal(b.events.accepted - a.events.accepted, 4);
    assert.equal(b.events.rejected - a.events.rejected, 1);
    assert.ok(b.latency.p50_ms > 0 && b.latency.p50_ms <= b.latency.p95_ms, JSON.stringify(b.latency));
    assert.ok(b.uptime_seconds >= 0 && Date.parse(b.started_at) <= Date.now());
  });

  it('is for admins only, and documented', async () => {
    const anon = await fetch(`${t.url}/v1/admin/ops`);
    assert.equal(anon.status, 401);
    const doc = await (await fetch(`${t.url}/openapi.json`)).json();
    assert.ok(doc.paths['/v1/admin/ops']?.get, 'in the OpenAPI document');
  });
});
