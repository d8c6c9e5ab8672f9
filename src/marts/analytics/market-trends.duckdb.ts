import { date, daysTable, inProjects, ratio, validAtEndOf } from '../common/duckdb.js';
import type { MarketTrendsSql } from './market-trends.js';

const keys = 'project_id, make, model, year, province, currency';
const normalised = (a: string) =>
  `${a}.project_id, ${a}.make, ${a}.model, coalesce(${a}.year, 0) AS year,
   coalesce(${a}.province, '(unknown)') AS province, coalesce(${a}.currency, 'XXX') AS currency`;

export const duckdbMarketTrendsSql: MarketTrendsSql = {
  inputCount: (days) =>
    `SELECT count(*) AS n FROM stg_interactions WHERE local_date = ${date(days[0]!.date)} AND ${inProjects(days)}`,

  replace(days) {
    const d = date(days[0]!.date);
    const inP = inProjects(days);
    return {
      statements: [
        `DELETE FROM mart_market_trends_daily WHERE local_date = ${d} AND ${inP}`,
        `INSERT INTO mart_market_trends_daily
         WITH b AS ${daysTable(days)},
         at_end AS (
           SELECT l.*, b.day_start, b.day_end FROM dim_listings l JOIN b ON b.project_id = l.project_id
           WHERE l.kind = 'vehicle' AND l.model IS NOT NULL
             AND ${validAtEndOf('l', 'b.day_end')}),
         supply AS (
           SELECT ${keys}, count(*) FILTER (WHERE status = 'active') AS supply,
             count(*) FILTER (WHERE published_at >= day_start AND published_at < day_end) AS new_listings,
             count(*) FILTER (WHERE status = 'sold' AND sold_at >= day_start AND sold_at < day_end) AS sold,
             count(*) FILTER (WHERE status = 'removed' AND removed_at >= day_start AND removed_at < day_end) AS removed,
             median(price) FILTER (WHERE status = 'active' AND price > 0) AS median_price,
             (sum(price::DECIMAL(18, 2)) FILTER (WHERE status = 'active' AND price > 0))::DOUBLE
               / nullif(count(*) FILTER (WHERE status = 'active' AND price > 0), 0) AS avg_price
           FROM (SELECT ${normalised('at_end')}, status, price, published_at, sold_at, removed_at, day_start, day_end
                 FROM at_end)
           GROUP BY ALL),
         demand AS (
           SELECT ${keys},
             count(*) FILTER (WHERE event_type = 'listing_viewed') AS views,
             count(DISTINCT person_id) FILTER (WHERE event_type = 'listing_viewed') AS unique_viewers,
             count(*) FILTER (WHERE event_type = 'favorite' AND coalesce(action, 'add') <> 'remove') AS favourites,
             count(*) FILTER (WHERE event_type IN ('contact_sent', 'test_drive_requested')) AS leads
           FROM (
             SELECT e.project_id, coalesce(a.make, e.make) AS make, coalesce(a.model, e.model) AS model,
               coalesce(a.year, e.year, 0) AS year, coalesce(a.province, e.province, '(unknown)') AS province,
               coalesce(a.currency, e.currency, 'XXX') AS currency, e.event_type, e.person_id, e.action
             FROM stg_interactions e
             LEFT JOIN at_end a ON a.project_id = e.project_id AND a.listing_id = e.listing_id
             WHERE e.local_date = ${d} AND ${inProjects(days, 'e.project_id')})
           WHERE make IS NOT NULL AND model IS NOT NULL
           GROUP BY ALL)
         SELECT project_id, ${d}, make, model, year, province, currency, coalesce(supply, 0),
           coalesce(new_listings, 0), coalesce(sold, 0), coalesce(removed, 0), median_price, avg_price,
           coalesce(views, 0), coalesce(unique_viewers, 0), coalesce(favourites, 0), coalesce(leads, 0),
           ${ratio('coalesce(views, 0)', 'supply')}
         FROM supply FULL JOIN demand USING (${keys})`,
      ],
      inserted: [1],
    };
  },
};
