import { createHash } from 'node:crypto';
import { urlHost } from '../../collector/enrich/url.js';
import { localDay } from '../../core/time-zone.js';
import type { Row } from '../../ports/warehouse.js';
import type { IdentityMap } from '../identity/identity-map.js';
import { isUsableId } from '../identity/rules.js';
import type { SessionEvent } from './event-reader.js';
import { trafficSource } from './traffic-source.js';

/**
 * Event-time sessions per (project, visitor), in memory, for one consumer of the log.
 *
 * Rules (all in event time; "t" is an event's timestamp):
 * - The visitor is the anonymous id, else the user id: exactly the id the collector partitions by, so all of a
 *   visitor's events are in one partition, in order of arrival.
 * - A session never crosses midnight in the project's time zone, and an event joins a session of its visitor
 *   on the same local day when it falls inside it, or less than `timeoutMs` after its last event, or less
 *   than `timeoutMs` before its first event (a late event can extend a session backwards). A gap of
 *   `timeoutMs` or more starts a new session. When an event could join two sessions (it bridges the gap
 *   between them), it joins the earlier one: sessions are never merged, so a session id once written never
 *   disappears.
 * - Lateness: each partition has a watermark, the greatest event time read from it so far. An event more than
 *   `latenessMs` behind its partition's watermark is too late: it is not sessionized (it is counted in
 *   `stats.lateDropped`; raw_events keeps it). A session is final once no acceptable event can join it any
 *   more: watermark − lateness ≥ min(last event + timeout, end of its local day). Final sessions are written
 *   with `is_final = true` and dropped from memory.
 * - The session id is a hash of project, visitor and the time of the event that opened the session (stable
 *   when a late event moves `started_at` earlier).
 * - Entry page: page_path of the earliest event that has one; exit page: of the latest. Source, medium,
 *   campaign and referrer host: from the earliest event. Device (type, os, browser), country/province
 *   (context `location.country`/`location.region`, or `country`/`province`), the session's own user id and
 *   the first listing viewed: from the earliest event that has them. Ties in time: the first read wins
 *   (the last read for the exit page).
 * - Bounce: exactly one page view and no interaction (events other than page views and `passiveEventTypes`).
 * - Identity calls (identify, alias, group) and events flagged as bots are not sessionized (they still move
 *   the watermark; identity calls feed the identity map).
 *
 * Because a partition's records are always read in the same order and the watermark is kept per partition
 * (and stored beside the offsets), the sessions are the same however the stream is cut into batches,
 * stopped and restarted.
 */
export interface SessionizerOptions {
  timeoutMs: number;
  latenessMs: number;
}

export const pageViewEventTypes: ReadonlySet<string> = new Set(['page_view', 'screen_view']);

/**
 * Events that are not an interaction of the visitor: measurements, and the view events that go with a page
 * view (a landing on a listing sends page_view + listing_viewed + engagement, and is
 * still a bounce).
 */
export const passiveEventTypes: ReadonlySet<string> = new Set([
  'engagement',
  'listing_viewed',
  'product_viewed',
]);

/** Identity calls (often sent by a back end, without page or device) are not part of sessions. */
export const identityEventTypes: ReadonlySet<string> = new Set(['identify', 'alias', 'group']);

const listingViewTypes = new Set(['listing_viewed', 'product_viewed']);

export interface OpenSession {
  id: string;
  project: string;
  visitor: string;
  /** topic/partition the visitor's events come from. */
  part: string;
  day: string;
  dayStart: number;
  dayEnd: number;
  opened: number;
  start: number;
  end: number;
  events: number;
  pageViews: number;
  interactions: number;
  entryAt: number;
  entryPage: string | null;
  exitAt: number;
  exitPage: string | null;
  source: string;
  medium: string | null;
  campaign: string | null;
  referrerHost: string | null;
  deviceAt: number;
  deviceType: string | null;
  os: string | null;
  browser: string | null;
  geoAt: number;
  country: string | null;
  province: string | null;
  listingAt: number;
  firstListing: string | null;
  userAt: number;
  eventUserId: string | null;
  isFinal: boolean;
}

