/**
 * The stores vertical: a multi-vendor store marketplace like Tiendi (seed 002). Stores with plans,
 * commissions and subscriptions (world.ts) sell products in categories (products.ts); buyers with a latent
 * category affinity, budget and payment preference browse, search in Dominican Spanish or English, fill
 * carts, check out, pay (and sometimes fail to), and get their orders delivered, late, cancelled or refunded;
 * then some write reviews that follow what happened, next to a share of spam reviews.
 *
 * Tunables and the statistical bounds the tests check are in calibration.ts. Ground truth (NDJSON files in the
 * ground-truth directory, see src/simulate/README.md): stores (plan, commission, latent quality, lateness,
 * churn proneness, fraud label), store_churn (when, who ended it, why), products (fair price, defect rate,
 * fraud), searches (what the query meant: category, product kind, brand, price cap, province, typo),
 * payment_failures (cause, whether retried), orders (outcome: delivered, cancelled, refused, refunded,
 * never arrived; late days; issue), reviews (experience, sentiment, issue, spam label and kind), and each
 * buyer's preferences in the core's buyers file.
 */

import { province as provinceNamed } from '../core/geo.js';
import { person } from '../core/people.js';
import { Rng } from '../core/rng.js';
import type {
  Buyer,
  BuyerProfile,
  Site,
  StepOutcome,
  VerticalPlugin,
  Visit,
  World,
} from '../core/vertical.js';
import type { SimulationOptions } from '../types.js';
import { behaviour, dynamics, orders as orderTuning, sellers as sellerTuning } from './calibration.js';
import { DAY_MS, deliveryTerms } from './geo.js';
import { round2 } from './pricing.js';
import { type Category, type CategoryKey, categories, kindOf } from './products.js';
import {
  type Issue,
  type Lang,
  reviewText,
  type Sentiment,
  type SpamKind,
  searchText,
  spamText,
} from './text.js';
import {
  type Product,
  productProperties,
  type SellerDraft,
  type Store,
  StoresWorld,
  slugify,
} from './world.js';

export { bounds } from './calibration.js';

type PaymentMethod = 'card' | 'cash_on_delivery' | 'transfer' | 'wallet' | 'paypal';

/** Latent preferences of a buyer (written to ground truth with the buyer). */
export interface StoreBuyerPrefs {
  /** Interest per category, summing to 1. */
  affinity: Record<CategoryKey, number>;
  /** Spending level: 1 buys at the market's typical prices, 2 twice as expensive, 0.5 half. */
  budget: number;
  /** 0..1: how much price drives the buyer (cheap searches, price sorting). */
  priceSensitivity: number;
  payment: PaymentMethod;
  /** Multiplies the probability of adding to the cart. */
  propensity: number;
  /** Multiplies the probability of writing a review. */
  reviewer: number;
}

interface CartLine {
  product: Product;
  quantity: number;
  variant: string | undefined;
}

export interface StoreBuyerState {
  cart: CartLine[];
  cartId: string | null;
  orders: number;
}

type Step =
  | 'landing'
  | 'home'
  | 'search'
  | 'category'
  | 'product'
  | 'store'
  | 'cart'
  | 'checkout'
  | 'payment'
  | 'done';

interface Checkout {
  id: string;
  lines: CartLine[];
  failures: number;
}

export interface StoreSession {
  next: Step;
  /** Came to buy something specific. */
  mission: boolean;
  category: CategoryKey;
  kind: string | undefined;
  searchId: string | undefined;
  /** Products on the last results page, in order. */
  results: Product[];
  /** Products already viewed in this session (not offered again as "next"). */
  viewed: Set<Product>;
  product: Product | undefined;
  store: Store | undefined;
  checkout: Checkout | undefined;
  /** Pages the buyer is willing to look at after the landing. */
  patience: number;
}

type StoresVisit = Visit<StoreBuyerPrefs, StoreBuyerState, StoreSession>;
type StoresBuyer = Buyer<StoreBuyerPrefs, StoreBuyerState>;

/** Context of server-side events: the marketplace's back office. */
const backOffice = {
  ip: '200.88.14.2',
  user_agent: 'TiendiBackoffice/2.4 (+https://tiendi.do)',
  page_url: 'https://tiendi.do/vendedor',
};

const site: Site = {
  origin: 'https://tiendi.do',
  name: 'Tiendi',
  section: 'tiendas',
  campaigns: ['black_friday_rd', 'dia_de_las_madres', 'envio_gratis', 'regreso_a_clases', 'ofertas_semana'],
  adTerms: [
    'tienda online rd',
    'comprar celular santo domingo',
    'freidora de aire precio',
    'tenis nike rd',
    'delivery supermercado',
    'perfumes originales rd',
  ],
};

const categoryIndex = new Map(categories.map((c, i) => [c.key, i]));
const demand = categories.map((c) => c.demand);
const paymentTable = Object.entries(behaviour.paymentMethods) as [PaymentMethod, number][];

const cardFailures = [
  ['51', 'Fondos insuficientes', 'insufficient_funds', 0.35],
  ['05', 'Transacción no autorizada por el banco', 'issuer_declined', 0.2],
  ['54', 'Tarjeta vencida', 'expired_card', 0.1],
  ['14', 'Número de tarjeta inválido', 'invalid_card_number', 0.1],
  ['3DS', 'Autenticación 3-D Secure no completada', 'authentication_failed', 0.15],
  ['91', 'Emisor no disponible, intente más tarde', 'issuer_timeout', 0.07],
  ['59', 'Transacción rechazada por sospecha de fraude', 'suspected_fraud', 0.03],
] as const;
const walletFailures = [
  ['W01', 'Saldo insuficiente en la billetera', 'insufficient_funds', 0.6],
  ['W91', 'Tiempo de espera agotado', 'provider_timeout', 0.4],
] as const;
const paypalFailures = [
  ['INSTRUMENT_DECLINED', 'PayPal rechazó el método de pago', 'issuer_declined', 0.7],
  [
    'PAYER_ACTION_REQUIRED',
    'La cuenta PayPal requiere una acción del comprador',
    'authentication_failed',
    0.3,
  ],
] as const;

const buyerCancelReasons = [
  'Me equivoqué de producto',
  'Encontré más barato',
  'Ya no lo necesito',
  'Me equivoqué de color',
];
const sellerCancelReasons = [
  'Producto agotado',
  'No hacemos envíos a esa zona',
  'Error en el precio publicado',
];

const dwell = (rng: Rng, median: number): number => rng.logNormal(median, 0.55);

