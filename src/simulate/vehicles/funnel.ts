/**
 * A buyer session on the vehicle marketplace, one page per step: landing (home, a results page from Google
 * or an ad, a listing shared on WhatsApp), searches and their results, listing details with favourites,
 * WhatsApp/phone/form leads and test-drive requests, seller pages, favourites, and reviews of sellers the
 * buyer dealt with. What the buyer clicks and contacts follows `interest` (buyers.ts).
 */
import { DAY } from '../core/calendar.js';
import { ip as drawIp, userAgent } from '../core/devices.js';
import type { GroundTruth } from '../core/ground-truth.js';
import { type Experience, writeReview, writeSpam } from '../core/reviews.js';
import type { Rng } from '../core/rng.js';
import type { StepOutcome, Visit, World } from '../core/vertical.js';
import {
  type Channel,
  interest,
  type PendingReview,
  remember,
  type VehicleBuyer,
  type VehicleBuyerState,
  type VehiclePrefs,
} from './buyers.js';
import { behaviour } from './calibration.js';
import type { Listing } from './listings.js';
import { drawSearch, PAGE_SIZE, type Results, runSearch, type Search } from './search.js';
import type { Market } from './sellers.js';

type Next = 'home' | 'search' | 'results' | 'more_results' | 'listing' | 'seller' | 'favorites' | 'review';

export interface VehicleSession {
  next: Next | null;
  pagesLeft: number;
  search: Search | null;
  searchId: string;
  /** Query string of the results page ('' when nothing is set). */
  searchQuery: string;
  results: Results | null;
  resultsPage: number;
  listing: Listing | null;
  position: number | null;
  viewed: string[];
}

type V = Visit<VehiclePrefs, VehicleBuyerState, VehicleSession>;

const outcome = (dwellMs: number, scrollDepth: number, end: boolean): StepOutcome => ({
  dwellMs,
  scrollDepth,
  end,
});
const pad2 = (n: number): string => String(n).padStart(2, '0');

export class Funnel {
  private spamCount = 0;

  constructor(
    private readonly world: World,
    private readonly market: Market,
  ) {}

  private get truth(): GroundTruth {
    return this.world.truth;
  }

  newSession(rng: Rng): VehicleSession {
    return {
      next: null,
      pagesLeft: 1 + Math.round(rng.exponential(behaviour.meanPages)),
      search: null,
      searchId: '',
      searchQuery: '',
      results: null,
      resultsPage: 1,
      listing: null,
      position: null,
      viewed: [],
    };
  }

  step(v: V): StepOutcome {
    const st = v.state;
    st.pagesLeft--;
    if (v.session.pages === 0) return this.land(v);
    // A buyer with a review to write gets to it at some point of the visit (the site reminds them).
    if (st.next !== 'review' && v.rng.chance(0.3) && this.dueReview(v) !== null) return this.review(v);
    switch (st.next) {
      case 'search':
        return this.results(v, 'new');
      case 'results':
        return this.results(v, 'back');
      case 'more_results':
        return this.results(v, 'next_page');
      case 'listing':
        return this.listing(v);
      case 'seller':
        return this.seller(v);
      case 'favorites':
        return this.favorites(v);
      case 'review':
        return this.review(v);
      default:
        return this.home(v);
    }
  }

  private bounces(v: V, p: number): boolean {
    return v.rng.chance(v.session.firstVisit ? p : p * behaviour.returningBounce);
  }

  private land(v: V): StepOutcome {
    const landing = v.session.source.landing;
    if (landing === 'search') return this.results(v, 'new');
    if (landing === 'item') {
      const l = this.pickListing(v, null);
      if (l !== null) {
        v.state.listing = l;
        return this.listing(v);
      }
    }
    return this.home(v);
  }

