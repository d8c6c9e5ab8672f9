/**
 * The baseline of bench:pipelines: the staging tables, dimensions and marts of src/marts written by hand as
 * one DuckDB script over all days at once (tables prefixed `base_`), the way one would write them for a
 * single marketplace without pipelines: no partitions, no idempotent replacement, no fingerprints, one zone.
 * Same definitions as the pipeline's (the run compares row counts), written for one pass over the data.
 */
const changeTypes = `'listing_created', 'listing_updated', 'listing_sold', 'listing_removed', 'seller_registered',
  'subscription_started', 'subscription_renewed', 'subscription_changed', 'subscription_cancelled', 'group',
  'purchase_completed', 'order_cancelled', 'order_refunded', 'signed_up', 'identify'`;

const unusable = `'', 'null', 'undefined', 'nil', 'none', 'nan', 'guest', 'anonymous', 'anon', 'unknown', '0', '-1',
  'false', 'true', '[object object]', 'n/a'`;
const usable = (c: string) => `(${c} IS NOT NULL AND lower(trim(${c})) NOT IN (${unusable}))`;
const money = (e: string) => `coalesce(sum(round(${e}, 2)::DECIMAL(18, 2)), 0)::DOUBLE`;
const moneyIf = (e: string, f: string) =>
  `coalesce(sum(round(${e}, 2)::DECIMAL(18, 2)) FILTER (WHERE ${f}), 0)::DOUBLE`;
const atEnd = (a: string, end: string) =>
  `${a}.valid_from < ${end} AND coalesce(${a}.valid_to, TIMESTAMP '9999-12-31') >= ${end}`;

