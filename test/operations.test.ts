import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, requireEnv, type TestDatabase } from './helpers/engines.js';
import { eventually, nativeEvent, post, startPlaza, type TestPlaza } from './helpers/plaza.js';

describe('operations endpoints', () => {
  let t: TestPlaza;
  before(async () => {
    t = await startPlaza();
  });
  after(() => t.close(true));

  it('healthz, readyz and ingestion health', async () => {
    assert.deepEqual(await (await fetch(`${t.url}/healthz`)).json(), { status: 'ok' });
    const ready = await fetch(`${t.url}/readyz`);
    assert.equal(ready.status, 200);
    const body = (await ready.json()) as { checks: Record<string, string> };
    assert.deepEqual(Object.keys(body.checks).sort(), ['eventLog', 'kv', 'state', 'warehouse']);
    await post(t.url, '/v1/events', nativeEvent(), { writeKey: t.writeKey });
    const health = await eventually(async () => {
      const h = (await (await fetch(`${t.url}/v1/health/ingestion`)).json()) as {
        status: string;
        consumers: unknown[];
      };
      return h.status === 'caught_up' ? h : null;
    });
    assert.ok(health.consumers.length > 0);
  });

  it('exposes Prometheus metrics for accepted, rejected and deduplicated events, latency and lag', async () => {
    const ev = nativeEvent();
    await post(
      t.url,
      '/v1/events',
      { events: [ev, ev, nativeEvent({ timestamp: 'nope' })] },
      { writeKey: t.writeKey },
    );
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
    assert.ok(
      value(/plaza_events_accepted_total\{project="shop",shape="native"\} (\d+)/) >= 1,
      text.slice(0, 500),
    );
    assert.ok(value(/plaza_events_deduplicated_total\{project="shop"\} (\d+)/) >= 1);
    assert.ok(value(/plaza_events_rejected_total\{project="shop",kind="[a-z_]+"\} (\d+)/) >= 1);
    assert.match(text, /plaza_log_append_duration_seconds_bucket\{le="0\.005",topic="user-events"\}/);
    assert.match(text, /plaza_http_request_duration_seconds_count\{method="POST",route="\/v1\/events"\}/);
    assert.match(text, /service_requests_total\{method="POST",route="\/v1\/events",status="200"\}/);
    assert.match(text, /plaza_consumer_lag\{group="raw-events-sink",topic="user-events",partition="0"\}/);
    assert.match(text, /plaza_dead_letters_total\{project="shop"\}/);
  });

  it('serves its OpenAPI description and a docs page', async () => {
    const spec = (await (await fetch(`${t.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    assert.equal(spec.openapi, '3.1.0');
    for (const path of [
      '/v1/events',
      '/v1/track',
      '/v1/batch',
      '/v1/admin/projects',
      '/v1/admin/deadletters',
      '/readyz',
    ]) {
      assert.ok(spec.paths[path], `${path} documented`);
    }
    const docs = await fetch(`${t.url}/docs/`);
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger/i);
  });

  it('keeps a caller request id and echoes it', async () => {
    const r = await fetch(`${t.url}/healthz`, { headers: { 'x-request-id': 'trace-abc.1' } });
    assert.equal(r.headers.get('x-request-id'), 'trace-abc.1');
  });

  it('refuses the admin API without the admin token', async () => {
    const r = await fetch(`${t.url}/v1/admin/projects`);
    assert.equal(r.status, 401);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'admin_auth_required');
  });
});

describe('Plaza on PostgreSQL and Redis', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  it('collects, deduplicates and rate-limits with state in PostgreSQL and counters in Redis', async () => {
    const t = await startPlaza({
      overrides: {
        stateUrl: db.url,
        kvUrl: requireEnv('PLAZA_TEST_REDIS_URL'),
        ingest: { rateLimitPerMinute: 3 },
      },
    });
    try {
      assert.equal(t.plaza.stores.state.kind, 'postgres');
      assert.equal(t.plaza.stores.kv.kind, 'redis');
      const ev = nativeEvent();
      const statuses: number[] = [];
      // 2 × 3 + 1: one fixed minute window gets at least 4 even if a minute boundary splits the loop.
      for (let i = 0; i < 7; i++)
        statuses.push((await post(t.url, '/v1/events', ev, { writeKey: t.writeKey })).status);
      assert.ok(statuses.includes(429), statuses.join(','));
      await t.plaza.drain();
      const rows = await t.plaza.stores.warehouse.query(
        `SELECT * FROM raw_events WHERE event_id = '${ev.event_id}'`,
      );
      assert.equal(rows.length, 1);
      const keys = await t.plaza.stores.state.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM write_keys',
      );
      assert.equal(keys[0]!.n, 1);
    } finally {
      await t.close(true);
    }
  });
});
