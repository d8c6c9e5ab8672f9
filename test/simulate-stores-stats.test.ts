/**
 * The stores simulation as a whole, at its default scale (90 days, 6,000 buyers, 400 stores): every event goes
 * through the collector's native normalisation and schema validation (as the Node client would send it), and
 * the statistics hold within the bounds of src/simulate/stores/calibration.ts. Same seed, same events.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, type TestContext, test } from 'node:test';
import { normalizeNative } from '../src/collector/normalize/native.js';
import { defaultProjectSettings, type IngestContext } from '../src/collector/types.js';
import { catalogue } from '../src/schemas/catalogue/index.js';
import { SchemaCompiler } from '../src/schemas/compiler.js';
import type { CompiledSchema, EventTypeSchemas, SchemaRegistry } from '../src/schemas/registry.js';
import { validateEvent } from '../src/schemas/validate.js';
import { createSimulation, defaultDays, defaultSellers, defaultUsers } from '../src/simulate/index.js';
import { bounds } from '../src/simulate/stores/calibration.js';
import type { SimEvent } from '../src/simulate/types.js';

const START = Date.UTC(2026, 0, 5, 4);
const DAY = 86_400_000;

/** The catalogue compiled as the schema registry compiles it, behind the registry's lookup. */
function catalogueRegistry(): SchemaRegistry {
  const compiler = new SchemaCompiler();
  const types = new Map<string, EventTypeSchemas>();
  for (const c of catalogue) {
    const compiled: CompiledSchema = {
      entry: {
        projectId: '*',
        eventType: c.eventType,
        version: c.version,
        description: c.description,
        schema: c.schema,
        builtIn: true,
        createdAt: null,
      },
      validate: compiler.compile(c.schema, JSON.stringify(c.eventType)),
    };
    types.set(c.eventType, { latest: compiled, versions: new Map([[c.version, compiled]]) });
  }
  return { lookup: (_project: string, type: string) => types.get(type) } as unknown as SchemaRegistry;
}

/** The native event the Node client sends for a simulator call (sdk/node/src/client.ts, enqueue and page). */
function toNative(e: SimEvent): Record<string, unknown> {
  const i = e.input;
  let type: string;
  let properties: Record<string, unknown>;
  let context: Record<string, unknown> = { ...i.context };
  let traits: Record<string, unknown> | undefined;
  if (e.call === 'track') {
    type = e.input.eventType;
    properties = e.input.properties ?? {};
  } else if (e.call === 'identify') {
    type = 'identify';
    properties = {};
    traits = e.input.traits ?? {};
  } else {
    const p = e.input;
    type = 'page_view';
    properties = { ...p.properties };
    if (p.url !== undefined) properties['url'] = p.url;
    if (p.path !== undefined) properties['path'] = p.path;
    if (p.title !== undefined) properties['title'] = p.title;
    if (p.referrer !== undefined) properties['referrer'] = p.referrer;
    context = { ...context };
    if (p.url !== undefined) context['page_url'] = p.url;
    if (p.title !== undefined) context['page_title'] = p.title;
    if (p.referrer !== undefined) context['referrer'] = p.referrer;
  }
  return {
    event_id: i.eventId,
    event_type: type,
    timestamp: i.timestamp,
    sent_at: i.timestamp,
    anonymous_id: i.anonymousId,
    user_id: i.userId,
    session_id: i.sessionId,
    seller_id: i.sellerId,
    listing_id: i.listingId,
    context: { ...context, library: { name: 'plaza-node', version: '0.1.0' } },
    properties,
    traits,
  };
}

const typeOf = (e: SimEvent): string =>
  e.call === 'track' ? e.input.eventType : e.call === 'page' ? 'page_view' : 'identify';

