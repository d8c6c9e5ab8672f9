import { changedKeys, fingerprint, list, money, moneySum, validAt } from '../common/duckdb.js';
import { type OrdersSql, orderEventTypes, stgOrderItemsTable, stgOrdersTable } from './stg-orders.js';

const spec = JSON.stringify({
  store_id: 'VARCHAR',
  checkout_id: 'VARCHAR',
  items: [
    {
      product_id: 'VARCHAR',
      store_id: 'VARCHAR',
      category: 'VARCHAR',
      quantity: 'BIGINT',
      price: 'DOUBLE',
    },
  ],
  subtotal: 'DOUBLE',
  delivery_fee: 'DOUBLE',
  discount: 'DOUBLE',
  tax: 'DOUBLE',
  total: 'DOUBLE',
  currency: 'VARCHAR',
  payment_method: 'VARCHAR',
  payment_provider: 'VARCHAR',
  shipping_method: 'VARCHAR',
  coupon: 'VARCHAR',
  is_first_order: 'BOOLEAN',
  commission_rate: 'DOUBLE',
  commission: 'DOUBLE',
  cancelled_by: 'VARCHAR',
  refund_id: 'VARCHAR',
  amount: 'DOUBLE',
  full: 'BOOLEAN',
});

const names = (t: { columns: { name: string }[] }) => t.columns.map((c) => c.name).join(', ');
const key = (a: string, b: string) => `${a}.project_id = ${b}.project_id AND ${a}.order_id = ${b}.order_id`;

