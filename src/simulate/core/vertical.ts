/**
 * How a marketplace vertical (vehicles, stores) plugs into the simulation core.
 *
 * The core owns what every marketplace shares: the timeline, the calendar (seasonality, growth), the buyer
 * population (arrival, devices, language, province, churn, how often each one comes back), sessions (traffic
 * source and UTM, landing, page views and their engagement events, bounces, session ids), identity (anonymous
 * browsing, sign-up, login, `identify` on each device), event ids and timestamps, and the ground-truth files.
 *
 * A vertical owns what its marketplace sells and how people behave around it:
 * - `start(world)`: creates the sellers and their inventory and schedules everything that happens on the
 *   seller side (`world.schedule`), emitting server-side events with `world.track` (listing_created, orders
 *   fulfilled, subscriptions...). Sellers join over time: use `world.calendar.growth(t)`.
 * - `newBuyer(profile, rng)`: the latent preferences of a buyer (written to ground truth) and any mutable
 *   per-buyer state it wants (favourites, cart, purchases awaiting a review...).
 * - `newSession(visit)` / `step(visit)`: the funnel. The core calls `step` once per page of a session: the
 *   step calls `visit.page(...)` exactly once (the page shown at `visit.now`), may `visit.track(...)` events
 *   that happen on that page (offsets within the page's dwell time), may `visit.signIn(...)` when an action
 *   needs an account, and returns how long the page was looked at and whether the session ends there. The
 *   core then emits the page's `engagement` event and schedules the next step.
 *
 * Rules that keep the output correct:
 * - Everything random comes from the `Rng` handed over (`world.rng`, `visit.rng`); never Math.random or the
 *   wall clock: same seed, same events.
 * - Actions only emit events at or after their own time (`world.now`, `visit.now`); the core merges them into
 *   non-decreasing timestamp order.
 * - Memory stays bounded: drop sold or removed items and departed sellers, cap per-buyer lists; `forget`
 *   is called when a buyer leaves the world for good.
 * - Events must validate against the catalogue (src/schemas/catalogue); the simulate-validate test checks.
 */
import type { GroundTruth } from './ground-truth.js';
import type { Rng } from './rng.js';

/** The marketplace's web site, used by the core for URLs, page titles and sign-up pages. */
export interface Site {
  /** Origin of the site, e.g. 'https://okla.com.do'. */
  origin: string;
  /** Display name, e.g. 'OKLA'. */
  name: string;
  /** page_view `category` of pages that belong to no section. */
  section: string;
  /** Names of the marketing campaigns running (utm_campaign of ads and social posts). */
  campaigns: readonly string[];
  /** Keywords bought on search ads (utm_term). */
  adTerms: readonly string[];
}

export type Language = 'es' | 'en';
export type DeviceKind = 'mobile' | 'desktop' | 'tablet';

/** What the core draws for every buyer before the vertical adds its preferences. */
export interface BuyerProfile {
  /** Dense index in arrival order (0 for the first buyer ever). */
  index: number;
  /** Account id the buyer gets on sign-up, e.g. 'usr_000123'. */
  accountId: string;
  joinedAt: number;
  language: Language;
  /** Province of residence (one of PROVINCES in geo.ts). */
  province: string;
  /** Device of the buyer's first visits. */
  primaryDevice: DeviceKind;
}

export interface Device {
  kind: DeviceKind;
  userAgent: string;
  /** Anonymous id kept in this device's storage, stable across sessions. */
  anonymousId: string;
  ip: string;
  /** Browser language, e.g. 'es-DO'. */
  locale: string;
  /** True once the buyer has logged in on this device: later events carry the user id from the start. */
  signedIn: boolean;
}

export interface Buyer<P, S> {
  readonly profile: BuyerProfile;
  /** Latent preferences from `newBuyer` (ground truth). */
  readonly prefs: P;
  /** The vertical's mutable per-buyer state. */
  state: S;
  readonly devices: Device[];
  /** True once the buyer has an account (signed up). */
  registered: boolean;
  /** Multiplies how often the buyer comes back; a vertical lowers it after a purchase that ends a need. */
  activity: number;
  /** Sessions so far. */
  sessions: number;
  lastSessionAt: number;
  /** When the buyer churns (activity decays towards it, then stops), or null. */
  readonly churnAt: number | null;
}

/** Where a session came from. */
export interface TrafficSource {
  /** 'direct', 'organic', 'paid', 'social', 'whatsapp', 'email', 'referral'. */
  channel: string;
  /** Referrer URL of the landing page, '' for direct traffic. */
  referrer: string;
  utm: { source: string; medium: string; campaign: string; term?: string; content?: string } | null;
  /** What the landing page should be: the site's home, a results page, or one item (shared links, ads). */
  landing: 'home' | 'search' | 'item';
}

export interface SessionInfo {
  readonly id: string;
  readonly startedAt: number;
  readonly source: TrafficSource;
  readonly device: Device;
  /** Pages shown so far in this session (0 while the landing step runs). */
  readonly pages: number;
  /** True for the buyer's first session ever. */
  readonly firstVisit: boolean;
}

export interface PageSpec {
  /** Path and query, e.g. '/vehiculos/lst_123'. The core adds the origin (and the UTM query on landing). */
  path: string;
  title: string;
  /** page_view `page_type`: home, search, listing, product, store, dealer, cart, checkout, account... */
  type: string;
  /** page_view `name`, e.g. 'listing_detail'; defaults to `type`. */
  name?: string;
  /** Extra page_view properties (listing_id, product_id, store_id, seller_id, category). */
  properties?: Record<string, unknown>;
}

export interface TrackOptions {
  /** Milliseconds after the page was shown (default 0); keep it below the step's dwell time. */
  offsetMs?: number;
  /** Envelope seller_id / listing_id (the server also reads them from properties). */
  sellerId?: string;
  listingId?: string;
}