const slugs = new Map<string, string>();
/** URL slug of a name, cached (category and store names come back on every page). */
function slug(name: string): string {
  let v = slugs.get(name);
  if (v === undefined) {
    v = slugify(name);
    if (slugs.size < 100_000) slugs.set(name, v);
  }
  return v;
}

/** The stores vertical for these options. */
export function storesVertical(
  options: SimulationOptions,
): VerticalPlugin<StoreBuyerPrefs, StoreBuyerState, StoreSession> {
  return new StoresVertical(options);
}

class StoresVertical implements VerticalPlugin<StoreBuyerPrefs, StoreBuyerState, StoreSession> {
  readonly site = site;
  readonly dynamics = dynamics;
  private w!: World;
  private shops!: StoresWorld;
  private readonly ids = { cart: 0, checkout: 0, order: 0, refund: 0, review: 0, search: 0 };
  /** Legitimate reviews since the last spam round, to keep spam at its share. */
  private legitReviews = 0;
  private spamAccounts = 0;

  constructor(private readonly options: SimulationOptions) {}

  // Seller side ------------------------------------------------------------------------------------------

  start(world: World): void {
    this.w = world;
    const { sellers, start } = this.options;
    const cal = world.calendar;
    const initialStores = Math.max(1, Math.round(sellers * sellerTuning.initialShare));
    const span = cal.historyEnd - start;
    // Registrations grow the market from the initial stores to `sellers` over the history (and go on at
    // that pace), and replace part of the stores that closed since the day before.
    const growthPerDay = Math.max(0, ((sellers - initialStores) * DAY_MS) / span);
    let closedSeen = 0;
    this.shops = new StoresWorld({
      rng: world.rng,
      clock: world,
      emit: (at, draft) => this.emitSeller(at, draft),
      start,
      initialStores,
      fraudShare: sellerTuning.fraudShare,
      truth: world.truth,
      newStoresPerDay: () => {
        const closed = this.shops === undefined ? 0 : this.shops.counts.storesClosed - closedSeen;
        closedSeen += closed;
        return growthPerDay + closed * sellerTuning.replacement;
      },
    });
    this.scheduleSpam(start + DAY_MS);
  }

  /** Seller-side events come from the marketplace's back office, on behalf of the store's owner. */
  private emitSeller(at: number, draft: SellerDraft): void {
    const { store, product } = draft;
    const context = backOffice;
    this.w.track(at, {
      eventType: draft.type,
      properties: draft.properties,
      userId: store.ownerId,
      sellerId: store.id,
      listingId: product?.id,
      context,
    });
    if (draft.type === 'signed_up') {
      // The owner's account, then (once the store exists) the store as the account's group.
      const who = person(new Rng(this.options.seed, store.ownerId));
      this.w.identify(at + 500, store.ownerId, {
        name: who.name,
        email: who.email,
        phone: who.phone,
        role: 'store_owner',
        province: store.province.name,
      });
    } else if (draft.type === 'seller_registered') {
      this.w.track(at + 200, {
        eventType: 'group',
        properties: { group_id: store.id, group_type: 'store' },
        userId: store.ownerId,
        sellerId: store.id,
        context,
      });
    }
  }

  // Buyers -----------------------------------------------------------------------------------------------

  newBuyer(profile: BuyerProfile, rng: Rng): { prefs: StoreBuyerPrefs; state: StoreBuyerState } {
    // Interest concentrated on two or three categories, around the market's demand.
    const raw = demand.map((d) => d * Math.exp(1.3 * rng.normal()));
    const total = raw.reduce((a, b) => a + b, 0);
    const affinity = {} as Record<CategoryKey, number>;
    categories.forEach((c, i) => {
      affinity[c.key] = Math.round(((raw[i] as number) / total) * 1000) / 1000;
    });
    const wealth = provinceNamed(profile.province).wealth;
    return {
      prefs: {
        affinity,
        budget: round2(rng.logNormal(1, 0.4) * wealth),
        priceSensitivity: round2(rng.float() ** 0.8),
        payment: rng.weighted(paymentTable),
        propensity: round2(rng.logNormal(1, 0.45)),
        reviewer: round2(rng.logNormal(1, 0.6)),
      },
      state: { cart: [], cartId: null, orders: 0 },
    };
  }

  forget(buyer: StoresBuyer): void {
    buyer.state.cart = [];
  }

  newSession(visit: Visit<StoreBuyerPrefs, StoreBuyerState, undefined>): StoreSession {
    const rng = visit.rng;
    const prefs = visit.buyer.prefs;
    return {
      next: 'landing',
      mission: rng.chance(behaviour.missionShare),
      category: drawCategory(rng, prefs),
      kind: undefined,
      searchId: undefined,
      results: [],
      viewed: new Set(),
      product: undefined,
      store: undefined,
      checkout: undefined,
      patience: 1 + Math.round(rng.exponential(visit.session.firstVisit ? 4 : 6)),
    };
  }

  step(visit: StoresVisit): StepOutcome {
    const s = visit.state;
    let step = s.next;
    if (step === 'landing') step = this.landing(visit);
    const landing = visit.session.pages === 0;
    let outcome: StepOutcome;
    switch (step) {
      case 'search':
        outcome = this.searchPage(visit);
        break;
      case 'category':
        outcome = this.categoryPage(visit);
        break;
      case 'product':
        outcome = this.productPage(visit);
        break;
      case 'store':
        outcome = this.storePage(visit);
        break;
      case 'cart':
        outcome = this.cartPage(visit);
        break;
      case 'checkout':
        outcome = this.checkoutPage(visit);
        break;
      case 'payment':
        outcome = this.paymentPage(visit);
        break;
      default:
        outcome = this.homePage(visit);
    }
    if (!landing && s.next !== 'checkout' && s.next !== 'payment' && s.next !== 'cart') {
      if (--s.patience <= 0) s.next = 'done';
    }
    if (landing && s.next !== 'done') {
      const kind = visit.session.source.landing;
      const p = behaviour.bounce[kind] * (visit.session.firstVisit ? 1 : behaviour.returningBounce);
      if (visit.rng.chance(p)) s.next = 'done';
    }
    if (s.next === 'done') outcome.end = true;
    return outcome;
  }

  private landing(visit: StoresVisit): Step {
    const s = visit.state;
    const rng = visit.rng;
    if (
      visit.buyer.state.cart.length > 0 &&
      !visit.session.firstVisit &&
      rng.chance(behaviour.returnToCart)
    ) {
      s.mission = true;
      return visit.session.source.landing === 'item' ? 'product' : 'home';
    }
    switch (visit.session.source.landing) {
      case 'search':
        return 'search';
      case 'item':
        return 'product';
      default:
        return 'home';
    }
  }

  // Pages ------------------------------------------------------------------------------------------------