export type SessionizerStats = {
  events: number;
  sessions: number;
  finalized: number;
  lateDropped: number;
  noVisitor: number;
  bots: number;
};

const never = Number.POSITIVE_INFINITY;
const visitorKey = (project: string, visitor: string): string => `${project}\u0000${visitor}`;

export function sessionIdOf(project: string, visitor: string, opened: number): string {
  return createHash('sha256').update(`${project}\u0000${visitor}\u0000${opened}`).digest('hex').slice(0, 32);
}

export class Sessionizer {
  private readonly visitors = new Map<string, OpenSession[]>();
  private readonly byPart = new Map<string, Set<string>>();
  private readonly watermarks = new Map<string, number>();
  private dirty = new Set<OpenSession>();
  readonly stats: SessionizerStats = {
    events: 0,
    sessions: 0,
    finalized: 0,
    lateDropped: 0,
    noVisitor: 0,
    bots: 0,
  };

  constructor(
    private readonly o: SessionizerOptions,
    private readonly identity: IdentityMap,
  ) {}

  get openSessions(): number {
    let n = 0;
    for (const list of this.visitors.values()) n += list.length;
    return n;
  }

  setWatermark(part: string, t: number): void {
    this.watermarks.set(part, t);
  }

  /** Watermarks of the partitions read so far (for stream_offsets). */
  watermarkMap(): ReadonlyMap<string, number> {
    return this.watermarks;
  }

  /** Restores open sessions from their rows (`is_final = false`). */
  restore(rows: Row[]): void {
    for (const r of rows) {
      const st = r.state as Record<string, unknown> | null;
      if (!st) continue;
      const s: OpenSession = {
        id: String(r.session_id),
        project: String(r.project_id),
        visitor: String(r.visitor),
        part: String(st.part),
        day: String(r.local_date),
        dayStart: Number(st.dayStart),
        dayEnd: Number(st.dayEnd),
        opened: Number(st.opened),
        start: ms(r.started_at),
        end: ms(r.ended_at),
        events: Number(r.events),
        pageViews: Number(r.page_views),
        interactions: Number(r.interactions),
        entryAt: num(st.entryAt),
        entryPage: str(r.entry_page),
        exitAt: num(st.exitAt, Number.NEGATIVE_INFINITY),
        exitPage: str(r.exit_page),
        source: String(r.source),
        medium: str(r.medium),
        campaign: str(r.campaign),
        referrerHost: str(r.referrer_host),
        deviceAt: num(st.deviceAt),
        deviceType: str(r.device_type),
        os: str(r.os),
        browser: str(r.browser),
        geoAt: num(st.geoAt),
        country: str(r.country),
        province: str(r.province),
        listingAt: num(st.listingAt),
        firstListing: str(r.first_listing_viewed),
        userAt: num(st.userAt),
        eventUserId: str(r.event_user_id),
        isFinal: false,
      };
      this.insert(s);
    }
  }

  /** Adds one event read from partition `part`, for a project in `timeZone`. */
  add(part: string, e: SessionEvent, timeZone: string): void {
    const t = e.t;
    const watermark = this.watermarks.get(part) ?? Number.NEGATIVE_INFINITY;
    if (t < watermark - this.o.latenessMs) {
      this.stats.lateDropped++;
      return;
    }
    if (t > watermark) this.watermarks.set(part, t);
    if (identityEventTypes.has(e.type)) return;
    if (e.isBot) {
      this.stats.bots++;
      return;
    }
    const visitor = e.anon ?? e.user;
    if (visitor === null || visitor === undefined) {
      this.stats.noVisitor++;
      return;
    }
    this.stats.events++;
    const day = localDay(timeZone, t);
    const vk = visitorKey(e.projectId, visitor);
    const list = this.visitors.get(vk);
    let target: OpenSession | undefined;
    if (list) {
      let after: OpenSession | undefined;
      let before: OpenSession | undefined;
      for (const s of list) {
        if (s.dayStart !== day.start) continue;
        if (t >= s.start && t <= s.end) {
          target = s;
          break;
        }
        if (!after && t > s.end && t - s.end < this.o.timeoutMs) after = s;
        if (!before && t < s.start && s.start - t < this.o.timeoutMs) before = s;
      }
      target ??= after ?? before;
    }
    if (target) apply(target, e, t);
    else {
      // Applied before it is placed: the visitor's sessions stay sorted by start.
      target = this.open(e.projectId, visitor, part, day, t);
      apply(target, e, t);
      this.insert(target);
      this.stats.sessions++;
    }
    this.dirty.add(target);
  }

