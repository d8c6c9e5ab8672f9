import { date, daysTable, inProjects, moneySum, validAtEndOf } from '../common/duckdb.js';
import type { SellersSql } from './sellers.js';

export const duckdbSellersSql: SellersSql = {
  inputCount: (days) => `SELECT count(*) AS n FROM dim_sellers WHERE ${inProjects(days)}`,

  replace(days) {
    const d = date(days[0]!.date);
    const inP = inProjects(days);
    const asOf = (t: string) =>
      `${t} l JOIN b ON b.project_id = l.project_id
       WHERE ${validAtEndOf('l', 'b.day_end')}`;
    return {
      statements: [
        `DELETE FROM mart_sellers_daily WHERE local_date = ${d} AND ${inP}`,
        `INSERT INTO mart_sellers_daily
         WITH b AS ${daysTable(days)},
         s AS (SELECT l.* FROM ${asOf('dim_sellers')}),
         lst AS (
           SELECT l.project_id, l.seller_id, count(*) FILTER (WHERE l.status = 'active') AS active,
             count(*) FILTER (WHERE l.published_at >= b.day_start AND l.published_at < b.day_end) AS new
           FROM ${asOf('dim_listings')} AND l.seller_id IS NOT NULL GROUP BY l.project_id, l.seller_id),
         ord AS (
           SELECT project_id, store_id AS seller_id, count(*) AS orders, ${moneySum('total')} AS gmv,
             ${moneySum('commission', "status <> 'cancelled'")} AS commission
           FROM stg_orders WHERE local_date = ${d} AND ${inP} AND store_id IS NOT NULL GROUP BY ALL),
         act AS (
           SELECT project_id, seller_id,
             count(*) FILTER (WHERE event_type IN ('listing_viewed', 'product_viewed')) AS views,
             count(*) FILTER (WHERE event_type IN ('contact_sent', 'test_drive_requested')) AS leads
           FROM stg_events
           WHERE local_date = ${d} AND ${inP} AND NOT is_bot AND seller_id IS NOT NULL
             AND event_type IN ('listing_viewed', 'product_viewed', 'contact_sent', 'test_drive_requested')
           GROUP BY ALL)
         SELECT s.project_id, ${d}, s.seller_id, s.kind, s.name, s.plan, s.commission_rate, s.status,
           CASE WHEN s.kind = 'store' OR s.subscription_id IS NOT NULL
                THEN s.status = 'active' OR coalesce(s.ends_on >= ${d}, false)
                ELSE coalesce(lst.active, 0) > 0 END,
           CASE WHEN s.status = 'active' THEN coalesce(s.monthly_amount, 0) ELSE 0 END, s.currency,
           coalesce(lst.active, 0), coalesce(lst.new, 0), coalesce(ord.orders, 0), coalesce(ord.gmv, 0),
           coalesce(ord.commission, 0), coalesce(act.views, 0), coalesce(act.leads, 0)
         FROM s
         LEFT JOIN lst ON lst.project_id = s.project_id AND lst.seller_id = s.seller_id
         LEFT JOIN ord ON ord.project_id = s.project_id AND ord.seller_id = s.seller_id
         LEFT JOIN act ON act.project_id = s.project_id AND act.seller_id = s.seller_id`,
      ],
      inserted: [1],
    };
  },
};