export const duckdbOrdersSql: OrdersSql = {
  sync(projects, scope) {
    const statements = [
      `CREATE OR REPLACE TEMP TABLE _ord_stale AS
       SELECT f.project_id, f.order_id, f.fp FROM (
         SELECT c.project_id, c.order_id, ${fingerprint('c')} AS fp FROM stg_changes c
         WHERE c.event_type IN (${list(orderEventTypes)}) AND c.order_id IS NOT NULL
           AND c.project_id IN (${list(projects)}) AND ${changedKeys('order_id', orderEventTypes, scope)}
         GROUP BY c.project_id, c.order_id) f
       WHERE NOT EXISTS (SELECT 1 FROM stg_orders o WHERE ${key('o', 'f')} AND o.source_fingerprint = f.fp)`,
      // A no-op whose changed-row count is the number of stale orders.
      'UPDATE _ord_stale SET fp = fp',
      `DELETE FROM stg_orders o USING _ord_stale s WHERE ${key('o', 's')}`,
      `DELETE FROM stg_order_items o USING _ord_stale s WHERE ${key('o', 's')}`,
      `CREATE OR REPLACE TEMP TABLE _ord_src AS
       SELECT c.project_id, c.order_id, c.event_id, c.event_type, c.local_date, c."timestamp", c.person_id,
         c.user_id, c.seller_id, s.fp, json_transform(c.properties, '${spec}') AS p
       FROM stg_changes c JOIN _ord_stale s ON ${key('c', 's')}
       WHERE c.event_type IN (${list(orderEventTypes)})`,
      // A store that sent its purchase twice (two event ids) has one order: the first.
      `CREATE OR REPLACE TEMP TABLE _ord_purchase AS
       SELECT * FROM _ord_src WHERE event_type = 'purchase_completed'
       QUALIFY row_number() OVER (PARTITION BY project_id, order_id ORDER BY "timestamp", event_id) = 1`,
      `INSERT INTO stg_order_items (${names(stgOrderItemsTable)})
       SELECT project_id, order_id, local_date, line_no, it.product_id, coalesce(it.store_id, store_id),
         it.category, split_part(it.category, ' > ', 1), quantity, price,
         ${money('quantity * price')}::DOUBLE, currency
       FROM (
         SELECT project_id, order_id, local_date, coalesce(p.store_id, seller_id) AS store_id,
           coalesce(upper(p.currency), 'XXX') AS currency,
           unnest(p.items) AS it, generate_subscripts(p.items, 1) AS line_no
         FROM _ord_purchase)
       CROSS JOIN LATERAL (SELECT greatest(coalesce(it.quantity, 1), 1) AS quantity, coalesce(it.price, 0) AS price)`,
      `INSERT INTO stg_orders (${names(stgOrdersTable)})
       WITH lines AS (
         SELECT i.project_id, i.order_id, count(*) AS lines, sum(i.quantity) AS units,
           first(i.category ORDER BY i.amount DESC, i.category NULLS LAST) AS category
         FROM stg_order_items i JOIN _ord_stale s ON ${key('i', 's')} GROUP BY i.project_id, i.order_id),
       cancel AS (
         SELECT project_id, order_id, min("timestamp") AS cancelled_at,
           first(p.cancelled_by ORDER BY "timestamp", event_id) AS cancelled_by
         FROM _ord_src WHERE event_type = 'order_cancelled' GROUP BY project_id, order_id),
       refund AS (
         SELECT project_id, order_id, count(*) AS refunds, ${moneySum('coalesce(p.amount, 0)')} AS amount,
           bool_or(coalesce(p."full", false)) AS any_full, max("timestamp") AS last_at
         FROM (
           SELECT * FROM _ord_src WHERE event_type = 'order_refunded'
           -- The same refund sent twice (two event ids, one refund_id) counts once.
           QUALIFY row_number() OVER (
             PARTITION BY project_id, order_id, coalesce(p.refund_id, event_id) ORDER BY "timestamp", event_id) = 1)
         GROUP BY project_id, order_id),
       o AS (
         SELECT b.*, l.lines, l.units, l.category, c.cancelled_at, c.cancelled_by, r.refunds, r.amount AS refunded,
           r.any_full, r.last_at,
           coalesce(b.p.total, 0) AS total,
           coalesce(b.p.commission_rate, d.commission_rate) AS rate
         FROM _ord_purchase b
         LEFT JOIN lines l ON ${key('l', 'b')}
         LEFT JOIN cancel c ON ${key('c', 'b')}
         LEFT JOIN refund r ON ${key('r', 'b')}
         LEFT JOIN dim_sellers d ON d.project_id = b.project_id AND d.seller_id = coalesce(b.p.store_id, b.seller_id)
           AND ${validAt('d', 'b."timestamp"')}),
       settled AS (
         SELECT *, CASE WHEN any_full THEN total ELSE least(coalesce(refunded, 0), total) END AS refunded_amount
         FROM o)
       SELECT project_id, order_id, local_date, "timestamp", event_id, person_id, user_id,
         coalesce(p.store_id, seller_id), p.checkout_id, category, split_part(category, ' > ', 1),
         coalesce(lines, 0), coalesce(units, 0), p.subtotal, coalesce(p.delivery_fee, 0), coalesce(p.discount, 0),
         coalesce(p.tax, 0), total, coalesce(upper(p.currency), 'XXX'), coalesce(lower(p.payment_method), 'unknown'),
         p.payment_provider, p.shipping_method, p.coupon, p.is_first_order, rate,
         coalesce(p.commission, ${money('coalesce(p.subtotal, total) * rate')}::DOUBLE, 0),
         CASE WHEN cancelled_at IS NOT NULL THEN 'cancelled'
              WHEN refunded_amount > 0 AND refunded_amount >= total THEN 'refunded'
              WHEN refunded_amount > 0 THEN 'partially_refunded'
              ELSE 'completed' END,
         cancelled_at, cancelled_by, coalesce(refunds, 0), refunded_amount, last_at,
         CASE WHEN cancelled_at IS NOT NULL THEN 0 ELSE ${money('total - refunded_amount')}::DOUBLE END,
         fp
       FROM settled`,
      'DROP TABLE _ord_purchase',
      'DROP TABLE _ord_src',
      'DROP TABLE _ord_stale',
    ];
    return { statements, staleKeys: 1, inserted: [7] };
  },
};