  private homePage(visit: StoresVisit): StepOutcome {
    const rng = visit.rng;
    const s = visit.state;
    visit.page({
      path: '/',
      title: 'Tiendi — Compra en las mejores tiendas de RD',
      type: 'home',
      name: 'homepage',
    });
    if (visit.buyer.state.cart.length > 0 && s.mission && visit.session.pages === 0) s.next = 'cart';
    else
      s.next = rng.weighted<Step>([
        ['search', 0.55],
        ['category', 0.3],
        ['product', 0.15],
      ]);
    return { dwellMs: dwell(rng, 18_000), scrollDepth: rng.between(20, 90), end: false };
  }

  private categoryPage(visit: StoresVisit): StepOutcome {
    const rng = visit.rng;
    const s = visit.state;
    const category = categoryOf(s.category);
    const kind = this.shops.drawKind(rng, s.category);
    const sub = kind === undefined ? category.subcategories[0]! : kindOf(kind).sub;
    s.kind = kind;
    visit.page({
      path: `/c/${slug(category.name)}/${slug(sub.name)}`,
      title: `${sub.name} | ${category.name} | Tiendi`,
      type: 'category',
      properties: { category: slug(category.name) },
    });
    s.results = this.drawResults(rng, visit.buyer.prefs, s);
    s.searchId = undefined;
    s.next =
      s.results.length === 0
        ? rng.chance(0.5)
          ? 'search'
          : 'done'
        : rng.chance(0.78)
          ? 'product'
          : 'search';
    const d = dwell(rng, 25_000);
    if (s.next === 'product') this.clickResult(visit, d);
    return { dwellMs: d, scrollDepth: rng.between(30, 100), end: false };
  }

  private searchPage(visit: StoresVisit): StepOutcome {
    const rng = visit.rng;
    const s = visit.state;
    const prefs = visit.buyer.prefs;
    const profile = visit.buyer.profile;
    // A new need now and then; otherwise refine the current one.
    if (s.kind === undefined || rng.chance(0.25)) {
      if (rng.chance(0.3)) s.category = drawCategory(rng, prefs);
      s.kind = this.shops.drawKind(rng, s.category);
    }
    const kind = s.kind;
    if (kind === undefined) {
      visit.page({ path: '/buscar', title: 'Buscar | Tiendi', type: 'search' });
      s.next = 'done';
      return { dwellMs: dwell(rng, 8000), scrollDepth: 10, end: true };
    }
    const template = kindOf(kind).template;
    const pool = this.shops.kindPool(kind);
    const lang: Lang = rng.chance(behaviour.otherLanguageQuery)
      ? profile.language === 'es'
        ? 'en'
        : 'es'
      : profile.language;
    const typical = kindOf(kind).typicalPrice;
    const anchor = pool?.draw(rng);
    const brand = rng.chance(behaviour.queryBrand) && anchor !== undefined ? anchor.brand : null;
    const priceMax = rng.chance(behaviour.queryPrice + 0.15 * prefs.priceSensitivity)
      ? roundCap(typical * prefs.budget * rng.between(0.8, 1.4))
      : null;
    const cheap = priceMax === null && rng.chance(behaviour.queryCheap * (0.5 + prefs.priceSensitivity));
    const province = rng.chance(behaviour.queryProvince) ? profile.province : null;
    const query = searchText(rng, {
      lang,
      template,
      brand: brand === null || brand.startsWith('Genéric') ? null : brand,
      priceMax,
      cheap,
      province,
    });
    const searchId = `srch_${String(++this.ids.search).padStart(7, '0')}`;
    s.searchId = searchId;
    const filters: Record<string, unknown> = {};
    if (rng.chance(0.4) || priceMax !== null) filters['category'] = kindOf(kind).path;
    if (priceMax !== null || (cheap && rng.chance(0.5))) {
      filters['price_max'] = priceMax ?? roundCap(typical * 0.8);
      filters['currency'] = 'DOP';
    }
    if (brand !== null && rng.chance(0.5)) filters['brand'] = brand;
    if (province !== null && rng.chance(0.5)) filters['province'] = province;
    const sort =
      cheap || prefs.priceSensitivity > 0.7
        ? 'price_asc'
        : rng.weighted([
            ['relevance', 0.7],
            ['best_selling', 0.15],
            ['newest', 0.1],
            ['price_desc', 0.05],
          ]);
    let results = pool?.size ?? 0;
    if (results > 0 && filters['price_max'] !== undefined)
      results = pool!.countUnder(filters['price_max'] as number);
    if (results > 0 && filters['brand'] !== undefined) {
      let n = 0;
      for (const p of pool!.products) if (p.brand === brand) n++;
      results = Math.min(results, n);
    }
    const page = rng.chance(0.12) && results > 24 ? 2 : 1;
    visit.page({
      path: `/buscar?q=${encodeURIComponent(query.text)}${page > 1 ? `&page=${page}` : ''}`,
      title: `${query.text} | Tiendi`,
      type: 'search',
      name: 'search_results',
    });
    const properties: Record<string, unknown> = {
      query: query.text,
      results_count: results,
      sort,
      page,
      page_size: 24,
      search_id: searchId,
      vertical: 'tiendas',
    };
    if (Object.keys(filters).length > 0) properties['filters'] = filters;
    const offsetMs = rng.int(200, 900);
    const eventId = visit.track('search', properties, { offsetMs });
    if (this.w.truth.enabled) {
      this.w.truth.write('searches', {
        event_id: eventId,
        search_id: searchId,
        session_id: visit.session.id,
        buyer_id: profile.accountId,
        anonymous_id: visit.session.device.anonymousId,
        at: new Date(visit.now + offsetMs).toISOString(),
        query: query.text,
        language: lang,
        typo: query.typo,
        intent: {
          category: s.category,
          category_path: kindOf(kind).path,
          product_kind: template.kind,
          brand,
          price_max: priceMax,
          currency: 'DOP',
          cheap,
          province,
        },
        results_count: results,
      });
    }
    s.results =
      results === 0
        ? []
        : this.drawResults(rng, prefs, s, (p) => {
            const max = filters['price_max'] as number | undefined;
            return (
              (max === undefined || p.price <= max) && (filters['brand'] === undefined || p.brand === brand)
            );
          });
    const d = dwell(rng, 22_000);
    if (s.results.length === 0) s.next = rng.chance(0.45) ? 'search' : 'done';
    else if (rng.chance(0.8)) {
      s.next = 'product';
      this.clickResult(visit, d);
    } else s.next = rng.chance(0.5) ? 'search' : 'done';
    return { dwellMs: d, scrollDepth: rng.between(25, 100), end: false };
  }

