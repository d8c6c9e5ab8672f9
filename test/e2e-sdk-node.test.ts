/**
 * The Node client against a real Plaza: batching, gzip, per-event rejections that become dead letters, and
 * retries across a server restart, checked against what lands in raw_events.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { PlazaClient, type PlazaDeliveryError, type TrackInput } from '../sdk/node/src/index.js';
import { eventually, startPlaza, type TestPlaza } from './helpers/plaza.js';

interface Planned {
  input: TrackInput & { eventId: string };
  /** For an invalid event: the error kind and pointer the collector must report. */
  invalid?: { kind: string; pointer: string };
}

const provinces = ['Santo Domingo', 'Santiago', 'La Vega', 'Puerto Plata'];

/** Event i of a realistic mix: valid per the catalogue, except every 100th (offset 37), broken on purpose. */
function planEvent(i: number): Planned {
  const who = { anonymousId: `anon-${i % 700}`, ...(i % 3 === 0 ? { userId: `user-${i % 250}` } : {}) };
  const eventId = randomUUID();
  const listing = `lst_${i % 1500}`;
  if (i % 100 === 37) {
    const broken: Planned[] = [
      {
        input: {
          eventId,
          ...who,
          eventType: 'listing_viewed',
          properties: { listing_id: listing, price: 'mucho' },
        },
        invalid: { kind: 'schema_violation', pointer: '/properties/price' },
      },
      {
        input: { eventId, ...who, eventType: 'contact_sent', properties: { channel: 'pigeon' } },
        invalid: { kind: 'schema_violation', pointer: '/properties/channel' },
      },
      {
        input: {
          eventId,
          ...who,
          eventType: 'purchase_completed',
          properties: { total: 10, currency: 'DOP' },
        },
        invalid: { kind: 'schema_violation', pointer: '/properties/order_id' },
      },
      {
        input: { eventId, ...who, eventType: 'Listing Viewed', properties: { listing_id: listing } },
        invalid: { kind: 'malformed', pointer: '/event_type' },
      },
    ];
    return broken[Math.floor(i / 100) % broken.length]!;
  }
  switch (i % 10) {
    case 0:
    case 1:
      return {
        input: {
          eventId,
          ...who,
          eventType: 'search',
          properties: {
            query: 'jeepeta toyota',
            filters: {
              make: 'Toyota',
              body_type: 'suv',
              year_min: 2018,
              price_max: 1800000,
              currency: 'DOP',
            },
            results_count: i % 80,
            sort: 'price_asc',
            page: 1 + (i % 3),
          },
        },
      };
    case 2:
      return {
        input: {
          eventId,
          ...who,
          eventType: 'contact_sent',
          properties: {
            channel: i % 2 ? 'whatsapp' : 'phone',
            listing_id: listing,
            seller_id: `dlr_${i % 40}`,
          },
        },
      };
    case 3:
      return {
        input: {
          eventId,
          ...who,
          eventType: 'purchase_completed',
          properties: {
            order_id: `ord_${i}`,
            store_id: 'str_77',
            items: [{ product_id: 'prd_1203', quantity: 1, price: 3450 }],
            subtotal: 3450,
            total: 3700,
            delivery_fee: 250,
            currency: 'DOP',
            payment_method: 'card',
          },
        },
      };
    default:
      return {
        input: {
          eventId,
          ...who,
          eventType: 'listing_viewed',
          properties: {
            listing_id: listing,
            seller_id: `dlr_${i % 40}`,
            make: 'Toyota',
            model: 'RAV4',
            year: 2015 + (i % 8),
            mileage_km: 1000 * (i % 90),
            body_type: 'suv',
            price: 900000 + 1000 * (i % 900),
            currency: 'DOP',
            province: provinces[i % provinces.length],
          },
        },
      };
  }
}

/** event_id → how many raw_events rows hold it, after the workers caught up. */
async function storedCounts(t: TestPlaza): Promise<Map<string, number>> {
  await t.plaza.drain();
  const rows = await t.plaza.stores.warehouse.query<{ event_id: string; n: bigint | number }>(
    'SELECT event_id, count(*) AS n FROM raw_events WHERE project_id = $1 GROUP BY event_id',
    [t.projectId],
  );
  return new Map(rows.map((r) => [r.event_id, Number(r.n)]));
}

