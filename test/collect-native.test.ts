import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { eventually, nativeEvent, post, startPlaza, type TestPlaza } from './helpers/plaza.js';

async function rawEvents(t: TestPlaza, where = 'true'): Promise<Record<string, any>[]> {
  await t.plaza.drain();
  return t.plaza.stores.warehouse.query(
    `SELECT * FROM raw_events WHERE ${where} ORDER BY received_at, event_id`,
  );
}

describe('native collection API', () => {
  let t: TestPlaza;
  before(async () => {
    t = await startPlaza();
  });
  after(() => t.close(true));

  it('stores one valid event, enriched, and answers once it is durable', async () => {
    const ev = nativeEvent();
    const r = await post(t.url, '/v1/events', ev, { writeKey: t.writeKey });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body.accepted, r.body.deduplicated, r.body.rejected], [1, 0, []]);
    assert.ok(r.headers.get('x-request-id'));
    const [row] = await rawEvents(t, `event_id = '${ev.event_id}'`);
    assert.ok(row, 'event reached raw_events');
    assert.equal(row.project_id, t.projectId);
    assert.equal(row.event_type, 'listing_viewed');
    assert.equal(row.ip, '190.80.12.0', 'IP truncated before storage');
    assert.equal(row.device_type, 'mobile');
    assert.equal(row.browser, 'Chrome');
    assert.equal(row.os, 'Android');
    assert.equal(row.utm_source, 'google');
    assert.equal(row.utm_medium, 'cpc');
    assert.equal(row.referrer_host, 'www.google.com');
    assert.equal(row.listing_id, (ev.properties as { listing_id: string }).listing_id);
    assert.equal(row.seller_id, 'dealer-7');
  });

  it('accepts the valid events of a batch and keeps each invalid one as a dead letter with every reason', async () => {
    const good = nativeEvent();
    const badPrice = nativeEvent({ properties: { listing_id: 'l1', price: 'mucho', currency: 'DOP' } });
    const noIdentity = nativeEvent({ anonymous_id: undefined });
    const badType = nativeEvent({ event_type: 'Listing Viewed!' });
    const r = await post(
      t.url,
      '/v1/events',
      { events: [good, badPrice, noIdentity, badType] },
      { writeKey: t.writeKey },
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.accepted, 1);
    assert.deepEqual(
      r.body.rejected.map((x: { index: number }) => x.index),
      [1, 2, 3],
    );
    const [price, identity, type] = r.body.rejected;
    assert.ok(
      price.errors.some((e: any) => e.kind === 'schema_violation' && e.pointer === '/properties/price'),
      JSON.stringify(price),
    );
    assert.ok(
      identity.errors.some((e: any) => e.kind === 'missing_identity'),
      JSON.stringify(identity),
    );
    assert.ok(
      type.errors.some((e: any) => e.pointer === '/event_type'),
      JSON.stringify(type),
    );

    const list = await eventually(async () => {
      const l = await t.admin('GET', `/v1/admin/deadletters?project=${t.projectId}`);
      const mine = l.body.dead_letters.filter((d: any) => d.request_id === r.headers.get('x-request-id'));
      return mine.length === 3 ? mine : null;
    });
    const dl = list.find((d: any) => d.batch_index === 1);
    assert.equal(JSON.parse(dl.payload).event_id, badPrice.event_id, 'raw payload kept');
    assert.equal(dl.key_id, t.keyId);
    assert.ok(dl.received_at);
    const one = await t.admin('GET', `/v1/admin/deadletters/${dl.id}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.errors, price.errors);
  });

  it('answers 400 with the reasons for a single invalid event', async () => {
    const r = await post(t.url, '/v1/events', nativeEvent({ timestamp: 'yesterday' }), {
      writeKey: t.writeKey,
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'invalid_event');
    assert.match(r.body.error.message, /\/timestamp/);
    assert.ok(Array.isArray(r.body.error.details));
  });

  it('stores a retried event once (dedup by event id)', async () => {
    const ev = nativeEvent();
    const a = await post(t.url, '/v1/events', ev, { writeKey: t.writeKey });
    const b = await post(t.url, '/v1/events', { events: [ev, ev] }, { writeKey: t.writeKey });
    assert.equal(a.body.accepted, 1);
    assert.deepEqual([b.body.accepted, b.body.deduplicated], [0, 2]);
    assert.equal((await rawEvents(t, `event_id = '${ev.event_id}'`)).length, 1);
  });

  it('accepts gzip bodies and text/plain beacons with the key in the query', async () => {
    const ev = nativeEvent();
    const gz = await post(t.url, '/v1/events', null, {
      writeKey: t.writeKey,
      headers: { 'content-encoding': 'gzip' },
      raw: gzipSync(JSON.stringify({ events: [ev] })),
    });
    assert.equal(gz.status, 200, JSON.stringify(gz.body));
    assert.equal(gz.body.accepted, 1);
    const beacon = await post(t.url, `/v1/events?writeKey=${t.writeKey}`, null, {
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      raw: JSON.stringify({ events: [nativeEvent()] }),
    });
    assert.equal(beacon.status, 200, JSON.stringify(beacon.body));
    assert.equal(beacon.body.accepted, 1);
  });

  it('refuses missing, unknown and revoked keys with 401 and stores nothing', async () => {
    const ev = nativeEvent();
    const none = await post(t.url, '/v1/events', ev);
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'missing_write_key');
    const wrong = await post(t.url, '/v1/events', ev, { writeKey: 'pk_not_a_key' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'invalid_write_key');
    const k = await t.admin('POST', `/v1/admin/projects/${t.projectId}/keys`, { name: 'to-revoke' });
    assert.equal((await t.admin('DELETE', `/v1/admin/keys/${k.body.id}`)).status, 200);
    const revoked = await post(t.url, '/v1/events', ev, { writeKey: k.body.secret });
    assert.equal(revoked.status, 401);
    assert.equal((await rawEvents(t, `event_id = '${ev.event_id}'`)).length, 0);
  });

  it('applies the per-project policy for unknown event types', async () => {
    const custom = nativeEvent({ event_type: 'loan_simulated', properties: { amount: 1 } });
    const accepted = await post(t.url, '/v1/events', custom, { writeKey: t.writeKey });
    assert.equal(accepted.body.accepted, 1);
    const s = await t.admin('PATCH', `/v1/admin/projects/${t.projectId}/settings`, {
      unknownEventPolicy: 'reject',
    });
    assert.equal(s.status, 200, JSON.stringify(s.body));
    const rejected = await post(t.url, '/v1/events', nativeEvent({ event_type: 'loan_simulated' }), {
      writeKey: t.writeKey,
    });
    assert.equal(rejected.status, 400);
    assert.ok(rejected.body.error.details.some((e: any) => e.kind === 'unknown_event_type'));
    await t.admin('PATCH', `/v1/admin/projects/${t.projectId}/settings`, { unknownEventPolicy: 'accept' });
  });

  it('replays a dead letter once its schema is fixed', async () => {
    const ev = nativeEvent({ event_type: 'financing_requested', properties: { amount: 'alto' } });
    const schema = { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] };
    const reg = await t.admin('POST', `/v1/admin/projects/${t.projectId}/schemas`, {
      event_type: 'financing_requested',
      schema,
    });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const r = await post(t.url, '/v1/events', ev, { writeKey: t.writeKey });
    assert.equal(r.status, 400);
    const dl = await eventually(async () => {
      const l = await t.admin('GET', `/v1/admin/deadletters?project=${t.projectId}&kind=schema_violation`);
      return l.body.dead_letters.find((d: any) => JSON.parse(d.payload).event_id === ev.event_id);
    });
    const fixed = { type: 'object', properties: { amount: { type: ['number', 'string'] } } };
    assert.equal(
      (
        await t.admin('POST', `/v1/admin/projects/${t.projectId}/schemas`, {
          event_type: 'financing_requested',
          schema: fixed,
        })
      ).body.version,
      2,
    );
    const replay = await t.admin('POST', '/v1/admin/deadletters/replay', { ids: [dl.id] });
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.body.replayed, 1);
    const rows = await rawEvents(t, `event_id = '${ev.event_id}'`);
    assert.equal(rows.length, 1);
    assert.equal(Number(rows[0]!.schema_version), 2);
    const again = await t.admin('POST', '/v1/admin/deadletters/replay', { ids: [dl.id] });
    assert.equal(again.body.skipped, 1, 'a replayed dead letter is not replayed twice');
  });
});

describe('rate limiting', () => {
  it('answers 429 with Retry-After once a key exceeds its budget', async () => {
    const t = await startPlaza({ overrides: { ingest: { rateLimitPerMinute: 5 } } });
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 11; i++) {
        const r = await post(t.url, '/v1/events', nativeEvent(), { writeKey: t.writeKey });
        statuses.push(r.status);
        if (r.status === 429) {
          retryAfter = r.headers.get('retry-after');
          assert.equal(r.body.error.code, 'rate_limited');
        }
      }
      // 2 × 5 + 1: a minute boundary can split the loop once, and one of the two windows still gets 6.
      assert.ok(statuses.filter((s) => s === 429).length >= 1, statuses.join(','));
      assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, `Retry-After ${retryAfter}`);
    } finally {
      await t.close(true);
    }
  });
});

describe('CORS for browsers', () => {
  it('answers preflights on collection routes and exposes Retry-After', async () => {
    const t = await startPlaza();
    try {
      const pre = await fetch(`${t.url}/v1/events`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://okla.do',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), '*');
      assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Authorization/i);
      const r = await post(t.url, '/v1/events', nativeEvent(), {
        writeKey: t.writeKey,
        headers: { origin: 'https://okla.do' },
      });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('access-control-expose-headers') ?? '', /Retry-After/);
      const admin = await fetch(`${t.url}/v1/admin/projects`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example' },
      });
      assert.equal(
        admin.headers.get('access-control-allow-origin'),
        null,
        'the admin API is not opened to browsers',
      );
    } finally {
      await t.close(true);
    }
  });
});
