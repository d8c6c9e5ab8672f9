/**
 * The seller side of the vehicle marketplace: dealers and private sellers joining over time, publishing
 * listings, dropping the price of the ones that do not move, selling them (sooner when priced under market,
 * later when over), withdrawing them or letting them expire, answering buyers' messages; moderation taking
 * fraudulent listings down.
 */
import { DAY, HOUR } from '../core/calendar.js';
import { ip as drawIp, userAgent } from '../core/devices.js';
import { provinceByCommerce } from '../core/geo.js';
import { lastName, person } from '../core/people.js';
import type { Rng } from '../core/rng.js';
import type { World } from '../core/vertical.js';
import type { VehicleBuyer } from './buyers.js';
import { market } from './calibration.js';
import { make } from './catalog.js';
import { Inventory } from './inventory.js';
import { type Listing, newListing, priceRatio, reprice } from './listings.js';
import { roundPrice } from './pricing.js';

export interface Seller {
  id: string;
  kind: 'dealer' | 'private';
  name: string;
  /** The seller's user account (events they send carry it as user id). */
  accountId: string;
  province: string;
  city: string;
  specialty: 'general' | 'luxury' | 'motorcycles';
  /** Latent service quality 0..1: honesty, care, how the vehicles match their ads. */
  quality: number;
  /** Probability of answering a buyer's message, and median hours to the first reply. */
  replyRate: number;
  replyHours: number;
  /** Listings a dealer keeps on line; listings a private seller still has to publish. */
  stock: number;
  active: number;
  context: Record<string, unknown>;
}

/** What the buyer side wants to hear about. */
export interface MarketHooks {
  /** A listing sold to a buyer who contacted the seller through the marketplace. */
  purchased(buyer: VehicleBuyer, listing: Listing, at: number): void;
}

const DEALER_NAMES = [
  'Auto {L}',
  '{L} Motors',
  'Autoimport {L}',
  'Dealer {L}',
  '{L} Auto Group',
  'Autos {L} & Asociados',
];
const MOTO_NAMES = ['Motores {L}', '{L} Motos', 'Pasolas {L}'];
const PLANS = ['basico', 'pro', 'premium'];

/** Days to sale scale with these (popular bodies sell faster, coupes and luxury slower). */
const BODY_SPEED: Record<string, number> = {
  sedan: 1,
  suv: 0.85,
  pickup: 0.9,
  hatchback: 1,
  minivan: 1.3,
  van: 1.2,
  coupe: 1.5,
  motorcycle: 0.7,
};

interface Plan {
  saleAt: number;
  reviewAt: number;
  endAt: number;
  endReason: 'expired' | 'seller_request' | 'moderation';
}

export class Market {
  readonly inventory = new Inventory();
  private readonly rng: Rng;
  private sellerCount = 0;
  private listingCount = 0;
  private readonly plans = new WeakMap<Listing, Plan>();

  constructor(
    private readonly world: World,
    private readonly hooks: MarketHooks,
  ) {
    this.rng = world.rng;
  }

  /** Sellers present at the start, then arrivals that grow the seller base with the marketplace. */
  start(): void {
    const { sellers, start, days } = this.world.options;
    const cal = this.world.calendar;
    const dealers = Math.max(1, Math.round(sellers * market.dealerShare));
    const privates = Math.max(1, sellers - dealers);
    const g0 = cal.growth(start);
    for (let i = 0; i < Math.round(dealers * g0); i++)
      this.dealerJoins(start + this.rng.int(0, 4 * HOUR), true);
    for (let i = 0; i < Math.round(privates * g0); i++)
      this.privateJoins(start + this.rng.int(0, 6 * HOUR), true);
    // Dealers arrive with the slope of the growth curve: steadily over the history, fewer and fewer after.
    const dealerEvery = (days * DAY) / Math.max(1, dealers * (1 - g0));
    const span = days * DAY;
    const slope = (t: number): number => (t < cal.historyEnd ? 1 : Math.exp(-(t - cal.historyEnd) / span));
    this.chain(start, dealerEvery, slope, 1, (t) => this.dealerJoins(t, false));
    // Private sellers leave once their vehicle is gone: arrivals keep their number at `privates × growth`.
    const privateEvery = (market.privateListingLifeDays * DAY) / privates;
    this.chain(
      start,
      privateEvery,
      (t) => cal.growth(t),
      2,
      (t) => this.privateJoins(t, false),
    );
  }