  private home(v: V): StepOutcome {
    const { rng, state: st } = v;
    v.page({ path: '/', title: 'OKLA — Compra y vende vehículos en RD', type: 'home', name: 'homepage' });
    const dwell = rng.logNormal(12_000, 0.6);
    const scroll = rng.between(15, 80);
    if ((v.session.pages === 0 && this.bounces(v, behaviour.bounce.home)) || st.pagesLeft <= 0)
      return outcome(dwell, scroll, true);
    const due = this.dueReview(v);
    if (due !== null && rng.chance(0.6)) st.next = 'review';
    else if (v.signedIn && v.buyer.state.favorites.length > 0 && rng.chance(0.2)) st.next = 'favorites';
    else if (rng.chance(0.75)) st.next = 'search';
    else {
      // A listing from the home page's featured carousel.
      st.listing = this.pickListing(v, null);
      st.position = null;
      st.next = st.listing === null ? 'search' : 'listing';
      if (st.listing !== null) {
        v.track(
          'click',
          {
            element: 'featured_listing',
            element_text: st.listing.title,
            section: 'destacados',
            listing_id: st.listing.id,
          },
          { offsetMs: dwell - 300 },
        );
      }
    }
    return outcome(dwell, scroll, false);
  }

  private results(v: V, mode: 'new' | 'back' | 'next_page'): StepOutcome {
    const { rng, state: st, buyer } = v;
    if (mode === 'new' || st.search === null || st.results === null) {
      const s = drawSearch(rng, buyer.prefs, buyer.profile.province, buyer.profile.language);
      st.search = s;
      st.results = runSearch(rng, this.market.inventory, s);
      st.searchId = `srch_${rng.uuid()}`;
      st.searchQuery = queryString(s);
      st.resultsPage = 1;
    } else if (mode === 'next_page') {
      st.resultsPage++;
    }
    const s = st.search;
    const res = st.results;
    const qs = st.resultsPage > 1 ? `${st.searchQuery}&pagina=${st.resultsPage}` : st.searchQuery;
    v.page({
      path: qs === '' ? '/vehiculos' : `/vehiculos?${qs.replace(/^&/, '')}`,
      title: `${s.query === '' ? 'Vehículos en venta' : s.query} | OKLA`,
      type: 'search',
      name: 'search_results',
    });
    if (mode !== 'back') {
      const eventId = v.track(
        'search',
        {
          query: s.query,
          filters: s.filters,
          results_count: res.count,
          sort: s.sort,
          page: st.resultsPage,
          page_size: PAGE_SIZE,
          search_id: st.searchId,
          vertical: 'vehiculos',
        },
        { offsetMs: rng.int(250, 900) },
      );
      if (this.truth.enabled && mode === 'new') {
        this.truth.write('searches', {
          event_id: eventId,
          search_id: st.searchId,
          session_id: v.session.id,
          buyer_id: buyer.profile.accountId,
          anonymous_id: v.session.device.anonymousId,
          at: new Date(v.now).toISOString(),
          query: s.query,
          language: s.query === '' ? null : s.language,
          typo: s.typo,
          intent: s.intent,
          results_count: res.count,
        });
      }
    }
    const visible = res.listings.slice((st.resultsPage - 1) * PAGE_SIZE, st.resultsPage * PAGE_SIZE);
    const dwell = rng.logNormal(visible.length === 0 ? 8000 : 22_000, 0.6);
    const landingBounce = v.session.pages === 0 && this.bounces(v, behaviour.bounce.search);
    if (visible.length === 0) {
      const retry = !landingBounce && st.pagesLeft > 0 && rng.chance(0.6);
      st.next = 'search';
      return outcome(dwell, rng.between(0, 20), !retry);
    }
    // Which result, if any, the buyer opens: interest, discounted by position on the page.
    let best = 0;
    const weights = visible.map((l, k) => {
      const seen = st.viewed.includes(l.id) ? 0.15 : 1;
      const w = interest(buyer.prefs, buyer.state.taste, l) * seen;
      if (w > best) best = w;
      return (w * w) / (1 + 0.25 * k);
    });
    const clicks = !landingBounce && st.pagesLeft > 0 && rng.chance(Math.min(0.93, 0.3 + best));
    if (clicks) {
      const k = rng.weightedIndex(weights);
      const l = visible[k] as Listing;
      const position = (st.resultsPage - 1) * PAGE_SIZE + k;
      v.track(
        'click',
        {
          element: 'search_result',
          element_text: l.title,
          section: 'resultados',
          position,
          listing_id: l.id,
          search_id: st.searchId,
          target_url: `${this.world.site.origin}${listingPath(l)}`,
        },
        { offsetMs: dwell - rng.int(150, 700), listingId: l.id },
      );
      st.listing = l;
      st.position = position;
      st.next = 'listing';
      return outcome(dwell, Math.min(100, 15 + (k / visible.length) * 85 + rng.between(0, 10)), false);
    }
    if (landingBounce || st.pagesLeft <= 0) return outcome(dwell, rng.between(5, 60), true);
    const more = res.listings.length > st.resultsPage * PAGE_SIZE;
    if (more && rng.chance(0.35)) st.next = 'more_results';
    else if (rng.chance(0.5)) st.next = 'search';
    else return outcome(dwell, rng.between(20, 100), true);
    return outcome(dwell, rng.between(60, 100), false);
  }

