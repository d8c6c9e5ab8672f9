import type { QualityCheck } from '../../pipelines/types.js';
import { notNull, range, rowCount, unique } from '../common/checks.js';
import { col, type DailyMartSql, dailyMartTable, opt } from '../common/kit.js';

/**
 * OKLA's Market Trends: supply, demand and prices of vehicles by local day, one row per (project_id,
 * local_date, make, model, year, province, currency) with any supply or activity (year 0, province
 * '(unknown)' and currency 'XXX' stand for missing values).
 *
 * - supply, from the listings as of the end of the day: `supply` (active listings), `median_price` and
 *   `avg_price` of their asking prices, `new_listings` (published that day), `sold_listings` and
 *   `removed_listings` (that day);
 * - demand, from the day's buyer activity (bots left out): `views`, `unique_viewers`, `favourites`,
 *   `leads` (contacts and test drives), and `views_per_listing` (views / supply).
 */
export const martMarketTrendsTable = dailyMartTable(
  'mart_market_trends_daily',
  ['make', 'model'],
  [
    col('make', 'string'),
    col('model', 'string'),
    col('year', 'int64'),
    col('province', 'string'),
    col('currency', 'string'),
    col('supply', 'int64'),
    col('new_listings', 'int64'),
    col('sold_listings', 'int64'),
    col('removed_listings', 'int64'),
    opt('median_price', 'float64'),
    opt('avg_price', 'float64'),
    col('views', 'int64'),
    col('unique_viewers', 'int64'),
    col('favourites', 'int64'),
    col('leads', 'int64'),
    opt('views_per_listing', 'float64'),
  ],
);

export type MarketTrendsSql = DailyMartSql;

const p = { partitionColumn: 'local_date' };
export const marketTrendsChecks: QualityCheck[] = [
  ...notNull('mart_market_trends_daily', ['make', 'model', 'year', 'province', 'currency'], p),
  unique(
    'mart_market_trends_daily',
    ['project_id', 'local_date', 'make', 'model', 'year', 'province', 'currency'],
    p,
  ),
  range('mart_market_trends_daily', 'median_price', { min: 0 }, p),
  rowCount('mart_market_trends_daily', 'local_date'),
];
