import type { ColumnDef, ColumnType, TableDef } from '../ports/warehouse.js';

const col = (name: string, type: ColumnType, nullable = false): ColumnDef => ({ name, type, nullable });
const optionalString = (name: string): ColumnDef => col(name, 'string', true);

/**
 * `sessions`: one row per visitor session, written by the sessionizer (`src/stream/sessions`) and replaced by
 * key (project_id, session_id) as the session grows, so queries see open sessions too (`is_final = false`).
 *
 * - `visitor`: the anonymous id (the user id for events without one); `user_id`: the person, after identity
 *   stitching (the first usable user id the session's own events carry, `event_user_id`, else the user the
 *   visitor's anonymous id is linked to), updated on earlier sessions when the visitor identifies later.
 * - `local_date`: the day in the project's time zone (sessions never cross its midnight).
 * - `bounce`: exactly one page view and no interaction (see `passiveEventTypes`).
 * - `source` / `medium` / `campaign` / `referrer_host`: from the session's first event (`traffic-source.ts`).
 * - `state`: what the sessionizer needs to resume an open session after a restart; null once final.
 */
export const sessionsTable: TableDef = {
  name: 'sessions',
  columns: [
    col('project_id', 'string'),
    col('session_id', 'string'),
    col('visitor', 'string'),
    optionalString('user_id'),
    optionalString('event_user_id'),
    col('local_date', 'date'),
    col('started_at', 'timestamp'),
    col('ended_at', 'timestamp'),
    col('duration_s', 'float64'),
    col('events', 'int64'),
    col('page_views', 'int64'),
    col('interactions', 'int64'),
    col('bounce', 'bool'),
    optionalString('entry_page'),
    optionalString('exit_page'),
    col('source', 'string'),
    optionalString('medium'),
    optionalString('campaign'),
    optionalString('referrer_host'),
    optionalString('device_type'),
    optionalString('os'),
    optionalString('browser'),
    optionalString('country'),
    optionalString('province'),
    optionalString('first_listing_viewed'),
    col('is_final', 'bool'),
    col('state', 'json', true),
  ],
  orderBy: ['project_id', 'started_at'],
  partitionByDay: 'started_at',
};

export const sessionsKey = ['project_id', 'session_id'];