  /** The buyer clicks one of the results: the product page comes next. */
  private clickResult(visit: StoresVisit, dwellMs: number): void {
    const s = visit.state;
    const rng = visit.rng;
    const position = Math.min(s.results.length - 1, Math.floor(rng.exponential(1.3)));
    const p = s.results[position]!;
    s.product = p;
    const properties: Record<string, unknown> = {
      element: 'search_result',
      element_text: p.name,
      position,
      product_id: p.id,
      store_id: p.store.id,
      section: s.searchId === undefined ? 'categoria' : 'resultados',
      target_url: `${site.origin}/p/${p.slug}`,
    };
    if (s.searchId !== undefined) properties['search_id'] = s.searchId;
    visit.track('click', properties, {
      offsetMs: Math.max(0, dwellMs - rng.int(100, 600)),
      sellerId: p.store.id,
      listingId: p.id,
    });
  }

  /** Up to three products a buyer would consider on a results page, the cheapest first for price sorters. */
  private drawResults(
    rng: Rng,
    prefs: StoreBuyerPrefs,
    s: StoreSession,
    accept?: (p: Product) => boolean,
  ): Product[] {
    const pool = s.kind === undefined ? this.shops.pool(s.category) : this.shops.kindPool(s.kind);
    if (pool === undefined) return [];
    const out: Product[] = [];
    for (let i = 0; i < 6 && out.length < 3; i++) {
      const p = pool.draw(rng);
      if (p === undefined || out.includes(p)) continue;
      if (accept !== undefined && !accept(p)) continue;
      out.push(p);
    }
    if (prefs.priceSensitivity > 0.6) out.sort((a, b) => a.price - b.price);
    return out;
  }

  private productPage(visit: StoresVisit): StepOutcome {
    const rng = visit.rng;
    const s = visit.state;
    const buyer = visit.buyer;
    let p = s.product;
    if (p === undefined || !p.active) {
      // Straight to a product: a shared link, an ad, a recommendation, or the next result.
      p = s.results.find((x) => x.active && !s.viewed.has(x)) ?? this.pickProduct(rng, buyer.prefs, s);
    }
    if (p === undefined) {
      visit.page({
        path: '/',
        title: 'Tiendi — Compra en las mejores tiendas de RD',
        type: 'home',
        name: 'homepage',
      });
      s.next = 'search';
      return { dwellMs: dwell(rng, 10_000), scrollDepth: rng.between(10, 60), end: false };
    }
    s.product = undefined;
    if (s.viewed.size < 50) s.viewed.add(p);
    s.category = p.category.key;
    s.kind = p.kindKey;
    const category = p.category;
    visit.page({
      path: `/p/${p.slug}`,
      title: `${p.name} | ${p.store.name} | Tiendi`,
      type: 'product',
      name: 'product_detail',
      properties: { product_id: p.id, store_id: p.store.id, category: slug(category.name) },
    });
    const ids = { sellerId: p.store.id, listingId: p.id };
    const viewed: Record<string, unknown> = productProperties(p);
    const position = s.results.indexOf(p);
    if (position >= 0) {
      viewed['position'] = position;
      viewed['list_name'] = s.searchId === undefined ? 'Categoría' : 'Resultados de búsqueda';
    }
    visit.track('product_viewed', viewed, { offsetMs: rng.int(150, 700), ...ids });
    const d = dwell(rng, s.mission ? 50_000 : 35_000);
    // Favourites live in the account: the buyer logs in, or signs up, or gives up saving.
    if (rng.chance(behaviour.favorite) && visit.signIn(d * 0.4, 0.3)) {
      visit.track(
        'favorite',
        { action: 'add', product_id: p.id, store_id: p.store.id, price: p.price, currency: 'DOP' },
        { offsetMs: d * 0.5, ...ids },
      );
    }
    // Interest: affinity, price against what the buyer spends, a bargain, the buyer's mission.
    const affinity = Math.min(1, buyer.prefs.affinity[category.key] * categories.length * 0.5);
    const budget = kindOf(p.kindKey).typicalPrice * buyer.prefs.budget * 1.3;
    const fit = p.price <= budget ? 1 : Math.max(0, 1 - (p.price / budget - 1) * 1.5);
    const bargain = p.price < kindOf(p.kindKey).typicalPrice * 0.7 ? 1.4 : 1;
    const big = p.price > 20_000 ? 0.6 : 1;
    const pCart =
      behaviour.addToCart *
      buyer.prefs.propensity *
      (0.35 + 0.65 * affinity) *
      fit *
      bargain *
      big *
      (s.mission ? behaviour.missionFactor : 1);
    if (p.stock > 0 && rng.chance(Math.min(0.8, pCart))) {
      const quantity = quantityFor(rng, category);
      const variants = p.template.variants;
      const variant = variants === undefined ? undefined : rng.pick(variants);
      this.addToCart(visit, p, quantity, variant, d * rng.between(0.5, 0.9));
      s.next = rng.chance(behaviour.cartAfterAdd) ? 'cart' : rng.chance(0.5) ? 'search' : 'product';
      s.mission = s.mission || rng.chance(0.3);
    } else {
      s.next = rng.weighted<Step>([
        ['product', 0.4],
        ['search', 0.25],
        ['store', 0.07],
        ['done', 0.28],
      ]);
      if (s.next === 'store') s.store = p.store;
    }
    return { dwellMs: d, scrollDepth: rng.between(35, 100), end: false };
  }

  private pickProduct(rng: Rng, prefs: StoreBuyerPrefs, s: StoreSession): Product | undefined {
    if (s.kind !== undefined && rng.chance(0.6)) {
      const p = this.shops.kindPool(s.kind)?.draw(rng);
      if (p !== undefined) return p;
    }
    if (rng.chance(0.4)) s.category = drawCategory(rng, prefs);
    return this.shops.pool(s.category)?.draw(rng);
  }

  private addToCart(
    visit: StoresVisit,
    p: Product,
    quantity: number,
    variant: string | undefined,
    offsetMs: number,
  ) {
    const state = visit.buyer.state;
    if (state.cartId === null) state.cartId = `cart_${String(++this.ids.cart).padStart(7, '0')}`;
    const existing = state.cart.find((l) => l.product === p && l.variant === variant);
    if (existing !== undefined) existing.quantity += quantity;
    else {
      if (state.cart.length >= 12) state.cart.shift();
      state.cart.push({ product: p, quantity, variant });
    }
    const properties: Record<string, unknown> = { ...productProperties(p), quantity, cart_id: state.cartId };
    if (variant !== undefined) properties['variant'] = variant;
    visit.track('add_to_cart', properties, { offsetMs, sellerId: p.store.id, listingId: p.id });
  }