  private listing(v: V): StepOutcome {
    const { rng, state: st, buyer } = v;
    const l = st.listing;
    if (l === null) return this.home(v);
    v.page({
      path: listingPath(l),
      title: `${l.title} | OKLA`,
      type: 'listing',
      name: 'listing_detail',
      properties: { listing_id: l.id, seller_id: l.seller.id },
    });
    const viewed: Record<string, unknown> =
      st.position === null ? l.attributes : { ...l.attributes, position: st.position };
    v.track('listing_viewed', viewed, {
      offsetMs: rng.int(150, 450),
      listingId: l.id,
      sellerId: l.seller.id,
    });
    remember(st.viewed, l.id, 50);
    const like = interest(buyer.prefs, buyer.state.taste, l);
    const dwell = rng.logNormal(18_000 * (0.4 + 2.6 * like), 0.5);
    const scroll = Math.min(100, 25 + 70 * like + rng.between(-15, 15));
    let offset = dwell * rng.between(0.25, 0.5);

    if (!buyer.state.favorites.includes(l.id) && rng.chance(0.04 + 0.3 * like)) {
      if (v.signIn(offset, 0.3)) {
        offset += 1500;
        v.track(
          'favorite',
          { action: 'add', listing_id: l.id, seller_id: l.seller.id, price: l.price, currency: l.currency },
          { offsetMs: offset, listingId: l.id, sellerId: l.seller.id },
        );
        remember(buyer.state.favorites, l.id);
      }
    }

    const already = buyer.state.contacted.includes(l.id);
    const pContact =
      behaviour.contactAtFullInterest *
      like ** 1.5 *
      (buyer.prefs.intends_to_buy ? 1 : behaviour.browserContactFactor) *
      (buyer.state.purchased ? 0.1 : 1) *
      (already ? 0.1 : 1);
    let contacted = false;
    if (rng.chance(pContact)) {
      offset += dwell * rng.between(0.1, 0.3);
      contacted = this.contact(v, l, offset);
    }
    if (
      contacted &&
      l.seller.kind === 'dealer' &&
      l.model.body !== 'motorcycle' &&
      buyer.prefs.intends_to_buy &&
      rng.chance(0.25)
    ) {
      offset += rng.int(20_000, 90_000);
      if (v.signIn(offset, 0.6)) this.testDrive(v, l, offset + 1500);
    }
    const end = Math.max(dwell, offset + 5000);

    if (st.pagesLeft <= 0 || (v.session.pages === 0 && this.bounces(v, behaviour.bounce.item)))
      return outcome(end, scroll, true);
    const r = rng.float();
    if (st.search !== null && r < 0.55) st.next = 'results';
    else if (r < 0.72) {
      st.listing = this.pickListing(v, l);
      st.position = null;
      st.next = st.listing === null ? 'search' : 'listing';
    } else if (r < 0.78) st.next = 'seller';
    else if (r < 0.88) st.next = 'search';
    else return outcome(end, scroll, true);
    return outcome(end, scroll, false);
  }

