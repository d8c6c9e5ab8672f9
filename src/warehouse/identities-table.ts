import type { ColumnDef, ColumnType, TableDef } from '../ports/warehouse.js';
import { usableIdSql } from '../stream/identity/rules.js';

const col = (name: string, type: ColumnType, nullable = false): ColumnDef => ({ name, type, nullable });

/**
 * `identities`: every attempt to tie an anonymous id to a user, one row per (project_id, anonymous_id,
 * user_id). `status = 'linked'` rows are the identity map (at most one per anonymous id: the identification
 * with the earliest event time wins); `rejected` rows record the conflicts (`reason`: anonymous_id_taken,
 * anonymous_id_is_user). `first_seen`: earliest known activity of the anonymous id (its sessions, or the
 * identification itself); `identified_at`: event time of the earliest identification of this pair; `via`:
 * identify | alias | event (any event carrying both ids), with that event's id.
 */
export const identitiesTable: TableDef = {
  name: 'identities',
  columns: [
    col('project_id', 'string'),
    col('anonymous_id', 'string'),
    col('user_id', 'string'),
    col('status', 'string'),
    col('reason', 'string', true),
    col('via', 'string'),
    col('event_id', 'string'),
    col('first_seen', 'timestamp', true),
    col('identified_at', 'timestamp'),
  ],
  orderBy: ['project_id', 'anonymous_id'],
};

export const identitiesKey = ['project_id', 'anonymous_id', 'user_id'];

/**
 * `identity_users`: ids known to be users (seen as the user_id of an event), per project. A user id is never
 * merged into another user, so an alias whose previous id is in this table is refused.
 */
export const identityUsersTable: TableDef = {
  name: 'identity_users',
  columns: [col('project_id', 'string'), col('user_id', 'string')],
  orderBy: ['project_id', 'user_id'],
};

export const identityUsersKey = ['project_id', 'user_id'];

/**
 * Views for queries that must see one person:
 * - `identity_map`: anonymous_id → user_id (linked rows only);
 * - `events_resolved`: raw_events plus `resolved_user_id` (the event's own usable user_id, else the user its
 *   anonymous id is linked to, else null) and `person_id` (resolved_user_id, else the anonymous id).
 */
export function identityViewsSql(): string[] {
  return [
    `CREATE OR REPLACE VIEW identity_map AS
       SELECT project_id, anonymous_id, user_id, first_seen, identified_at, via, event_id
       FROM identities WHERE status = 'linked'`,
    `CREATE OR REPLACE VIEW events_resolved AS
       SELECT e.*,
              CASE WHEN ${usableIdSql('e.user_id')} THEN e.user_id ELSE m.user_id END AS resolved_user_id,
              coalesce(CASE WHEN ${usableIdSql('e.user_id')} THEN e.user_id ELSE m.user_id END,
                       e.anonymous_id, e.user_id) AS person_id
       FROM raw_events e
       LEFT JOIN identity_map m ON m.project_id = e.project_id AND m.anonymous_id = e.anonymous_id`,
  ];
}