  private storePage(visit: StoresVisit): StepOutcome {
    const rng = visit.rng;
    const s = visit.state;
    const store = s.store;
    if (store === undefined || store.status !== 'active') return this.homePage(visit);
    visit.page({
      path: `/tiendas/${slug(store.name)}-${store.id}`,
      title: `${store.name} | Tiendi`,
      type: 'store',
      name: 'store_home',
      properties: { store_id: store.id, seller_id: store.id },
    });
    const listed = store.products.filter((p) => p.active);
    s.results = [];
    for (let i = 0; i < 3 && listed.length > 0; i++) s.results.push(rng.pick(listed));
    s.searchId = undefined;
    s.next = s.results.length > 0 && rng.chance(0.7) ? 'product' : 'done';
    if (s.next === 'product') s.product = s.results[0];
    return { dwellMs: dwell(rng, 20_000), scrollDepth: rng.between(30, 100), end: false };
  }

  private cartPage(visit: StoresVisit): StepOutcome {
    const rng = visit.rng;
    const s = visit.state;
    const state = visit.buyer.state;
    // Lines of closed stores disappear from the cart.
    state.cart = state.cart.filter((l) => l.product.active);
    visit.page({ path: '/carrito', title: 'Carrito | Tiendi', type: 'cart', name: 'cart' });
    const d = dwell(rng, 20_000);
    if (state.cart.length > 0 && rng.chance(state.cart.length > 1 ? 0.14 : 0.06)) {
      const i = Math.floor(rng.float() * state.cart.length);
      const line = state.cart[i]!;
      state.cart.splice(i, 1);
      const properties: Record<string, unknown> = {
        ...productProperties(line.product),
        quantity: line.quantity,
        cart_id: state.cartId,
      };
      visit.track('remove_from_cart', properties, {
        offsetMs: d * rng.between(0.3, 0.8),
        sellerId: line.product.store.id,
        listingId: line.product.id,
      });
    }
    if (state.cart.length === 0) s.next = rng.chance(0.5) ? 'search' : 'done';
    else if (rng.chance(behaviour.checkoutFromCart * (s.mission ? 1.3 : 1))) s.next = 'checkout';
    else
      s.next = rng.weighted<Step>([
        ['search', 0.3],
        ['product', 0.2],
        ['done', 0.5],
      ]);
    return { dwellMs: d, scrollDepth: rng.between(30, 100), end: false };
  }

  private checkoutPage(visit: StoresVisit): StepOutcome {
    const rng = visit.rng;
    const s = visit.state;
    const buyer = visit.buyer;
    const state = buyer.state;
    state.cart = state.cart.filter((l) => l.product.active);
    visit.page({ path: '/checkout', title: 'Finalizar compra | Tiendi', type: 'checkout', name: 'checkout' });
    const d = dwell(rng, 70_000);
    if (state.cart.length === 0 || !visit.signIn(rng.int(2000, 8000), 0.9)) {
      s.next = 'done';
      return { dwellMs: d, scrollDepth: rng.between(20, 80), end: true };
    }
    const checkout: Checkout = {
      id: `chk_${String(++this.ids.checkout).padStart(7, '0')}`,
      lines: state.cart.map((l) => ({ ...l })),
      failures: 0,
    };
    s.checkout = checkout;
    const groups = byStore(checkout.lines);
    let subtotal = 0;
    let delivery = 0;
    let tax = 0;
    let units = 0;
    for (const [store, lines] of groups) {
      const t = totals(lines, store, buyer.profile.province, 0);
      subtotal += t.subtotal;
      delivery += t.deliveryFee;
      tax += t.tax;
      for (const l of lines) units += l.quantity;
    }
    const properties: Record<string, unknown> = {
      cart_id: state.cartId,
      checkout_id: checkout.id,
      items: checkout.lines.map(lineItem),
      items_count: units,
      subtotal: round2(subtotal),
      delivery_fee: delivery,
      tax: round2(tax),
      total: round2(subtotal + delivery + tax),
      currency: 'DOP',
    };
    if (groups.size === 1) properties['store_id'] = checkout.lines[0]!.product.store.id;
    visit.track('checkout_started', properties, { offsetMs: rng.int(9000, 15000) });
    s.next = rng.chance(behaviour.payFromCheckout) ? 'payment' : 'done';
    return { dwellMs: Math.max(d, 16_000), scrollDepth: rng.between(40, 100), end: false };
  }

  private paymentPage(visit: StoresVisit): StepOutcome {
    const rng = visit.rng;
    const s = visit.state;
    const buyer = visit.buyer;
    const checkout = s.checkout!;
    visit.page({ path: '/checkout/pago', title: 'Pago | Tiendi', type: 'checkout', name: 'payment' });
    let method: PaymentMethod = buyer.prefs.payment;
    let offset = rng.int(15_000, 60_000);
    const groups = byStore(checkout.lines);
    let amount = 0;
    for (const [store, lines] of groups) amount += totals(lines, store, buyer.profile.province, 0).total;
    // Attempts: a declined card is retried, with the same card or another method.
    for (let attempt = 1; ; attempt++) {
      const failure = rng.chance(behaviour.paymentFailure[method] * (attempt > 1 ? 0.6 : 1))
        ? drawFailure(rng, method)
        : null;
      if (failure === null) break;
      checkout.failures++;
      const provider = providerOf(rng, method);
      const eventId = visit.track(
        'payment_failed',
        {
          checkout_id: checkout.id,
          total: round2(amount),
          currency: 'DOP',
          payment_method: method,
          payment_provider: provider,
          error_code: failure[0],
          reason: failure[1],
        },
        { offsetMs: offset },
      );
      const retry = attempt < 3 && rng.chance(behaviour.retryAfterFailure * (attempt > 1 ? 0.6 : 1));
      if (this.w.truth.enabled) {
        this.w.truth.write('payment_failures', {
          event_id: eventId,
          checkout_id: checkout.id,
          buyer_id: buyer.profile.accountId,
          at: new Date(visit.now + offset).toISOString(),
          attempt,
          payment_method: method,
          payment_provider: provider,
          error_code: failure[0],
          cause: failure[2],
          retried: retry,
        });
      }
      if (!retry) {
        s.next = 'done';
        return { dwellMs: offset + rng.int(5000, 20_000), scrollDepth: rng.between(40, 100), end: true };
      }
      offset += rng.int(20_000, 90_000);
      if (rng.chance(0.5))
        method = rng.chance(0.6) ? 'cash_on_delivery' : method === 'card' ? 'paypal' : 'card';
    }
    this.placeOrders(visit, checkout, method, offset);
    s.checkout = undefined;
    s.next = rng.chance(0.25) ? 'home' : 'done';
    return { dwellMs: offset + rng.int(4000, 15_000), scrollDepth: rng.between(40, 100), end: false };
  }

