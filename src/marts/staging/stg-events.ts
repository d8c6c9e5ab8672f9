import type { QualityCheck } from '../../pipelines/types.js';
import type { ColumnDef, TableDef } from '../../ports/warehouse.js';
import { acceptedValues, notNull, range, rowCount, unique } from '../common/checks.js';
import { col, type MartStatements, opt, type ProjectDay } from '../common/kit.js';

/** The leading columns stg_events and stg_changes share: which event, when, and whose. */
const eventColumns: ColumnDef[] = [
  col('project_id', 'string'),
  col('event_id', 'string'),
  col('event_type', 'string'),
  col('local_date', 'date'),
  col('timestamp', 'timestamp'),
  col('received_at', 'timestamp'),
  opt('anonymous_id'),
  opt('user_id'),
  col('person_id', 'string'),
];

/**
 * `stg_events`: every accepted event once (deduplicated by project and event id: the copy received first
 * wins), typed, with the person it belongs to and its local day. Bots stay, flagged (`is_bot`): marts leave
 * them out, bot-traffic analyses keep them. The properties analytics filters and groups on are typed columns;
 * the JSON is not kept here (it is most of a row's size and browsing events never need it again).
 *
 * - `user_id`: the event's own user id when usable (see src/stream/identity/rules.ts), else NULL;
 * - `person_id`: that user id, else the user the anonymous id is linked to (the `identities` map), else the
 *   anonymous id: one person across devices and before/after sign-up. Refreshed when an identification
 *   arrives later.
 * - `local_date`: the event's day in its project's time zone (the partition of every daily mart).
 *
 * `stg_changes`: the same rows, with their properties and traits JSON, for the events that describe business
 * objects (listings, sellers, plans, orders, users): the source of the orders table and the dimensions,
 * small enough to re-read whole.
 */
export const stgEventsTable: TableDef = {
  name: 'stg_events',
  columns: [
    ...eventColumns,
    opt('session_id'),
    opt('seller_id'),
    opt('listing_id'),
    col('is_bot', 'bool'),
    opt('device_type'),
    opt('os'),
    opt('browser'),
    opt('referrer_host'),
    opt('utm_source'),
    opt('utm_medium'),
    opt('utm_campaign'),
    opt('page_path'),
    opt('make'),
    opt('model'),
    opt('year', 'int64'),
    opt('body_type'),
    opt('condition'),
    opt('province'),
    opt('category'),
    opt('price', 'float64'),
    opt('currency'),
    opt('quantity', 'int64'),
    opt('action'),
    opt('channel'),
    opt('photo_count', 'int64'),
    opt('order_id'),
  ],
  orderBy: ['project_id', 'local_date', 'event_type'],
  partitionByDay: 'local_date',
  // Seller funnels and retention read one seller's events: 74 → 27 ms at 10 M events (bench:query).
  clusterDaysBy: ['project_id', 'seller_id'],
};

export const stgChangesTable: TableDef = {
  name: 'stg_changes',
  columns: [
    ...eventColumns,
    opt('seller_id'),
    opt('listing_id'),
    opt('order_id'),
    col('properties', 'json'),
    opt('traits', 'json'),
  ],
  orderBy: ['project_id', 'event_type', 'timestamp'],
  partitionByDay: 'local_date',
};

/**
 * `stg_interactions`: the buyer-listing interactions of stg_events (listing views, favourites, leads, test
 * drives; bots left out), with the listing attributes the event carried. A narrow copy for the marts that
 * read many days at once (interest profiles over 90 days, scores over 7): a third of stg_events' rows and
 * half its columns.
 */
export const stgInteractionsTable: TableDef = {
  name: 'stg_interactions',
  columns: [
    col('project_id', 'string'),
    col('event_id', 'string'),
    col('local_date', 'date'),
    col('timestamp', 'timestamp'),
    col('received_at', 'timestamp'),
    col('event_type', 'string'),
    col('person_id', 'string'),
    opt('anonymous_id'),
    opt('user_id'),
    col('listing_id', 'string'),
    opt('seller_id'),
    opt('action'),
    opt('make'),
    opt('model'),
    opt('year', 'int64'),
    opt('body_type'),
    opt('province'),
    opt('price', 'float64'),
    opt('currency'),
  ],
  orderBy: ['project_id', 'local_date', 'listing_id'],
  partitionByDay: 'local_date',
};

export const interactionEventTypes = [
  'listing_viewed',
  'favorite',
  'contact_sent',
  'test_drive_requested',
] as const;

/** Event types kept with their JSON in stg_changes. */
export const changeEventTypes = [
  'listing_created',
  'listing_updated',
  'listing_sold',
  'listing_removed',
  'seller_registered',
  'subscription_started',
  'subscription_renewed',
  'subscription_changed',
  'subscription_cancelled',
  'group',
  'purchase_completed',
  'order_cancelled',
  'order_refunded',
  'signed_up',
  'identify',
] as const;

/**
 * Copies of one event (same project and event id) whose corrected times are further apart than this are
 * kept as two events. The collector deduplicates ids within 7 days; what reaches raw_events twice is a retry
 * after that, whose corrected time differs from the first copy's by the difference in transit times only.
 * Within one local day every copy is recognised (the day is staged whole); the bound lets staging compare
 * with the other days' rows near midnight, or near a batch's times, instead of all of stg_events.
 */
export const duplicateTimeMarginMs = 60 * 60_000;

export interface WindowStats {
  n: number;
  lo: Date | null;
  hi: Date | null;
}

export interface StagingSql {
  /** One row: raw rows received in the window, and the range of their event times. */
  windowStats(since: Date | null, until: Date): string;
  /**
   * Stages raw rows received in [since, until): statements whose results at `inserted` are the rows written.
   * `relinkSince`: identifications at or after it re-attribute earlier staged rows of their anonymous id.
   */
  stageWindow(o: {
    since: Date | null;
    until: Date;
    zones: readonly { projectId: string; timeZone: string }[];
    defaultZone: string;
    /** Event times of the window's rows: [lo, hi). */
    lo: number;
    hi: number;
    relinkSince: number | null;
  }): MartStatements;
  /** Replaces the projects' local day with every raw row of it (one copy per event), persons resolved. */
  stageDay(days: readonly ProjectDay[]): MartStatements;
  /** One row: raw rows of the day (`n`). */
  dayCount(days: readonly ProjectDay[]): string;
}

const partition = 'local_date';
export const stgEventsChecks: QualityCheck[] = [
  ...notNull('stg_events', ['project_id', 'event_id', 'event_type', 'person_id', 'timestamp'], {
    partitionColumn: partition,
  }),
  unique('stg_events', ['project_id', 'event_id'], { partitionColumn: partition }),
  acceptedValues('stg_events', 'device_type', ['desktop', 'mobile', 'tablet', 'bot', 'other'], {
    severity: 'warn',
    partitionColumn: partition,
  }),
  range('stg_events', 'price', { min: 0 }, { severity: 'warn', partitionColumn: partition }),
  range('stg_events', 'year', { min: 1886, max: 2100 }, { severity: 'warn', partitionColumn: partition }),
  rowCount('stg_events', partition),
  unique('stg_changes', ['project_id', 'event_id'], { partitionColumn: partition }),
  unique('stg_interactions', ['project_id', 'event_id'], { partitionColumn: partition }),
];
