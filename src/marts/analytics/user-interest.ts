import type { QualityCheck } from '../../pipelines/types.js';
import type { TableDef } from '../../ports/warehouse.js';
import { notNull, range, unique } from '../common/checks.js';
import { col, type DailyMartSql, opt } from '../common/kit.js';

/**
 * OKLA's User Interest Profile: one row per person who interacted with vehicle listings, describing what
 * they look for over the `window_days` (90) local days up to `as_of_date`, their latest active day (a run
 * for a day refreshes the persons active that day, leaving alone profiles already built for a later day).
 *
 * Interactions and their weights: listing view 1, favourite 3, lead (contact_sent) 5, test drive 8 (bots
 * and favourite removals left out). The listing's attributes are the event's own, else the listing's as
 * of the event (dim_listings). Per dimension (makes, body types, provinces): `preferred_*` is the value
 * with the highest weight (ties by name) and `top_*` the three highest as JSON
 * `[{"value": …, "share": weight / total weight}]`. Price range: `price_p25`, `price_median`, `price_p75` of
 * the listings interacted with, in `price_currency` (the currency carrying most weight).
 */
export const interestWindowDays = 90;
export const interestWeights = {
  listing_viewed: 1,
  favorite: 3,
  contact_sent: 5,
  test_drive_requested: 8,
} as const;

export const martUserInterestTable: TableDef = {
  name: 'mart_user_interest',
  columns: [
    col('project_id', 'string'),
    col('person_id', 'string'),
    col('as_of_date', 'date'),
    col('window_days', 'int64'),
    col('interactions', 'int64'),
    col('views', 'int64'),
    col('favourites', 'int64'),
    col('leads', 'int64'),
    col('test_drives', 'int64'),
    col('weight', 'int64'),
    opt('preferred_make'),
    opt('preferred_body_type'),
    opt('preferred_province'),
    opt('top_makes', 'json'),
    opt('top_body_types', 'json'),
    opt('top_provinces', 'json'),
    opt('price_currency'),
    opt('price_p25', 'float64'),
    opt('price_median', 'float64'),
    opt('price_p75', 'float64'),
    col('first_active_at', 'timestamp'),
    col('last_active_at', 'timestamp'),
  ],
  orderBy: ['project_id', 'person_id'],
};

export type UserInterestSql = DailyMartSql<{ windowStart: string }>;

export const userInterestChecks: QualityCheck[] = [
  ...notNull('mart_user_interest', ['person_id', 'as_of_date']),
  unique('mart_user_interest', ['project_id', 'person_id']),
  range('mart_user_interest', 'interactions', { min: 1 }),
  range('mart_user_interest', 'price_p25', { min: 0 }, { severity: 'warn' }),
];
