/**
 * The stores vertical's pure parts: the seller-side world (plans, subscriptions, stock, closures), Dominican
 * delivery geography and local dates, prices, and the texts buyers write. The whole simulation (funnels,
 * calibration, validation, determinism) is in simulate-stores-stats.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ValidateFunction } from 'ajv';
import { catalogue } from '../src/schemas/catalogue/index.js';
import { SchemaCompiler } from '../src/schemas/compiler.js';
import { schemaIssues } from '../src/schemas/messages.js';
import { Rng } from '../src/simulate/core/rng.js';
import { Timeline } from '../src/simulate/core/timeline.js';
import {
  addLocalMonth,
  DAY_MS,
  deliveryTerms,
  localDate,
  localMidnight,
  regionOf,
} from '../src/simulate/stores/geo.js';
import { shelfPrice } from '../src/simulate/stores/pricing.js';
import { categories, kinds } from '../src/simulate/stores/products.js';
import { reviewText, searchText, spamText, stripAccents } from '../src/simulate/stores/text.js';
import {
  commissionFor,
  type Product,
  plans,
  type SellerDraft,
  type Store,
  StoresWorld,
  slugify,
} from '../src/simulate/stores/world.js';

const START = Date.UTC(2026, 0, 5, 4); // local midnight, Monday 5 January 2026

interface Emitted {
  at: number;
  draft: SellerDraft;
}

/** A world on the core's timeline, run up to `until`; emitted drafts in time order. */
function runWorld(options: { seed: number; stores: number; newPerDay: number; days: number }) {
  const timeline = new Timeline();
  let now = START;
  const emitted: Emitted[] = [];
  const clock = {
    schedule(at: number, action: (now: number) => void) {
      assert.ok(at >= now, `scheduled at ${at} before now ${now}`);
      timeline.schedule(at, action);
    },
  };
  const world = new StoresWorld({
    rng: new Rng(options.seed, 'world-test'),
    clock,
    emit: (at, draft) => {
      assert.ok(at >= now, `${draft.type} emitted in the past`);
      timeline.schedule(at, (t) => emitted.push({ at: t, draft }));
    },
    start: START,
    initialStores: options.stores,
    newStoresPerDay: () => options.newPerDay,
  });
  const until = START + options.days * DAY_MS;
  const run = (to: number) => {
    for (;;) {
      const e = timeline.pop();
      if (e === undefined) return;
      if (e.at >= to) {
        timeline.schedule(e.at, e.action!);
        return;
      }
      now = e.at;
      e.action?.(e.at);
    }
  };
  run(until);
  return { world, emitted, run, now: () => now };
}

const compiler = new SchemaCompiler();
const validators = new Map<string, ValidateFunction>();
function issues(type: string, properties: unknown): string[] {
  let v = validators.get(type);
  if (v === undefined) {
    const entry = catalogue.find((c) => c.eventType === type);
    assert.ok(entry, `catalogue has ${type}`);
    v = compiler.compile(entry.schema, type);
    validators.set(type, v);
  }
  return v(properties) ? [] : schemaIssues(v.errors ?? []).map((i) => i.message);
}