  /** One order per store of the checkout, paid with `method`; the lifecycle of each is scheduled. */
  private placeOrders(visit: StoresVisit, checkout: Checkout, method: PaymentMethod, offsetMs: number): void {
    const rng = visit.rng;
    const buyer = visit.buyer;
    const state = buyer.state;
    const now = visit.now + offsetMs;
    let first = state.orders === 0;
    let couponLeft = rng.chance(first ? behaviour.couponFirstOrder : behaviour.couponLater);
    let t = offsetMs;
    for (const [store, wanted] of byStore(checkout.lines)) {
      const lines = wanted.filter((l) => this.shops.sell(l.product, l.quantity, now));
      if (lines.length === 0) continue;
      let discount = 0;
      let coupon: string | undefined;
      if (couponLeft) {
        couponLeft = false;
        const sub = lines.reduce((a, l) => a + l.product.price * l.quantity, 0);
        coupon = first ? 'BIENVENIDO' : rng.pick(['TIENDI10', 'VIERNES10', 'APP10']);
        discount = Math.min(first ? 500 : 1000, Math.round(sub * 0.1));
      }
      const express = rng.chance(0.1);
      const pickup = !express && rng.chance(0.04);
      const t0 = totals(lines, store, buyer.profile.province, discount, express, pickup);
      const orderId = `ord_${String(++this.ids.order).padStart(7, '0')}`;
      const provider = providerOf(rng, method);
      const properties: Record<string, unknown> = {
        order_id: orderId,
        store_id: store.id,
        checkout_id: checkout.id,
        items: lines.map(lineItem),
        subtotal: t0.subtotal,
        delivery_fee: t0.deliveryFee,
        discount: t0.discount,
        tax: t0.tax,
        total: t0.total,
        currency: 'DOP',
        payment_method: method,
        shipping_method: pickup ? 'pickup' : express ? 'express' : 'standard',
        is_first_order: first,
        commission_rate: store.commissionRate,
        commission: round2(t0.subtotal * store.commissionRate),
      };
      if (provider !== undefined) properties['payment_provider'] = provider;
      if (coupon !== undefined) properties['coupon'] = coupon;
      const eventId = visit.track('purchase_completed', properties, { offsetMs: t, sellerId: store.id });
      t += rng.int(50, 400);
      this.shops.recordOrder(store);
      state.orders++;
      first = false;
      const order: Order = {
        id: orderId,
        eventId,
        buyer,
        store,
        lines,
        total: t0.total,
        method,
        placedAt: now,
        days: pickup ? 0 : Math.max(1, t0.days - (express ? 1 : 0)),
        device: visit.session.device,
      };
      this.w.schedule(now, (at) => this.lifecycle(order, at));
    }
    const bought = new Set(checkout.lines.map((l) => l.product));
    state.cart = state.cart.filter((l) => !bought.has(l.product));
    if (state.cart.length === 0) state.cartId = null;
  }

  // After the order ----------------------------------------------------------------------------------------

  private lifecycle(order: Order, now: number): void {
    const rng = this.w.rng;
    const o = orderTuning;
    const store = order.store;
    // Cancellations come first: the buyer changes their mind, the store cannot serve, or payment never comes.
    let cancel: { by: 'buyer' | 'seller' | 'system'; reason: string; after: number } | null = null;
    if (rng.chance(o.buyerCancel))
      cancel = { by: 'buyer', reason: rng.pick(buyerCancelReasons), after: rng.between(0.2, 12) };
    else if (rng.chance(store.sellerCancelRate))
      cancel = { by: 'seller', reason: rng.pick(sellerCancelReasons), after: rng.between(2, 30) };
    else if (order.method === 'cash_on_delivery' && rng.chance(o.codUnconfirmed))
      cancel = {
        by: 'system',
        reason: 'No se pudo confirmar el pedido por teléfono',
        after: rng.between(2, 8),
      };
    else if (order.method === 'transfer' && rng.chance(o.transferNotReceived))
      cancel = { by: 'system', reason: 'Transferencia no recibida', after: 48 };
    if (cancel !== null) {
      const c = cancel;
      this.w.schedule(now + c.after * 3600_000, (at) => {
        for (const l of order.lines) this.shops.putBack(l.product, l.quantity);
        this.trackOrder(order, at, 'order_cancelled', {
          order_id: order.id,
          store_id: store.id,
          cancelled_by: c.by,
          reason: c.reason,
          total: order.total,
          currency: 'DOP',
        });
        const experience: Experience = {
          late: 0,
          issue: c.by === 'seller' ? 'cancelled' : 'none',
          refunded: false,
        };
        this.writeOrderTruth(order, 'cancelled', experience, c.by);
        if (c.by === 'seller') this.maybeReview(order, at, experience);
      });
      return;
    }
    // Delivery: late for some stores, never for most orders of fraudulent ones.
    const neverArrives = store.fraud && rng.chance(o.fraudNeverArrives);
    const late = !neverArrives && rng.chance(store.lateRate) ? rng.int(o.lateDays[0], o.lateDays[1]) : 0;
    const deliveredAt = now + (order.days + late) * DAY_MS + rng.between(-3, 5) * 3600_000;
    if (neverArrives) {
      this.w.schedule(now + rng.between(8, 15) * DAY_MS, (at) => {
        this.shops.recordRefund(store, at);
        this.refund(order, at, order.lines, 'Nunca llegó', true);
        const experience: Experience = { late: 0, issue: 'never_arrived', refunded: true };
        this.writeOrderTruth(order, 'never_arrived', experience);
        this.maybeReview(order, at + rng.between(0.1, 2) * DAY_MS, experience);
      });
      return;
    }
    if (order.method === 'cash_on_delivery' && rng.chance(o.codRefused)) {
      this.w.schedule(deliveredAt, (at) => {
        for (const l of order.lines) this.shops.putBack(l.product, l.quantity);
        this.trackOrder(order, at, 'order_cancelled', {
          order_id: order.id,
          store_id: store.id,
          cancelled_by: 'buyer',
          reason: late > 0 ? 'Rechazado en la entrega: llegó tarde' : 'Rechazado en la entrega',
          total: order.total,
          currency: 'DOP',
        });
        this.writeOrderTruth(
          order,
          'refused',
          { late, issue: late > 0 ? 'late' : 'none', refunded: false },
          'buyer',
        );
      });
      return;
    }
    // Delivered: some lines are defective, not as described, or the wrong size.
    this.w.schedule(deliveredAt, (at) => {
      let issue: Issue = late > 0 ? 'late' : 'none';
      const bad: CartLine[] = [];
      for (const l of order.lines) {
        const fashion = l.product.category.key === 'moda';
        if (rng.chance(l.product.defectRate + (fashion ? 0.03 : 0))) {
          bad.push(l);
          issue = fashion && rng.chance(0.6) ? 'size' : rng.chance(0.6) ? 'defect' : 'not_as_described';
        }
      }
      const experience: Experience = { late, issue, refunded: bad.length > 0 };
      if (bad.length > 0) {
        const reason =
          issue === 'size'
            ? 'Talla incorrecta'
            : issue === 'defect'
              ? 'Llegó dañado'
              : 'No es como se describe';
        this.w.schedule(at + rng.between(1, 7) * DAY_MS, (rt) => {
          this.shops.recordRefund(store, rt);
          this.refund(order, rt, bad, reason, bad.length === order.lines.length);
          this.maybeReview(order, rt + rng.between(0.1, 3) * DAY_MS, experience);
        });
      } else this.maybeReview(order, at + rng.between(0.5, 8) * DAY_MS, experience);
      this.writeOrderTruth(order, bad.length > 0 ? 'refunded' : 'delivered', experience);
    });
  }

