/**
 * The seller side of a multi-vendor store marketplace (Tiendi): stores with plans, commissions and monthly
 * subscriptions that renew, change plan or churn; their products, with prices that change and stock that
 * sells out and is restocked; a few fraudulent stores that the platform takes down.
 *
 * Deterministic: everything random comes from the `Rng` given, and everything happens through the clock
 * (`schedule`), at its own time, so that what buyers see always matches the events sent before it: a product
 * is on sale from its listing_created on, a price from its listing_updated on, a store until its
 * subscription_cancelled. Memory is bounded: closed stores and removed products are dropped.
 */
import type { Province } from '../core/geo.js';
import { provinceByCommerce } from '../core/geo.js';
import type { GroundTruth } from '../core/ground-truth.js';
import { cumulativeIndex, type Rng, WeightedTable } from '../core/rng.js';
import { addLocalMonth, DAY_MS, localDate, localMidnight } from './geo.js';
import { round2, shelfPrice } from './pricing.js';
import { type Category, type CategoryKey, categories, type ProductTemplate } from './products.js';

export type PlanId = 'basico' | 'profesional' | 'premium';

export interface Plan {
  id: PlanId;
  name: string;
  /** Monthly fee in DOP. */
  monthlyFee: number;
  /** Commission before the category adjustment. */
  commissionRate: number;
  /** Share of stores choosing it at registration. */
  share: number;
  /** Most products a store on the plan lists. */
  productCap: number;
  /** Monthly churn hazard of a store with average sales. */
  monthlyChurn: number;
  /** How much more buyers see the store's products (featured placement). */
  visibility: number;
  /** Orders in a period from which a store considers upgrading. */
  upgradeAt: number;
}

export const plans: readonly Plan[] = [
  {
    id: 'basico',
    name: 'Básico',
    monthlyFee: 990,
    commissionRate: 0.12,
    share: 0.52,
    productCap: 40,
    monthlyChurn: 0.05,
    visibility: 1,
    upgradeAt: 12,
  },
  {
    id: 'profesional',
    name: 'Profesional',
    monthlyFee: 2490,
    commissionRate: 0.09,
    share: 0.33,
    productCap: 150,
    monthlyChurn: 0.03,
    visibility: 1.3,
    upgradeAt: 40,
  },
  {
    id: 'premium',
    name: 'Premium',
    monthlyFee: 5490,
    commissionRate: 0.07,
    share: 0.15,
    productCap: 400,
    monthlyChurn: 0.02,
    visibility: 1.7,
    upgradeAt: Number.POSITIVE_INFINITY,
  },
];

const planTable = new WeightedTable(
  plans,
  plans.map((p) => p.share),
);
const categoryTable = new WeightedTable(
  categories,
  categories.map((c) => c.storeShare),
);

/** Commission of a plan in a category, as a fraction. */
export const commissionFor = (plan: Plan, category: Category): number =>
  Math.round(Math.min(0.2, Math.max(0.03, plan.commissionRate + category.commissionDelta)) * 1000) / 1000;

export type StoreStatus = 'pending' | 'active' | 'closed';

export interface Store {
  /** Serial number, from 0. */
  readonly index: number;
  readonly id: string;
  /** The owner's account: the user of seller-side events. The store itself is the seller (seller_id). */
  readonly ownerId: string;
  readonly subscriptionId: string;
  readonly name: string;
  readonly category: Category;
  readonly province: Province;
  readonly city: string;
  readonly businessType: 'individual' | 'company';
  readonly source: string;
  readonly registeredAt: number;
  /** Registered before the simulated history starts (so no registration events). */
  readonly preexisting: boolean;
  /** Latent service quality in [0, 1]: accuracy of listings, packing, answers. */
  readonly quality: number;
  /** Probability that a delivery arrives late. */
  readonly lateRate: number;
  /** Probability that the store cancels an order (stock out of sync, no delivery to the zone). */
  readonly sellerCancelRate: number;
  /** Multiplier of the store's prices against the market. */
  readonly priceLevel: number;
  /** Multiplier of the store's churn hazard. */
  readonly churnProneness: number;
  /** A fraudulent store: prices far below market, orders that never arrive. */
  readonly fraud: boolean;
  /** Offers free delivery from this subtotal (DOP), if at all. */
  readonly freeDeliveryFrom: number | null;
  plan: Plan;
  commissionRate: number;
  paymentMethod: 'card' | 'transfer';
  trial: boolean;
  /** The current paid period: [periodStart, periodEnd). */
  periodStart: number;
  periodEnd: number;
  renewals: number;
  monthsPaid: number;
  status: StoreStatus;
  closedAt: number | null;
  ordersThisPeriod: number;
  ordersTotal: number;
  refundsTotal: number;
  products: Product[];
}