describe('stores world', () => {
  test('starts with open stores on plans, with commissions, products on sale in every category', () => {
    const { world } = runWorld({ seed: 1, stores: 120, newPerDay: 0, days: 0 });
    assert.equal(world.stores.length, 120);
    const ids = new Set(world.stores.map((s) => s.id));
    assert.equal(ids.size, 120);
    for (const s of world.stores) {
      assert.equal(s.status, 'active');
      assert.ok(plans.includes(s.plan));
      assert.equal(s.commissionRate, commissionFor(s.plan, s.category));
      assert.ok(s.commissionRate >= 0.03 && s.commissionRate <= 0.2);
      assert.ok(s.products.length >= 4 && s.products.length <= s.plan.productCap);
      assert.ok(s.registeredAt < START && s.periodStart <= START && s.periodEnd > START);
    }
    const productIds = new Set(world.products.map((p) => p.id));
    assert.equal(productIds.size, world.products.length);
    for (const c of categories) assert.ok((world.pool(c.key)?.size ?? 0) > 0, c.key);
    const plansSeen = new Set(world.stores.map((s) => s.plan.id));
    assert.deepEqual([...plansSeen].sort(), ['basico', 'premium', 'profesional']);
  });

  test('prices are realistic DOP shelf prices within their kind range', () => {
    const { world } = runWorld({ seed: 2, stores: 80, newPerDay: 0, days: 0 });
    for (const p of world.products) {
      const [lo, hi] = p.template.price;
      assert.ok(Number.isInteger(p.price) && p.price > 0, p.name);
      const brand = p.template.brands.find(([b]) => b === p.brand)![1];
      if (!p.store.fraud) {
        assert.ok(p.price >= lo * brand * 0.7 && p.price <= hi * brand * 1.35 * 1.3, `${p.name} ${p.price}`);
      }
      assert.match(p.categoryPath, /^[^>]+ > [^>]+$/);
      assert.ok(kinds.has(p.kindKey));
    }
  });

  test('new stores sign up, register, subscribe and list their products, in that order', () => {
    const { emitted, world } = runWorld({ seed: 3, stores: 20, newPerDay: 1.5, days: 20 });
    const registered = emitted.filter((e) => e.draft.type === 'seller_registered');
    assert.ok(registered.length >= 15, `registrations: ${registered.length}`);
    for (const r of registered) {
      const store = r.draft.store;
      const mine = emitted.filter((e) => e.draft.store === store).map((e) => e.draft.type);
      assert.deepEqual(mine.slice(0, 3), ['signed_up', 'seller_registered', 'subscription_started']);
      const listed = emitted.filter((e) => e.draft.store === store && e.draft.type === 'listing_created');
      assert.ok(listed.length >= 4);
      assert.ok(listed.every((e) => e.at > r.at));
    }
    for (let i = 1; i < emitted.length; i++) assert.ok(emitted[i]!.at >= emitted[i - 1]!.at);
    // Every product a buyer can draw was announced (listing_created) or was there before the history.
    const announced = new Set(
      emitted.filter((e) => e.draft.type === 'listing_created').map((e) => e.draft.product),
    );
    const r = new Rng(9);
    for (const c of categories) {
      for (let i = 0; i < 50; i++) {
        const p = world.pool(c.key)?.draw(r);
        if (p === undefined) continue;
        assert.ok(p.active && (p.store.preexisting || announced.has(p)), p.id);
      }
    }
  });

  test('subscriptions renew monthly at the plan fee, trials convert or end', () => {
    const { emitted } = runWorld({ seed: 4, stores: 60, newPerDay: 1, days: 75 });
    const byStore = new Map<Store, Emitted[]>();
    for (const e of emitted) {
      if (!e.draft.type.startsWith('subscription_')) continue;
      const list = byStore.get(e.draft.store) ?? [];
      list.push(e);
      byStore.set(e.draft.store, list);
    }
    let renewals = 0;
    let trials = 0;
    for (const [store, list] of byStore) {
      const renewed = list.filter((e) => e.draft.type === 'subscription_renewed');
      renewals += renewed.length;
      for (let i = 1; i < renewed.length; i++) {
        const a = renewed[i - 1]!.draft.properties;
        const b = renewed[i]!.draft.properties;
        assert.equal(b['renewal_count'], (a['renewal_count'] as number) + 1);
        const days =
          (Date.parse(b['period_start'] as string) - Date.parse(a['period_start'] as string)) / DAY_MS;
        assert.ok(days >= 28 && days <= 31, `period of ${days} days`);
      }
      for (const e of renewed) {
        const plan = plans.find((p) => p.id === e.draft.properties['plan'])!;
        assert.equal(e.draft.properties['amount'], plan.monthlyFee);
      }
      const started = list.find((e) => e.draft.type === 'subscription_started');
      if (started?.draft.properties['trial'] === true) {
        trials++;
        assert.equal(started.draft.properties['amount'], 0);
      }
      const cancelled = list.filter((e) => e.draft.type === 'subscription_cancelled');
      assert.ok(cancelled.length <= 1);
      if (cancelled.length === 1) {
        assert.equal(store.status, 'closed');
        assert.equal(list.at(-1)!.draft.type, 'subscription_cancelled', 'nothing after a cancellation');
      }
    }
    assert.ok(renewals >= 60, `renewals: ${renewals}`);
    assert.ok(trials >= 3, `trials: ${trials}`);
  });

  test('a closing store takes its products off sale with listing_removed', () => {
    const { emitted, world } = runWorld({ seed: 5, stores: 150, newPerDay: 0, days: 70 });
    const cancelled = emitted.filter((e) => e.draft.type === 'subscription_cancelled');
    assert.ok(cancelled.length > 0);
    for (const c of cancelled) {
      const store = c.draft.store;
      const removed = emitted.filter((e) => e.draft.type === 'listing_removed' && e.draft.store === store);
      assert.ok(removed.length > 0 && removed.every((e) => e.at >= c.at));
      assert.ok(store.products.every((p) => !p.active && p.removed));
      assert.ok(['seller', 'system', 'platform'].includes(c.draft.properties['cancelled_by'] as string));
    }
    assert.ok(
      world.stores.every((s) => s.status !== 'closed'),
      'closed stores are forgotten',
    );
    const r = new Rng(3);
    for (const c of categories)
      for (let i = 0; i < 200; i++) assert.notEqual(world.pool(c.key)?.draw(r)?.active, false);
  });

  test('stock goes down with sales and comes back with a restock', () => {
    const { world, emitted, run, now } = runWorld({ seed: 6, stores: 30, newPerDay: 0, days: 1 });
    // Products of stores whose paid period outlasts the wait (a closing store restocks nothing).
    const soldOut = world.products
      .filter((x) => x.active && x.stock >= 2 && !x.store.fraud && x.store.periodEnd > now() + 16 * DAY_MS)
      .slice(0, 6);
    assert.equal(soldOut.length, 6);
    const p = soldOut[0] as Product;
    const stock = p.stock;
    assert.equal(world.sell(p, 1, now()), true);
    assert.equal(p.stock, stock - 1);
    assert.equal(world.sell(p, p.stock + 1, now()), false, 'cannot sell more than the stock');
    for (const x of soldOut) assert.equal(world.sell(x, x.stock, now()), true);
    assert.equal(p.stock, 0);
    run(now() + 15 * DAY_MS);
    const restocked = soldOut.filter((x) =>
      emitted.some(
        (e) =>
          e.draft.product === x &&
          e.draft.type === 'listing_updated' &&
          ((e.draft.properties['changed_fields'] as string[] | undefined) ?? []).includes('stock') &&
          (e.draft.properties['stock'] as number) > 0 &&
          e.draft.properties['in_stock'] === true,
      ),
    );
    assert.ok(restocked.length >= 4, `restocked ${restocked.length} of 6`);
    for (const x of restocked) assert.ok(x.stock > 0);
  });

  test('every seller-side event validates against the catalogue', () => {
    const { emitted } = runWorld({ seed: 7, stores: 100, newPerDay: 2, days: 65 });
    const types = new Set<string>();
    for (const e of emitted) {
      types.add(e.draft.type);
      assert.deepEqual(
        issues(e.draft.type, e.draft.properties),
        [],
        `${e.draft.type} ${JSON.stringify(e.draft.properties)}`,
      );
    }
    for (const t of [
      'signed_up',
      'seller_registered',
      'subscription_started',
      'subscription_renewed',
      'subscription_cancelled',
      'listing_created',
      'listing_updated',
      'listing_removed',
    ]) {
      assert.ok(types.has(t), t);
    }
  });

  test('is deterministic', () => {
    const a = runWorld({ seed: 8, stores: 40, newPerDay: 1, days: 40 }).emitted;
    const b = runWorld({ seed: 8, stores: 40, newPerDay: 1, days: 40 }).emitted;
    const key = (x: Emitted[]) => JSON.stringify(x.map((e) => [e.at, e.draft.type, e.draft.properties]));
    assert.equal(key(a), key(b));
    assert.notEqual(key(a), key(runWorld({ seed: 9, stores: 40, newPerDay: 1, days: 40 }).emitted));
  });
});