interface Stats {
  events: number;
  generationMs: number;
  invalid: string[];
  outOfOrder: number;
  counts: Record<string, number>;
  pagesBySession: Map<string, number>;
  checkouts: Set<string>;
  purchasedCheckouts: Set<string>;
  failedCheckouts: Set<string>;
  orderTotals: number[];
  badTotals: string[];
  ratings: { rating: number; language: string; verified: boolean }[];
  storesSeen: Set<string>;
}

function run(seed: number, groundTruthDir: string): Stats {
  const registry = catalogueRegistry();
  const ctx: IngestContext = {
    projectId: 'proj_tiendi',
    keyId: 'key_sim',
    receivedAt: new Date(START),
    requestIp: null,
    requestUserAgent: null,
    sentAt: null,
    settings: defaultProjectSettings,
  };
  const sim = createSimulation({
    vertical: 'stores',
    seed,
    start: START,
    days: defaultDays,
    users: defaultUsers,
    sellers: defaultSellers,
    groundTruthDir,
  });
  const it = sim.events();
  const end = START + defaultDays * DAY;
  const s: Stats = {
    events: 0,
    generationMs: 0,
    invalid: [],
    outOfOrder: 0,
    counts: {},
    pagesBySession: new Map(),
    checkouts: new Set(),
    purchasedCheckouts: new Set(),
    failedCheckouts: new Set(),
    orderTotals: [],
    badTotals: [],
    ratings: [],
    storesSeen: new Set(),
  };
  let last = 0;
  for (;;) {
    const t0 = performance.now();
    const r = it.next();
    s.generationMs += performance.now() - t0;
    if (r.done) break;
    const e = r.value;
    const ts = Date.parse(e.input.timestamp as string);
    if (ts >= end) break;
    if (ts < last) s.outOfOrder++;
    last = ts;
    s.events++;
    const type = typeOf(e);
    s.counts[type] = (s.counts[type] ?? 0) + 1;

    ctx.receivedAt = new Date(ts);
    const normalized = normalizeNative(toNative(e), ctx);
    if (normalized.type !== 'ok') {
      if (s.invalid.length < 5) s.invalid.push(`${type}: ${JSON.stringify(normalized)}`);
      continue;
    }
    const validated = validateEvent(registry, normalized.value, 'reject');
    if (validated.type !== 'ok' && s.invalid.length < 5) {
      s.invalid.push(`${type}: ${JSON.stringify(validated)} ${JSON.stringify(normalized.value.properties)}`);
    }

    const p = (e.call === 'identify' ? {} : (e.input.properties ?? {})) as Record<string, unknown>;
    if (e.call === 'page') {
      const id = e.input.sessionId as string;
      s.pagesBySession.set(id, (s.pagesBySession.get(id) ?? 0) + 1);
    }
    switch (type) {
      case 'checkout_started':
        s.checkouts.add(p['checkout_id'] as string);
        break;
      case 'payment_failed':
        s.failedCheckouts.add(p['checkout_id'] as string);
        break;
      case 'purchase_completed': {
        s.purchasedCheckouts.add(p['checkout_id'] as string);
        const total = p['total'] as number;
        s.orderTotals.push(total);
        const sub = p['subtotal'] as number;
        const expected =
          sub + (p['delivery_fee'] as number) + (p['tax'] as number) - (p['discount'] as number);
        const items = p['items'] as { price: number; quantity: number }[];
        const lines = items.reduce((a, l) => a + l.price * l.quantity, 0);
        if (
          Math.abs(expected - total) > 0.011 ||
          Math.abs(lines - sub) > 0.011 ||
          (p['tax'] as number) > sub * 0.18 + 0.01 ||
          p['currency'] !== 'DOP'
        ) {
          if (s.badTotals.length < 5) s.badTotals.push(JSON.stringify(p));
        }
        break;
      }
      case 'review_written':
        s.ratings.push({
          rating: p['rating'] as number,
          language: p['language'] as string,
          verified: p['verified_purchase'] === true,
        });
        break;
      case 'seller_registered':
      case 'subscription_renewed':
        s.storesSeen.add(p['store_id'] as string);
        break;
    }
  }
  void sim.close();
  return s;
}

