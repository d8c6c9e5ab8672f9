import type { QualityCheck } from '../../pipelines/types.js';
import { notNull, range, rowCount, unique } from '../common/checks.js';
import { col, type DailyMartSql, dailyMartTable } from '../common/kit.js';

/**
 * `mart_traffic_daily`: web analytics from the sessionizer's `sessions` (bot devices left out), one row per
 * (project_id, local_date, source, medium, device_type): `sessions`, distinct `visitors` and `users`,
 * `bounces` and `bounce_rate`, `page_views` and `pages_per_session`, time on site as `total_duration_s` and
 * `avg_duration_s` (seconds per session). Sums and counts are kept beside the rates so that coarser
 * groupings (a day, a source) can be recomputed exactly; distinct visitors do not add up across rows.
 */
export const martTrafficTable = dailyMartTable(
  'mart_traffic_daily',
  ['source'],
  [
    col('source', 'string'),
    col('medium', 'string'),
    col('device_type', 'string'),
    col('sessions', 'int64'),
    col('visitors', 'int64'),
    col('users', 'int64'),
    col('bounces', 'int64'),
    col('bounce_rate', 'float64'),
    col('page_views', 'int64'),
    col('pages_per_session', 'float64'),
    col('total_duration_s', 'float64'),
    col('avg_duration_s', 'float64'),
  ],
);

export type TrafficSql = DailyMartSql;

const p = { partitionColumn: 'local_date' };
export const trafficChecks: QualityCheck[] = [
  ...notNull('mart_traffic_daily', ['source', 'medium', 'device_type'], p),
  unique('mart_traffic_daily', ['project_id', 'local_date', 'source', 'medium', 'device_type'], p),
  range('mart_traffic_daily', 'bounce_rate', { min: 0, max: 1 }, p),
  range('mart_traffic_daily', 'avg_duration_s', { min: 0 }, p),
  rowCount('mart_traffic_daily', 'local_date'),
];