  /** Marks the sessions of `parts` final where the partition's watermark says nothing can join them. */
  finalize(parts: Iterable<string>): void {
    for (const part of parts) {
      const watermark = this.watermarks.get(part);
      const visitors = this.byPart.get(part);
      if (watermark === undefined || !visitors) continue;
      const horizon = watermark - this.o.latenessMs;
      for (const vk of visitors) {
        for (const s of this.visitors.get(vk) ?? []) {
          if (!s.isFinal && horizon >= Math.min(s.end + this.o.timeoutMs, s.dayEnd)) {
            s.isFinal = true;
            this.stats.finalized++;
            this.dirty.add(s);
          }
        }
      }
    }
  }

  /** Open sessions of a visitor (to re-attribute them when the visitor's identity changes). */
  sessionsOf(project: string, visitor: string): readonly OpenSession[] {
    return this.visitors.get(visitorKey(project, visitor)) ?? [];
  }

  has(project: string, visitor: string, sessionId: string): boolean {
    return this.sessionsOf(project, visitor).some((s) => s.id === sessionId);
  }

  markDirty(s: OpenSession): void {
    this.dirty.add(s);
  }

  /** Rows of the sessions changed since the last call (their user resolved now). */
  takeRows(): Row[] {
    const rows: Row[] = [];
    for (const s of this.dirty) {
      this.identity.noteActivity(s.project, s.visitor, s.start);
      rows.push(this.row(s));
    }
    this.dirty = new Set();
    return rows;
  }

  /** After the rows are durable: final sessions leave memory. */
  evictFinal(): void {
    for (const [part, visitors] of this.byPart) {
      for (const vk of visitors) {
        const list = this.visitors.get(vk);
        if (!list) {
          visitors.delete(vk);
          continue;
        }
        const open = list.filter((s) => !s.isFinal);
        if (open.length === 0) {
          this.visitors.delete(vk);
          visitors.delete(vk);
        } else if (open.length !== list.length) this.visitors.set(vk, open);
      }
      if (visitors.size === 0) this.byPart.delete(part);
    }
  }

  private row(s: OpenSession): Row {
    return {
      project_id: s.project,
      session_id: s.id,
      visitor: s.visitor,
      user_id: s.eventUserId ?? this.identity.userOf(s.project, s.visitor),
      event_user_id: s.eventUserId,
      local_date: s.day,
      started_at: s.start,
      ended_at: s.end,
      duration_s: (s.end - s.start) / 1000,
      events: s.events,
      page_views: s.pageViews,
      interactions: s.interactions,
      bounce: s.pageViews === 1 && s.interactions === 0,
      entry_page: s.entryPage,
      exit_page: s.exitPage,
      source: s.source,
      medium: s.medium,
      campaign: s.campaign,
      referrer_host: s.referrerHost,
      device_type: s.deviceType,
      os: s.os,
      browser: s.browser,
      country: s.country,
      province: s.province,
      first_listing_viewed: s.firstListing,
      is_final: s.isFinal,
      state: s.isFinal
        ? null
        : {
            part: s.part,
            dayStart: s.dayStart,
            dayEnd: s.dayEnd,
            opened: s.opened,
            entryAt: finite(s.entryAt),
            exitAt: finite(s.exitAt),
            deviceAt: finite(s.deviceAt),
            geoAt: finite(s.geoAt),
            listingAt: finite(s.listingAt),
            userAt: finite(s.userAt),
          },
    };
  }