const readTruth = (dir: string, kind: string): Record<string, unknown>[] =>
  readFileSync(join(dir, `${kind}.ndjson`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Checks a statistic against its bound, and reports it (`npm test -- simulate-stores-stats` shows them). */
function within(t: TestContext, name: keyof typeof bounds, value: number): void {
  const [lo, hi] = bounds[name];
  t.diagnostic(`${name} = ${Number(value.toFixed(4))} (bounds ${lo}..${hi})`);
  assert.ok(value >= lo && value <= hi, `${name} = ${value.toFixed(4)}, expected within [${lo}, ${hi}]`);
}

const share = <T>(items: T[], pred: (x: T) => boolean): number => items.filter(pred).length / items.length;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('stores simulation at default scale', () => {
  let dir: string;
  let s: Stats;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'plaza-stores-truth-'));
    s = run(20260105, dir);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('90 days make 500k to 1M events, in time order', (t) => {
    assert.ok(s.events >= 500_000 && s.events <= 1_000_000, `events: ${s.events}`);
    assert.equal(s.outOfOrder, 0);
    within(t, 'eventsPerBuyerDay', s.events / defaultDays / defaultUsers);
    const rate = s.events / (s.generationMs / 1000);
    t.diagnostic(`${s.events} events in ${defaultDays} days; generation ${Math.round(rate)} events/s`);
    // Speed is measured by bench/simulate, not asserted: test machines are too noisy.
  });

  test("every event passes the collector's normalisation and the catalogue validation", () => {
    assert.deepEqual(s.invalid, []);
    for (const type of [
      'page_view',
      'engagement',
      'search',
      'click',
      'product_viewed',
      'favorite',
      'add_to_cart',
      'remove_from_cart',
      'checkout_started',
      'payment_failed',
      'purchase_completed',
      'order_cancelled',
      'order_refunded',
      'review_written',
      'signed_up',
      'logged_in',
      'identify',
      'group',
      'seller_registered',
      'subscription_started',
      'subscription_renewed',
      'subscription_changed',
      'subscription_cancelled',
      'listing_created',
      'listing_updated',
      'listing_removed',
    ]) {
      assert.ok((s.counts[type] ?? 0) > 0, `${type} generated`);
    }
  });

  test('the funnel narrows like a store marketplace: views, carts, checkouts, purchases', (t) => {
    const c = s.counts;
    within(t, 'cartPerView', c['add_to_cart']! / c['product_viewed']!);
    within(t, 'checkoutPerCart', c['checkout_started']! / c['add_to_cart']!);
    const purchased = [...s.checkouts].filter((id) => s.purchasedCheckouts.has(id)).length;
    within(t, 'purchasePerCheckout', purchased / s.checkouts.size);
    const pages = [...s.pagesBySession.values()];
    within(
      t,
      'bounceRate',
      share(pages, (n) => n === 1),
    );
  });

  test('payments fail at a realistic rate and many buyers retry successfully', (t) => {
    const failed = s.counts['payment_failed']!;
    within(t, 'paymentFailureShare', failed / (failed + s.purchasedCheckouts.size));
    const recovered = [...s.failedCheckouts].filter((id) => s.purchasedCheckouts.has(id)).length;
    within(t, 'recoveredAfterFailure', recovered / s.failedCheckouts.size);
    const causes = new Set(readTruth(dir, 'payment_failures').map((f) => f['cause']));
    assert.ok(
      causes.has('insufficient_funds') && causes.has('issuer_declined') && causes.size >= 5,
      [...causes].join(),
    );
  });

  test('orders: totals add up with ITBIS, AOV, cancellations and refunds', (t) => {
    assert.deepEqual(s.badTotals, []);
    within(t, 'aov', mean(s.orderTotals));
    within(t, 'cancelShare', s.counts['order_cancelled']! / s.counts['purchase_completed']!);
    within(t, 'refundShare', s.counts['order_refunded']! / s.counts['purchase_completed']!);
    const outcomes = new Set(readTruth(dir, 'orders').map((o) => o['outcome']));
    for (const o of ['delivered', 'cancelled', 'refunded']) assert.ok(outcomes.has(o), o);
  });

  test('reviews: J-shaped ratings that follow the experience, a labelled share of spam', (t) => {
    const legit = s.ratings.filter((r) => r.verified);
    const ratings = legit.map((r) => r.rating);
    within(t, 'meanRating', mean(ratings));
    within(
      t,
      'fiveStarShare',
      share(ratings, (r) => r === 5),
    );
    within(
      t,
      'lowStarShare',
      share(ratings, (r) => r <= 2),
    );
    within(
      t,
      'spanishReviewShare',
      share(legit, (r) => r.language.startsWith('es')),
    );
    const end = START + defaultDays * DAY;
    const truth = readTruth(dir, 'reviews').filter((r) => Date.parse(r['at'] as string) < end);
    assert.equal(truth.length, s.ratings.length, 'one label per review');
    within(
      t,
      'spamShare',
      share(truth, (r) => r['spam'] === true),
    );
    const troubled = truth.filter(
      (r) => r['spam'] === false && (r['issue'] !== 'none' || (r['late_days'] as number) > 0),
    );
    within(t, 'troubledMeanRating', mean(troubled.map((r) => r['rating'] as number)));
    const smooth = truth.filter((r) => r['spam'] === false && r['issue'] === 'none' && r['late_days'] === 0);
    assert.ok(mean(smooth.map((r) => r['rating'] as number)) > 4.2);
    for (const r of truth) assert.ok(['positive', 'neutral', 'negative'].includes(r['sentiment'] as string));
  });

  test('searches: Dominican Spanish and English, with intents in the ground truth', (t) => {
    const end = START + defaultDays * DAY;
    const intents = readTruth(dir, 'searches')
      .filter((x) => Date.parse(x['at'] as string) < end)
      .map((x) => ({ ...x, ...(x['intent'] as object) }));
    assert.equal(intents.length, s.counts['search']);
    within(
      t,
      'spanishSearchShare',
      share(intents, (i) => i['language'] === 'es'),
    );
    assert.ok(share(intents, (i) => i['typo'] === true) > 0.01);
    assert.ok(share(intents, (i) => i['price_max'] !== null) > 0.1);
    assert.ok(intents.some((i) => /menos de|hasta|barat/.test(i['query'] as string)));
  });

  test('stores churn, and the ground truth says which and why', (t) => {
    const stores = readTruth(dir, 'stores');
    const churn = readTruth(dir, 'store_churn');
    assert.ok(stores.length >= defaultSellers * 0.95, `stores: ${stores.length}`);
    within(t, 'storeChurnShare', churn.length / stores.length);
    const by = new Set(churn.map((c) => c['cancelled_by']));
    assert.ok(by.has('seller') && by.has('system'), [...by].join());
    assert.equal(churn.length, s.counts['subscription_cancelled']);
    assert.ok(stores.some((x) => x['fraud'] === true));
    assert.equal(readTruth(dir, 'buyers').length > defaultUsers * 0.9, true);
  });
});

describe('stores simulation determinism', () => {
  function first(seed: number, n: number): string[] {
    const sim = createSimulation({
      vertical: 'stores',
      seed,
      start: START,
      days: 30,
      users: 1500,
      sellers: 100,
    });
    const it = sim.events();
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(JSON.stringify(it.next().value));
    void sim.close();
    return out;
  }

  test('the same seed gives the same events; another seed, others', () => {
    const a = first(7, 40_000);
    const b = first(7, 40_000);
    assert.deepEqual(a, b);
    const c = first(8, 2000);
    assert.notDeepEqual(a.slice(0, 2000), c);
  });
});
