import type { QualityCheck } from '../../pipelines/types.js';
import { notNull, range, rowCount, unique } from '../common/checks.js';
import { col, type DailyMartSql, dailyMartTable, opt } from '../common/kit.js';

/**
 * Sales by local day, from stg_orders (stores; OKLA's vehicle sales are in the listing marts).
 *
 * `mart_sales_daily`, one row per (project_id, local_date, store_id, payment_method, currency):
 * - orders placed that day: `orders`, `customers` (distinct persons), `units`, `gmv` (sum of order totals,
 *   cancelled orders included: gross merchandise value), `aov` (gmv / orders), `discount`, `delivery_fee`,
 *   `tax`, `commission` (of the orders not cancelled), `cancelled_orders` / `cancelled_amount` (orders of the
 *   day cancelled since);
 * - refunds made that day, whatever day their order was placed, under the order's store and payment method:
 *   `refunds`, `refunded_amount`.
 *
 * `mart_sales_category_daily`, one row per (project_id, local_date, store_id, category, currency): order
 * lines of the day's orders: `orders` (distinct), `units`, `item_revenue` (quantity × price), with the
 * `top_category` of the category path.
 */
export const martSalesTable = dailyMartTable(
  'mart_sales_daily',
  ['store_id'],
  [
    col('store_id', 'string'),
    col('payment_method', 'string'),
    col('currency', 'string'),
    col('orders', 'int64'),
    col('customers', 'int64'),
    col('units', 'int64'),
    col('gmv', 'float64'),
    opt('aov', 'float64'),
    col('discount', 'float64'),
    col('delivery_fee', 'float64'),
    col('tax', 'float64'),
    col('commission', 'float64'),
    col('cancelled_orders', 'int64'),
    col('cancelled_amount', 'float64'),
    col('refunds', 'int64'),
    col('refunded_amount', 'float64'),
  ],
  { clusterBy: ['project_id', 'store_id', 'local_date'] },
);

export const martSalesCategoryTable = dailyMartTable(
  'mart_sales_category_daily',
  ['store_id', 'category'],
  [
    col('store_id', 'string'),
    col('category', 'string'),
    col('top_category', 'string'),
    col('currency', 'string'),
    col('orders', 'int64'),
    col('units', 'int64'),
    col('item_revenue', 'float64'),
  ],
  { clusterBy: ['project_id', 'store_id', 'local_date'] },
);

export type SalesSql = DailyMartSql;

const p = { partitionColumn: 'local_date' };
export const salesChecks: QualityCheck[] = [
  ...notNull('mart_sales_daily', ['store_id', 'payment_method', 'currency'], p),
  unique('mart_sales_daily', ['project_id', 'local_date', 'store_id', 'payment_method', 'currency'], p),
  range('mart_sales_daily', 'gmv', { min: 0 }, p),
  range('mart_sales_daily', 'refunded_amount', { min: 0 }, p),
  range('mart_sales_daily', 'commission', { min: 0 }, p),
  rowCount('mart_sales_daily', 'local_date'),
  unique('mart_sales_category_daily', ['project_id', 'local_date', 'store_id', 'category', 'currency'], p),
  range('mart_sales_category_daily', 'item_revenue', { min: 0 }, p),
];