  /** A lead: WhatsApp and phone open outside the site; the form needs an account and starts a conversation. */
  private contact(v: V, l: Listing, offset: number): boolean {
    const { rng, buyer } = v;
    let channel: Channel = rng.chance(0.8)
      ? buyer.prefs.channel
      : rng.weighted(Object.entries(behaviour.channels) as [Channel, number][]);
    if (channel === 'form' && !v.signIn(offset, 0.7)) {
      if (!rng.chance(0.5)) return false;
      channel = 'whatsapp';
    }
    const s = l.seller;
    const leadId = `lead_${rng.uuid()}`;
    const ids = { listingId: l.id, sellerId: s.id };
    let conversationId: string | null = null;
    if (channel === 'form') {
      conversationId = `conv_${rng.uuid()}`;
      const length = rng.int(20, 300);
      v.track(
        'contact_sent',
        {
          channel,
          listing_id: l.id,
          seller_id: s.id,
          lead_id: leadId,
          message_length: length,
          has_phone: rng.chance(0.6),
          section: 'detalle',
        },
        { offsetMs: offset + 2000, ...ids },
      );
      v.track(
        'message_sent',
        {
          conversation_id: conversationId,
          message_id: `${conversationId}_1`,
          sender_role: 'buyer',
          recipient_id: s.accountId,
          listing_id: l.id,
          seller_id: s.id,
          channel: 'chat',
          message_length: length,
        },
        { offsetMs: offset + 2100, ...ids },
      );
    } else {
      const whatsapp = channel === 'whatsapp';
      v.track(
        'click',
        {
          element: whatsapp ? 'cta_whatsapp' : 'cta_llamar',
          element_text: whatsapp ? 'Escribir por WhatsApp' : 'Llamar al vendedor',
          section: 'detalle',
          listing_id: l.id,
          target_url: whatsapp ? 'https://wa.me/' : 'tel:',
        },
        { offsetMs: offset, ...ids },
      );
      v.track(
        'contact_sent',
        { channel, listing_id: l.id, seller_id: s.id, lead_id: leadId, section: 'detalle' },
        { offsetMs: offset + 200, ...ids },
      );
    }
    const at = v.now + offset;
    const replied = this.market.contacted(
      l,
      buyer,
      at,
      conversationId,
      v.signedIn ? buyer.profile.accountId : undefined,
    );
    remember(buyer.state.contacted, l.id);
    if (rng.chance(behaviour.reviewAfterContact)) {
      const asDescribed = !l.fraud && rng.chance(0.4 + 0.6 * s.quality);
      const score = l.fraud
        ? -0.9 + 0.1 * rng.normal()
        : (s.quality - 0.5) * 1.6 +
          (replied ? 0.2 : -0.45) +
          (asDescribed ? 0.1 : -0.35) +
          0.25 * rng.normal();
      this.queueReview(buyer, l, at + rng.between(1, 10) * DAY, false, {
        score: clamp(score),
        responded: replied,
        bought: false,
        asDescribed,
        scam: l.fraud,
      });
    }
    return true;
  }

  private testDrive(v: V, l: Listing, offset: number): void {
    const { rng } = v;
    const day = this.world.calendar.localDate(v.now + rng.int(1, 7) * DAY);
    const slot = rng.int(18, 35); // 9:00 .. 17:30 in half hours
    v.track(
      'test_drive_requested',
      {
        listing_id: l.id,
        seller_id: l.seller.id,
        lead_id: `lead_${rng.uuid()}`,
        requested_date: day,
        requested_time: `${pad2(Math.floor(slot / 2))}:${slot % 2 === 0 ? '00' : '30'}`,
        location: `Sucursal ${l.seller.city}`,
        channel: 'form',
      },
      { offsetMs: offset, listingId: l.id, sellerId: l.seller.id },
    );
  }

  private seller(v: V): StepOutcome {
    const { rng, state: st } = v;
    const s = st.listing?.seller;
    if (s === undefined) return this.home(v);
    const dealer = s.kind === 'dealer';
    v.page({
      path: `/${dealer ? 'dealers' : 'vendedores'}/${s.id}`,
      title: `${s.name} | OKLA`,
      type: dealer ? 'dealer' : 'seller',
      name: 'seller_profile',
      properties: { seller_id: s.id },
    });
    const dwell = rng.logNormal(15_000, 0.6);
    if (st.pagesLeft <= 0 || rng.chance(0.3)) return outcome(dwell, rng.between(20, 90), true);
    st.next = st.search !== null ? 'results' : 'search';
    return outcome(dwell, rng.between(20, 90), false);
  }