describe('stores geography and dates', () => {
  test('delivery costs more and takes longer further away', () => {
    assert.deepEqual(deliveryTerms('Santiago', 'Santiago'), { fee: 150, days: 1 });
    assert.deepEqual(deliveryTerms('Santiago', 'La Vega'), { fee: 250, days: 2 });
    assert.deepEqual(deliveryTerms('Distrito Nacional', 'Puerto Plata'), { fee: 350, days: 3 });
    assert.deepEqual(deliveryTerms('La Altagracia', 'Barahona'), { fee: 450, days: 4 });
    assert.equal(regionOf('Santo Domingo'), 'capital');
  });

  test('local dates are UTC−4 and months keep the day of month when they can', () => {
    assert.equal(localDate(Date.UTC(2026, 0, 1, 3)), '2025-12-31');
    assert.equal(localDate(Date.UTC(2026, 0, 1, 4)), '2026-01-01');
    assert.equal(localMidnight(Date.UTC(2026, 0, 1, 15)), Date.UTC(2026, 0, 1, 4));
    const jan31 = Date.UTC(2026, 0, 31, 18);
    assert.equal(localDate(addLocalMonth(jan31)), '2026-02-28');
    assert.equal(localDate(addLocalMonth(Date.UTC(2026, 1, 15, 18))), '2026-03-15');
  });

  test('shelf prices end the way stores print them', () => {
    assert.equal(shelfPrice(3447), 3445);
    assert.equal(shelfPrice(648), 650);
    assert.equal(shelfPrice(18_960), 19_000);
    assert.equal(shelfPrice(18_840), 18_800);
    assert.equal(shelfPrice(18_920), 18_899);
    assert.ok(shelfPrice(42) % 5 === 0);
    assert.equal(slugify('Licuadora Oster 10 velocidades (ñandú)'), 'licuadora-oster-10-velocidades-nandu');
  });
});

