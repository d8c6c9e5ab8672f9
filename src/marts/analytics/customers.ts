import type { QualityCheck } from '../../pipelines/types.js';
import type { TableDef } from '../../ports/warehouse.js';
import { notNull, range, unique } from '../common/checks.js';
import { col, type DailyMartSql, dailyMartTable, opt } from '../common/kit.js';

/**
 * Customers: persons (identity-resolved, see stg_events) with at least one order that was not cancelled.
 *
 * `mart_customers`: one row per customer as of `as_of_date`, the latest day built (a run for an earlier day
 * leaves a later snapshot alone, so a backfill in any order ends with the newest): `first_order_at`,
 * `last_order_at`, `cohort_month` (first day of the local month of the first order), `orders`, `revenue`
 * (order totals), `refunded`, `ltv` (net of refunds: what the customer has been worth), `aov`,
 * `is_returning` (two orders or more), `days_since_last_order` and `churned` (more than `churn_days` since
 * the last order).
 *
 * `mart_customers_daily`: per project and day: `customers` who ordered, of them `new_customers` (first order
 * that day) and `returning_customers`, their `orders` and `revenue` split the same way, and the stock at the
 * end of the day: `total_customers`, `churned_customers`, `active_customers`.
 */
export const martCustomersTable: TableDef = {
  name: 'mart_customers',
  columns: [
    col('project_id', 'string'),
    col('person_id', 'string'),
    opt('user_id'),
    col('as_of_date', 'date'),
    col('first_order_at', 'timestamp'),
    col('last_order_at', 'timestamp'),
    col('cohort_month', 'date'),
    col('orders', 'int64'),
    col('revenue', 'float64'),
    col('refunded', 'float64'),
    col('ltv', 'float64'),
    col('aov', 'float64'),
    col('is_returning', 'bool'),
    col('days_since_last_order', 'int64'),
    col('churn_days', 'int64'),
    col('churned', 'bool'),
  ],
  orderBy: ['project_id', 'person_id'],
};

export const martCustomersDailyTable = dailyMartTable(
  'mart_customers_daily',
  [],
  [
    col('customers', 'int64'),
    col('new_customers', 'int64'),
    col('returning_customers', 'int64'),
    col('orders', 'int64'),
    col('new_customer_orders', 'int64'),
    col('returning_customer_orders', 'int64'),
    col('revenue', 'float64'),
    col('new_customer_revenue', 'float64'),
    col('returning_customer_revenue', 'float64'),
    col('total_customers', 'int64'),
    col('churned_customers', 'int64'),
    col('active_customers', 'int64'),
  ],
);

export type CustomersSql = DailyMartSql<{ churnDays: number }>;

export const customersChecks: QualityCheck[] = [
  ...notNull('mart_customers', ['person_id', 'first_order_at', 'cohort_month']),
  unique('mart_customers', ['project_id', 'person_id']),
  range('mart_customers', 'orders', { min: 1 }),
  range('mart_customers', 'ltv', { min: 0 }),
  unique('mart_customers_daily', ['project_id', 'local_date'], { partitionColumn: 'local_date' }),
  range('mart_customers_daily', 'new_customers', { min: 0 }, { partitionColumn: 'local_date' }),
];
