import type { QualityCheck } from '../../pipelines/types.js';
import { notNull, range, unique } from '../common/checks.js';
import { col, type DailyMartSql, dailyMartTable, opt } from '../common/kit.js';

/**
 * OKLA's Vehicle Performance Score: for every vehicle listing active at the end of the local day, a score
 * from 0 to 100 made of five parts, each stored with its inputs so that a seller can see why:
 *
 * | part | points | from |
 * |---|---|---|
 * | `demand_points` | 35 × percentile of `unique_viewers_7d` among the project's active vehicles |
 * | `engagement_points` | 30 × percentile of `engagement_rate` = (favourites + 3 × leads + 5 × test drives) / unique viewers (0 without viewers), over the last 7 days |
 * | `price_points` | 20 × clamp((1.20 − `price_ratio`) / 0.30, 0, 1): 20 at 90 % of the market price or less, 0 at 120 % or more; 10 (neutral) without `comparables` ≥ 3 |
 * | `quality_points` | 10 × min(photo_count, 20) / 20 |
 * | `freshness_points` | 5 × max(0, 1 − days_on_market / 60) |
 *
 * Percentiles are `percent_rank` (0 for the lowest, 1 for the highest; ties share a rank). The market price
 * is the median asking price of active vehicles of the same make, model, year and currency
 * (`market_price`, over `comparables` listings, the listing included). Each part is rounded to hundredths
 * and `score` is their sum. The 7 days are the partition day and the 6 before it.
 */
export const scoreWindowDays = 7;
export const scoreParts = { demand: 35, engagement: 30, price: 20, quality: 10, freshness: 5 } as const;

export const martVehicleScoreTable = dailyMartTable(
  'mart_vehicle_score',
  ['listing_id'],
  [
    col('listing_id', 'string'),
    opt('seller_id'),
    opt('make'),
    opt('model'),
    opt('year', 'int64'),
    opt('body_type'),
    opt('province'),
    opt('price', 'float64'),
    opt('currency'),
    col('days_on_market', 'int64'),
    col('photo_count', 'int64'),
    col('views_7d', 'int64'),
    col('unique_viewers_7d', 'int64'),
    col('favourites_7d', 'int64'),
    col('leads_7d', 'int64'),
    col('test_drives_7d', 'int64'),
    col('engagement_rate', 'float64'),
    opt('market_price', 'float64'),
    col('comparables', 'int64'),
    opt('price_ratio', 'float64'),
    col('demand_points', 'float64'),
    col('engagement_points', 'float64'),
    col('price_points', 'float64'),
    col('quality_points', 'float64'),
    col('freshness_points', 'float64'),
    col('score', 'float64'),
  ],
);

export type VehicleScoreSql = DailyMartSql<{ windowStart: string }>;

const p = { partitionColumn: 'local_date' };
export const vehicleScoreChecks: QualityCheck[] = [
  ...notNull('mart_vehicle_score', ['listing_id', 'score'], p),
  unique('mart_vehicle_score', ['project_id', 'local_date', 'listing_id'], p),
  range('mart_vehicle_score', 'score', { min: 0, max: 100 }, p),
  range('mart_vehicle_score', 'price_ratio', { min: 0 }, { ...p, severity: 'warn' }),
];