  /**
   * A Poisson chain of arrivals at rate `scale(t) / every` (scale at most `maxScale`), drawn by thinning; it
   * stops when the rate has faded to nothing.
   */
  private chain(
    from: number,
    every: number,
    scale: (t: number) => number,
    maxScale: number,
    join: (t: number) => void,
  ): void {
    let at = from;
    do {
      at += this.rng.exponential(every / maxScale);
      if (scale(at) < 1e-3) return;
    } while (this.rng.float() * maxScale > scale(at));
    this.world.schedule(at, (t) => {
      join(this.businessTime(t));
      this.chain(t, every, scale, maxScale, join);
    });
  }

  /** Sellers work in the daytime: moves `t` into 8:00–20:00 local time. */
  private businessTime(t: number): number {
    const cal = this.world.calendar;
    let x = t;
    while (cal.hour(x) < 8 || cal.hour(x) >= 20) x += HOUR;
    return x;
  }

  private newSeller(kind: 'dealer' | 'private'): Seller {
    const rng = this.rng;
    const n = ++this.sellerCount;
    const province = provinceByCommerce.draw(rng);
    const specialty =
      kind === 'private'
        ? 'general'
        : rng.weighted([
            ['general', 0.75],
            ['luxury', 0.15],
            ['motorcycles', 0.1],
          ] as const);
    const name =
      kind === 'private'
        ? person(rng).name
        : rng.pick(specialty === 'motorcycles' ? MOTO_NAMES : DEALER_NAMES).replace('{L}', lastName(rng));
    const quality = Math.min(1, Math.max(0, rng.normal() * 0.2 + (kind === 'dealer' ? 0.65 : 0.6)));
    return {
      id: `${kind === 'dealer' ? 'dlr' : 'prv'}_${String(n).padStart(5, '0')}`,
      kind,
      name,
      accountId: `slr_${String(n).padStart(5, '0')}`,
      province: province.name,
      city: rng.pick(province.cities),
      specialty,
      quality,
      replyRate: Math.min(0.98, 0.5 + quality * 0.5),
      replyHours: rng.logNormal(kind === 'dealer' ? 1.5 : 5, 0.8),
      stock:
        kind === 'dealer'
          ? Math.max(3, Math.round(rng.logNormal(market.dealerStock.median, market.dealerStock.sigma)))
          : rng.chance(market.privateSecondListing)
            ? 2
            : 1,
      active: 0,
      context: {
        ip: drawIp(rng),
        user_agent: userAgent(rng, kind === 'dealer' ? 'desktop' : 'mobile'),
        locale: 'es-DO',
      },
    };
  }

  private register(s: Seller, at: number, initial: boolean): void {
    const w = this.world;
    const rng = this.rng;
    if (w.truth.enabled) {
      w.truth.write('sellers', {
        seller_id: s.id,
        user_id: s.accountId,
        kind: s.kind,
        name: s.name,
        province: s.province,
        specialty: s.specialty,
        quality: Math.round(s.quality * 1000) / 1000,
        reply_rate: Math.round(s.replyRate * 1000) / 1000,
        reply_hours_median: Math.round(s.replyHours * 100) / 100,
        stock: s.stock,
        joined_at: new Date(at).toISOString(),
        joined_before_history: initial,
      });
    }
    if (initial) return;
    const role = s.kind === 'dealer' ? 'dealer' : 'seller';
    const base = { userId: s.accountId, sellerId: s.id, context: s.context };
    w.track(at, {
      ...base,
      eventType: 'signed_up',
      properties:
        s.kind === 'dealer'
          ? { method: 'email', role, plan: rng.pick(PLANS) }
          : { method: rng.pick(['email', 'google', 'phone'] as const), role },
    });
    const who = person(rng);
    w.identify(at + 1000, s.accountId, {
      name: s.name,
      email: who.email,
      phone: who.phone,
      role,
      province: s.province,
      city: s.city,
      seller_id: s.id,
    });
    if (s.kind === 'dealer')
      w.track(at + 2000, {
        ...base,
        eventType: 'group',
        properties: { group_id: s.id, group_type: 'dealer' },
      });
  }

  private dealerJoins(at: number, initial: boolean): void {
    const s = this.newSeller('dealer');
    this.register(s, at, initial);
    // A dealer's stock arrives as one import from its dealer management system or a spreadsheet.
    const t = at + 5 * 60_000;
    const count = s.stock;
    this.world.track(t, {
      eventType: 'inventory_imported',
      userId: s.accountId,
      sellerId: s.id,
      context: s.context,
      properties: {
        count,
        source: this.rng.pick(['csv', 'dms', 'api']),
        seller_id: s.id,
        import_id: `imp_${s.id}_1`,
        created_count: count,
        updated_count: 0,
        failed_count: 0,
        duration_ms: this.rng.int(800, 20_000),
      },
    });
    for (let i = 0; i < count; i++) this.publish(s, t + 1000 + i * 250, initial);
  }

