import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { post, startPlaza, type TestPlaza } from './helpers/plaza.js';

const iphone =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';

describe('Segment-compatible collection API', () => {
  let t: TestPlaza;
  before(async () => {
    t = await startPlaza();
  });
  after(() => t.close(true));

  const rows = async (ids: string[]) => {
    await t.plaza.drain();
    return t.plaza.stores.warehouse.query<Record<string, any>>(
      `SELECT * FROM raw_events WHERE event_id IN (${ids.map((i) => `'${i}'`).join(',')}) ORDER BY event_id`,
    );
  };

  it('takes every call type, with the key as Basic username or writeKey in the body', async () => {
    const calls: [string, Record<string, unknown>][] = [
      ['track', { event: 'Product Viewed', properties: { product_id: 'p1', price: 1200, currency: 'DOP' } }],
      ['identify', { traits: { email: 'ana@example.com', name: 'Ana' } }],
      ['page', { name: 'Home', properties: { url: 'https://tiendi.do/' } }],
      ['screen', { name: 'Cart' }],
      ['group', { groupId: 'store-9', traits: { plan: 'pro' } }],
      ['alias', { previousId: 'anon-77' }],
    ];
    const ids: string[] = [];
    for (const [i, [type, body]] of calls.entries()) {
      const messageId = randomUUID();
      ids.push(messageId);
      const payload = {
        userId: 'user-1',
        anonymousId: 'anon-77',
        messageId,
        timestamp: new Date().toISOString(),
        ...body,
      };
      const r =
        i % 2 === 0
          ? await post(t.url, `/v1/${type}`, payload, { writeKey: t.writeKey })
          : await post(t.url, `/v1/${type}`, { ...payload, writeKey: t.writeKey });
      assert.equal(r.status, 200, `${type}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.success, true);
      assert.equal(r.body.accepted, 1);
    }
    const stored = await rows(ids);
    assert.equal(stored.length, 6);
    const types = stored.map((r) => r.event_type).sort();
    assert.deepEqual(types, ['alias', 'group', 'identify', 'page_view', 'product_viewed', 'screen_view']);
  });

  it('batch: items keep their own type, batch context is merged under each item, sentAt corrects clock skew', async () => {
    const now = Date.now();
    const skewMs = 3_600_000; // the device clock is an hour fast
    const device = (ms: number) => new Date(ms + skewMs).toISOString();
    const a = randomUUID();
    const b = randomUUID();
    const r = await post(
      t.url,
      '/v1/batch',
      {
        batch: [
          {
            type: 'track',
            event: 'Order Completed',
            userId: 'u-9',
            messageId: a,
            originalTimestamp: device(now - 10_000),
            properties: { order_id: 'o-1', total: 4500, currency: 'DOP', store_id: 's-1' },
          },
          {
            type: 'page',
            anonymousId: 'anon-9',
            messageId: b,
            originalTimestamp: device(now - 5_000),
            context: { page: { url: 'https://tiendi.do/c/zapatos?utm_campaign=verano' } },
          },
        ],
        context: {
          userAgent: iphone,
          ip: '2001:db8:85a3::8a2e:370:7334',
          library: { name: 'analytics.js', version: '5' },
        },
        sentAt: device(now),
      },
      { writeKey: t.writeKey },
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.accepted, 2);
    const [ra, rb] = (await rows([a, b])).sort((x, y) => (x.event_id === a ? -1 : y.event_id === a ? 1 : 0));
    assert.equal(ra!.event_type, 'purchase_completed');
    assert.equal(ra!.os, 'iOS');
    assert.equal(rb!.device_type, 'mobile');
    assert.equal(rb!.utm_campaign, 'verano');
    assert.notEqual(rb!.ip, '2001:db8:85a3::8a2e:370:7334', 'IPv6 anonymised');
    const corrected = new Date(ra!.timestamp).getTime();
    assert.ok(
      Math.abs(corrected - (now - 10_000)) < 5_000,
      `skew corrected: ${new Date(corrected).toISOString()}`,
    );
  });

  it("enforces Segment's rules with precise messages", async () => {
    const base = { messageId: randomUUID(), timestamp: new Date().toISOString() };
    const noId = await post(t.url, '/v1/track', { ...base, event: 'X' }, { writeKey: t.writeKey });
    assert.equal(noId.status, 400);
    assert.ok(
      noId.body.error.details.some((e: any) => e.kind === 'missing_identity'),
      JSON.stringify(noId.body),
    );
    const noEvent = await post(t.url, '/v1/track', { ...base, userId: 'u' }, { writeKey: t.writeKey });
    assert.equal(noEvent.status, 400);
    assert.ok(
      noEvent.body.error.details.some((e: any) => e.pointer === '/event'),
      JSON.stringify(noEvent.body),
    );
    const longId = await post(
      t.url,
      '/v1/track',
      { ...base, userId: 'u', event: 'X', messageId: 'm'.repeat(101) },
      { writeKey: t.writeKey },
    );
    assert.equal(longId.status, 400);
    assert.ok(
      longId.body.error.details.some((e: any) => e.pointer === '/messageId'),
      JSON.stringify(longId.body),
    );
    const big = await post(
      t.url,
      '/v1/track',
      { ...base, userId: 'u', event: 'X', properties: { blob: 'x'.repeat(33_000) } },
      { writeKey: t.writeKey },
    );
    assert.equal(big.status, 400);
    assert.ok(
      big.body.error.details.some((e: any) => e.kind === 'size_violation'),
      JSON.stringify(big.body).slice(0, 300),
    );
    const badType = await post(
      t.url,
      '/v1/batch',
      { batch: [{ type: 'explode', userId: 'u' }] },
      { writeKey: t.writeKey },
    );
    assert.equal(badType.status, 200);
    assert.equal(badType.body.rejected.length, 1);
    const tooBig = await post(
      t.url,
      '/v1/batch',
      {
        batch: Array.from({ length: 20 }, () => ({
          type: 'track',
          userId: 'u',
          event: 'X',
          properties: { b: 'y'.repeat(30_000) },
        })),
      },
      { writeKey: t.writeKey },
    );
    assert.equal(tooBig.status, 413);
  });

  it('/v1/b is an alias of /v1/batch; a retried messageId is deduplicated', async () => {
    const item = { type: 'track', event: 'Signed Up', userId: 'u-5', messageId: randomUUID() };
    const first = await post(t.url, '/v1/b', { batch: [item] }, { writeKey: t.writeKey });
    const second = await post(t.url, '/v1/b', { batch: [item] }, { writeKey: t.writeKey });
    assert.equal(first.body.accepted, 1);
    assert.equal(second.body.deduplicated, 1);
    const [row] = await rows([item.messageId]);
    assert.equal(row!.event_type, 'signed_up');
  });
});
