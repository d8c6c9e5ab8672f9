import { date, inProjects, moneySum, ratio } from '../common/duckdb.js';
import type { SalesSql } from './sales.js';

const refundSpec = JSON.stringify({
  refund_id: 'VARCHAR',
  amount: 'DOUBLE',
  full: 'BOOLEAN',
  currency: 'VARCHAR',
});

export const duckdbSalesSql: SalesSql = {
  inputCount: (days) =>
    `SELECT count(*) AS n FROM stg_orders WHERE local_date = ${date(days[0]!.date)} AND ${inProjects(days)}`,

  replace(days) {
    const d = date(days[0]!.date);
    const inP = inProjects(days);
    const orders = `SELECT * FROM stg_orders WHERE local_date = ${d} AND ${inP}`;
    return {
      statements: [
        `DELETE FROM mart_sales_daily WHERE local_date = ${d} AND ${inP}`,
        `INSERT INTO mart_sales_daily
         WITH placed AS (
           SELECT project_id, coalesce(store_id, '(none)') AS store_id, payment_method, currency,
             count(*) AS orders, count(DISTINCT person_id) AS customers, sum(units) AS units,
             ${moneySum('total')} AS gmv, ${moneySum('discount')} AS discount,
             ${moneySum('delivery_fee')} AS delivery_fee, ${moneySum('tax')} AS tax,
             ${moneySum('commission', "status <> 'cancelled'")} AS commission,
             count(*) FILTER (WHERE status = 'cancelled') AS cancelled_orders,
             ${moneySum('total', "status = 'cancelled'")} AS cancelled_amount
           FROM (${orders}) GROUP BY ALL),
         refunded AS (
           SELECT r.project_id, coalesce(o.store_id, r.seller_id, '(none)') AS store_id,
             coalesce(o.payment_method, 'unknown') AS payment_method,
             coalesce(o.currency, upper(r.p.currency), 'XXX') AS currency, count(*) AS refunds,
             ${moneySum('coalesce(r.p.amount, CASE WHEN r.p."full" THEN o.total END, 0)')} AS refunded_amount
           FROM (
             SELECT * FROM (
               SELECT *, json_transform(properties, '${refundSpec}') AS p FROM stg_changes
               WHERE event_type = 'order_refunded' AND local_date = ${d} AND ${inP})
             -- The same refund sent twice counts once, as in stg_orders.
             QUALIFY row_number() OVER (
               PARTITION BY project_id, order_id, coalesce(p.refund_id, event_id) ORDER BY "timestamp", event_id) = 1
           ) r
           LEFT JOIN stg_orders o ON o.project_id = r.project_id AND o.order_id = r.order_id
           GROUP BY ALL)
         SELECT project_id, ${d}, store_id, payment_method, currency, coalesce(orders, 0), coalesce(customers, 0),
           coalesce(units, 0), coalesce(gmv, 0), ${ratio('gmv', 'orders')}, coalesce(discount, 0),
           coalesce(delivery_fee, 0), coalesce(tax, 0), coalesce(commission, 0), coalesce(cancelled_orders, 0),
           coalesce(cancelled_amount, 0), coalesce(refunds, 0), coalesce(refunded_amount, 0)
         FROM placed FULL JOIN refunded USING (project_id, store_id, payment_method, currency)`,
        `DELETE FROM mart_sales_category_daily WHERE local_date = ${d} AND ${inP}`,
        `INSERT INTO mart_sales_category_daily
         SELECT project_id, ${d}, coalesce(store_id, '(none)'), coalesce(category, '(none)'),
           coalesce(top_category, '(none)'), currency, count(DISTINCT order_id), sum(quantity),
           ${moneySum('amount')}
         FROM stg_order_items WHERE local_date = ${d} AND ${inP}
         GROUP BY ALL`,
      ],
      inserted: [1, 3],
    };
  },
};
