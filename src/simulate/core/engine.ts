/**
 * The simulation engine: runs the timeline, keeps the buyer population (arrivals with growth, return visits
 * with seasonality, churn), and implements the `World` a vertical's seller side sees. Sessions themselves
 * live in session.ts.
 */
import type { SimEvent, Simulation, SimulationOptions } from '../types.js';
import { calendar, DAY, MAX_INTENSITY } from './calendar.js';
import { deviceKinds, newDevice } from './devices.js';
import { provinceByPopulation } from './geo.js';
import { type GroundTruth, groundTruth } from './ground-truth.js';
import { Rng } from './rng.js';
import { SessionRun } from './session.js';
import { Timeline } from './timeline.js';
import type {
  AnyVertical,
  Buyer,
  BuyerProfile,
  Calendar,
  DeviceKind,
  Dynamics,
  ResolvedOptions,
  ServerEvent,
  Site,
  World,
} from './vertical.js';

/** Two visits closer than this would be one session. */
const MIN_SESSION_GAP = 30 * 60_000;

// biome-ignore lint/suspicious/noExplicitAny: the engine never looks inside a vertical's buyer state
export type AnyBuyer = Buyer<any, any> & {
  /** Sessions per ms before activity, seasonality and churn decay. */
  rate: number;
  /** Probability of accepting to create an account when asked. */
  signupPropensity: number;
  /** Last instant the buyer may visit (churn date, or the silent departure of retained buyers). */
  departsAt: number;
};

export class Engine implements World {
  readonly options: ResolvedOptions;
  readonly site: Site;
  readonly calendar: Calendar;
  readonly truth: GroundTruth;
  readonly dynamics: Dynamics;
  /** The vertical's seller-side stream. */
  readonly rng: Rng;
  /** Buyer sessions' stream (handed to the vertical as `visit.rng`). */
  readonly sessionRng: Rng;
  /** Population draws (arrivals, devices, churn) and event ids, apart so verticals cannot shift them. */
  private readonly buyerRng: Rng;
  private readonly idRng: Rng;
  private readonly timeline = new Timeline();
  private buyerCount = 0;
  now: number;

  constructor(
    options: SimulationOptions,
    readonly vertical: AnyVertical,
  ) {
    this.options = {
      seed: options.seed,
      start: options.start,
      days: options.days,
      users: options.users,
      sellers: options.sellers,
    };
    this.site = vertical.site;
    this.dynamics = vertical.dynamics;
    this.calendar = calendar(options.start, options.days);
    this.truth = groundTruth(options.groundTruthDir);
    const root = new Rng(options.seed, 'plaza-simulate');
    this.buyerRng = root.fork('buyers');
    this.sessionRng = root.fork('sessions');
    this.idRng = root.fork('ids');
    this.rng = root.fork('vertical');
    this.now = options.start;
  }

  // World ----------------------------------------------------------------------------------------------

  schedule(at: number, action: (now: number) => void): void {
    this.timeline.schedule(Math.max(at, this.now), action);
  }

  emit(at: number, event: SimEvent): void {
    this.timeline.emit(Math.max(at, this.now), event);
  }

  eventId(): string {
    return this.idRng.uuid();
  }

  track(at: number, e: ServerEvent): string {
    if (e.userId === undefined && e.anonymousId === undefined) {
      throw new Error(`${e.eventType}: a server event needs userId or anonymousId`);
    }
    const t = Math.max(at, this.now);
    const eventId = this.eventId();
    this.timeline.emit(t, {
      call: 'track',
      input: {
        eventId,
        timestamp: new Date(t).toISOString(),
        eventType: e.eventType,
        properties: e.properties,
        userId: e.userId,
        anonymousId: e.anonymousId,
        sellerId: e.sellerId,
        listingId: e.listingId,
        context: e.context,
      },
    });
    return eventId;
  }

  identify(at: number, userId: string, traits: Record<string, unknown>): void {
    const t = Math.max(at, this.now);
    this.timeline.emit(t, {
      call: 'identify',
      input: { eventId: this.eventId(), timestamp: new Date(t).toISOString(), userId, traits },
    });
  }

  // Running ----------------------------------------------------------------------------------------------

  *run(): Generator<SimEvent, void, undefined> {
    this.vertical.start(this);
    this.seedPopulation();
    for (;;) {
      const entry = this.timeline.pop();
      if (entry === undefined) return;
      this.now = entry.at;
      if (entry.event !== null) yield entry.event;
      else entry.action?.(entry.at);
    }
  }

  // Population -------------------------------------------------------------------------------------------

  /** Buyers already there at the start, then a chain of arrivals whose rate makes the population grow. */
  private seedPopulation(): void {
    const { start, users, days } = this.options;
    const initial = Math.round(users * this.calendar.growth(start));
    for (let i = 0; i < initial; i++) {
      const joinedAt = start - Math.floor(this.buyerRng.between(1, 365) * DAY);
      const buyer = this.newBuyer(joinedAt, this.buyerRng.chance(this.dynamics.registeredAtStart));
      const first = this.nextVisit(buyer, start);
      if (first !== null) this.schedule(first, (now) => this.visit(buyer, now));
      else this.depart(buyer);
    }
    // Linear growth of the population means a constant arrival rate, thinned by the hour of the week.
    const perMs = (users - initial) / (days * DAY);
    if (perMs > 0) this.scheduleArrival(start, perMs);
  }

