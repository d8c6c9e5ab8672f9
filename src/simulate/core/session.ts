/**
 * One buyer session, step by step: the core's side of the `Visit` a vertical sees. It picks the device and
 * traffic source, builds the browser context of each page, emits page views and engagement events, handles
 * sign-up and login (identity stitching: the same anonymous id before and after), and tells the engine when
 * the session is over.
 */
import { ip } from './devices.js';
import type { AnyBuyer, Engine } from './engine.js';
import { person } from './people.js';
import { Rng } from './rng.js';
import { trafficSource, utmQuery } from './traffic.js';
import type { Device, PageSpec, SessionInfo, TrackOptions, TrafficSource, Visit } from './vertical.js';

const TIMEZONE = 'America/Santo_Domingo';
/** Time between leaving a page and the next one being shown (click, network, render). */
const NAVIGATION_MS = [250, 1800] as const;

const SIGNUP_METHODS = [
  ['email', 0.45],
  ['google', 0.3],
  ['facebook', 0.15],
  ['phone', 0.1],
] as const;

interface ShownPage {
  url: string;
  path: string;
  context: Record<string, unknown>;
  /** listing_id / product_id of the page, repeated on its engagement event. */
  itemKey: 'listing_id' | 'product_id' | null;
  itemId: unknown;
}

// biome-ignore lint/suspicious/noExplicitAny: the core never looks inside a vertical's state
export class SessionRun implements Visit<any, any, any>, SessionInfo {
  readonly id: string;
  readonly startedAt: number;
  readonly source: TrafficSource;
  readonly device: Device;
  readonly firstVisit: boolean;
  readonly rng: Rng;
  pages = 0;
  now: number;
  // biome-ignore lint/suspicious/noExplicitAny: the vertical's session state
  state: any = undefined;
  private userId: string | undefined;
  private readonly ip: string;
  private readonly utm: Record<string, string> | undefined;
  private current: ShownPage | null = null;
  private shownThisStep = false;
  /** Sign-up declined in this session: the buyer is not asked twice. */
  private declined = false;

  constructor(
    readonly world: Engine,
    readonly buyer: AnyBuyer,
    now: number,
  ) {
    const rng = world.sessionRng;
    this.rng = rng;
    this.now = now;
    this.startedAt = now;
    this.id = rng.uuid();
    this.firstVisit = buyer.sessions === 0;
    buyer.sessions++;
    const devices = buyer.devices;
    this.device = devices.length > 1 && rng.chance(0.3) ? devices[1]! : devices[0]!;
    // Phones change address with the carrier's NAT; home and office lines keep theirs.
    this.ip = this.device.kind === 'mobile' && rng.chance(0.7) ? ip(rng) : this.device.ip;
    this.source = trafficSource(rng, world.site, !this.firstVisit, buyer.registered);
    const u = this.source.utm;
    if (u !== null) {
      const utm: Record<string, string> = { source: u.source, medium: u.medium, campaign: u.campaign };
      if (u.term !== undefined) utm['term'] = u.term;
      if (u.content !== undefined) utm['content'] = u.content;
      this.utm = utm;
    }
    if (buyer.registered && this.device.signedIn) this.userId = buyer.profile.accountId;
    this.state = world.vertical.newSession(this);
  }

  get session(): SessionInfo {
    return this;
  }

  get signedIn(): boolean {
    return this.userId !== undefined;
  }

  /** Runs one step (one page) at `now` and schedules the next one or ends the session. */
  step(now: number): void {
    this.now = now;
    this.shownThisStep = false;
    const outcome = this.world.vertical.step(this);
    if (!this.shownThisStep) throw new Error('a session step must show a page (visit.page)');
    this.pages++;
    const dwell = Math.max(500, Math.round(outcome.dwellMs));
    const left = now + dwell;
    this.engagement(left, dwell, outcome.scrollDepth);
    if (outcome.end || this.pages >= this.world.dynamics.maxPagesPerSession) {
      this.world.sessionEnded(this.buyer, left);
    } else {
      const next = left + this.rng.int(NAVIGATION_MS[0], NAVIGATION_MS[1]);
      this.world.schedule(next, (t) => this.step(t));
    }
  }