  private privateJoins(at: number, initial: boolean): void {
    const s = this.newSeller('private');
    this.register(s, at, initial);
    this.publish(s, at + this.rng.int(2, 20) * 60_000, initial);
  }

  /**
   * Publishes a listing at `at`. Listings of sellers already there at the start were published before the
   * history began (up to 40 days): their listing_created is emitted at `at` with the real `published_at`.
   */
  private publish(s: Seller, at: number, initial: boolean): void {
    const w = this.world;
    const rng = this.rng;
    if (s.kind === 'private') s.stock--;
    s.active++;
    const listedAt = initial ? at - Math.floor(rng.between(0, 40) * DAY) : at;
    const id = `lst_${String(++this.listingCount).padStart(6, '0')}`;
    const year = 1970 + listedAt / (365.2425 * DAY);
    const l = newListing(rng, s, id, listedAt, year);
    this.inventory.add(l);
    const properties: Record<string, unknown> = {
      ...l.attributes,
      status: 'active',
      description: l.description,
    };
    if (initial) properties['published_at'] = new Date(listedAt).toISOString();
    w.track(at, {
      eventType: 'listing_created',
      userId: s.accountId,
      sellerId: s.id,
      listingId: l.id,
      context: s.context,
      properties,
    });
    if (w.truth.enabled) {
      w.truth.write('listings', {
        listing_id: l.id,
        seller_id: s.id,
        published_at: new Date(listedAt).toISOString(),
        make: l.model.make,
        model: l.model.name,
        trim: l.trim,
        year: l.year,
        mileage_km: l.mileageKm,
        body_type: l.model.body,
        condition: l.condition,
        province: l.province,
        currency: l.currency,
        asking_price: l.price,
        asking_price_dop: Math.round(l.priceDop),
        fair_price_dop: Math.round(l.fairDop),
        fair_price: Math.round(l.currency === 'USD' ? l.fairDop / market.usdDop : l.fairDop),
        price_ratio: Math.round(priceRatio(l) * 1000) / 1000,
        pricing: l.pricing,
        fraud: l.fraud,
        description_language: l.language,
      });
    }
    this.plan(l, Math.max(at, w.now));
  }

  /** Mean days to sale of a listing at its current price. */
  private meanDaysToSale(l: Listing): number {
    const speed = (BODY_SPEED[l.model.body] ?? 1) * (make(l.model.make).luxury ? 1.3 : 1);
    const photos = (15 / (l.photoCount + 5)) ** 0.3;
    return market.meanDaysToSale * priceRatio(l) ** market.priceElasticity * speed * photos;
  }

  /**
   * Draws the listing's fate from `from` on: its end (expiry, withdrawal, moderation) once, at publication;
   * its sale and next price review again after every price change (exponential waits are memoryless, so
   * redrawing from the change is fair).
   */
  private plan(l: Listing, from: number, previous?: Plan): void {
    const rng = this.rng;
    let endAt = previous?.endAt ?? Math.max(from + HOUR, l.listedAt + market.expiryDays * DAY);
    let endReason: Plan['endReason'] = previous?.endReason ?? 'expired';
    if (previous === undefined && l.fraud) {
      endAt = from + Math.max(0.25, rng.exponential(market.fraudTakedownDays)) * DAY;
      endReason = 'moderation';
    } else if (previous === undefined && rng.chance(market.withdrawnShare)) {
      const withdrawAt = from + rng.between(3, 60) * DAY;
      if (withdrawAt < endAt) {
        endAt = withdrawAt;
        endReason = 'seller_request';
      }
    }
    const saleAt = l.fraud ? Number.POSITIVE_INFINITY : from + rng.exponential(this.meanDaysToSale(l)) * DAY;
    const overpriced = priceRatio(l) > 1.05;
    const reviewAt = overpriced
      ? from + rng.between(market.priceReviewDays[0], market.priceReviewDays[1]) * DAY
      : Number.POSITIVE_INFINITY;
    const plan = { saleAt, reviewAt, endAt, endReason };
    this.plans.set(l, plan);
    this.scheduleNext(l, plan);
  }

  private scheduleNext(l: Listing, p: Plan): void {
    const next = Math.min(p.saleAt, p.reviewAt, p.endAt);
    this.world.schedule(this.businessTime(next), (t) => {
      if (!l.active || this.plans.get(l) !== p) return;
      if (next === p.saleAt) this.sell(l, t);
      else if (next === p.reviewAt) this.dropPrice(l, t);
      else this.takeDown(l, t, p.endReason);
    });
  }