  private scheduleArrival(from: number, perMs: number): void {
    let t = from;
    do t += this.buyerRng.exponential(1 / (perMs * MAX_INTENSITY));
    while (this.buyerRng.float() * MAX_INTENSITY > this.calendar.intensity(t));
    this.schedule(t, (now) => {
      const buyer = this.newBuyer(now, false);
      this.visit(buyer, now);
      this.scheduleArrival(now, perMs);
    });
  }

  private newBuyer(joinedAt: number, registered: boolean): AnyBuyer {
    const rng = this.buyerRng;
    const d = this.dynamics;
    const index = this.buyerCount++;
    const language = rng.chance(d.englishShare) ? 'en' : 'es';
    const primary = deviceKinds.draw(rng);
    const profile: BuyerProfile = {
      index,
      accountId: `usr_${String(index + 1).padStart(6, '0')}`,
      joinedAt,
      language,
      province: provinceByPopulation.draw(rng).name,
      primaryDevice: primary,
    };
    const devices = [newDevice(rng, primary, language)];
    if (rng.chance(d.secondDeviceShare)) {
      const other: DeviceKind = primary === 'desktop' ? 'mobile' : rng.chance(0.8) ? 'desktop' : 'tablet';
      devices.push(newDevice(rng, other, language));
    }
    if (registered) devices[0]!.signedIn = rng.chance(0.8);

    const { start, historyEnd } = this.calendar;
    const from = Math.max(joinedAt, start);
    const churns = rng.chance(d.churnShare);
    const churnAt = churns
      ? from + (d.churnAfter.minDays + rng.exponential(d.churnAfter.meanExtraDays)) * DAY
      : null;
    const departsAt =
      churnAt ?? Math.max(historyEnd, from) + rng.exponential(d.retainedMeanDaysAfterHistory) * DAY;
    // Beta-like spread of the sign-up propensity around its median.
    const u = rng.float();
    const signupPropensity = Math.min(0.98, d.signupPropensity * 2 * u * u + d.signupPropensity * 0.25);

    const { prefs, state } = this.vertical.newBuyer(profile, this.sessionRng);
    const buyer: AnyBuyer = {
      profile,
      prefs,
      state,
      devices,
      registered,
      activity: 1,
      sessions: 0,
      lastSessionAt: joinedAt,
      churnAt,
      rate: rng.logNormal(d.sessionsPerDay.median, d.sessionsPerDay.sigma) / DAY,
      signupPropensity,
      departsAt,
    };
    if (this.truth.enabled) {
      this.truth.write('buyers', {
        buyer_id: profile.accountId,
        anonymous_ids: devices.map((x) => x.anonymousId),
        joined_at: new Date(joinedAt).toISOString(),
        registered_before_history: registered,
        language,
        province: profile.province,
        devices: devices.map((x) => x.kind),
        sessions_per_day: Math.round(buyer.rate * DAY * 1000) / 1000,
        signup_propensity: Math.round(signupPropensity * 1000) / 1000,
        churn_at: churnAt === null ? null : new Date(churnAt).toISOString(),
        departs_at: new Date(departsAt).toISOString(),
        preferences: prefs,
      });
    }
    return buyer;
  }

  /**
   * The buyer's next visit after `from`: a Poisson process at the buyer's rate times its activity, thinned by
   * the hour of the week and, for churners, by a linear decay over the last `decayDays` before the churn date.
   * Null when the buyer leaves first.
   */
  private nextVisit(buyer: AnyBuyer, from: number): number | null {
    const rate = buyer.rate * buyer.activity;
    if (!(rate > 0)) return null;
    const decay = this.dynamics.decayDays * DAY;
    const rng = this.buyerRng;
    let t = from;
    for (;;) {
      t += rng.exponential(1 / (rate * MAX_INTENSITY));
      if (t >= buyer.departsAt) return null;
      let accept = this.calendar.intensity(t) / MAX_INTENSITY;
      if (buyer.churnAt !== null && t > buyer.churnAt - decay) accept *= (buyer.churnAt - t) / decay;
      if (rng.float() < accept) return t;
    }
  }

  private visit(buyer: AnyBuyer, now: number): void {
    const session = new SessionRun(this, buyer, now);
    session.step(now);
  }

  /** Called by a session when it ends: schedules the buyer's next visit, or lets the buyer go. */
  sessionEnded(buyer: AnyBuyer, endedAt: number): void {
    buyer.lastSessionAt = endedAt;
    const next = this.nextVisit(buyer, endedAt + MIN_SESSION_GAP);
    if (next === null) this.depart(buyer);
    else this.schedule(next, (now) => this.visit(buyer, now));
  }

  private depart(buyer: AnyBuyer): void {
    this.vertical.forget?.(buyer);
  }
}

export function createEngine(options: SimulationOptions, vertical: AnyVertical): Simulation {
  const engine = new Engine(options, vertical);
  const iterator = engine.run();
  return {
    // One world per simulation: every call hands out the same iterator.
    events: () => iterator,
    close: async () => engine.truth.close(),
  };
}
