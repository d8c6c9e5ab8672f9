import type { QualityCheck } from '../../pipelines/types.js';
import { acceptedValues, notNull, range, rowCount, unique } from '../common/checks.js';
import { col, type DailyMartSql, dailyMartTable, opt } from '../common/kit.js';

/**
 * `mart_listing_daily`: one row per listing or product with any activity or change on the local day.
 *
 * - buyer activity (bots excluded): `views` (listing_viewed / product_viewed), `unique_viewers` (persons),
 *   `favourites` (adds) and `unfavourites`, `leads` (contact_sent), `test_drives`, `add_to_cart` and
 *   `cart_units`;
 * - `purchases` / `purchased_units` / `revenue`: store products: order lines of the day's orders; vehicles:
 *   sold through the marketplace that day (`sold_on_platform`), at the sold (else asking) price;
 * - rates over views: `lead_rate` ((leads + test_drives) / views), `cart_rate`, `purchase_rate`; NULL
 *   without views;
 * - as of the end of the day (dim_listings): `price`, `currency`, `status`, and `days_on_market` (whole days
 *   since publication, up to the sale or removal); `price_changes`: price changes made that day.
 */
export const martListingTable = dailyMartTable(
  'mart_listing_daily',
  ['listing_id'],
  [
    col('listing_id', 'string'),
    opt('seller_id'),
    opt('kind'),
    col('views', 'int64'),
    col('unique_viewers', 'int64'),
    col('favourites', 'int64'),
    col('unfavourites', 'int64'),
    col('leads', 'int64'),
    col('test_drives', 'int64'),
    col('add_to_cart', 'int64'),
    col('cart_units', 'int64'),
    col('purchases', 'int64'),
    col('purchased_units', 'int64'),
    col('revenue', 'float64'),
    opt('lead_rate', 'float64'),
    opt('cart_rate', 'float64'),
    opt('purchase_rate', 'float64'),
    opt('price', 'float64'),
    opt('currency'),
    col('price_changes', 'int64'),
    opt('status'),
    opt('days_on_market', 'int64'),
  ],
  { clusterBy: ['project_id', 'seller_id', 'local_date'] },
);

export type ListingPerformanceSql = DailyMartSql;

const p = { partitionColumn: 'local_date' };
export const listingPerformanceChecks: QualityCheck[] = [
  ...notNull('mart_listing_daily', ['listing_id'], p),
  unique('mart_listing_daily', ['project_id', 'local_date', 'listing_id'], p),
  acceptedValues('mart_listing_daily', 'kind', ['vehicle', 'product'], p),
  range('mart_listing_daily', 'days_on_market', { min: 0 }, p),
  range('mart_listing_daily', 'revenue', { min: 0 }, p),
  rowCount('mart_listing_daily', 'local_date'),
];