export function baselineStatements(zone: string): string[] {
  const z = `'${zone}'`;
  return [
    // ---- staging ------------------------------------------------------------------------------------------
    // Duplicates are rare: find them from the keys, then keep each event's first received copy.
    `CREATE OR REPLACE TEMP TABLE b_dups AS
     SELECT project_id, event_id, min({'r': received_at, 't': log_topic, 'p': log_partition, 'o': log_offset}) AS best
     FROM raw_events WHERE (project_id, event_id) IN (
       SELECT (project_id, event_id) FROM raw_events GROUP BY project_id, event_id HAVING count(*) > 1)
     GROUP BY project_id, event_id`,
    `CREATE OR REPLACE TEMP VIEW b_raw AS
     SELECT r.*, m.user_id AS linked_user FROM raw_events r
     LEFT JOIN b_dups d ON d.project_id = r.project_id AND d.event_id = r.event_id
     LEFT JOIN (SELECT project_id, anonymous_id, min(user_id) AS user_id FROM identities WHERE status = 'linked' GROUP BY ALL) m
       ON m.project_id = r.project_id AND m.anonymous_id = r.anonymous_id
     WHERE d.best IS NULL OR {'r': r.received_at, 't': r.log_topic, 'p': r.log_partition, 'o': r.log_offset} = d.best`,
    `CREATE OR REPLACE TABLE base_stg_events AS
     SELECT project_id, event_id, event_type, CAST(timezone(${z}, timezone('UTC', "timestamp")) AS DATE) AS local_date,
       "timestamp", received_at, anonymous_id, CASE WHEN ${usable('user_id')} THEN user_id END AS user_id,
       CASE WHEN ${usable('user_id')} THEN user_id ELSE coalesce(linked_user, anonymous_id, user_id) END AS person_id,
       session_id, seller_id, listing_id, is_bot, device_type, os, browser, referrer_host, utm_source, utm_medium,
       utm_campaign, page_path, nullif(trim(p.make), '') AS make, nullif(trim(p.model), '') AS model, p.year AS year,
       lower(nullif(trim(p.body_type), '')) AS body_type, lower(nullif(trim(p.condition), '')) AS condition,
       nullif(trim(p.province), '') AS province, nullif(trim(coalesce(p.category, p.product_category)), '') AS category,
       coalesce(p.price, p.product_price) AS price, upper(nullif(trim(p.currency), '')) AS currency, p.quantity AS quantity,
       lower(p.action) AS action, lower(p.channel) AS channel, p.photo_count AS photo_count,
       nullif(trim(p.order_id), '') AS order_id
     FROM (SELECT *, json_transform(properties, '{"make":"VARCHAR","model":"VARCHAR","year":"BIGINT","body_type":"VARCHAR",
         "condition":"VARCHAR","province":"VARCHAR","category":"VARCHAR","product_category":"VARCHAR","price":"DOUBLE",
         "product_price":"DOUBLE","currency":"VARCHAR","quantity":"BIGINT","action":"VARCHAR","channel":"VARCHAR",
         "photo_count":"BIGINT","order_id":"VARCHAR"}') AS p FROM b_raw)`,
    `CREATE OR REPLACE TABLE base_stg_changes AS
     SELECT project_id, event_id, event_type, CAST(timezone(${z}, timezone('UTC', "timestamp")) AS DATE) AS local_date,
       "timestamp", received_at, anonymous_id, CASE WHEN ${usable('user_id')} THEN user_id END AS user_id,
       CASE WHEN ${usable('user_id')} THEN user_id ELSE coalesce(linked_user, anonymous_id, user_id) END AS person_id,
       seller_id, listing_id, nullif(trim(properties->>'order_id'), '') AS order_id, properties, traits
     FROM b_raw WHERE event_type IN (${changeTypes})`,
    `CREATE OR REPLACE TABLE base_stg_interactions AS
     SELECT project_id, event_id, local_date, "timestamp", received_at, event_type, person_id, anonymous_id, user_id,
       listing_id, seller_id, action, make, model, year, body_type, province, price, currency
     FROM base_stg_events
     WHERE event_type IN ('listing_viewed', 'favorite', 'contact_sent', 'test_drive_requested') AND NOT is_bot
       AND listing_id IS NOT NULL`,
    'DROP VIEW b_raw',
    'DROP TABLE b_dups',

    // ---- dimensions ---------------------------------------------------------------------------------------
    `CREATE OR REPLACE TABLE base_dim_listings AS
     WITH src AS (
       SELECT project_id, listing_id, event_id, event_type, "timestamp", seller_id,
         json_transform(properties, '{"title":"VARCHAR","product_name":"VARCHAR","make":"VARCHAR","model":"VARCHAR",
           "trim":"VARCHAR","year":"BIGINT","body_type":"VARCHAR","condition":"VARCHAR","mileage_km":"DOUBLE",
           "category":"VARCHAR","brand":"VARCHAR","province":"VARCHAR","photo_count":"BIGINT","price":"DOUBLE",
           "currency":"VARCHAR","status":"VARCHAR","stock":"BIGINT","published_at":"VARCHAR","sold_price":"DOUBLE",
           "sold_on_platform":"BOOLEAN"}') AS p
       FROM base_stg_changes
       WHERE event_type IN ('listing_created', 'listing_updated', 'listing_sold', 'listing_removed') AND listing_id IS NOT NULL),
     filled AS (
       SELECT project_id, listing_id, event_id, event_type, "timestamp",
         last_value(seller_id IGNORE NULLS) OVER w AS seller_id,
         last_value(nullif(trim(coalesce(p.title, p.product_name)), '') IGNORE NULLS) OVER w AS title,
         last_value(p.make IGNORE NULLS) OVER w AS make, last_value(p.model IGNORE NULLS) OVER w AS model,
         last_value(p.trim IGNORE NULLS) OVER w AS trim, last_value(p.year IGNORE NULLS) OVER w AS year,
         last_value(lower(p.body_type) IGNORE NULLS) OVER w AS body_type,
         last_value(lower(p.condition) IGNORE NULLS) OVER w AS condition,
         last_value(p.mileage_km IGNORE NULLS) OVER w AS mileage_km, last_value(p.category IGNORE NULLS) OVER w AS category,
         last_value(p.brand IGNORE NULLS) OVER w AS brand, last_value(p.province IGNORE NULLS) OVER w AS province,
         last_value(p.photo_count IGNORE NULLS) OVER w AS photo_count, last_value(p.price IGNORE NULLS) OVER w AS price,
         last_value(upper(p.currency) IGNORE NULLS) OVER w AS currency,
         coalesce(last_value(CASE event_type WHEN 'listing_sold' THEN 'sold' WHEN 'listing_removed' THEN 'removed'
           WHEN 'listing_created' THEN coalesce(lower(p.status), 'active') ELSE lower(p.status) END IGNORE NULLS) OVER w,
           'active') AS status,
         last_value(p.stock IGNORE NULLS) OVER w AS stock,
         last_value(CASE WHEN event_type = 'listing_sold' THEN p.sold_price END IGNORE NULLS) OVER w AS sold_price,
         last_value(CASE WHEN event_type = 'listing_sold' THEN p.sold_on_platform END IGNORE NULLS) OVER w AS sold_on_platform
       FROM src
       WINDOW w AS (PARTITION BY project_id, listing_id ORDER BY "timestamp", event_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
     marked AS (
       SELECT *, CASE WHEN row_number() OVER k = 1
         OR (seller_id, title, make, model, trim, year, body_type, condition, mileage_km, category, brand, province,
             photo_count, price, currency, status, stock, sold_price, sold_on_platform)
            IS DISTINCT FROM lag((seller_id, title, make, model, trim, year, body_type, condition, mileage_km, category,
             brand, province, photo_count, price, currency, status, stock, sold_price, sold_on_platform)) OVER k
         THEN 1 ELSE 0 END AS opens
       FROM filled WINDOW k AS (PARTITION BY project_id, listing_id ORDER BY "timestamp", event_id)),
     versions AS (
       SELECT *, sum(opens) OVER (PARTITION BY project_id, listing_id ORDER BY "timestamp", event_id ROWS UNBOUNDED PRECEDING) AS version
       FROM marked QUALIFY opens = 1),
     listing AS (
       SELECT project_id, listing_id,
         coalesce(timezone('UTC', min(TRY_CAST(p.published_at AS TIMESTAMPTZ))),
           min("timestamp") FILTER (WHERE event_type = 'listing_created'), min("timestamp")) AS published_at,
         min("timestamp") FILTER (WHERE event_type = 'listing_sold') AS sold_at,
         min("timestamp") FILTER (WHERE event_type = 'listing_removed') AS removed_at
       FROM src GROUP BY ALL)
     SELECT v.project_id, v.listing_id, v.version, v."timestamp" AS valid_from,
       lead(v."timestamp") OVER (PARTITION BY v.project_id, v.listing_id ORDER BY v.version) AS valid_to,
       v.seller_id, CASE WHEN v.make IS NOT NULL THEN 'vehicle' ELSE 'product' END AS kind, v.title, v.make, v.model,
       v.trim, v.year, v.body_type, v.condition, v.mileage_km, v.category, split_part(v.category, ' > ', 1) AS top_category,
       v.brand, v.province, v.photo_count, v.price,
       lag(v.price) OVER (PARTITION BY v.project_id, v.listing_id ORDER BY v.version) AS previous_price, v.currency,
       v.status, v.stock, l.published_at, l.sold_at, v.sold_price, v.sold_on_platform, l.removed_at,
       v.event_type AS change_type, v.event_id
     FROM versions v JOIN listing l USING (project_id, listing_id)`,
    `CREATE OR REPLACE TABLE base_dim_sellers AS
     WITH src AS (
       SELECT project_id, seller_id, event_id, event_type, "timestamp",
         json_transform(properties, '{"seller_type":"VARCHAR","store_id":"VARCHAR","group_type":"VARCHAR",
           "store_name":"VARCHAR","province":"VARCHAR","category":"VARCHAR","plan":"VARCHAR","commission_rate":"DOUBLE",
           "subscription_id":"VARCHAR","period":"VARCHAR","amount":"DOUBLE","currency":"VARCHAR","ends_on":"VARCHAR"}') AS p,
         event_type IN ('seller_registered', 'subscription_started', 'subscription_renewed', 'subscription_changed',
           'subscription_cancelled') AS terms,
         event_type IN ('seller_registered', 'subscription_started', 'subscription_renewed', 'subscription_changed') AS activating
       FROM base_stg_changes
       WHERE seller_id IS NOT NULL AND event_type IN ('seller_registered', 'subscription_started', 'subscription_renewed',
         'subscription_changed', 'subscription_cancelled', 'group', 'listing_created', 'purchase_completed')),
     filled AS (
       SELECT *, round(CASE period WHEN 'quarter' THEN amount / 3 WHEN 'year' THEN amount / 12 ELSE amount END, 2) AS monthly_amount
       FROM (
         SELECT project_id, seller_id, event_id, event_type, "timestamp",
           last_value(CASE WHEN terms OR event_type = 'purchase_completed' THEN 'store' WHEN event_type = 'group' THEN lower(p.group_type)
             WHEN event_type = 'listing_created' THEN coalesce(lower(p.seller_type), CASE WHEN p.store_id IS NOT NULL THEN 'store' END)
             END IGNORE NULLS) OVER w AS kind,
           last_value(nullif(trim(p.store_name), '') IGNORE NULLS) OVER w AS name,
           last_value(CASE WHEN event_type = 'seller_registered' THEN nullif(trim(p.province), '') END IGNORE NULLS) OVER w AS province,
           last_value(CASE WHEN event_type = 'seller_registered' THEN nullif(trim(p.category), '') END IGNORE NULLS) OVER w AS category,
           last_value(CASE WHEN terms THEN lower(p.plan) END IGNORE NULLS) OVER w AS plan,
           last_value(CASE WHEN terms THEN p.commission_rate END IGNORE NULLS) OVER w AS commission_rate,
           last_value(CASE WHEN terms THEN p.subscription_id END IGNORE NULLS) OVER w AS subscription_id,
           last_value(CASE WHEN terms THEN lower(p.period) END IGNORE NULLS) OVER w AS period,
           last_value(CASE WHEN event_type LIKE 'subscription_%' THEN p.amount END IGNORE NULLS) OVER w AS amount,
           last_value(CASE WHEN terms THEN upper(p.currency) END IGNORE NULLS) OVER w AS currency,
           coalesce(last_value(CASE WHEN activating THEN 'active' WHEN event_type = 'subscription_cancelled' THEN 'cancelled' END
             IGNORE NULLS) OVER w, 'active') AS status,
           last_value(CASE WHEN event_type = 'subscription_cancelled' THEN coalesce(p.ends_on, '') WHEN activating THEN '' END
             IGNORE NULLS) OVER w AS ends_on
         FROM src
         WINDOW w AS (PARTITION BY project_id, seller_id ORDER BY "timestamp", event_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))),
     marked AS (
       SELECT *, CASE WHEN row_number() OVER k = 1
         OR (kind, name, province, category, plan, commission_rate, subscription_id, period, amount, monthly_amount, currency,
             status, ends_on) IS DISTINCT FROM lag((kind, name, province, category, plan, commission_rate, subscription_id,
             period, amount, monthly_amount, currency, status, ends_on)) OVER k THEN 1 ELSE 0 END AS opens
       FROM filled WINDOW k AS (PARTITION BY project_id, seller_id ORDER BY "timestamp", event_id)),
     versions AS (
       SELECT *, sum(opens) OVER (PARTITION BY project_id, seller_id ORDER BY "timestamp", event_id ROWS UNBOUNDED PRECEDING) AS version
       FROM marked QUALIFY opens = 1)
     SELECT project_id, seller_id, version, "timestamp" AS valid_from,
       lead("timestamp") OVER (PARTITION BY project_id, seller_id ORDER BY version) AS valid_to, kind, name, province, category,
       plan, commission_rate, subscription_id, period, amount, monthly_amount, currency, status,
       TRY_CAST(nullif(ends_on, '') AS DATE) AS ends_on,
       min("timestamp") OVER (PARTITION BY project_id, seller_id) AS joined_at, event_type AS change_type, event_id
     FROM versions`,
    `CREATE OR REPLACE TABLE base_dim_users AS
     WITH ch AS (
       SELECT project_id, user_id, min("timestamp") AS first_at, min("timestamp") FILTER (WHERE event_type = 'signed_up') AS signed_up_at,
         last(traits ORDER BY "timestamp", event_id) FILTER (WHERE event_type = 'identify' AND traits IS NOT NULL) AS traits,
         last(coalesce(traits->>'role', properties->>'role') ORDER BY "timestamp", event_id)
           FILTER (WHERE coalesce(traits->>'role', properties->>'role') IS NOT NULL) AS role,
         last(traits->>'province' ORDER BY "timestamp", event_id) FILTER (WHERE traits->>'province' IS NOT NULL) AS province
       FROM base_stg_changes WHERE user_id IS NOT NULL GROUP BY ALL),
     id AS (
       SELECT project_id, user_id, count(*) AS anonymous_ids, min(first_seen) AS first_seen, min(identified_at) AS identified_at
       FROM identities WHERE status = 'linked' AND ${usable('user_id')} GROUP BY ALL)
     SELECT coalesce(ch.project_id, id.project_id) AS project_id, coalesce(ch.user_id, id.user_id) AS user_id,
       least(ch.first_at, id.first_seen, id.identified_at) AS first_seen_at, ch.signed_up_at, id.identified_at,
       coalesce(id.anonymous_ids, 0) AS anonymous_ids, ch.role, ch.province, ch.traits
     FROM ch FULL JOIN id ON ch.project_id = id.project_id AND ch.user_id = id.user_id`,

    // ---- orders -------------------------------------------------------------------------------------------
    `CREATE OR REPLACE TEMP TABLE b_order_src AS
     SELECT project_id, order_id, event_id, event_type, local_date, "timestamp", person_id, user_id, seller_id,
       json_transform(properties, '{"store_id":"VARCHAR","checkout_id":"VARCHAR","items":[{"product_id":"VARCHAR",
         "store_id":"VARCHAR","category":"VARCHAR","quantity":"BIGINT","price":"DOUBLE"}],"subtotal":"DOUBLE",
         "delivery_fee":"DOUBLE","discount":"DOUBLE","tax":"DOUBLE","total":"DOUBLE","currency":"VARCHAR",
         "payment_method":"VARCHAR","payment_provider":"VARCHAR","shipping_method":"VARCHAR","coupon":"VARCHAR",
         "is_first_order":"BOOLEAN","commission_rate":"DOUBLE","commission":"DOUBLE","cancelled_by":"VARCHAR",
         "refund_id":"VARCHAR","amount":"DOUBLE","full":"BOOLEAN"}') AS p
     FROM base_stg_changes
     WHERE event_type IN ('purchase_completed', 'order_cancelled', 'order_refunded') AND order_id IS NOT NULL`,
    `CREATE OR REPLACE TEMP TABLE b_purchase AS
     SELECT * FROM b_order_src WHERE event_type = 'purchase_completed'
     QUALIFY row_number() OVER (PARTITION BY project_id, order_id ORDER BY "timestamp", event_id) = 1`,
    `CREATE OR REPLACE TABLE base_stg_order_items AS
     SELECT project_id, order_id, local_date, line_no, it.product_id, coalesce(it.store_id, store_id) AS store_id,
       it.category, split_part(it.category, ' > ', 1) AS top_category, greatest(coalesce(it.quantity, 1), 1) AS quantity,
       coalesce(it.price, 0) AS price, round(greatest(coalesce(it.quantity, 1), 1) * coalesce(it.price, 0), 2) AS amount, currency
     FROM (
       SELECT project_id, order_id, local_date, coalesce(p.store_id, seller_id) AS store_id,
         coalesce(upper(p.currency), 'XXX') AS currency, unnest(p.items) AS it, generate_subscripts(p.items, 1) AS line_no
       FROM b_purchase)`,
    `CREATE OR REPLACE TABLE base_stg_orders AS
     WITH lines AS (
       SELECT project_id, order_id, count(*) AS lines, sum(quantity) AS units,
         first(category ORDER BY amount DESC, category NULLS LAST) AS category
       FROM base_stg_order_items GROUP BY ALL),
     cancel AS (
       SELECT project_id, order_id, min("timestamp") AS cancelled_at, first(p.cancelled_by ORDER BY "timestamp", event_id) AS cancelled_by
       FROM b_order_src WHERE event_type = 'order_cancelled' GROUP BY ALL),
     refund AS (
       SELECT project_id, order_id, count(*) AS refunds, ${money('coalesce(p.amount, 0)')} AS amount,
         bool_or(coalesce(p."full", false)) AS any_full, max("timestamp") AS last_at
       FROM (SELECT * FROM b_order_src WHERE event_type = 'order_refunded'
             QUALIFY row_number() OVER (PARTITION BY project_id, order_id, coalesce(p.refund_id, event_id) ORDER BY "timestamp", event_id) = 1)
       GROUP BY ALL),
     o AS (
       SELECT b.*, l.lines, l.units, l.category, c.cancelled_at, c.cancelled_by, r.refunds, r.any_full, r.last_at,
         coalesce(b.p.total, 0) AS total, coalesce(b.p.commission_rate, d.commission_rate) AS rate,
         CASE WHEN r.any_full THEN coalesce(b.p.total, 0) ELSE least(coalesce(r.amount, 0), coalesce(b.p.total, 0)) END AS refunded_amount
       FROM b_purchase b
       LEFT JOIN lines l USING (project_id, order_id)
       LEFT JOIN cancel c USING (project_id, order_id)
       LEFT JOIN refund r USING (project_id, order_id)
       LEFT JOIN base_dim_sellers d ON d.project_id = b.project_id AND d.seller_id = coalesce(b.p.store_id, b.seller_id)
         AND d.valid_from <= b."timestamp" AND coalesce(d.valid_to, TIMESTAMP '9999-12-31') > b."timestamp")
     SELECT project_id, order_id, local_date, "timestamp" AS placed_at, event_id, person_id, user_id,
       coalesce(p.store_id, seller_id) AS store_id, p.checkout_id, category, split_part(category, ' > ', 1) AS top_category,
       coalesce(lines, 0) AS lines, coalesce(units, 0) AS units, p.subtotal, coalesce(p.delivery_fee, 0) AS delivery_fee,
       coalesce(p.discount, 0) AS discount, coalesce(p.tax, 0) AS tax, total, coalesce(upper(p.currency), 'XXX') AS currency,
       coalesce(lower(p.payment_method), 'unknown') AS payment_method, p.payment_provider, p.shipping_method, p.coupon,
       p.is_first_order, rate AS commission_rate,
       coalesce(p.commission, round(coalesce(p.subtotal, total) * rate, 2), 0) AS commission,
       CASE WHEN cancelled_at IS NOT NULL THEN 'cancelled' WHEN refunded_amount > 0 AND refunded_amount >= total THEN 'refunded'
            WHEN refunded_amount > 0 THEN 'partially_refunded' ELSE 'completed' END AS status,
       cancelled_at, cancelled_by, coalesce(refunds, 0) AS refunds, refunded_amount, last_at AS last_refunded_at,
       CASE WHEN cancelled_at IS NOT NULL THEN 0 ELSE round(total - refunded_amount, 2) END AS net_total
     FROM o`,
    'DROP TABLE b_purchase',
    'DROP TABLE b_order_src',

    // ---- calendar -----------------------------------------------------------------------------------------
    `CREATE OR REPLACE TEMP TABLE b_cal AS
     SELECT p.project_id, d::DATE AS local_date, timezone('UTC', timezone(${z}, d::TIMESTAMP)) AS day_start,
       timezone('UTC', timezone(${z}, (d + INTERVAL 1 DAY)::TIMESTAMP)) AS day_end
     FROM (SELECT DISTINCT project_id FROM base_stg_events) p,
       (SELECT unnest(generate_series(min(local_date)::TIMESTAMP, max(local_date)::TIMESTAMP, INTERVAL 1 DAY)) AS d
        FROM base_stg_events)`,

    // ---- sales ------------------------------------------------------------------------------------------------
    `CREATE OR REPLACE TABLE base_mart_sales_daily AS
     WITH placed AS (
       SELECT project_id, local_date, coalesce(store_id, '(none)') AS store_id, payment_method, currency, count(*) AS orders,
         count(DISTINCT person_id) AS customers, sum(units) AS units, ${money('total')} AS gmv, ${money('discount')} AS discount,
         ${money('delivery_fee')} AS delivery_fee, ${money('tax')} AS tax, ${moneyIf('commission', "status <> 'cancelled'")} AS commission,
         count(*) FILTER (WHERE status = 'cancelled') AS cancelled_orders, ${moneyIf('total', "status = 'cancelled'")} AS cancelled_amount
       FROM base_stg_orders GROUP BY ALL),
     refunded AS (
       SELECT r.project_id, r.local_date, coalesce(o.store_id, r.seller_id, '(none)') AS store_id,
         coalesce(o.payment_method, 'unknown') AS payment_method, coalesce(o.currency, upper(r.p.currency), 'XXX') AS currency,
         count(*) AS refunds, ${money('coalesce(r.p.amount, CASE WHEN r.p."full" THEN o.total END, 0)')} AS refunded_amount
       FROM (SELECT * FROM (SELECT *, json_transform(properties, '{"refund_id":"VARCHAR","amount":"DOUBLE","full":"BOOLEAN","currency":"VARCHAR"}') AS p
                            FROM base_stg_changes WHERE event_type = 'order_refunded')
             QUALIFY row_number() OVER (PARTITION BY project_id, order_id, coalesce(p.refund_id, event_id) ORDER BY "timestamp", event_id) = 1) r
       LEFT JOIN base_stg_orders o ON o.project_id = r.project_id AND o.order_id = r.order_id
       GROUP BY ALL)
     SELECT project_id, local_date, store_id, payment_method, currency, coalesce(orders, 0) AS orders, coalesce(customers, 0) AS customers,
       coalesce(units, 0) AS units, coalesce(gmv, 0) AS gmv, gmv / nullif(orders, 0) AS aov, coalesce(discount, 0) AS discount,
       coalesce(delivery_fee, 0) AS delivery_fee, coalesce(tax, 0) AS tax, coalesce(commission, 0) AS commission,
       coalesce(cancelled_orders, 0) AS cancelled_orders, coalesce(cancelled_amount, 0) AS cancelled_amount,
       coalesce(refunds, 0) AS refunds, coalesce(refunded_amount, 0) AS refunded_amount
     FROM placed FULL JOIN refunded USING (project_id, local_date, store_id, payment_method, currency)`,
    `CREATE OR REPLACE TABLE base_mart_sales_category_daily AS
     SELECT project_id, local_date, coalesce(store_id, '(none)') AS store_id, coalesce(category, '(none)') AS category,
       coalesce(top_category, '(none)') AS top_category, currency, count(DISTINCT order_id) AS orders, sum(quantity) AS units,
       ${money('amount')} AS item_revenue
     FROM base_stg_order_items GROUP BY ALL`,

    // ---- listing performance ------------------------------------------------------------------------------
    `CREATE OR REPLACE TABLE base_mart_listing_daily AS
     WITH ev AS (
       SELECT project_id, local_date, listing_id,
         count(*) FILTER (WHERE event_type IN ('listing_viewed', 'product_viewed')) AS views,
         count(DISTINCT person_id) FILTER (WHERE event_type IN ('listing_viewed', 'product_viewed')) AS unique_viewers,
         count(*) FILTER (WHERE event_type = 'favorite' AND coalesce(action, 'add') <> 'remove') AS favourites,
         count(*) FILTER (WHERE event_type = 'favorite' AND action = 'remove') AS unfavourites,
         count(*) FILTER (WHERE event_type = 'contact_sent') AS leads,
         count(*) FILTER (WHERE event_type = 'test_drive_requested') AS test_drives,
         count(*) FILTER (WHERE event_type = 'add_to_cart') AS add_to_cart,
         coalesce(sum(coalesce(quantity, 1)) FILTER (WHERE event_type = 'add_to_cart'), 0) AS cart_units,
         first(seller_id ORDER BY "timestamp", event_id) FILTER (WHERE seller_id IS NOT NULL) AS seller_id,
         CASE WHEN bool_or(event_type = 'listing_viewed') THEN 'vehicle'
              WHEN bool_or(event_type IN ('product_viewed', 'add_to_cart')) THEN 'product' END AS kind
       FROM base_stg_events
       WHERE NOT is_bot AND listing_id IS NOT NULL
         AND event_type IN ('listing_viewed', 'product_viewed', 'favorite', 'contact_sent', 'test_drive_requested', 'add_to_cart')
       GROUP BY ALL),
     versions AS (
       SELECT l.*, c.local_date FROM base_dim_listings l JOIN b_cal c ON c.project_id = l.project_id
       AND l.valid_from >= c.day_start AND l.valid_from < c.day_end),
     bought AS (
       SELECT project_id, local_date, listing_id, sum(purchases) AS purchases, sum(units) AS units, sum(revenue) AS revenue
       FROM (
         SELECT project_id, local_date, product_id AS listing_id, count(DISTINCT order_id) AS purchases, sum(quantity) AS units,
           ${money('amount')} AS revenue
         FROM base_stg_order_items WHERE product_id IS NOT NULL GROUP BY ALL
         UNION ALL
         SELECT project_id, local_date, listing_id, 1, 1, ${money('coalesce(sold_price, price, 0)')}
         FROM versions WHERE change_type = 'listing_sold' AND sold_on_platform GROUP BY ALL)
       GROUP BY ALL),
     changes AS (
       SELECT project_id, local_date, listing_id,
         count(*) FILTER (WHERE previous_price IS NOT NULL AND price IS DISTINCT FROM previous_price) AS price_changes
       FROM versions GROUP BY ALL),
     keys AS (
       SELECT project_id, local_date, listing_id FROM ev UNION SELECT project_id, local_date, listing_id FROM bought
       UNION SELECT project_id, local_date, listing_id FROM changes),
     at_end AS (
       SELECT k.project_id, k.local_date, k.listing_id, l.seller_id, l.kind, l.price, l.currency, l.status, l.valid_from,
         l.published_at, c.day_end
       FROM keys k JOIN b_cal c USING (project_id, local_date)
       JOIN base_dim_listings l ON l.project_id = k.project_id AND l.listing_id = k.listing_id AND ${atEnd('l', 'c.day_end')})
     SELECT k.project_id, k.local_date, k.listing_id, coalesce(a.seller_id, ev.seller_id) AS seller_id, coalesce(a.kind, ev.kind) AS kind,
       coalesce(ev.views, 0) AS views, coalesce(ev.unique_viewers, 0) AS unique_viewers, coalesce(ev.favourites, 0) AS favourites,
       coalesce(ev.unfavourites, 0) AS unfavourites, coalesce(ev.leads, 0) AS leads, coalesce(ev.test_drives, 0) AS test_drives,
       coalesce(ev.add_to_cart, 0) AS add_to_cart, coalesce(ev.cart_units, 0) AS cart_units, coalesce(b.purchases, 0) AS purchases,
       coalesce(b.units, 0) AS purchased_units, coalesce(b.revenue, 0) AS revenue,
       (ev.leads + ev.test_drives)::DOUBLE / nullif(ev.views, 0) AS lead_rate, ev.add_to_cart::DOUBLE / nullif(ev.views, 0) AS cart_rate,
       coalesce(b.purchases, 0)::DOUBLE / nullif(ev.views, 0) AS purchase_rate, a.price, a.currency,
       coalesce(ch.price_changes, 0) AS price_changes, a.status,
       CASE WHEN a.listing_id IS NOT NULL THEN greatest(0, floor(epoch(
         CASE WHEN a.status IN ('sold', 'removed') THEN a.valid_from ELSE a.day_end END - a.published_at) / 86400))::BIGINT END AS days_on_market
     FROM keys k
     LEFT JOIN ev USING (project_id, local_date, listing_id)
     LEFT JOIN bought b USING (project_id, local_date, listing_id)
     LEFT JOIN changes ch USING (project_id, local_date, listing_id)
     LEFT JOIN at_end a USING (project_id, local_date, listing_id)`,

    // ---- customers ------------------------------------------------------------------------------------------
    `CREATE OR REPLACE TEMP TABLE b_orders_ok AS SELECT * FROM base_stg_orders WHERE status <> 'cancelled'`,
    `CREATE OR REPLACE TABLE base_mart_customers AS
     SELECT project_id, person_id, last(user_id ORDER BY placed_at, order_id) FILTER (WHERE user_id IS NOT NULL) AS user_id,
       (SELECT max(local_date) FROM b_cal) AS as_of_date, min(placed_at) AS first_order_at, max(placed_at) AS last_order_at,
       date_trunc('month', min(local_date))::DATE AS cohort_month, count(*) AS orders, ${money('total')} AS revenue,
       ${money('refunded_amount')} AS refunded, ${money('net_total')} AS ltv, ${money('total')} / count(*) AS aov,
       count(*) >= 2 AS is_returning, (SELECT max(local_date) FROM b_cal) - max(local_date) AS days_since_last_order,
       90 AS churn_days, (SELECT max(local_date) FROM b_cal) - max(local_date) > 90 AS churned
     FROM b_orders_ok GROUP BY project_id, person_id`,
    `CREATE OR REPLACE TABLE base_mart_customers_daily AS
     WITH first AS (SELECT project_id, person_id, min(local_date) AS first_date FROM b_orders_ok GROUP BY ALL),
     order_days AS (SELECT DISTINCT project_id, person_id, local_date FROM b_orders_ok),
     known AS (
       SELECT c.project_id, c.local_date, f.person_id, f.first_date FROM b_cal c JOIN first f
       ON f.project_id = c.project_id AND f.first_date <= c.local_date),
     stock AS (
       SELECT k.project_id, k.local_date, count(*) AS total, count(*) FILTER (WHERE k.local_date - o.local_date > 90) AS churned
       FROM known k ASOF JOIN order_days o ON o.project_id = k.project_id AND o.person_id = k.person_id AND o.local_date <= k.local_date
       GROUP BY ALL),
     today AS (
       SELECT o.project_id, o.local_date, count(DISTINCT o.person_id) AS customers,
         count(DISTINCT o.person_id) FILTER (WHERE f.first_date = o.local_date) AS new_customers,
         count(DISTINCT o.person_id) FILTER (WHERE f.first_date < o.local_date) AS returning_customers, count(*) AS orders,
         count(*) FILTER (WHERE f.first_date = o.local_date) AS new_orders, count(*) FILTER (WHERE f.first_date < o.local_date) AS returning_orders,
         ${money('o.total')} AS revenue, ${moneyIf('o.total', 'f.first_date = o.local_date')} AS new_revenue,
         ${moneyIf('o.total', 'f.first_date < o.local_date')} AS returning_revenue
       FROM b_orders_ok o JOIN first f USING (project_id, person_id) GROUP BY ALL)
     SELECT s.project_id, s.local_date, coalesce(customers, 0) AS customers, coalesce(new_customers, 0) AS new_customers,
       coalesce(returning_customers, 0) AS returning_customers, coalesce(orders, 0) AS orders, coalesce(new_orders, 0) AS new_customer_orders,
       coalesce(returning_orders, 0) AS returning_customer_orders, coalesce(revenue, 0) AS revenue,
       coalesce(new_revenue, 0) AS new_customer_revenue, coalesce(returning_revenue, 0) AS returning_customer_revenue,
       s.total AS total_customers, s.churned AS churned_customers, s.total - s.churned AS active_customers
     FROM stock s LEFT JOIN today USING (project_id, local_date)`,

    // ---- traffic --------------------------------------------------------------------------------------------
    `CREATE OR REPLACE TABLE base_mart_traffic_daily AS
     SELECT project_id, local_date, source, coalesce(medium, '(none)') AS medium, coalesce(device_type, 'unknown') AS device_type,
       count(*) AS sessions, count(DISTINCT visitor) AS visitors, count(DISTINCT user_id) AS users,
       count(*) FILTER (WHERE bounce) AS bounces, (count(*) FILTER (WHERE bounce))::DOUBLE / count(*) AS bounce_rate,
       sum(page_views) AS page_views, sum(page_views)::DOUBLE / count(*) AS pages_per_session,
       sum(round(duration_s, 3)::DECIMAL(18, 3))::DOUBLE AS total_duration_s,
       sum(round(duration_s, 3)::DECIMAL(18, 3))::DOUBLE / count(*) AS avg_duration_s
     FROM sessions WHERE coalesce(device_type, '') <> 'bot'
       AND local_date BETWEEN (SELECT min(local_date) FROM b_cal) AND (SELECT max(local_date) FROM b_cal)
     GROUP BY project_id, local_date, source, coalesce(medium, '(none)'), coalesce(device_type, 'unknown')`,

    // ---- sellers ----------------------------------------------------------------------------------------------
    `CREATE OR REPLACE TABLE base_mart_sellers_daily AS
     WITH s AS (
       SELECT c.local_date, c.day_start, c.day_end, d.* FROM b_cal c JOIN base_dim_sellers d
       ON d.project_id = c.project_id AND ${atEnd('d', 'c.day_end')}),
     lst AS (
       SELECT c.project_id, c.local_date, l.seller_id, count(*) FILTER (WHERE l.status = 'active') AS active,
         count(*) FILTER (WHERE l.published_at >= c.day_start AND l.published_at < c.day_end) AS new
       FROM b_cal c JOIN base_dim_listings l ON l.project_id = c.project_id AND ${atEnd('l', 'c.day_end')}
       WHERE l.seller_id IS NOT NULL GROUP BY ALL),
     ord AS (
       SELECT project_id, local_date, store_id AS seller_id, count(*) AS orders, ${money('total')} AS gmv,
         ${moneyIf('commission', "status <> 'cancelled'")} AS commission
       FROM base_stg_orders WHERE store_id IS NOT NULL GROUP BY ALL),
     act AS (
       SELECT project_id, local_date, seller_id,
         count(*) FILTER (WHERE event_type IN ('listing_viewed', 'product_viewed')) AS views,
         count(*) FILTER (WHERE event_type IN ('contact_sent', 'test_drive_requested')) AS leads
       FROM base_stg_events WHERE NOT is_bot AND seller_id IS NOT NULL
         AND event_type IN ('listing_viewed', 'product_viewed', 'contact_sent', 'test_drive_requested')
       GROUP BY ALL)
     SELECT s.project_id, s.local_date, s.seller_id, s.kind, s.name, s.plan, s.commission_rate, s.status,
       CASE WHEN s.kind = 'store' OR s.subscription_id IS NOT NULL THEN s.status = 'active' OR coalesce(s.ends_on >= s.local_date, false)
            ELSE coalesce(lst.active, 0) > 0 END AS is_active,
       CASE WHEN s.status = 'active' THEN coalesce(s.monthly_amount, 0) ELSE 0 END AS mrr, s.currency,
       coalesce(lst.active, 0) AS listings_active, coalesce(lst.new, 0) AS listings_new, coalesce(ord.orders, 0) AS orders,
       coalesce(ord.gmv, 0) AS gmv, coalesce(ord.commission, 0) AS commission, coalesce(act.views, 0) AS views,
       coalesce(act.leads, 0) AS leads
     FROM s
     LEFT JOIN lst USING (project_id, local_date, seller_id)
     LEFT JOIN ord USING (project_id, local_date, seller_id)
     LEFT JOIN act USING (project_id, local_date, seller_id)`,

    // ---- OKLA: vehicle score, interest, market --------------------------------------------------------------
    `CREATE OR REPLACE TEMP TABLE b_active AS
     SELECT c.local_date, c.day_end, l.* FROM b_cal c JOIN base_dim_listings l
     ON l.project_id = c.project_id AND l.kind = 'vehicle' AND l.status = 'active' AND ${atEnd('l', 'c.day_end')}`,
    `CREATE OR REPLACE TABLE base_mart_vehicle_score AS
     WITH win AS (
       SELECT a.project_id, a.local_date, a.listing_id,
         count(*) FILTER (WHERE e.event_type = 'listing_viewed') AS views,
         count(DISTINCT e.person_id) FILTER (WHERE e.event_type = 'listing_viewed') AS viewers,
         count(*) FILTER (WHERE e.event_type = 'favorite' AND coalesce(e.action, 'add') <> 'remove') AS favourites,
         count(*) FILTER (WHERE e.event_type = 'contact_sent') AS leads,
         count(*) FILTER (WHERE e.event_type = 'test_drive_requested') AS test_drives
       FROM b_active a JOIN base_stg_interactions e ON e.project_id = a.project_id AND e.listing_id = a.listing_id
         AND e.local_date BETWEEN a.local_date - 6 AND a.local_date
       GROUP BY ALL),
     market AS (
       SELECT project_id, local_date, make, model, year, currency, median(price) AS market_price, count(*) AS comparables
       FROM b_active WHERE price > 0 GROUP BY ALL),
     base AS (
       SELECT a.project_id, a.local_date, a.listing_id, a.seller_id, a.make, a.model, a.year, a.body_type, a.province, a.price,
         a.currency, greatest(0, floor(epoch(a.day_end - a.published_at) / 86400))::BIGINT AS days_on_market,
         coalesce(a.photo_count, 0) AS photo_count, coalesce(w.views, 0) AS views, coalesce(w.viewers, 0) AS viewers,
         coalesce(w.favourites, 0) AS favourites, coalesce(w.leads, 0) AS leads, coalesce(w.test_drives, 0) AS test_drives,
         coalesce((w.favourites + 3 * w.leads + 5 * w.test_drives)::DOUBLE / nullif(w.viewers, 0), 0) AS engagement_rate,
         m.market_price, coalesce(m.comparables, 0) AS comparables, a.price / nullif(m.market_price, 0) AS price_ratio
       FROM b_active a
       LEFT JOIN win w USING (project_id, local_date, listing_id)
       LEFT JOIN market m ON m.project_id = a.project_id AND m.local_date = a.local_date AND m.make IS NOT DISTINCT FROM a.make
         AND m.model IS NOT DISTINCT FROM a.model AND m.year IS NOT DISTINCT FROM a.year AND m.currency IS NOT DISTINCT FROM a.currency),
     parts AS (
       SELECT *, round(35 * percent_rank() OVER (PARTITION BY project_id, local_date ORDER BY viewers), 2) AS demand,
         round(30 * percent_rank() OVER (PARTITION BY project_id, local_date ORDER BY engagement_rate), 2) AS engagement,
         CASE WHEN comparables >= 3 AND price_ratio IS NOT NULL THEN round(20 * least(1, greatest(0, (1.20 - price_ratio) / 0.30)), 2)
              ELSE 10 END AS price_pts,
         round(10 * least(photo_count, 20) / 20, 2) AS quality, round(5 * greatest(0, 1 - days_on_market / 60), 2) AS freshness
       FROM base)
     SELECT *, round(demand + engagement + price_pts + quality + freshness, 2) AS score FROM parts`,
    `CREATE OR REPLACE TABLE base_mart_user_interest AS
     WITH ix AS (
       SELECT e.project_id, e.person_id, e.local_date, e."timestamp", e.event_type,
         CASE e.event_type WHEN 'listing_viewed' THEN 1 WHEN 'favorite' THEN 3 WHEN 'contact_sent' THEN 5 WHEN 'test_drive_requested' THEN 8 END AS weight,
         coalesce(e.make, l.make) AS make, coalesce(e.body_type, l.body_type) AS body_type, coalesce(e.province, l.province) AS province,
         coalesce(e.price, l.price) AS price, coalesce(e.currency, l.currency) AS currency
       FROM base_stg_interactions e
       LEFT JOIN base_dim_listings l ON l.project_id = e.project_id AND l.listing_id = e.listing_id
         AND l.valid_from <= e."timestamp" AND coalesce(l.valid_to, TIMESTAMP '9999-12-31') > e."timestamp"
       WHERE NOT (e.event_type = 'favorite' AND coalesce(e.action, 'add') = 'remove')),
     latest AS (SELECT project_id, person_id, max(local_date) AS as_of FROM ix GROUP BY ALL),
     v AS (SELECT ix.*, latest.as_of FROM ix JOIN latest USING (project_id, person_id)
           WHERE ix.local_date > latest.as_of - 90 AND ix.make IS NOT NULL),
     ranked AS (
       SELECT project_id, person_id, kind, value, w, w / sum(w) OVER (PARTITION BY project_id, person_id, kind) AS share,
         row_number() OVER (PARTITION BY project_id, person_id, kind ORDER BY w DESC, value) AS rk
       FROM (SELECT project_id, person_id, 'make' AS kind, make AS value, sum(weight) AS w FROM v GROUP BY ALL
             UNION ALL SELECT project_id, person_id, 'body', body_type, sum(weight) FROM v WHERE body_type IS NOT NULL GROUP BY ALL
             UNION ALL SELECT project_id, person_id, 'province', province, sum(weight) FROM v WHERE province IS NOT NULL GROUP BY ALL)),
     tops AS (
       SELECT project_id, person_id, kind, first(value ORDER BY rk) AS preferred,
         to_json(list({'value': value, 'share': round(share, 4)} ORDER BY rk)) AS top
       FROM ranked WHERE rk <= 3 GROUP BY ALL),
     cur AS (
       SELECT project_id, person_id, first(currency ORDER BY w DESC, currency) AS currency
       FROM (SELECT project_id, person_id, currency, sum(weight) AS w FROM v WHERE currency IS NOT NULL AND price > 0 GROUP BY ALL)
       GROUP BY ALL),
     prices AS (
       SELECT v.project_id, v.person_id, quantile_cont(v.price, 0.25) AS p25, median(v.price) AS p50, quantile_cont(v.price, 0.75) AS p75
       FROM v JOIN cur c ON c.project_id = v.project_id AND c.person_id = v.person_id AND c.currency = v.currency
       WHERE v.price > 0 GROUP BY ALL),
     totals AS (
       SELECT project_id, person_id, any_value(as_of) AS as_of, count(*) AS interactions,
         count(*) FILTER (WHERE event_type = 'listing_viewed') AS views, count(*) FILTER (WHERE event_type = 'favorite') AS favourites,
         count(*) FILTER (WHERE event_type = 'contact_sent') AS leads, count(*) FILTER (WHERE event_type = 'test_drive_requested') AS test_drives,
         sum(weight) AS weight, min("timestamp") AS first_at, max("timestamp") AS last_at
       FROM v GROUP BY ALL)
     SELECT t.project_id, t.person_id, t.as_of AS as_of_date, 90 AS window_days, t.interactions, t.views, t.favourites, t.leads,
       t.test_drives, t.weight, mk.preferred AS preferred_make, bd.preferred AS preferred_body_type, pv.preferred AS preferred_province,
       mk.top AS top_makes, bd.top AS top_body_types, pv.top AS top_provinces, c.currency AS price_currency, pr.p25 AS price_p25,
       pr.p50 AS price_median, pr.p75 AS price_p75, t.first_at AS first_active_at, t.last_at AS last_active_at
     FROM totals t
     LEFT JOIN tops mk ON mk.project_id = t.project_id AND mk.person_id = t.person_id AND mk.kind = 'make'
     LEFT JOIN tops bd ON bd.project_id = t.project_id AND bd.person_id = t.person_id AND bd.kind = 'body'
     LEFT JOIN tops pv ON pv.project_id = t.project_id AND pv.person_id = t.person_id AND pv.kind = 'province'
     LEFT JOIN cur c ON c.project_id = t.project_id AND c.person_id = t.person_id
     LEFT JOIN prices pr ON pr.project_id = t.project_id AND pr.person_id = t.person_id`,
    `CREATE OR REPLACE TABLE base_mart_market_trends_daily AS
     WITH at_end AS (
       SELECT c.local_date, c.day_start, c.day_end, l.* FROM b_cal c JOIN base_dim_listings l
       ON l.project_id = c.project_id AND l.kind = 'vehicle' AND l.model IS NOT NULL AND ${atEnd('l', 'c.day_end')}),
     supply AS (
       SELECT project_id, local_date, make, model, coalesce(year, 0) AS year, coalesce(province, '(unknown)') AS province,
         coalesce(currency, 'XXX') AS currency, count(*) FILTER (WHERE status = 'active') AS supply,
         count(*) FILTER (WHERE published_at >= day_start AND published_at < day_end) AS new_listings,
         count(*) FILTER (WHERE status = 'sold' AND sold_at >= day_start AND sold_at < day_end) AS sold,
         count(*) FILTER (WHERE status = 'removed' AND removed_at >= day_start AND removed_at < day_end) AS removed,
         median(price) FILTER (WHERE status = 'active' AND price > 0) AS median_price,
         (sum(price::DECIMAL(18, 2)) FILTER (WHERE status = 'active' AND price > 0))::DOUBLE
           / nullif(count(*) FILTER (WHERE status = 'active' AND price > 0), 0) AS avg_price
       FROM at_end GROUP BY ALL),
     demand AS (
       SELECT project_id, local_date, make, model, year, province, currency,
         count(*) FILTER (WHERE event_type = 'listing_viewed') AS views,
         count(DISTINCT person_id) FILTER (WHERE event_type = 'listing_viewed') AS unique_viewers,
         count(*) FILTER (WHERE event_type = 'favorite' AND coalesce(action, 'add') <> 'remove') AS favourites,
         count(*) FILTER (WHERE event_type IN ('contact_sent', 'test_drive_requested')) AS leads
       FROM (
         SELECT e.project_id, e.local_date, coalesce(a.make, e.make) AS make, coalesce(a.model, e.model) AS model,
           coalesce(a.year, e.year, 0) AS year, coalesce(a.province, e.province, '(unknown)') AS province,
           coalesce(a.currency, e.currency, 'XXX') AS currency, e.event_type, e.person_id, e.action
         FROM base_stg_interactions e
         LEFT JOIN at_end a ON a.project_id = e.project_id AND a.local_date = e.local_date AND a.listing_id = e.listing_id)
       WHERE make IS NOT NULL AND model IS NOT NULL GROUP BY ALL)
     SELECT project_id, local_date, make, model, year, province, currency, coalesce(supply, 0) AS supply,
       coalesce(new_listings, 0) AS new_listings, coalesce(sold, 0) AS sold_listings, coalesce(removed, 0) AS removed_listings,
       median_price, avg_price, coalesce(views, 0) AS views, coalesce(unique_viewers, 0) AS unique_viewers,
       coalesce(favourites, 0) AS favourites, coalesce(leads, 0) AS leads, coalesce(views, 0)::DOUBLE / nullif(supply, 0) AS views_per_listing
     FROM supply FULL JOIN demand USING (project_id, local_date, make, model, year, province, currency)`,
    'DROP TABLE b_active',
    'DROP TABLE b_orders_ok',
    'DROP TABLE b_cal',
  ];
}