export interface Product {
  readonly index: number;
  readonly id: string;
  readonly store: Store;
  readonly name: string;
  /** URL slug of the name. */
  readonly slug: string;
  /** "Hogar > Cocina". */
  readonly categoryPath: string;
  readonly category: Category;
  /** Key of the product kind (category/subcategory/template), shared by every store selling it. */
  readonly kindKey: string;
  readonly template: ProductTemplate;
  readonly brand: string;
  readonly taxable: boolean;
  /** Market price (ground truth for price models). */
  readonly fairPrice: number;
  readonly popularity: number;
  /** Probability that a unit is defective or not as described. */
  readonly defectRate: number;
  readonly createdAt: number;
  price: number;
  /** Price when the product went on sale (what the pools' price counts use). */
  listedPrice: number;
  stock: number;
  /** On sale (listed, store open). */
  active: boolean;
  /** Taken down for good. */
  removed: boolean;
  restocking: boolean;
  sold: number;
}

/** A seller-side event, before the simulation core adds ids, context and the envelope. */
export interface SellerDraft {
  type: string;
  store: Store;
  /** For events about one product. */
  product?: Product;
  properties: Record<string, unknown>;
}

/** The clock the world runs on: the simulation core's scheduler, or a test's. */
export interface Clock {
  /** Runs `action` at `at` (never before the current action's time); actions run in time order. */
  schedule(at: number, action: (now: number) => void): void;
}

export interface WorldOptions {
  rng: Rng;
  clock: Clock;
  /** Receives every seller-side event, at its time (never before the action that emits it). */
  emit: (at: number, draft: SellerDraft) => void;
  /** First instant of the simulated history (UTC ms). */
  start: number;
  /** Stores already open when the history starts. */
  initialStores: number;
  /** Mean number of stores registering on the local day starting at `dayStart`. */
  newStoresPerDay: (dayStart: number) => number;
  /** Share of new stores that are fraudulent (default 0.03). */
  fraudShare?: number;
  truth?: GroundTruth;
}

const personNames = [
  'Don José',
  'Doña Carmen',
  'Yaneris',
  'Hermanos Pérez',
  'La Esquina',
  'El Primo',
  'Wilkin',
  'Arelis',
  'Los Compadres',
  'Mi Barrio',
  'Santana',
  'La Bendición',
];
const suffixes = [
  'RD',
  'Express',
  'Dominicana',
  'Plus',
  'Store',
  'Center',
  'Outlet',
  'Online',
  'Shop',
  'Premium',
];
const sources = ['organic', 'organic', 'referral', 'sales_team', 'ads', 'social'];
const churnReasonsLowSales = ['Pocas ventas', 'No me salen las ventas', 'Low sales'];
const churnReasons = [
  'Cierre del negocio',
  'Muy caro el plan',
  'Me mudo a otra plataforma',
  'Vendo por Instagram',
];

const hours = (h: number) => h * 3600_000;