  private dropPrice(l: Listing, t: number): void {
    const rng = this.rng;
    const previous = l.price;
    const price = roundPrice(
      previous * (1 - rng.between(market.priceDrop[0], market.priceDrop[1])),
      l.currency,
    );
    const plan = this.plans.get(l);
    if (price >= previous) {
      this.plan(l, t, plan);
      return;
    }
    reprice(l, price);
    this.inventory.repriced(l);
    const s = l.seller;
    this.world.track(t, {
      eventType: 'listing_updated',
      userId: s.accountId,
      sellerId: s.id,
      listingId: l.id,
      context: s.context,
      properties: { ...l.attributes, status: 'active', changed_fields: ['price'], previous_price: previous },
    });
    this.plan(l, t, plan);
  }

  private sell(l: Listing, t: number): void {
    const rng = this.rng;
    const s = l.seller;
    const onPlatform = l.interested.length > 0 ? rng.chance(0.8) : rng.chance(0.25);
    const soldPrice = roundPrice(l.price * rng.between(0.94, 1), l.currency);
    this.world.track(t, {
      eventType: 'listing_sold',
      userId: s.accountId,
      sellerId: s.id,
      listingId: l.id,
      context: s.context,
      properties: {
        ...l.attributes,
        status: 'sold',
        sold_price: soldPrice,
        days_on_market: Math.max(0, Math.floor((t - l.listedAt) / DAY)),
        sold_on_platform: onPlatform,
      },
    });
    if (onPlatform && l.interested.length > 0) this.hooks.purchased(rng.pick(l.interested), l, t);
    this.end(l, t);
  }

  private takeDown(l: Listing, t: number, reason: Plan['endReason']): void {
    const s = l.seller;
    const byModerator = reason === 'moderation';
    this.world.track(t, {
      eventType: 'listing_removed',
      userId: byModerator ? 'usr_moderacion' : s.accountId,
      sellerId: s.id,
      listingId: l.id,
      context: byModerator ? undefined : s.context,
      properties: {
        ...l.attributes,
        status: 'removed',
        reason,
        removed_by: byModerator ? 'moderator' : reason === 'expired' ? 'system' : 'seller',
      },
    });
    this.end(l, t);
  }

  /** The listing leaves the site; dealers restock, private sellers publish their next vehicle or leave. */
  private end(l: Listing, t: number): void {
    this.inventory.remove(l);
    this.plans.delete(l);
    l.interested.length = 0;
    const s = l.seller;
    s.active--;
    const rng = this.rng;
    if (s.kind === 'dealer') {
      const restocks = rng.chance(0.06) ? 2 : 1;
      for (let i = 0; i < restocks; i++)
        this.world.schedule(t + rng.exponential(2.5) * DAY, (at) =>
          this.publish(s, this.businessTime(at), false),
        );
    } else if (s.stock > 0) {
      this.world.schedule(t + rng.between(1, 10) * DAY, (at) =>
        this.publish(s, this.businessTime(at), false),
      );
    }
  }

  /** A buyer reached the seller; messages on the platform get an answer (or not) after the seller's delay. */
  contacted(
    l: Listing,
    buyer: VehicleBuyer,
    at: number,
    conversationId: string | null,
    userId: string | undefined,
  ): boolean {
    l.contacts++;
    if (!l.interested.includes(buyer)) {
      if (l.interested.length >= 6) l.interested.shift();
      l.interested.push(buyer);
    }
    const s = l.seller;
    const rng = this.rng;
    // Fraudsters answer fast: they want the deposit.
    const replies = l.fraud || rng.chance(s.replyRate);
    if (replies && conversationId !== null) {
      const delay = (l.fraud ? rng.logNormal(0.3, 0.5) : rng.logNormal(s.replyHours, 0.9)) * HOUR;
      const replyAt = s.kind === 'dealer' ? this.businessTime(at + delay) : at + delay;
      const properties: Record<string, unknown> = {
        conversation_id: conversationId,
        message_id: `${conversationId}_2`,
        sender_role: 'seller',
        listing_id: l.id,
        seller_id: s.id,
        channel: 'chat',
        message_length: rng.int(15, 220),
        is_first_reply: true,
      };
      if (userId !== undefined) properties['recipient_id'] = userId;
      this.world.track(replyAt, {
        eventType: 'message_sent',
        userId: s.accountId,
        sellerId: s.id,
        listingId: l.id,
        context: s.context,
        properties,
      });
    }
    return replies;
  }
}
