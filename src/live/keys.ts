/**
 * Live counters in the key-value port (Redis or the embedded store): names and lifetimes. Seed 001 names the
 * per-listing stats `stats:vehicle:{vehicleId}` cached 30 minutes; Plaza serves several verticals and
 * several marketplaces, hence `stats:listing:{project}:{listing}`. Project ids never contain ':', so every
 * key reads back unambiguously whatever the listing or seller ids contain.
 *
 * | key                                            | type       | lifetime                                        |
 * | ---------------------------------------------- | ---------- | ----------------------------------------------- |
 * | stats:listing:{p}:{listing}                    | hash       | 30 min after the listing's last event            |
 * | live:views-today:{p}:{kind}:{id}:{YYYY-MM-DD}  | counter    | until the project's local midnight ending the day |
 * | live:visitors:{p}                              | sorted set | member = visitor, score = last seen (ms, to 10 s); |
 * | live:visitors:{p}:seller:{seller}              | sorted set |   members older than 5 min trimmed; key 9-10 min |
 * | live:trending:{p}:{period}                     | sorted set | listing → forward-decayed views; 12 h            |
 *
 * kind is `listing`, `seller` or `project` (then id is the project id).
 */
export const liveLimits = {
  listingStatsTtlMs: 30 * 60_000,
  visitorsWindowMs: 5 * 60_000,
  /** A visitor's last-seen time is written again only once it has moved this much. */
  visitorsStepMs: 10_000,
  /** The visitor sets themselves expire this long after their last write. */
  visitorsKeyTtlMs: 10 * 60_000,
  /** Trending score: each view counts 2^(−age / half-life). */
  trendingHalfLifeMs: 30 * 60_000,
  /** Scores are kept relative to the start of a period (so they stay finite); see counters.ts. */
  trendingPeriodMs: 6 * 3_600_000,
  trendingKeyTtlMs: 12 * 3_600_000,
  /** Events older than this (event time) can no longer change any live counter. */
  horizonMs: 25 * 3_600_000,
} as const;

export const liveKeys = {
  listingStats: (p: string, listing: string) => `stats:listing:${p}:${listing}`,
  viewsToday: (p: string, kind: 'listing' | 'seller' | 'project', id: string, date: string) =>
    `live:views-today:${p}:${kind}:${id}:${date}`,
  visitors: (p: string) => `live:visitors:${p}`,
  sellerVisitors: (p: string, seller: string) => `live:visitors:${p}:seller:${seller}`,
  trending: (p: string, period: number) => `live:trending:${p}:${period}`,
};

/** Fields of the per-listing stats hash (counters; revenue as `revenue_cents:{CUR}`). */
export const listingStatFields = [
  'views',
  'favourites',
  'leads',
  'test_drives',
  'add_to_cart',
  'checkouts',
  'purchases',
] as const;

export const trendingPeriod = (ms: number) => Math.floor(ms / liveLimits.trendingPeriodMs);

/** Weight of a view at `ms` in the key of `period`: 2^((ms − period start) / half-life). */
export const trendingWeight = (ms: number, period: number) =>
  2 ** ((ms - period * liveLimits.trendingPeriodMs) / liveLimits.trendingHalfLifeMs);