  private open(
    project: string,
    visitor: string,
    part: string,
    day: { date: string; start: number; end: number },
    t: number,
  ): OpenSession {
    return {
      id: sessionIdOf(project, visitor, t),
      project,
      visitor,
      part,
      day: day.date,
      dayStart: day.start,
      dayEnd: day.end,
      opened: t,
      start: never,
      end: Number.NEGATIVE_INFINITY,
      events: 0,
      pageViews: 0,
      interactions: 0,
      entryAt: never,
      entryPage: null,
      exitAt: Number.NEGATIVE_INFINITY,
      exitPage: null,
      source: '(direct)',
      medium: '(none)',
      campaign: null,
      referrerHost: null,
      deviceAt: never,
      deviceType: null,
      os: null,
      browser: null,
      geoAt: never,
      country: null,
      province: null,
      listingAt: never,
      firstListing: null,
      userAt: never,
      eventUserId: null,
      isFinal: false,
    };
  }

  private insert(s: OpenSession): void {
    const vk = visitorKey(s.project, s.visitor);
    const list = this.visitors.get(vk);
    if (!list) this.visitors.set(vk, [s]);
    else {
      let i = list.length;
      while (i > 0 && list[i - 1]!.start > s.start) i--;
      list.splice(i, 0, s);
    }
    let visitors = this.byPart.get(s.part);
    if (!visitors) {
      visitors = new Set();
      this.byPart.set(s.part, visitors);
    }
    visitors.add(vk);
  }
}

function apply(s: OpenSession, e: SessionEvent, t: number): void {
  s.events++;
  if (pageViewEventTypes.has(e.type)) s.pageViews++;
  else if (!passiveEventTypes.has(e.type)) s.interactions++;
  if (t < s.start) {
    s.start = t;
    // The earliest event decides the source: the rest of the event is read only here.
    const ctx = e.full().context;
    const src = trafficSource({
      utmSource: ctx?.utm?.source ?? null,
      utmMedium: ctx?.utm?.medium ?? null,
      utmCampaign: ctx?.utm?.campaign ?? null,
      referrerHost: ctx?.referrer_host ?? null,
      pageHost: ctx?.page_url ? urlHost(ctx.page_url) : null,
    });
    s.source = src.source;
    s.medium = src.medium;
    s.campaign = src.campaign;
    s.referrerHost = ctx?.referrer_host ?? null;
  }
  if (t > s.end) s.end = t;
  const path = e.pagePath;
  if (path !== null) {
    if (t < s.entryAt) {
      s.entryAt = t;
      s.entryPage = path;
    }
    if (t >= s.exitAt) {
      s.exitAt = t;
      s.exitPage = path;
    }
  }
  if (t < s.deviceAt && (e.deviceType || e.os || e.browser)) {
    s.deviceAt = t;
    s.deviceType = e.deviceType;
    s.os = e.os;
    s.browser = e.browser;
  }
  if (t < s.geoAt && e.maybeGeo) {
    const extra = e.full().context?.extra;
    const loc = extra?.location as Record<string, unknown> | undefined;
    const country = text(loc?.country) ?? text(extra?.country);
    const province = text(loc?.region) ?? text(extra?.province) ?? text(extra?.region);
    if (country !== null || province !== null) {
      s.geoAt = t;
      s.country = country;
      s.province = province;
    }
  }
  if (t < s.listingAt && listingViewTypes.has(e.type)) {
    const props = e.listingId === null ? e.full().properties : undefined;
    const listing = e.listingId ?? text(props?.listing_id) ?? text(props?.product_id);
    if (listing !== null) {
      s.listingAt = t;
      s.firstListing = listing;
    }
  }
  if (t < s.userAt && isUsableId(e.user)) {
    s.userAt = t;
    s.eventUserId = e.user;
  }
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : Number(v));
const num = (v: unknown, missing = never): number => (typeof v === 'number' ? v : missing);
const finite = (n: number): number | null => (Number.isFinite(n) ? n : null);
