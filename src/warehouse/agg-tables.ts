import type { ColumnDef, ColumnType, TableDef } from '../ports/warehouse.js';

/**
 * Tables of the windowed aggregator (src/stream/windows).
 *
 * `agg_minute` / `agg_hour`: one row per (project_id, entity_type, entity_id, window_start), entity_type
 * 'listing' | 'seller' | 'project' (entity_id is the project id for 'project'), window_start the UTC start of
 * an event-time tumbling window of 1 minute / 1 hour. Every column holds the window's absolute value (rows are
 * replaced, never incremented), so writing a row again after a crash changes nothing. `revenue` is a JSON
 * object of sums of `total` per ISO currency code (no conversion; "XXX" when an event has no currency),
 * summed in hundredths so that the order of addition never changes the result.
 *
 * `agg_viewers` and `agg_state` are the aggregator's resumable state, written in the same replaceRows call as
 * the rows above and the input offsets (`stream_offsets`): the visitor ids already counted in windows still
 * open, and the watermarks and late-event counts. See src/stream/windows/README.md.
 */
const col = (name: string, type: ColumnType, nullable = false): ColumnDef => ({ name, type, nullable });

/** Counters of a window, in column order. */
export const aggCounterColumns = [
  'views',
  'unique_viewers',
  'favourites',
  'searches',
  'leads',
  'test_drives',
  'add_to_cart',
  'checkouts',
  'purchases',
] as const;
export type AggCounterColumn = (typeof aggCounterColumns)[number];

const aggColumns: ColumnDef[] = [
  col('project_id', 'string'),
  col('entity_type', 'string'),
  col('entity_id', 'string'),
  col('window_start', 'timestamp'),
  ...aggCounterColumns.map((c) => col(c, 'int64')),
  col('revenue', 'json'),
  col('updated_at', 'timestamp'),
];

export const aggMinuteTable: TableDef = {
  name: 'agg_minute',
  columns: aggColumns,
  orderBy: ['project_id', 'entity_type', 'entity_id', 'window_start'],
  partitionByDay: 'window_start',
};

export const aggHourTable: TableDef = {
  name: 'agg_hour',
  columns: aggColumns,
  orderBy: ['project_id', 'entity_type', 'entity_id', 'window_start'],
  partitionByDay: 'window_start',
};

export const aggKey = ['project_id', 'entity_type', 'entity_id', 'window_start'];

/**
 * Visitors newly counted as viewers, per log partition, project and minute window, one row per flush
 * (`seq`): `visitors` is a JSON array of [visitor_id, listing_id | null, seller_id | null]. The minute and
 * hour viewer sets of every entity are rebuilt from these rows at start. Rows of hours closed for their
 * partition are deleted.
 */
export const aggViewersTable: TableDef = {
  name: 'agg_viewers',
  columns: [
    col('topic', 'string'),
    col('log_partition', 'int64'),
    col('project_id', 'string'),
    col('window_start', 'timestamp'),
    col('seq', 'int64'),
    col('visitors', 'json'),
  ],
  orderBy: ['topic', 'log_partition', 'project_id', 'window_start'],
};

export const aggViewersKey = ['topic', 'log_partition', 'project_id', 'window_start', 'seq'];

/** One JSON document per consumer group: watermarks per partition and project, late counts, flush sequence. */
export const aggStateTable: TableDef = {
  name: 'agg_state',
  columns: [col('consumer_group', 'string'), col('state', 'json'), col('updated_at', 'timestamp')],
};

export const aggStateKey = ['consumer_group'];

export const aggTables: TableDef[] = [aggMinuteTable, aggHourTable, aggViewersTable, aggStateTable];