  page(spec: PageSpec): void {
    if (this.shownThisStep) throw new Error('a session step shows one page');
    this.shownThisStep = true;
    const world = this.world;
    const landing = this.pages === 0;
    let url = world.site.origin + spec.path;
    if (landing && this.utm !== undefined) url += (url.includes('?') ? '&' : '?') + utmQuery(this.source);
    const referrer = landing ? this.source.referrer : (this.current?.url ?? '');

    const context: Record<string, unknown> = {
      ip: this.ip,
      user_agent: this.device.userAgent,
      page_url: url,
      locale: this.device.locale,
      timezone: TIMEZONE,
    };
    if (referrer !== '') context['referrer'] = referrer;
    if (this.utm !== undefined) context['utm'] = this.utm;

    const properties: Record<string, unknown> = {
      name: spec.name ?? spec.type,
      page_type: spec.type,
      category: world.site.section,
      ...spec.properties,
    };
    if (landing && this.utm !== undefined) {
      // What the browser tracker adds from the landing URL's query string.
      for (const [k, v] of Object.entries(this.utm)) properties[`utm_${k}`] = v;
    }
    const props = spec.properties;
    const itemKey =
      props?.['listing_id'] !== undefined
        ? 'listing_id'
        : props?.['product_id'] !== undefined
          ? 'product_id'
          : null;
    this.current = {
      url,
      path: spec.path,
      context,
      itemKey,
      itemId: itemKey === null ? undefined : props?.[itemKey],
    };

    world.emit(this.now, {
      call: 'page',
      input: {
        eventId: world.eventId(),
        timestamp: new Date(this.now).toISOString(),
        anonymousId: this.device.anonymousId,
        userId: this.userId,
        sessionId: this.id,
        url,
        path: spec.path,
        title: spec.title,
        referrer: referrer === '' ? undefined : referrer,
        properties,
        context,
      },
    });
  }

  track(eventType: string, properties: Record<string, unknown>, options?: TrackOptions): string {
    const page = this.current;
    if (page === null) throw new Error(`${eventType}: show a page before tracking events on it`);
    const at = this.now + Math.max(0, options?.offsetMs ?? 0);
    const world = this.world;
    const eventId = world.eventId();
    world.emit(at, {
      call: 'track',
      input: {
        eventId,
        timestamp: new Date(at).toISOString(),
        eventType,
        anonymousId: this.device.anonymousId,
        userId: this.userId,
        sessionId: this.id,
        sellerId: options?.sellerId,
        listingId: options?.listingId,
        properties,
        context: page.context,
      },
    });
    return eventId;
  }

  signIn(offsetMs: number, eagerness: number): boolean {
    if (this.userId !== undefined) return true;
    const buyer = this.buyer;
    const rng = this.rng;
    const userId = buyer.profile.accountId;
    const method = rng.weighted(SIGNUP_METHODS);
    if (buyer.registered) {
      this.userId = userId;
      this.device.signedIn = true;
      this.track('logged_in', { method, role: 'buyer' }, { offsetMs });
      this.identify(offsetMs + 400);
      return true;
    }
    if (this.declined) return false;
    const p =
      buyer.signupPropensity + Math.min(1, Math.max(0, eagerness)) * (1 - buyer.signupPropensity) * 0.5;
    if (!rng.chance(p)) {
      this.declined = true;
      return false;
    }
    buyer.registered = true;
    this.device.signedIn = true;
    this.userId = userId;
    // Sign-up takes a form or an OAuth round trip; the buyer is back on the page afterwards.
    this.track('signed_up', { method, role: 'buyer' }, { offsetMs });
    this.identify(offsetMs + 600);
    return true;
  }

  /** `identify` with the account's traits, carrying this device's anonymous id: the stitching link. */
  private identify(offsetMs: number): void {
    const world = this.world;
    const buyer = this.buyer;
    const at = this.now + offsetMs;
    // A person drawn from a stream of its own per account, so that the traits are the same on every device.
    const who = person(new Rng(world.options.seed, buyer.profile.accountId));
    world.emit(at, {
      call: 'identify',
      input: {
        eventId: world.eventId(),
        timestamp: new Date(at).toISOString(),
        userId: buyer.profile.accountId,
        anonymousId: this.device.anonymousId,
        sessionId: this.id,
        traits: {
          name: who.name,
          email: who.email,
          phone: who.phone,
          role: 'buyer',
          province: buyer.profile.province,
          language: buyer.profile.language,
        },
        context: this.current?.context,
      },
    });
  }

  private engagement(at: number, dwell: number, scrollDepth: number): void {
    const page = this.current;
    if (page === null) return;
    const properties: Record<string, unknown> = {
      time_on_page_ms: dwell,
      active_time_ms: Math.round(dwell * this.rng.between(0.35, 0.9)),
      scroll_depth: Math.max(0, Math.min(100, Math.round(scrollDepth))),
      path: page.path,
    };
    if (page.itemKey !== null) properties[page.itemKey] = page.itemId;
    this.world.emit(at, {
      call: 'track',
      input: {
        eventId: this.world.eventId(),
        timestamp: new Date(at).toISOString(),
        eventType: 'engagement',
        anonymousId: this.device.anonymousId,
        userId: this.userId,
        sessionId: this.id,
        properties,
        context: page.context,
      },
    });
  }
}
