import type { QualityCheck } from '../../pipelines/types.js';
import { notNull, range, unique } from '../common/checks.js';
import { col, type DailyMartSql, dailyMartTable, opt } from '../common/kit.js';

/**
 * `mart_sellers_daily`: every seller known at the end of the local day (dim_sellers as of then), one row per
 * (project_id, local_date, seller_id):
 * - terms: `kind`, `name`, `plan`, `commission_rate`, `status`;
 * - `is_active`: stores (and sellers with a subscription) while their subscription is active or, once
 *   cancelled, until its `ends_on` day; other sellers (OKLA's dealers and private sellers) while they have
 *   an active listing;
 * - `mrr`: the plan's monthly amount while the subscription is active (0 once cancelled);
 * - the day's business: `listings_active` (at the end of the day), `listings_new`, `orders`, `gmv` and
 *   `commission` (orders placed that day, commission of those not cancelled), `views` and `leads`
 *   (contacts and test drives) on the seller's listings.
 */
export const martSellersTable = dailyMartTable(
  'mart_sellers_daily',
  ['seller_id'],
  [
    col('seller_id', 'string'),
    opt('kind'),
    opt('name'),
    opt('plan'),
    opt('commission_rate', 'float64'),
    col('status', 'string'),
    col('is_active', 'bool'),
    col('mrr', 'float64'),
    opt('currency'),
    col('listings_active', 'int64'),
    col('listings_new', 'int64'),
    col('orders', 'int64'),
    col('gmv', 'float64'),
    col('commission', 'float64'),
    col('views', 'int64'),
    col('leads', 'int64'),
  ],
  { clusterBy: ['project_id', 'seller_id', 'local_date'] },
);

export type SellersSql = DailyMartSql;

const p = { partitionColumn: 'local_date' };
export const sellersChecks: QualityCheck[] = [
  ...notNull('mart_sellers_daily', ['seller_id', 'status', 'is_active'], p),
  unique('mart_sellers_daily', ['project_id', 'local_date', 'seller_id'], p),
  range('mart_sellers_daily', 'mrr', { min: 0 }, p),
  range('mart_sellers_daily', 'commission_rate', { min: 0, max: 1 }, p),
];