/** The core's handle on one step (one page) of a buyer session. */
export interface Visit<P, S, V> {
  /** When this step's page is shown. */
  readonly now: number;
  readonly rng: Rng;
  readonly buyer: Buyer<P, S>;
  readonly session: SessionInfo;
  /** The vertical's per-session state from `newSession`. */
  readonly state: V;
  readonly world: World;
  /** Shows this step's page at `now` (call exactly once per step). */
  page(spec: PageSpec): void;
  /**
   * A buyer event on the current page, with the session's ids and context; returns its event id (for
   * per-event ground truth). Call in time order: events carry the identity of the moment of the call.
   */
  track(eventType: string, properties: Record<string, unknown>, options?: TrackOptions): string;
  /**
   * Makes sure the buyer is signed in on this device at `offsetMs`: logs in (logged_in + identify) when the
   * buyer has an account, or signs up (signed_up + identify) with the buyer's sign-up propensity raised by
   * `eagerness` (0..1). False when the buyer declines to create an account.
   */
  signIn(offsetMs: number, eagerness: number): boolean;
  /** Whether events of this session currently carry the user id. */
  readonly signedIn: boolean;
}

/** What a step tells the core about the page it showed. */
export interface StepOutcome {
  /** Time the page stayed visible, in ms (the engagement event's time_on_page_ms). */
  dwellMs: number;
  /** Deepest scroll, 0..100. */
  scrollDepth: number;
  /** True when the buyer leaves the site after this page. */
  end: boolean;
}

export interface Calendar {
  readonly start: number;
  /** First instant after history: start + days * 86_400_000. */
  readonly historyEnd: number;
  /** Relative traffic intensity at `t` (daily and weekly seasonality); averages about 1 over a week. */
  intensity(t: number): number;
  /**
   * Share of the end-of-history population present at `t`: rises linearly from INITIAL_SHARE at the start to
   * 1 at the end of history, then levels off towards 2 − INITIAL_SHARE (live mode stays bounded).
   */
  growth(t: number): number;
  /** Local (America/Santo_Domingo) hour of day 0..23 and weekday 0 = Sunday. */
  hour(t: number): number;
  weekday(t: number): number;
  /** 'YYYY-MM-DD' in local time. */
  localDate(t: number): string;
}

export interface ResolvedOptions {
  seed: number;
  start: number;
  days: number;
  users: number;
  sellers: number;
}

/** Server-side events (seller actions, back-office changes): no session, no browser context. */
export interface ServerEvent {
  eventType: string;
  properties: Record<string, unknown>;
  userId?: string;
  anonymousId?: string;
  sellerId?: string;
  listingId?: string;
  context?: Record<string, unknown>;
}

/** The simulation as seen by a vertical's seller-side code. */
export interface World {
  readonly options: ResolvedOptions;
  readonly site: Site;
  readonly calendar: Calendar;
  /** The vertical's own stream (seller side); buyer steps get `visit.rng`. */
  readonly rng: Rng;
  /** Time of the action being run. */
  readonly now: number;
  readonly truth: GroundTruth;
  /** Runs `action` at `at` (>= now). Actions run in time order; ties in scheduling order. */
  schedule(at: number, action: (now: number) => void): void;
  /** Emits a server-side event at `at` (>= now); returns its event id. */
  track(at: number, event: ServerEvent): string;
  /** Emits an `identify` for a seller or back-office account. */
  identify(at: number, userId: string, traits: Record<string, unknown>): void;
}

/** How buyers of a vertical come and go; the core's population follows it. */
export interface Dynamics {
  /** Share of buyers who churn: their visits thin out over `decayDays`, then stop at their churn date. */
  churnShare: number;
  /** Churn date = later of joining and the start of history + minDays + exponential(meanExtraDays). */
  churnAfter: { minDays: number; meanExtraDays: number };
  decayDays: number;
  /**
   * Buyers who do not churn still leave eventually (mean this many days after history), only so that an
   * endless live run keeps a bounded population; the ground truth records it as `departs_at`.
   */
  retainedMeanDaysAfterHistory: number;
  /** Sessions per day of a buyer: log-normal with this median and log-space spread. */
  sessionsPerDay: { median: number; sigma: number };
  /** Median probability that a buyer accepts to create an account when an action needs one. */
  signupPropensity: number;
  /** Buyers already there when history starts who already have an account. */
  registeredAtStart: number;
  /** Buyers who also browse from a second device (anonymous there until they log in). */
  secondDeviceShare: number;
  /** Buyers who browse in English (diaspora, expats); the others in Spanish. */
  englishShare: number;
  /** A safety cap on pages per session. */
  maxPagesPerSession: number;
}

export interface VerticalPlugin<P, S, V> {
  readonly site: Site;
  readonly dynamics: Dynamics;
  /** Creates the initial sellers and inventory and schedules the seller side. Called once. */
  start(world: World): void;
  /** Latent preferences (JSON-serialisable: written to ground truth) and mutable state of a new buyer. */
  newBuyer(profile: BuyerProfile, rng: Rng): { prefs: P; state: S };
  /** Per-session state, created before the landing step. */
  newSession(visit: Visit<P, S, undefined>): V;
  /** One page of a session; see the file comment. */
  step(visit: Visit<P, S, V>): StepOutcome;
  /** The buyer left the world (churned): drop references to it. */
  forget?(buyer: Buyer<P, S>): void;
}

/** A vertical whose generic parameters are hidden, as the engine holds it. */
// biome-ignore lint/suspicious/noExplicitAny: the engine never looks inside a vertical's buyer or session state
export type AnyVertical = VerticalPlugin<any, any, any>;