  private favorites(v: V): StepOutcome {
    const { rng, state: st, buyer } = v;
    v.page({ path: '/cuenta/favoritos', title: 'Mis favoritos | OKLA', type: 'account', name: 'favorites' });
    const dwell = rng.logNormal(10_000, 0.5);
    const still = buyer.state.favorites
      .map((id) => this.market.inventory.byId.get(id))
      .filter((l): l is Listing => l !== undefined);
    // Sold or removed listings drop out of the favourites the buyer keeps.
    buyer.state.favorites = still.map((l) => l.id);
    if (still.length === 0 || st.pagesLeft <= 0) {
      st.next = 'search';
      return outcome(dwell, rng.between(10, 60), st.pagesLeft <= 0);
    }
    st.listing = rng.pick(still);
    st.position = null;
    st.next = 'listing';
    v.track(
      'click',
      {
        element: 'favorite_item',
        element_text: st.listing.title,
        section: 'favoritos',
        listing_id: st.listing.id,
      },
      { offsetMs: dwell - 400 },
    );
    return outcome(dwell, rng.between(10, 80), false);
  }

  private dueReview(v: V): PendingReview | null {
    for (const r of v.buyer.state.pendingReviews) if (r.due <= v.now) return r;
    return null;
  }

  private review(v: V): StepOutcome {
    const { rng, buyer } = v;
    const r = this.dueReview(v);
    if (r === null) return this.home(v);
    buyer.state.pendingReviews = buyer.state.pendingReviews.filter((x) => x !== r);
    v.page({
      path: `/vendedores/${r.sellerId}/resena`,
      title: 'Escribir una reseña | OKLA',
      type: 'review',
      name: 'write_review',
      properties: { seller_id: r.sellerId },
    });
    const writing = rng.logNormal(70_000, 0.5);
    if (!v.signIn(2000, 0.8)) return outcome(rng.logNormal(8000, 0.4), 30, true);
    const text = writeReview(rng, buyer.profile.language, r.experience);
    const reviewId = `rev_${rng.uuid()}`;
    const eventId = v.track(
      'review_written',
      {
        review_id: reviewId,
        seller_id: r.sellerId,
        listing_id: r.listingId,
        rating: text.rating,
        title: text.title,
        text: text.text,
        language: text.language,
        verified_purchase: r.verified,
      },
      { offsetMs: 4000 + writing, sellerId: r.sellerId, listingId: r.listingId },
    );
    if (this.truth.enabled) {
      this.truth.write('reviews', {
        event_id: eventId,
        review_id: reviewId,
        seller_id: r.sellerId,
        listing_id: r.listingId,
        buyer_id: buyer.profile.accountId,
        rating: text.rating,
        experience: Math.round(r.experience.score * 1000) / 1000,
        sentiment: text.sentiment,
        spam: false,
        scam: r.experience.scam,
        bought: r.experience.bought,
      });
    }
    // Spam arrives in proportion to genuine reviews, so its share holds whatever the scale.
    const spamOdds = behaviour.spamReviewShare / (1 - behaviour.spamReviewShare);
    if (rng.chance(spamOdds)) this.world.schedule(v.now + rng.between(0, 3) * DAY, (t) => this.spam(t));
    v.state.next = 'home';
    return outcome(writing + 6000, 100, v.state.pagesLeft <= 0 || rng.chance(0.5));
  }

  private spam(at: number): void {
    const w = this.world;
    const rng = w.rng;
    const all = this.market.inventory.all.items;
    if (all.length === 0) return;
    const target = rng.pick(all).seller;
    const text = writeSpam(rng);
    const reviewId = `rev_${rng.uuid()}`;
    const n = ++this.spamCount;
    const eventId = w.track(at, {
      eventType: 'review_written',
      userId: `usr_x${String(n).padStart(5, '0')}`,
      anonymousId: rng.uuid(),
      sellerId: target.id,
      context: {
        ip: drawIp(rng),
        user_agent: userAgent(rng, 'desktop'),
        locale: 'es-DO',
        page_url: `${w.site.origin}/vendedores/${target.id}/resena`,
      },
      properties: {
        review_id: reviewId,
        seller_id: target.id,
        rating: text.rating,
        title: text.title,
        text: text.text,
        language: text.language,
        verified_purchase: false,
      },
    });
    if (w.truth.enabled) {
      w.truth.write('reviews', {
        event_id: eventId,
        review_id: reviewId,
        seller_id: target.id,
        listing_id: null,
        buyer_id: `usr_x${String(n).padStart(5, '0')}`,
        rating: text.rating,
        experience: null,
        sentiment: text.sentiment,
        spam: true,
        scam: false,
        bought: false,
      });
    }
  }

