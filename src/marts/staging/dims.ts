import type { QualityCheck } from '../../pipelines/types.js';
import type { TableDef } from '../../ports/warehouse.js';
import { acceptedValues, notNull, range, unique } from '../common/checks.js';
import { col, opt } from '../common/kit.js';

/**
 * Dimensions as slowly changing dimensions of type 2: one row per version of an object, a version opening
 * whenever one of its attributes changes (`valid_from` inclusive, `valid_to` exclusive, NULL for the current
 * version, `is_current`); attributes a change event leaves out keep their previous value. Versioning every
 * attribute (not only price and status) keeps the state as of an instant a function of the events before
 * it: a daily mart built for a past day reads the same state whatever arrived since. Each object's rows are
 * rebuilt from all of its change events (stg_changes) whenever those change (`source_fingerprint`), so a late
 * event lands in its place in the history, and the result never depends on which days were processed or in
 * which order.
 *
 * As of an instant t: `valid_from <= t AND coalesce(valid_to, '9999-12-31') > t` (valid_to is exclusive).
 */

/**
 * `dim_listings`: vehicle ads and store products. `status`: active, paused, sold, removed, …;
 * `previous_price`/`previous_status` are the prior version's (a price change is a version whose price
 * differs from its previous_price). `sold_price`/`sold_on_platform` from the sale, on the versions from it.
 * Per listing, on every version: `published_at` (first publication, from the event or the first
 * listing_created), `sold_at`, `removed_at`. `kind`: vehicle (has a make) | product.
 */
export const dimListingsTable: TableDef = {
  name: 'dim_listings',
  columns: [
    col('project_id', 'string'),
    col('listing_id', 'string'),
    col('version', 'int64'),
    col('valid_from', 'timestamp'),
    opt('valid_to', 'timestamp'),
    col('is_current', 'bool'),
    opt('seller_id'),
    col('kind', 'string'),
    opt('title'),
    opt('make'),
    opt('model'),
    opt('trim'),
    opt('year', 'int64'),
    opt('body_type'),
    opt('condition'),
    opt('mileage_km', 'float64'),
    opt('category'),
    opt('top_category'),
    opt('brand'),
    opt('province'),
    opt('photo_count', 'int64'),
    opt('price', 'float64'),
    opt('previous_price', 'float64'),
    opt('currency'),
    col('status', 'string'),
    opt('previous_status'),
    opt('stock', 'int64'),
    col('published_at', 'timestamp'),
    opt('sold_at', 'timestamp'),
    opt('sold_price', 'float64'),
    opt('sold_on_platform', 'bool'),
    opt('removed_at', 'timestamp'),
    col('change_type', 'string'),
    col('event_id', 'string'),
    col('source_fingerprint', 'string'),
  ],
  orderBy: ['project_id', 'listing_id', 'version'],
};

/**
 * `dim_sellers`: dealers, private sellers and stores. Attributes: kind, name, province and category (from
 * the registration), plan, commission rate, subscription, period, amount and `monthly_amount` (quarter / 3,
 * year / 12), status (active | cancelled) and `ends_on` (the last day a cancelled store may sell). Sources:
 * seller_registered, subscription_*, group (dealer/store), listing_created (seller_type) and
 * purchase_completed (a store that sells exists even if it registered before the data starts).
 * `joined_at`: its first event.
 */
export const dimSellersTable: TableDef = {
  name: 'dim_sellers',
  columns: [
    col('project_id', 'string'),
    col('seller_id', 'string'),
    col('version', 'int64'),
    col('valid_from', 'timestamp'),
    opt('valid_to', 'timestamp'),
    col('is_current', 'bool'),
    opt('kind'),
    opt('name'),
    opt('province'),
    opt('category'),
    opt('plan'),
    opt('commission_rate', 'float64'),
    opt('subscription_id'),
    opt('period'),
    opt('amount', 'float64'),
    opt('monthly_amount', 'float64'),
    opt('currency'),
    col('status', 'string'),
    opt('ends_on', 'date'),
    col('joined_at', 'timestamp'),
    col('change_type', 'string'),
    col('event_id', 'string'),
    col('source_fingerprint', 'string'),
  ],
  orderBy: ['project_id', 'seller_id', 'version'],
};

/**
 * `dim_users`: identity-resolved users, one row per (project_id, user_id): the anonymous ids linked to them
 * (the stream's identity map), when first seen (their earliest change event or linked anonymous activity),
 * signed up and first identified, and their latest role, province and identify traits.
 */
export const dimUsersTable: TableDef = {
  name: 'dim_users',
  columns: [
    col('project_id', 'string'),
    col('user_id', 'string'),
    col('first_seen_at', 'timestamp'),
    opt('signed_up_at', 'timestamp'),
    opt('identified_at', 'timestamp'),
    col('anonymous_ids', 'int64'),
    opt('role'),
    opt('province'),
    opt('traits', 'json'),
    col('source_fingerprint', 'string'),
  ],
  orderBy: ['project_id', 'user_id'],
};

export const listingEventTypes = [
  'listing_created',
  'listing_updated',
  'listing_sold',
  'listing_removed',
] as const;

export const sellerEventTypes = [
  'seller_registered',
  'subscription_started',
  'subscription_renewed',
  'subscription_changed',
  'subscription_cancelled',
  'group',
  'listing_created',
  'purchase_completed',
] as const;

/** A sync's statements; the results at `staleKeys` and `inserted` count the keys rebuilt and rows written. */
export interface SyncStatements {
  statements: string[];
  staleKeys: number;
  inserted: number[];
}

/** Which keys a sync checks: every key (`since` null), or those with changes received in [since, until). */
export interface SyncScope {
  since: Date | null;
  until: Date;
}

export const everyKey: SyncScope = { since: null, until: new Date(8.64e15) };

export interface DimsSql {
  syncListings(projects: readonly string[], scope: SyncScope): SyncStatements;
  syncSellers(projects: readonly string[], scope: SyncScope): SyncStatements;
  syncUsers(projects: readonly string[], scope: SyncScope): SyncStatements;
}

const scd2 = (table: string, key: string): QualityCheck[] => [
  ...notNull(table, ['project_id', key, 'valid_from', 'status']),
  unique(table, ['project_id', key, 'version']),
];

export const dimListingsChecks: QualityCheck[] = [
  ...scd2('dim_listings', 'listing_id'),
  acceptedValues('dim_listings', 'kind', ['vehicle', 'product']),
  range('dim_listings', 'price', { min: 0 }, { severity: 'warn' }),
  range('dim_listings', 'year', { min: 1886, max: 2100 }, { severity: 'warn' }),
];

export const dimSellersChecks: QualityCheck[] = [
  ...scd2('dim_sellers', 'seller_id'),
  acceptedValues('dim_sellers', 'status', ['active', 'cancelled']),
  range('dim_sellers', 'commission_rate', { min: 0, max: 1 }),
  range('dim_sellers', 'monthly_amount', { min: 0 }),
];

export const dimUsersChecks: QualityCheck[] = [
  ...notNull('dim_users', ['project_id', 'user_id', 'first_seen_at']),
  unique('dim_users', ['project_id', 'user_id']),
];