function assertStoredOnce(stored: Map<string, number>, expected: Set<string>): void {
  const twice = [...stored].filter(([, n]) => n !== 1);
  assert.deepEqual(twice, [], 'no event stored twice');
  const missing = [...expected].filter((id) => !stored.has(id));
  assert.equal(missing.length, 0, `${missing.length} events missing, e.g. ${missing[0]}`);
  const extra = [...stored.keys()].filter((id) => !expected.has(id));
  assert.equal(extra.length, 0, `${extra.length} unexpected events stored`);
}

/** Tracks events, honouring backpressure; `during(i)` runs before event i (for mid-send interventions). */
async function send(c: PlazaClient, plan: Planned[], during?: (i: number) => Promise<void> | void) {
  for (let i = 0; i < plan.length; i++) {
    await during?.(i);
    if (!c.track(plan[i]!.input)) await c.waitForCapacity();
  }
}

describe('Node client against a real Plaza', () => {
  test('20,000 mixed events with gzip: the valid ones stored once, the invalid ones dead-lettered with reasons', async (tc) => {
    const t = await startPlaza();
    try {
      const plan = Array.from({ length: 20_000 }, (_, i) => planEvent(i));
      const valid = new Set(plan.filter((p) => !p.invalid).map((p) => p.input.eventId));
      const invalid = new Map(plan.filter((p) => p.invalid).map((p) => [p.input.eventId, p]));
      assert.equal(invalid.size, 200);

      const errors: PlazaDeliveryError[] = [];
      const c = new PlazaClient({
        writeKey: t.writeKey,
        host: t.url,
        gzip: true,
        flushAt: 500,
        maxBatchEvents: 500,
        flushOnExit: false,
        onError: (e) => errors.push(e),
      });
      const t0 = performance.now();
      await send(c, plan);
      const result = await c.close();
      const ms = performance.now() - t0;
      const s = c.stats;
      tc.diagnostic(
        `20000 events acknowledged in ${ms.toFixed(0)} ms (${Math.round(20_000 / (ms / 1000))} events/s, collector ` +
          `and workers in this process); ${s.requests} requests, ${(s.bytes / s.sent).toFixed(1)} B/event gzipped`,
      );

      assert.equal(s.accepted, valid.size);
      assert.equal(s.rejected, invalid.size);
      assert.deepEqual(
        [s.sent, s.deduplicated, s.failed, s.dropped, s.retried, s.queued, s.inFlight],
        [20_000, 0, 0, 0, 0, 0, 0],
      );
      assert.deepEqual(result, {
        sent: 20_000,
        accepted: valid.size,
        deduplicated: 0,
        rejected: invalid.size,
        failed: 0,
        dropped: 0,
      });
      assert.deepEqual(s.rejectedByKind, { schema_violation: 150, malformed: 50 });
      assert.ok(s.requests >= 40 && s.requests <= 60, `${s.requests} requests`);
      assert.ok(s.bytes / s.sent < 100, 'bodies are gzipped');

      // Every rejection names the event and the reason the plan broke it for.
      assert.ok(errors.every((e) => e.kind === 'rejected'));
      const rejections = errors.flatMap((e) => e.details.rejections ?? []);
      assert.equal(rejections.length, invalid.size);
      for (const r of rejections) {
        const p = invalid.get(r.eventId!);
        assert.ok(p, `rejected ${r.eventId} was meant to be valid: ${JSON.stringify(r.errors)}`);
        assert.equal(r.eventType, p.input.eventType);
        assert.ok(
          r.errors.some((e) => e.kind === p.invalid!.kind && e.pointer === p.invalid!.pointer),
          JSON.stringify(r.errors),
        );
      }

      assertStoredOnce(await storedCounts(t), valid);
      const byType = await t.plaza.stores.warehouse.query<{ event_type: string; n: bigint }>(
        'SELECT event_type, count(*) AS n FROM raw_events GROUP BY event_type ORDER BY event_type',
      );
      const expectedByType: Record<string, number> = {};
      for (const p of plan) {
        if (!p.invalid) expectedByType[p.input.eventType] = (expectedByType[p.input.eventType] ?? 0) + 1;
      }
      assert.deepEqual(Object.fromEntries(byType.map((r) => [r.event_type, Number(r.n)])), expectedByType);
      const [purchase] = await t.plaza.stores.warehouse.query<Record<string, any>>(
        "SELECT * FROM raw_events WHERE event_type = 'purchase_completed' LIMIT 1",
      );
      assert.equal(purchase!.library_name, 'plaza-node');
      assert.equal(purchase!.properties.total, 3700);
      assert.equal(Number(purchase!.schema_version), 1);
      assert.equal(purchase!.is_bot, false, "the client's own User-Agent does not make events bots");

      // The dead letters API lists each invalid event once, payload and reasons kept.
      const letters = await eventually(async () => {
        const r = await t.admin('GET', `/v1/admin/deadletters?project=${t.projectId}&limit=1000`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        return r.body.dead_letters.length >= invalid.size ? r.body.dead_letters : null;
      });
      assert.equal(letters.length, invalid.size);
      const lettered = new Set<string>();
      for (const d of letters) {
        const payload = JSON.parse(d.payload) as { event_id: string; event_type: string };
        const p = invalid.get(payload.event_id);
        assert.ok(p, `dead letter for ${payload.event_id} which was valid`);
        assert.equal(payload.event_type, p.input.eventType);
        assert.equal(d.key_id, t.keyId);
        assert.equal(d.status, 'new');
        assert.ok(
          d.errors.some((e: any) => e.kind === p.invalid!.kind && e.pointer === p.invalid!.pointer),
          JSON.stringify(d.errors),
        );
        lettered.add(payload.event_id);
      }
      assert.equal(lettered.size, invalid.size, 'each invalid event dead-lettered once');
      const byKind = await t.admin(
        'GET',
        `/v1/admin/deadletters?project=${t.projectId}&kind=malformed&limit=1000`,
      );
      assert.equal(byKind.body.dead_letters.length, 50);
    } finally {
      await t.close(true);
    }
  });

  test('Plaza restarting (same data dir and port) in the middle of a send: retries deliver everything once', async (tc) => {
    let t = await startPlaza();
    const { dataDir, writeKey } = t;
    const port = Number(new URL(t.url).port);
    try {
      const plan = Array.from({ length: 10_000 }, (_, i) => planEvent(i)).filter((p) => !p.invalid);
      const ids = new Set(plan.map((p) => p.input.eventId));
      const errors: PlazaDeliveryError[] = [];
      const c = new PlazaClient({
        writeKey,
        host: t.url,
        flushAt: 250,
        maxBatchEvents: 250,
        retryBaseMs: 50,
        retryMaxMs: 400,
        // About 75 s of backoff: a restart on a loaded machine takes seconds, and no batch may give up.
        maxRetries: 200,
        timeoutMs: 5000,
        // A small window makes the producer wait for the server, so the restart lands mid-stream.
        highWaterMark: 1000,
        flushOnExit: false,
        onError: (e) => errors.push(e),
      });
      let restarted: Promise<void> | undefined;
      let downAt = 0;
      let pendingAtStop = 0;
      await send(c, plan, (i) => {
        // Stop once a good part is stored and more is on its way; the producer keeps going meanwhile.
        if (restarted === undefined && c.stats.accepted >= 2000) {
          downAt = i;
          pendingAtStop = c.stats.queued + c.stats.inFlight;
          restarted = (async () => {
            await t.close();
            t = await startPlaza({ dataDir, writeKey, overrides: { port } });
          })();
        }
      });
      assert.ok(restarted, 'the restart happened during the send');
      await restarted;
      const result = await c.close();
      const s = c.stats;
      tc.diagnostic(
        `restart after ${downAt} events tracked; ${s.retried} retries, ${s.deduplicated} deduplicated, ` +
          `${s.requests} requests`,
      );
      assert.equal(t.url, `http://127.0.0.1:${port}`, 'back on the same port');
      assert.deepEqual(errors, [], 'no delivery error reported');
      assert.equal(s.failed, 0);
      assert.equal(s.rejected, 0);
      assert.equal(s.dropped, 0);
      assert.ok(s.retried > 0, 'the restart forced retries');
      assert.ok(pendingAtStop > 0, 'events were waiting or in flight when the server went away');
      assert.ok(plan.length - downAt > 1000, 'many events were tracked while the server was away');
      assert.equal(s.accepted + s.deduplicated, plan.length, 'every event acknowledged');
      assert.equal(result.failed, 0);
      assertStoredOnce(await storedCounts(t), ids);
    } finally {
      await t.close(true);
    }
  });
});