  private queueReview(
    buyer: VehicleBuyer,
    l: Listing,
    due: number,
    verified: boolean,
    experience: Experience,
  ): void {
    const list = buyer.state.pendingReviews;
    if (list.length >= 3) return;
    list.push({ sellerId: l.seller.id, listingId: l.id, due, verified, experience });
  }

  /** The market's news: a buyer who contacted a seller bought the vehicle. */
  purchased(buyer: VehicleBuyer, l: Listing, at: number): void {
    buyer.state.purchased = true;
    buyer.activity = behaviour.activityAfterPurchase;
    const rng = this.world.rng;
    if (this.truth.enabled) {
      this.truth.write('purchases', {
        buyer_id: buyer.profile.accountId,
        listing_id: l.id,
        seller_id: l.seller.id,
        at: new Date(at).toISOString(),
        price: l.price,
        currency: l.currency,
      });
    }
    if (rng.chance(behaviour.reviewAfterPurchase)) {
      const score = l.fraud ? -0.9 : (l.seller.quality - 0.5) * 1.2 + 0.45 + 0.25 * rng.normal();
      this.queueReview(buyer, l, at + rng.between(2, 20) * DAY, true, {
        score: clamp(score),
        responded: true,
        bought: true,
        asDescribed: rng.chance(0.5 + 0.5 * l.seller.quality),
        scam: l.fraud,
      });
    }
  }

  /** A listing the buyer would like (a shared link, a carousel, "similar vehicles"): best of a small sample. */
  private pickListing(v: V, like: Listing | null): Listing | null {
    const { rng, buyer } = v;
    const inv = this.market.inventory;
    const body =
      like?.model.body ??
      rng.weighted(Object.entries(buyer.prefs.bodies) as [Listing['model']['body'], number][]);
    const byBody = inv.byBody.get(body);
    const pool = byBody !== undefined && byBody.size > 0 ? byBody : inv.all;
    const n = pool.size;
    if (n === 0) return null;
    // Pre-screen a sample on the pool's columns (make affinity, budget), then weigh the few best in full:
    // reading listing objects is what costs.
    const taste = buyer.state.taste;
    const budget = buyer.prefs.budget_dop;
    const shortlist: number[] = [];
    const scores: number[] = [];
    for (let j = 0; j < 12; j++) {
      const k = rng.int(0, n - 1);
      const r = (pool.priceDop[k] as number) / budget;
      const s =
        (taste.make[pool.make[k] as number] as number) * (r <= 1 ? 1 : 1 / (r * r)) * rng.between(0.5, 1);
      // Keep the best three, sorted: a full list drops its last.
      if (shortlist.length === 3 && s <= (scores[2] as number)) continue;
      let at = Math.min(shortlist.length, 2);
      while (at > 0 && (scores[at - 1] as number) < s) {
        shortlist[at] = shortlist[at - 1] as number;
        scores[at] = scores[at - 1] as number;
        at--;
      }
      shortlist[at] = k;
      scores[at] = s;
    }
    let best: Listing | null = null;
    let bestScore = -1;
    for (const k of shortlist) {
      const l = pool.items[k] as Listing;
      if (l === like) continue;
      const s = interest(buyer.prefs, taste, l) * rng.between(0.5, 1);
      if (s > bestScore) {
        best = l;
        bestScore = s;
      }
    }
    return best;
  }
}

const clamp = (x: number): number => Math.max(-1, Math.min(1, x));

/** The results page's query string: the text, the filters, the sort. */
function queryString(s: Search): string {
  let q = s.query === '' ? '' : `q=${encodeURIComponent(s.query)}`;
  for (const k in s.filters) q += `${q === '' ? '' : '&'}${k}=${encodeURIComponent(String(s.filters[k]))}`;
  if (s.sort !== 'relevance') q += `${q === '' ? '' : '&'}orden=${s.sort}`;
  return q;
}

const listingPath = (l: Listing): string => l.path;
