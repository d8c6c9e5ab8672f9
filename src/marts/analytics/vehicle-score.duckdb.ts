import { date, daysTable, inProjects, ratio, validAtEndOf } from '../common/duckdb.js';
import { scoreParts, type VehicleScoreSql } from './vehicle-score.js';

const points = (weight: number, share: string) => `round(${weight} * (${share}), 2)`;

export const duckdbVehicleScoreSql: VehicleScoreSql = {
  inputCount: (days) =>
    `SELECT count(*) AS n FROM dim_listings WHERE ${inProjects(days)} AND kind = 'vehicle' AND is_current`,

  replace(days, { windowStart }) {
    const d = date(days[0]!.date);
    const inP = inProjects(days);
    return {
      statements: [
        `DELETE FROM mart_vehicle_score WHERE local_date = ${d} AND ${inP}`,
        `INSERT INTO mart_vehicle_score
         WITH b AS ${daysTable(days)},
         act AS (
           SELECT l.*, b.day_end FROM dim_listings l JOIN b ON b.project_id = l.project_id
           WHERE l.kind = 'vehicle' AND l.status = 'active'
             AND ${validAtEndOf('l', 'b.day_end')}),
         win AS (
           SELECT e.project_id, e.listing_id,
             count(*) FILTER (WHERE e.event_type = 'listing_viewed') AS views,
             count(DISTINCT e.person_id) FILTER (WHERE e.event_type = 'listing_viewed') AS viewers,
             count(*) FILTER (WHERE e.event_type = 'favorite' AND coalesce(e.action, 'add') <> 'remove') AS favourites,
             count(*) FILTER (WHERE e.event_type = 'contact_sent') AS leads,
             count(*) FILTER (WHERE e.event_type = 'test_drive_requested') AS test_drives
           FROM stg_interactions e SEMI JOIN act a ON a.project_id = e.project_id AND a.listing_id = e.listing_id
           WHERE e.local_date BETWEEN ${date(windowStart)} AND ${d} AND ${inProjects(days, 'e.project_id')}
           GROUP BY e.project_id, e.listing_id),
         market AS (
           SELECT project_id, make, model, year, currency, median(price) AS market_price, count(*) AS comparables
           FROM act WHERE price > 0 GROUP BY ALL),
         base AS (
           SELECT a.project_id, a.listing_id, a.seller_id, a.make, a.model, a.year, a.body_type, a.province,
             a.price, a.currency,
             greatest(0, floor(epoch(a.day_end - a.published_at) / 86400))::BIGINT AS days_on_market,
             coalesce(a.photo_count, 0) AS photo_count, coalesce(w.views, 0) AS views,
             coalesce(w.viewers, 0) AS viewers, coalesce(w.favourites, 0) AS favourites,
             coalesce(w.leads, 0) AS leads, coalesce(w.test_drives, 0) AS test_drives,
             coalesce(${ratio('w.favourites + 3 * w.leads + 5 * w.test_drives', 'w.viewers')}, 0) AS engagement_rate,
             m.market_price, coalesce(m.comparables, 0) AS comparables,
             ${ratio('a.price', 'm.market_price')} AS price_ratio
           FROM act a
           LEFT JOIN win w ON w.project_id = a.project_id AND w.listing_id = a.listing_id
           LEFT JOIN market m ON m.project_id = a.project_id AND m.make IS NOT DISTINCT FROM a.make
             AND m.model IS NOT DISTINCT FROM a.model AND m.year IS NOT DISTINCT FROM a.year
             AND m.currency IS NOT DISTINCT FROM a.currency),
         parts AS (
           SELECT *,
             ${points(scoreParts.demand, 'percent_rank() OVER (PARTITION BY project_id ORDER BY viewers)')} AS demand,
             ${points(scoreParts.engagement, 'percent_rank() OVER (PARTITION BY project_id ORDER BY engagement_rate)')} AS engagement,
             CASE WHEN comparables >= 3 AND price_ratio IS NOT NULL
               THEN ${points(scoreParts.price, 'least(1, greatest(0, (1.20 - price_ratio) / 0.30))')}
               ELSE ${scoreParts.price / 2} END AS price_pts,
             ${points(scoreParts.quality, 'least(photo_count, 20) / 20')} AS quality,
             ${points(scoreParts.freshness, 'greatest(0, 1 - days_on_market / 60)')} AS freshness
           FROM base)
         SELECT project_id, ${d}, listing_id, seller_id, make, model, year, body_type, province, price, currency,
           days_on_market, photo_count, views, viewers, favourites, leads, test_drives, engagement_rate,
           market_price, comparables, price_ratio, demand, engagement, price_pts, quality, freshness,
           round(demand + engagement + price_pts + quality + freshness, 2)
         FROM parts`,
      ],
      inserted: [1],
    };
  },
};