  private refund(order: Order, at: number, lines: CartLine[], reason: string, full: boolean): void {
    const amount = full
      ? order.total
      : round2(
          lines.reduce(
            (a, l) => a + l.product.price * l.quantity * (l.product.taxable ? 1 + orderTuning.itbis : 1),
            0,
          ),
        );
    const properties: Record<string, unknown> = {
      order_id: order.id,
      refund_id: `ref_${String(++this.ids.refund).padStart(7, '0')}`,
      store_id: order.store.id,
      amount: Math.min(amount, order.total),
      currency: 'DOP',
      full,
      reason,
    };
    if (!full) properties['items'] = lines.map(lineItem);
    this.trackOrder(order, at, 'order_refunded', properties);
  }

  private trackOrder(order: Order, at: number, eventType: string, properties: Record<string, unknown>): void {
    this.w.track(at, {
      eventType,
      properties,
      userId: order.buyer.profile.accountId,
      sellerId: order.store.id,
      context: backOffice,
    });
  }

  private writeOrderTruth(order: Order, outcome: string, e: Experience, cancelledBy?: string): void {
    if (!this.w.truth.enabled) return;
    this.w.truth.write('orders', {
      order_id: order.id,
      event_id: order.eventId,
      placed_at: new Date(order.placedAt).toISOString(),
      buyer_id: order.buyer.profile.accountId,
      store_id: order.store.id,
      total: order.total,
      payment_method: order.method,
      outcome,
      cancelled_by: cancelledBy ?? null,
      late_days: e.late,
      issue: e.issue,
      fraud_store: order.store.fraud,
    });
  }

  /** The buyer may review the order; rating and text follow the experience. */
  private maybeReview(order: Order, at: number, e: Experience): void {
    const rng = this.w.rng;
    const buyer = order.buyer;
    const trouble = e.late > 0 || e.issue !== 'none';
    const p = behaviour.review * buyer.prefs.reviewer * (trouble ? behaviour.reviewAfterTrouble : 1);
    if (!rng.chance(Math.min(0.9, p))) return;
    const store = order.store;
    let score = 4.75 + 1.2 * (store.quality - 0.7) + 0.5 * rng.normal();
    if (e.late > 0) score -= 0.7 + 0.18 * e.late;
    if (e.issue === 'defect' || e.issue === 'not_as_described') score -= 2.8;
    if (e.issue === 'size') score -= 2;
    if (e.issue === 'cancelled') score -= 3;
    if (e.issue === 'never_arrived') score -= 4;
    const rating = Math.max(1, Math.min(5, Math.round(score)));
    // The text mostly says what the stars say; now and then a buyer gives stars the text does not.
    let sentiment: Sentiment = rating >= 4 ? 'positive' : rating === 3 ? 'neutral' : 'negative';
    if (rng.chance(0.06))
      sentiment = rating >= 4 ? 'neutral' : rating <= 2 ? 'neutral' : rng.pick(['positive', 'negative']);
    const lang: Lang = rng.chance(0.05)
      ? buyer.profile.language === 'es'
        ? 'en'
        : 'es'
      : buyer.profile.language;
    const line = order.lines[0]!;
    const item = line.product.template.kind.toLowerCase();
    const { title, text } = reviewText(rng, lang, sentiment, e.issue, {
      item,
      store: store.name,
      days: order.days + e.late,
      late: e.late,
    });
    const reviewId = `rev_${String(++this.ids.review).padStart(7, '0')}`;
    const device = order.device;
    const eventId = this.w.track(at, {
      eventType: 'review_written',
      properties: {
        review_id: reviewId,
        seller_id: store.id,
        store_id: store.id,
        product_id: line.product.id,
        order_id: order.id,
        rating,
        title,
        text,
        language: lang === 'es' ? 'es-DO' : 'en',
        verified_purchase: true,
      },
      userId: buyer.profile.accountId,
      anonymousId: device.anonymousId,
      sellerId: store.id,
      listingId: line.product.id,
      context: {
        ip: device.ip,
        user_agent: device.userAgent,
        locale: device.locale,
        page_url: `${site.origin}/pedidos/${order.id}/resena`,
      },
    });
    this.legitReviews++;
    if (this.w.truth.enabled) {
      this.w.truth.write('reviews', {
        event_id: eventId,
        review_id: reviewId,
        at: new Date(at).toISOString(),
        seller_id: store.id,
        store_id: store.id,
        product_id: line.product.id,
        order_id: order.id,
        buyer_id: buyer.profile.accountId,
        rating,
        // The latent experience the rating and text follow, on the core's −1..1 scale (3 stars is 0).
        experience: Math.round(Math.max(-1, Math.min(1, (score - 3) / 2)) * 1000) / 1000,
        sentiment,
        issue: e.issue,
        late_days: e.late,
        refunded: e.refunded,
        language: lang,
        spam: false,
        spam_kind: null,
        scam: store.fraud,
        bought: true,
      });
    }
  }

