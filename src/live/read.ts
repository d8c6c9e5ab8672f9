import { localDate } from '../core/time-zone.js';
import type { KeyValue } from '../ports/key-value.js';
import { listingStatFields, liveKeys, liveLimits, trendingPeriod, trendingWeight } from './keys.js';

export interface TrendingListing {
  listing_id: string;
  /** Views with each one weighted 2^(−age / 30 min): "recent views". */
  score: number;
}

export interface ProjectLive {
  project_id: string;
  time_zone: string;
  /** Local day of views_today. */
  date: string;
  at: string;
  /** Distinct visitors with an event in the last 5 minutes. */
  live_visitors: number;
  views_today: number;
  trending: TrendingListing[];
}

export interface SellerLive {
  project_id: string;
  seller_id: string;
  time_zone: string;
  date: string;
  at: string;
  live_visitors: number;
  views_today: number;
}

export interface ListingStats {
  views: number;
  favourites: number;
  leads: number;
  test_drives: number;
  add_to_cart: number;
  checkouts: number;
  purchases: number;
  /** Currency → amount. */
  revenue: Record<string, number>;
  /** Start of the current activity streak (the stats reset after 30 minutes without events). */
  since: string | null;
  last_event_at: string | null;
}

export interface ListingLive {
  project_id: string;
  listing_id: string;
  time_zone: string;
  date: string;
  at: string;
  views_today: number;
  /** Counters since `stats.since`; null when the listing had no event in the last 30 minutes. */
  stats: ListingStats | null;
}

const iso = (ms: string | undefined) =>
  ms && Number.isFinite(Number(ms)) ? new Date(Number(ms)).toISOString() : null;

/** Reads the live counters written by counters.ts. Never writes. */
export class LiveReader {
  constructor(private readonly kv: KeyValue) {}

  async project(projectId: string, timeZone: string, now = Date.now(), top = 10): Promise<ProjectLive> {
    const date = localDate(timeZone, now);
    const [visitors, views, trending] = await Promise.all([
      this.liveVisitors(liveKeys.visitors(projectId), now),
      this.kv.get(liveKeys.viewsToday(projectId, 'project', projectId, date)),
      this.trending(projectId, now, top),
    ]);
    return {
      project_id: projectId,
      time_zone: timeZone,
      date,
      at: new Date(now).toISOString(),
      live_visitors: visitors,
      views_today: Number(views ?? 0),
      trending,
    };
  }

  async seller(projectId: string, sellerId: string, timeZone: string, now = Date.now()): Promise<SellerLive> {
    const date = localDate(timeZone, now);
    const [visitors, views] = await Promise.all([
      this.liveVisitors(liveKeys.sellerVisitors(projectId, sellerId), now),
      this.kv.get(liveKeys.viewsToday(projectId, 'seller', sellerId, date)),
    ]);
    return {
      project_id: projectId,
      seller_id: sellerId,
      time_zone: timeZone,
      date,
      at: new Date(now).toISOString(),
      live_visitors: visitors,
      views_today: Number(views ?? 0),
    };
  }

  async listing(
    projectId: string,
    listingId: string,
    timeZone: string,
    now = Date.now(),
  ): Promise<ListingLive> {
    const date = localDate(timeZone, now);
    const [views, hash] = await Promise.all([
      this.kv.get(liveKeys.viewsToday(projectId, 'listing', listingId, date)),
      this.kv.hGetAll(liveKeys.listingStats(projectId, listingId)),
    ]);
    let stats: ListingStats | null = null;
    if (Object.keys(hash).length > 0) {
      const revenue: Record<string, number> = {};
      for (const [f, v] of Object.entries(hash)) {
        if (f.startsWith('revenue_cents:')) revenue[f.slice('revenue_cents:'.length)] = Number(v) / 100;
      }
      const counts = Object.fromEntries(listingStatFields.map((f) => [f, Number(hash[f] ?? 0)])) as Omit<
        ListingStats,
        'revenue' | 'since' | 'last_event_at'
      >;
      stats = { ...counts, revenue, since: iso(hash['since']), last_event_at: iso(hash['last_at']) };
    }
    return {
      project_id: projectId,
      listing_id: listingId,
      time_zone: timeZone,
      date,
      at: new Date(now).toISOString(),
      views_today: Number(views ?? 0),
      stats,
    };
  }

  /** Members seen in the last 5 minutes (read from the highest score down, stopping at the cutoff). */
  private async liveVisitors(key: string, now: number): Promise<number> {
    const cutoff = now - liveLimits.visitorsWindowMs;
    const page = 1000;
    let n = 0;
    for (let start = 0; ; start += page) {
      const batch = await this.kv.zRevRangeWithScores(key, start, start + page - 1);
      for (const m of batch) {
        if (m.score < cutoff) return n;
        n++;
      }
      if (batch.length < page) return n;
    }
  }

  private async trending(projectId: string, now: number, top: number): Promise<TrendingListing[]> {
    const period = trendingPeriod(now);
    const scale = trendingWeight(now, period);
    const members = await this.kv.zRevRangeWithScores(liveKeys.trending(projectId, period), 0, top - 1);
    return members
      .map((m) => ({ listing_id: m.member, score: Math.round((m.score / scale) * 100) / 100 }))
      .filter((m) => m.score > 0);
  }
}