describe('stores texts', () => {
  const template = kinds.get('hogar/0/1')!.template; // Freidora de aire
  test('searches name the brand, the price cap and the province the buyer has in mind', () => {
    const r = new Rng(11);
    let typos = 0;
    for (let i = 0; i < 300; i++) {
      const q = searchText(r, {
        lang: 'es',
        template,
        brand: 'Ninja',
        priceMax: 5000,
        cheap: false,
        province: 'Santiago',
      });
      if (q.typo) {
        typos++;
        continue;
      }
      assert.match(q.text, /ninja/);
      assert.match(q.text, /5 mil|5000/);
      assert.match(q.text, /santiago|stgo/);
    }
    assert.ok(typos > 3 && typos < 50, `typos: ${typos}`);
    const en = searchText(new Rng(12), {
      lang: 'en',
      template,
      brand: null,
      priceMax: null,
      cheap: true,
      province: null,
    });
    assert.match(en.text, /air fryer/);
    assert.equal(stripAccents('freidora económica'), 'freidora economica');
  });

  test('reviews say what happened, in the buyer language', () => {
    const r = new Rng(13);
    const fill = { item: 'licuadora', store: 'Hogar Feliz', days: 2, late: 4 };
    assert.match(reviewText(r, 'es', 'negative', 'late', fill).text, /tard|esperando/i);
    assert.match(reviewText(r, 'en', 'negative', 'never_arrived', fill).text, /never arrived/);
    assert.match(reviewText(r, 'es', 'negative', 'cancelled', fill).text, /cancel/i);
    const spam = spamText(r, 'promotion', 'es', { phone: '809-555-0101', handle: 'hogarfelizrd' });
    assert.match(spam.text, /809-555-0101|@hogarfelizrd|WhatsApp|Instagram|combo/);
  });
});
