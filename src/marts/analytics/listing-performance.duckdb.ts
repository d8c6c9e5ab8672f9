import { date, daysTable, inProjects, list, moneySum, ratio, validAtEndOf } from '../common/duckdb.js';
import type { ListingPerformanceSql } from './listing-performance.js';

export const viewTypes = ['listing_viewed', 'product_viewed'];
const activityTypes = [...viewTypes, 'favorite', 'contact_sent', 'test_drive_requested', 'add_to_cart'];

export const duckdbListingPerformanceSql: ListingPerformanceSql = {
  inputCount: (days) =>
    `SELECT count(*) AS n FROM stg_events WHERE local_date = ${date(days[0]!.date)} AND ${inProjects(days)}
       AND event_type IN (${list(activityTypes)})`,

  replace(days) {
    const d = date(days[0]!.date);
    const inP = inProjects(days);
    const views = `event_type IN (${list(viewTypes)})`;
    return {
      statements: [
        `DELETE FROM mart_listing_daily WHERE local_date = ${d} AND ${inP}`,
        `INSERT INTO mart_listing_daily
         WITH b AS ${daysTable(days)},
         ev AS (
           SELECT project_id, listing_id,
             count(*) FILTER (WHERE ${views}) AS views,
             count(DISTINCT person_id) FILTER (WHERE ${views}) AS unique_viewers,
             count(*) FILTER (WHERE event_type = 'favorite' AND coalesce(action, 'add') <> 'remove') AS favourites,
             count(*) FILTER (WHERE event_type = 'favorite' AND action = 'remove') AS unfavourites,
             count(*) FILTER (WHERE event_type = 'contact_sent') AS leads,
             count(*) FILTER (WHERE event_type = 'test_drive_requested') AS test_drives,
             count(*) FILTER (WHERE event_type = 'add_to_cart') AS add_to_cart,
             coalesce(sum(coalesce(quantity, 1)) FILTER (WHERE event_type = 'add_to_cart'), 0) AS cart_units,
             first(seller_id ORDER BY "timestamp", event_id) FILTER (WHERE seller_id IS NOT NULL) AS seller_id,
             CASE WHEN bool_or(event_type = 'listing_viewed') THEN 'vehicle'
                  WHEN bool_or(event_type IN ('product_viewed', 'add_to_cart')) THEN 'product' END AS kind
           FROM stg_events
           WHERE local_date = ${d} AND ${inP} AND NOT is_bot AND listing_id IS NOT NULL
             AND event_type IN (${list(activityTypes)})
           GROUP BY project_id, listing_id),
         bought AS (
           SELECT project_id, listing_id, sum(purchases) AS purchases, sum(units) AS units, sum(revenue) AS revenue
           FROM (
             SELECT project_id, product_id AS listing_id, count(DISTINCT order_id) AS purchases,
               sum(quantity) AS units, ${moneySum('amount')} AS revenue
             FROM stg_order_items WHERE local_date = ${d} AND ${inP} AND product_id IS NOT NULL
             GROUP BY project_id, product_id
             UNION ALL
             SELECT l.project_id, l.listing_id, 1, 1, ${moneySum('coalesce(l.sold_price, l.price, 0)')}
             FROM dim_listings l JOIN b ON b.project_id = l.project_id
             WHERE l.change_type = 'listing_sold' AND l.sold_on_platform
               AND l.valid_from >= b.day_start AND l.valid_from < b.day_end
             GROUP BY l.project_id, l.listing_id)
           GROUP BY project_id, listing_id),
         changes AS (
           SELECT l.project_id, l.listing_id,
             count(*) FILTER (WHERE l.previous_price IS NOT NULL AND l.price IS DISTINCT FROM l.previous_price)
               AS price_changes
           FROM dim_listings l JOIN b ON b.project_id = l.project_id
           WHERE l.valid_from >= b.day_start AND l.valid_from < b.day_end
           GROUP BY l.project_id, l.listing_id),
         keys AS (
           SELECT project_id, listing_id FROM ev UNION SELECT project_id, listing_id FROM bought
           UNION SELECT project_id, listing_id FROM changes),
         at_end AS (
           SELECT l.*, b.day_end FROM dim_listings l JOIN b ON b.project_id = l.project_id
           WHERE ${validAtEndOf('l', 'b.day_end')})
         SELECT k.project_id, ${d}, k.listing_id, coalesce(a.seller_id, ev.seller_id), coalesce(a.kind, ev.kind),
           coalesce(ev.views, 0), coalesce(ev.unique_viewers, 0), coalesce(ev.favourites, 0),
           coalesce(ev.unfavourites, 0), coalesce(ev.leads, 0), coalesce(ev.test_drives, 0),
           coalesce(ev.add_to_cart, 0), coalesce(ev.cart_units, 0), coalesce(bt.purchases, 0),
           coalesce(bt.units, 0), coalesce(bt.revenue, 0),
           ${ratio('ev.leads + ev.test_drives', 'ev.views')}, ${ratio('ev.add_to_cart', 'ev.views')},
           ${ratio('coalesce(bt.purchases, 0)', 'ev.views')},
           a.price, a.currency, coalesce(c.price_changes, 0), a.status,
           CASE WHEN a.listing_id IS NOT NULL THEN greatest(0, floor(epoch(
             CASE WHEN a.status IN ('sold', 'removed') THEN a.valid_from ELSE a.day_end END - a.published_at
           ) / 86400))::BIGINT END
         FROM keys k
         LEFT JOIN ev ON ev.project_id = k.project_id AND ev.listing_id = k.listing_id
         LEFT JOIN bought bt ON bt.project_id = k.project_id AND bt.listing_id = k.listing_id
         LEFT JOIN changes c ON c.project_id = k.project_id AND c.listing_id = k.listing_id
         LEFT JOIN at_end a ON a.project_id = k.project_id AND a.listing_id = k.listing_id`,
      ],
      inserted: [1],
    };
  },
};