export function slugify(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * Products buyers can be shown, drawn by popularity and store visibility (the plan's, when listed). Kept
 * incrementally as products go on sale and come off: a running sum for draws, sorted prices for counts.
 * Products of closed stores leave lazily (skipped by draws, compacted once they are a quarter of the pool).
 */
export class ProductPool {
  readonly products: Product[] = [];
  private readonly cumulative: number[] = [];
  private total = 0;
  /** Sorted prices (as listed), for result counts under a price cap. */
  private prices: number[] = [];
  /** Products in the arrays that are no longer on sale. */
  private stale = 0;

  add(p: Product): void {
    this.products.push(p);
    this.total += weightOf(p);
    this.cumulative.push(this.total);
    this.prices.splice(upperBound(this.prices, p.price), 0, p.price);
  }

  /** `count` products of the pool went off sale (already marked inactive). */
  forget(count: number): void {
    this.stale += count;
    if (this.stale * 4 > this.products.length) this.compact();
  }

  /** Removes one product now (re-weighing after a plan change). */
  remove(p: Product): void {
    const i = this.products.indexOf(p);
    if (i < 0) return;
    this.products.splice(i, 1);
    this.cumulative.splice(i, 1);
    let total = i === 0 ? 0 : (this.cumulative[i - 1] as number);
    for (let j = i; j < this.products.length; j++) {
      total += weightOf(this.products[j] as Product);
      this.cumulative[j] = total;
    }
    this.total = total;
    const k = upperBound(this.prices, p.listedPrice) - 1;
    if (k >= 0 && this.prices[k] === p.listedPrice) this.prices.splice(k, 1);
  }

  /** Products on sale. */
  get size(): number {
    return this.products.length - this.stale;
  }

  draw(r: Rng): Product | undefined {
    if (this.size <= 0) return undefined;
    for (;;) {
      const p = this.drawAny(r);
      if (p.active) return p;
    }
  }

  /** Products priced at or under `max` (at their listing price: promotions do not move them). */
  countUnder(max: number): number {
    return Math.max(0, Math.round(upperBound(this.prices, max) * (this.size / this.products.length)));
  }

  private drawAny(r: Rng): Product {
    return this.products[cumulativeIndex(this.cumulative, r.float() * this.total)] as Product;
  }

  private compact(): void {
    let w = 0;
    this.total = 0;
    const prices: number[] = [];
    for (const p of this.products) {
      if (!p.active) continue;
      this.products[w] = p;
      this.total += weightOf(p);
      this.cumulative[w] = this.total;
      prices.push(p.listedPrice);
      w++;
    }
    this.products.length = w;
    this.cumulative.length = w;
    this.prices = prices.sort((x, y) => x - y);
    this.stale = 0;
  }
}

const weightOf = (p: Product): number => p.popularity * p.store.plan.visibility;

/** Index of the first element greater than `x` in a sorted array. */
function upperBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class StoresWorld {
  /** Stores not closed (pending registration or active). */
  stores: Store[] = [];
  /** Products not removed (some not listed yet). */
  products: Product[] = [];
  /** Totals since the start, for the vertical's replacement of churned stores and for tests. */
  readonly counts = { storesOpened: 0, storesClosed: 0, productsCreated: 0 };
  private readonly byCategory = new Map<CategoryKey, ProductPool>(
    categories.map((c) => [c.key, new ProductPool()]),
  );
  private readonly byKind = new Map<string, ProductPool>();
  /** Product kinds per category, once per product on sale (capped), to draw kinds by offer. */
  private readonly kindsByCategory = new Map<CategoryKey, string[]>(categories.map((c) => [c.key, []]));
  private readonly r: Rng;
  private readonly truth: GroundTruth | undefined;
  private readonly usedNames = new Set<string>();
  private readonly fraudShare: number;
  /** Closed stores already dropped from `stores` and `products`. */
  private compactedAt = 0;

  constructor(private readonly o: WorldOptions) {
    this.r = o.rng;
    this.truth = o.truth?.enabled ? o.truth : undefined;
    this.fraudShare = o.fraudShare ?? 0.03;
    for (let i = 0; i < o.initialStores; i++) {
      // Open between a week and two years before the history starts, most of them recently.
      const ageDays = Math.min(730, 7 + this.r.exponential(160));
      const store = this.openStore(o.start - ageDays * DAY_MS, true, this.r.float() < 0.005);
      store.status = 'active';
      for (const p of store.products) this.goOnSale(p);
      o.clock.schedule(store.periodEnd, (now) => this.renewOrEnd(store, now));
      if (store.fraud) this.scheduleTakedown(store, o.start);
    }
    const firstDay = localMidnight(o.start);
    o.clock.schedule(o.start, () => this.day(firstDay, o.start));
  }

  /** Active products of a category, or undefined when it has none. */
  pool(category: CategoryKey): ProductPool | undefined {
    const p = this.byCategory.get(category);
    return p === undefined || p.size === 0 ? undefined : p;
  }

  kindPool(kindKey: string): ProductPool | undefined {
    const p = this.byKind.get(kindKey);
    return p === undefined || p.size === 0 ? undefined : p;
  }

  /** A product kind of the category, drawn in proportion to how much of it is on sale. */
  drawKind(r: Rng, category: CategoryKey): string | undefined {
    const kinds = this.kindsByCategory.get(category);
    if (kinds === undefined || kinds.length === 0) return undefined;
    return r.pick(kinds);
  }

  /**
   * Takes `quantity` units of a product for an order placed at `now`; false when there are not enough. A
   * product that sells out is restocked some days later.
   */
  sell(product: Product, quantity: number, now: number): boolean {
    if (!product.active || product.stock < quantity) return false;
    product.stock -= quantity;
    product.sold += quantity;
    if (product.stock === 0 && !product.restocking) {
      product.restocking = true;
      this.o.clock.schedule(now + (1 + this.r.exponential(4)) * DAY_MS, (t) => this.restock(product, t));
    }
    return true;
  }

  /** Units of a cancelled order go back on the shelf. */
  putBack(product: Product, quantity: number): void {
    product.stock += quantity;
    product.sold -= quantity;
  }

  /** Counts an order placed with the store (drives upgrades and churn). */
  recordOrder(store: Store): void {
    store.ordersThisPeriod++;
    store.ordersTotal++;
  }

  /** Counts a refund; fraudulent stores are taken down after a few. */
  recordRefund(store: Store, now: number): void {
    store.refundsTotal++;
    if (store.fraud && store.refundsTotal === 3 && store.status === 'active') {
      this.o.clock.schedule(now + hours(this.r.between(2, 30)), (t) => {
        if (store.status === 'active')
          this.close(store, t, 'platform', 'Fraude reportado', store.ordersThisPeriod);
      });
    }
  }

  private emit(
    at: number,
    type: string,
    store: Store,
    properties: Record<string, unknown>,
    product?: Product,
  ) {
    this.o.emit(
      at,
      product === undefined ? { type, store, properties } : { type, store, product, properties },
    );
  }

  /** The local day starting at `dayStart`: registrations, new products, price changes; then tomorrow. */
  private day(dayStart: number, now: number): void {
    const r = this.r;
    const next = dayStart + DAY_MS;
    this.o.clock.schedule(next, () => this.day(next, next));
    // Forget what is gone for good.
    if (this.counts.storesClosed > this.compactedAt) {
      this.compactedAt = this.counts.storesClosed;
      this.stores = this.stores.filter((s) => s.status !== 'closed');
      this.products = this.products.filter((p) => !p.removed);
    }

    const expected = this.o.newStoresPerDay(dayStart);
    let newStores = Math.floor(expected);
    if (r.float() < expected - newStores) newStores++;
    for (let i = 0; i < newStores; i++) {
      const at = Math.max(now, dayStart + hours(r.between(8, 21)));
      const store = this.openStore(at, false, r.float() < this.fraudShare);
      this.o.clock.schedule(at, (t) => this.register(store, t));
    }

    const active = this.stores.filter((s) => s.status === 'active');
    // Now and then a store adds products.
    for (const store of active) {
      if (store.products.length >= store.plan.productCap || r.float() >= 0.035) continue;
      const n = r.int(1, 3);
      for (let k = 0; k < n && store.products.length < store.plan.productCap; k++) {
        const at = Math.max(now, dayStart + hours(r.between(8, 22)));
        const p = this.addProduct(store, at);
        this.o.clock.schedule(at, (t) => this.list(p, t));
      }
    }

    // Price changes: promotions mostly, some increases, some returns to the usual price.
    const count = this.products.length;
    const changes = Math.round(count * 0.003 + r.float() * 2);
    for (let i = 0; i < changes && count > 0; i++) {
      const p = this.products[Math.floor(r.float() * count)] as Product;
      if (!p.active) continue;
      const at = Math.max(now, dayStart + hours(r.between(7, 23)));
      const usual = shelfPrice(p.fairPrice * p.store.priceLevel);
      const promo = r.float() < 0.7;
      const factor = promo ? r.between(0.75, 0.92) : r.between(1.03, 1.1);
      const back = r.float() < 0.6;
      this.o.clock.schedule(at, (t) => {
        if (!p.active) return;
        const previous = p.price;
        const price = previous < usual * 0.95 && back ? usual : shelfPrice(previous * factor);
        if (price === previous || price <= 0) return;
        p.price = price;
        this.emit(
          t,
          'listing_updated',
          p.store,
          { ...listingProperties(p), previous_price: previous, changed_fields: ['price'] },
          p,
        );
      });
    }
  }

  /** A new store's owner signs up, registers the store, subscribes; the first products follow. */
  private register(store: Store, now: number): void {
    const r = this.r;
    store.status = 'active';
    this.emit(now, 'signed_up', store, {
      method: r.pick(['email', 'email', 'google', 'phone']),
      role: 'store_owner',
      plan: store.plan.id,
    });
    const registeredAt = now + 60_000 * r.between(1, 8);
    this.emit(registeredAt, 'seller_registered', store, {
      seller_id: store.id,
      store_id: store.id,
      store_name: store.name,
      plan: store.plan.id,
      commission_rate: store.commissionRate,
      category: store.category.name,
      province: store.province.name,
      city: store.city,
      business_type: store.businessType,
      source: store.source,
    });
    const subscribedAt = registeredAt + 60_000 * r.between(1, 15);
    this.emit(subscribedAt, 'subscription_started', store, {
      ...subscriptionTerms(store),
      trial: store.trial,
    });
    let t = subscribedAt + 60_000 * r.between(5, 30);
    for (const p of store.products) {
      this.o.clock.schedule(t, (at) => this.list(p, at));
      t += 60_000 * r.exponential(6);
    }
    this.o.clock.schedule(store.periodEnd, (at) => this.renewOrEnd(store, at));
    if (store.fraud) this.scheduleTakedown(store, now);
  }

  /** A product goes on sale. */
  private list(p: Product, now: number): void {
    if (p.removed || p.store.status !== 'active') return;
    this.goOnSale(p);
    this.emit(now, 'listing_created', p.store, listingProperties(p), p);
  }

  private goOnSale(p: Product): void {
    p.active = true;
    p.listedPrice = p.price;
    this.byCategory.get(p.category.key)!.add(p);
    let kind = this.byKind.get(p.kindKey);
    if (kind === undefined) {
      kind = new ProductPool();
      this.byKind.set(p.kindKey, kind);
    }
    kind.add(p);
    // Kinds are drawn in proportion to their offer, capped so that big kinds do not drown the others.
    if (kind.size <= 40) this.kindsByCategory.get(p.category.key)!.push(p.kindKey);
  }

  /** Takes a closing store's products off sale. */
  private takeAllOffSale(products: readonly Product[]): void {
    const byCategory = new Map<CategoryKey, number>();
    const byKind = new Map<string, number>();
    for (const p of products) {
      if (!p.active) continue;
      p.active = false;
      byCategory.set(p.category.key, (byCategory.get(p.category.key) ?? 0) + 1);
      byKind.set(p.kindKey, (byKind.get(p.kindKey) ?? 0) + 1);
    }
    for (const [c, n] of byCategory) this.byCategory.get(c)!.forget(n);
    for (const [k, n] of byKind) {
      const pool = this.byKind.get(k)!;
      const before = pool.size;
      pool.forget(n);
      // Keep the kind's entries in the draw list at min(size, 40).
      const drop = Math.min(before, 40) - Math.min(pool.size, 40);
      const list = this.kindsByCategory.get(k.slice(0, k.indexOf('/')) as CategoryKey)!;
      for (let i = 0; i < drop; i++) {
        const at = list.lastIndexOf(k);
        if (at >= 0) list.splice(at, 1);
      }
    }
  }

  private takeOffSale(p: Product): void {
    if (!p.active) return;
    p.active = false;
    this.byCategory.get(p.category.key)!.remove(p);
    const kind = this.byKind.get(p.kindKey)!;
    kind.remove(p);
    if (kind.size < 40) {
      const kinds = this.kindsByCategory.get(p.category.key)!;
      const i = kinds.lastIndexOf(p.kindKey);
      if (i >= 0) kinds.splice(i, 1);
    }
  }

  private restock(p: Product, now: number): void {
    p.restocking = false;
    if (!p.active) return;
    p.stock += initialStock(this.r, p.category);
    this.emit(
      now,
      'listing_updated',
      p.store,
      { ...listingProperties(p), changed_fields: ['stock', 'in_stock'] },
      p,
    );
  }

  /** Fraudulent stores are reported and taken down by the platform within a few weeks. */
  private scheduleTakedown(store: Store, now: number): void {
    this.o.clock.schedule(now + DAY_MS * this.r.between(6, 25), (t) => {
      if (store.status === 'active')
        this.close(store, t, 'platform', 'Fraude reportado', store.ordersThisPeriod);
    });
  }

  /** End of a paid period: the store renews (maybe on another plan) or leaves. */
  private renewOrEnd(store: Store, now: number): void {
    if (store.status !== 'active') return;
    const r = this.r;
    const orders = store.ordersThisPeriod;
    store.ordersThisPeriod = 0;
    if (store.trial) {
      const convert = Math.min(0.95, 0.55 + (orders > 0 ? 0.15 : -0.1) + (store.quality - 0.5) * 0.2);
      if (r.float() >= convert) {
        this.close(store, now, 'seller', 'Terminó el período de prueba', orders);
        return;
      }
      store.trial = false;
    } else {
      if (store.paymentMethod === 'card' && r.float() < 0.01) {
        // The renewal charge is declined; after three days of retries the platform ends the subscription.
        this.o.clock.schedule(now + 3 * DAY_MS, (t) => {
          if (store.status === 'active') this.close(store, t, 'system', 'Pago rechazado', orders);
        });
        return;
      }
      const salesFactor = orders === 0 ? 2.5 : orders < 3 ? 1.6 : orders < 10 ? 1 : orders < 30 ? 0.6 : 0.4;
      const tenureFactor = store.monthsPaid < 3 ? 1.3 : store.monthsPaid > 12 ? 0.7 : 1;
      const p = Math.min(0.6, store.plan.monthlyChurn * salesFactor * tenureFactor * store.churnProneness);
      if (r.float() < p) {
        this.close(store, now, 'seller', r.pick(orders < 3 ? churnReasonsLowSales : churnReasons), orders);
        return;
      }
    }
    // Plan changes follow sales.
    const index = plans.indexOf(store.plan);
    let change: 'upgrade' | 'downgrade' | null = null;
    if (orders >= store.plan.upgradeAt && r.float() < 0.3) change = 'upgrade';
    else if (orders < 2 && index > 0 && r.float() < 0.12) change = 'downgrade';
    store.periodStart = store.periodEnd;
    store.periodEnd = addLocalMonth(store.periodEnd);
    if (change !== null) {
      const previous = store.plan;
      store.plan = plans[index + (change === 'upgrade' ? 1 : -1)] as Plan;
      store.commissionRate = commissionFor(store.plan, store.category);
      this.emit(now, 'subscription_changed', store, {
        ...subscriptionTerms(store),
        previous_plan: previous.id,
        previous_amount: previous.monthlyFee,
        change,
      });
      // Products are re-weighed with the new plan's visibility.
      for (const p of store.products) {
        if (!p.active) continue;
        this.takeOffSale(p);
        this.goOnSale(p);
      }
    }
    store.renewals++;
    store.monthsPaid++;
    this.emit(now + 1000, 'subscription_renewed', store, {
      ...subscriptionTerms(store),
      renewal_count: store.renewals,
    });
    this.o.clock.schedule(store.periodEnd, (t) => this.renewOrEnd(store, t));
  }

  private close(
    store: Store,
    now: number,
    by: 'seller' | 'platform' | 'system',
    reason: string,
    ordersLastPeriod: number,
  ): void {
    const r = this.r;
    store.status = 'closed';
    store.closedAt = now;
    this.counts.storesClosed++;
    this.emit(now, 'subscription_cancelled', store, {
      ...subscriptionTerms(store),
      cancelled_by: by,
      reason,
      ends_on: localDate(now),
      months_active: store.monthsPaid,
    });
    let t = now + 60_000 * r.between(1, 30);
    const listed = store.products.filter((p) => p.active);
    this.takeAllOffSale(store.products);
    for (const p of store.products) p.removed = true;
    for (const p of listed) {
      this.emit(
        t,
        'listing_removed',
        store,
        {
          ...listingProperties(p),
          status: 'removed',
          reason: by === 'platform' ? 'moderation' : 'store_closed',
          removed_by: by === 'platform' ? 'moderator' : 'system',
        },
        p,
      );
      t += 1000 * r.between(0.2, 3);
    }
    this.truth?.write('store_churn', {
      store_id: store.id,
      closed_at: new Date(now).toISOString(),
      cancelled_by: by,
      reason,
      plan: store.plan.id,
      months_active: store.monthsPaid,
      orders_last_period: ordersLastPeriod,
      orders_total: store.ordersTotal,
      fraud: store.fraud,
    });
  }

  private openStore(at: number, preexisting: boolean, fraud: boolean): Store {
    const r = this.r;
    const index = this.counts.storesOpened++;
    const n = String(index + 1).padStart(4, '0');
    const category = categoryTable.draw(r);
    const plan = fraud ? (plans[0] as Plan) : planTable.draw(r);
    const province = provinceByCommerce.draw(r);
    const city = r.pick(province.cities);
    const quality = fraud ? r.between(0, 0.2) : Math.min(1, Math.max(0.05, 0.7 + 0.18 * r.normal()));
    // Periods run from the registration anniversary; stores open before the history are mid-period.
    let periodStart = at;
    let monthsPaid = 0;
    if (preexisting) {
      while (addLocalMonth(periodStart) <= this.o.start) {
        periodStart = addLocalMonth(periodStart);
        monthsPaid++;
      }
    }
    const trial = !preexisting && !fraud && r.float() < 0.25;
    const store: Store = {
      index,
      id: `str_${n}`,
      ownerId: `slr_${n}`,
      subscriptionId: `sub_${n}`,
      name: this.storeName(category, province, city),
      category,
      province,
      city,
      businessType: r.float() < 0.55 ? 'individual' : 'company',
      source: r.pick(sources),
      registeredAt: at,
      preexisting,
      quality,
      lateRate: Math.min(0.6, 0.04 + (1 - quality) * 0.3 + (r.float() < 0.1 ? 0.15 : 0)),
      sellerCancelRate: Math.min(0.2, 0.005 + (1 - quality) * 0.04),
      priceLevel: fraud ? r.between(0.4, 0.6) : r.logNormal(1, 0.07),
      churnProneness: r.logNormal(1, 0.45),
      fraud,
      freeDeliveryFrom: plan.id === 'premium' && r.float() < 0.7 ? r.pick([3000, 5000]) : null,
      plan,
      commissionRate: commissionFor(plan, category),
      paymentMethod: r.float() < 0.8 ? 'card' : 'transfer',
      trial,
      periodStart,
      periodEnd: addLocalMonth(periodStart),
      renewals: monthsPaid > 0 ? monthsPaid - 1 : 0,
      monthsPaid,
      status: 'pending',
      closedAt: null,
      ordersThisPeriod: preexisting ? r.int(0, 12) : 0,
      ordersTotal: 0,
      refundsTotal: 0,
      products: [],
    };
    this.stores.push(store);
    const size = fraud
      ? r.int(8, 20)
      : Math.max(4, Math.min(plan.productCap, Math.round(r.logNormal(plan.productCap * 0.45, 0.55))));
    for (let i = 0; i < size; i++) this.addProduct(store, at);
    this.truth?.write('stores', {
      store_id: store.id,
      owner_id: store.ownerId,
      subscription_id: store.subscriptionId,
      name: store.name,
      category: category.key,
      province: province.name,
      city,
      plan: plan.id,
      commission_rate: store.commissionRate,
      registered_at: new Date(at).toISOString(),
      preexisting,
      trial,
      quality: round2(quality),
      late_rate: round2(store.lateRate),
      seller_cancel_rate: Math.round(store.sellerCancelRate * 1000) / 1000,
      price_level: round2(store.priceLevel),
      churn_proneness: round2(store.churnProneness),
      fraud,
      products: size,
    });
    return store;
  }

  private storeName(category: Category, province: Province, city: string): string {
    const r = this.r;
    for (let attempt = 0; attempt < 6; attempt++) {
      const word = r.pick(category.storeWords);
      const x = r.float();
      const name =
        x < 0.45
          ? `${word} ${r.pick(suffixes)}`
          : x < 0.75
            ? `${word} ${r.pick(personNames)}`
            : x < 0.9
              ? `${word} ${city.split(' ')[0]}`
              : `${r.pick(personNames)} ${word}`;
      if (!this.usedNames.has(name)) {
        this.usedNames.add(name);
        return name;
      }
    }
    const name = `${r.pick(category.storeWords)} ${province.name} ${this.counts.storesOpened}`;
    this.usedNames.add(name);
    return name;
  }

  /** Creates a product of the store (not on sale until listed). */
  private addProduct(store: Store, at: number): Product {
    const r = this.r;
    // Some products are outside the store's main category.
    const category = r.float() < 0.2 ? categoryTable.draw(r) : store.category;
    const subIndex = Math.floor(r.float() * category.subcategories.length);
    const sub = category.subcategories[subIndex]!;
    const tIndex = Math.floor(r.float() * sub.templates.length);
    const template = sub.templates[tIndex]!;
    const [brand, brandFactor] = r.pick(template.brands);
    const specIndex = Math.floor(r.float() * template.specs.length);
    const spec = template.specs[specIndex]!;
    const name = template.brandFirst
      ? `${brand} ${spec}`
      : `${template.kind} ${brand.startsWith('Genéric') ? '' : `${brand} `}${spec}`;
    const [lo, hi] = template.price;
    const base = lo * (hi / lo) ** r.float();
    const specFactor =
      template.specs.length > 1 ? 1 + (0.35 * specIndex) / Math.max(1, template.specs.length - 1) : 1;
    const fairPrice = shelfPrice(base * brandFactor * specFactor);
    const index = this.counts.productsCreated++;
    const id = `prd_${String(index + 1).padStart(6, '0')}`;
    const product: Product = {
      index,
      id,
      store,
      name,
      slug: `${slugify(name)}-${id}`,
      categoryPath: `${category.name} > ${sub.name}`,
      category,
      kindKey: `${category.key}/${subIndex}/${tIndex}`,
      template,
      brand,
      taxable: template.exempt !== true,
      fairPrice,
      popularity: r.logNormal(1, 0.9) * (store.fraud ? 3 : 1),
      defectRate: Math.min(0.5, 0.01 + (1 - store.quality) * 0.05 * category.refundRisk),
      createdAt: at,
      price: shelfPrice(fairPrice * store.priceLevel),
      listedPrice: 0,
      stock: initialStock(r, category),
      active: false,
      removed: false,
      restocking: false,
      sold: 0,
    };
    this.products.push(product);
    store.products.push(product);
    this.truth?.write('products', {
      product_id: id,
      store_id: store.id,
      name,
      category: product.categoryPath,
      kind: product.kindKey,
      brand,
      fair_price: fairPrice,
      price: product.price,
      fraud: store.fraud,
      defect_rate: round2(product.defectRate),
    });
    return product;
  }
}

function initialStock(r: Rng, category: Category): number {
  return Math.max(1, Math.round(r.logNormal(category.stockMedian, 0.6)));
}

/** The plan terms every subscription event carries. */
export function subscriptionTerms(store: Store): Record<string, unknown> {
  return {
    subscription_id: store.subscriptionId,
    seller_id: store.id,
    store_id: store.id,
    store_name: store.name,
    plan: store.plan.id,
    amount: store.trial ? 0 : store.plan.monthlyFee,
    currency: 'DOP',
    period: 'month',
    period_start: localDate(store.periodStart),
    period_end: localDate(store.periodEnd - DAY_MS),
    commission_rate: store.commissionRate,
    payment_method: store.paymentMethod,
  };
}

/** A product as buyers see it (product_viewed, cart events). */
export function productProperties(p: Product): Record<string, unknown> {
  return {
    product_id: p.id,
    product_name: p.name,
    store_id: p.store.id,
    store_name: p.store.name,
    category: p.categoryPath,
    brand: p.brand,
    price: p.price,
    currency: 'DOP',
    in_stock: p.stock > 0,
  };
}

/** A product as its seller publishes it (listing events). */
export function listingProperties(p: Product): Record<string, unknown> {
  return {
    listing_id: p.id,
    product_id: p.id,
    product_name: p.name,
    title: p.name,
    store_id: p.store.id,
    store_name: p.store.name,
    seller_id: p.store.id,
    category: p.categoryPath,
    brand: p.brand,
    price: p.price,
    currency: 'DOP',
    stock: p.stock,
    in_stock: p.stock > 0,
    province: p.store.province.name,
    status: p.active ? 'active' : 'removed',
  };
}