  /** Spam rings post a few recycled reviews for (or against) a store, at the share set in calibration. */
  private scheduleSpam(at: number): void {
    this.w.schedule(at, (now) => {
      const rng = this.w.rng;
      const share = behaviour.spamReviewShare;
      const expected = (this.legitReviews * share) / (1 - share);
      this.legitReviews = 0;
      let budget = Math.floor(expected) + (rng.chance(expected - Math.floor(expected)) ? 1 : 0);
      while (budget > 0) {
        const stores = this.shops.stores.filter((s) => s.status === 'active');
        if (stores.length === 0) break;
        const store = rng.pick(stores);
        const kind: SpamKind = rng.chance(0.65) ? 'promotion' : 'attack';
        const lang: Lang = rng.chance(0.85) ? 'es' : 'en';
        const n = Math.min(budget, rng.int(1, 4));
        budget -= n;
        const phone = `${rng.pick(['809', '829', '849'])}-${rng.int(200, 999)}-${rng.int(1000, 9999)}`;
        const handle = slug(store.name).replace(/-/g, '') + rng.pick(['rd', '_do', 'oficial']);
        const text = spamText(rng, kind, lang, { phone, handle });
        let t = now + rng.between(8, 20) * 3600_000;
        for (let i = 0; i < n; i++) {
          const listed = store.products.filter((p) => p.active);
          const product = listed.length > 0 ? rng.pick(listed) : undefined;
          const reviewId = `rev_${String(++this.ids.review).padStart(7, '0')}`;
          // Throwaway accounts of the spam ring (the vehicles vertical names them the same way).
          const account = `usr_x${String(++this.spamAccounts).padStart(5, '0')}`;
          const properties: Record<string, unknown> = {
            review_id: reviewId,
            seller_id: store.id,
            store_id: store.id,
            rating: kind === 'promotion' ? 5 : 1,
            title: text.title,
            text: text.text,
            language: lang === 'es' ? 'es-DO' : 'en',
            verified_purchase: false,
          };
          if (product !== undefined) properties['product_id'] = product.id;
          const eventId = this.w.track(t, {
            eventType: 'review_written',
            properties,
            userId: account,
            sellerId: store.id,
            listingId: product?.id,
            context: {
              ip: `190.167.${rng.int(0, 255)}.${rng.int(1, 254)}`,
              page_url: `${site.origin}/tiendas/${store.id}/resenas`,
            },
          });
          if (this.w.truth.enabled) {
            this.w.truth.write('reviews', {
              event_id: eventId,
              review_id: reviewId,
              at: new Date(t).toISOString(),
              seller_id: store.id,
              store_id: store.id,
              product_id: product?.id ?? null,
              order_id: null,
              buyer_id: account,
              rating: properties['rating'],
              experience: null,
              sentiment: kind === 'promotion' ? 'positive' : 'negative',
              issue: null,
              late_days: null,
              refunded: null,
              language: lang,
              spam: true,
              spam_kind: kind,
              scam: false,
              bought: false,
            });
          }
          t += rng.between(2, 40) * 60_000;
        }
      }
      this.scheduleSpam(now + DAY_MS);
    });
  }
}

interface Order {
  id: string;
  /** The purchase_completed event. */
  eventId: string;
  buyer: StoresBuyer;
  store: Store;
  lines: CartLine[];
  total: number;
  method: PaymentMethod;
  placedAt: number;
  /** Delivery days when nothing goes wrong. */
  days: number;
  device: { anonymousId: string; ip: string; userAgent: string; locale: string };
}

interface Experience {
  late: number;
  issue: Issue;
  refunded: boolean;
}

function drawCategory(rng: Rng, prefs: StoreBuyerPrefs): CategoryKey {
  const a = prefs.affinity;
  let x = rng.float();
  for (const c of categories) {
    x -= a[c.key];
    if (x < 0) return c.key;
  }
  return categories[categories.length - 1]!.key;
}

const categoryOf = (key: CategoryKey): Category => categories[categoryIndex.get(key)!]!;

/** A price cap as people write it: 500, 1,000, 5,000, 15,000, 20,000... */
function roundCap(x: number): number {
  const step = x < 2000 ? 100 : x < 10_000 ? 500 : 1000;
  return Math.max(step, Math.round(x / step) * step);
}

function quantityFor(rng: Rng, category: Category): number {
  if (category.key === 'supermercado' || category.key === 'bebes')
    return Math.min(6, 1 + Math.floor(rng.exponential(0.9)));
  return rng.chance(0.9) ? 1 : 2;
}

function byStore(lines: CartLine[]): Map<Store, CartLine[]> {
  const m = new Map<Store, CartLine[]>();
  for (const l of lines) {
    let g = m.get(l.product.store);
    if (g === undefined) {
      g = [];
      m.set(l.product.store, g);
    }
    g.push(l);
  }
  return m;
}

interface Totals {
  subtotal: number;
  deliveryFee: number;
  discount: number;
  tax: number;
  total: number;
  days: number;
}

/** The money of one store's order: total = subtotal + delivery_fee + tax − discount; ITBIS on taxable lines. */
function totals(
  lines: CartLine[],
  store: Store,
  buyerProvince: string,
  discount: number,
  express = false,
  pickup = false,
): Totals {
  let subtotal = 0;
  let taxable = 0;
  for (const l of lines) {
    const amount = l.product.price * l.quantity;
    subtotal += amount;
    if (l.product.taxable) taxable += amount;
  }
  const terms = deliveryTerms(store.province.name, buyerProvince);
  let deliveryFee = terms.fee + (express ? 150 : 0);
  if (pickup || (store.freeDeliveryFrom !== null && subtotal >= store.freeDeliveryFrom && !express))
    deliveryFee = 0;
  const taxBase = subtotal > 0 ? taxable - (discount * taxable) / subtotal : 0;
  const tax = round2(Math.max(0, taxBase) * orderTuning.itbis);
  return {
    subtotal: round2(subtotal),
    deliveryFee,
    discount,
    tax,
    total: round2(subtotal + deliveryFee + tax - discount),
    days: terms.days,
  };
}

function lineItem(l: CartLine): Record<string, unknown> {
  const item: Record<string, unknown> = {
    product_id: l.product.id,
    name: l.product.name,
    category: l.product.categoryPath,
    quantity: l.quantity,
    price: l.product.price,
    store_id: l.product.store.id,
  };
  if (l.variant !== undefined) item['variant'] = l.variant;
  return item;
}

function drawFailure(rng: Rng, method: PaymentMethod): readonly [string, string, string, number] {
  const table = method === 'card' ? cardFailures : method === 'wallet' ? walletFailures : paypalFailures;
  return rng.weighted(table.map((f) => [f, f[3]] as const));
}

function providerOf(rng: Rng, method: PaymentMethod): string | undefined {
  switch (method) {
    case 'card':
      return rng.chance(0.55) ? 'azul' : 'cardnet';
    case 'paypal':
      return 'paypal';
    case 'wallet':
      return rng.chance(0.6) ? 'tpago' : 'mio';
    case 'transfer':
      return rng.pick(['banreservas', 'popular', 'bhd']);
    default:
      return undefined;
  }
}
