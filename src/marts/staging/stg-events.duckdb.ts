import { date, inDay, inProjects, list, localDateOf, str, ts, usable } from '../common/duckdb.js';
import type { MartStatements, ProjectDay } from '../common/kit.js';
import {
  changeEventTypes,
  duplicateTimeMarginMs,
  interactionEventTypes,
  type StagingSql,
  stgChangesTable,
  stgEventsTable,
  stgInteractionsTable,
} from './stg-events.js';

/** The typed properties, read with one JSON parse per row; values of another type become NULL. */
const propertySpec = JSON.stringify({
  make: 'VARCHAR',
  model: 'VARCHAR',
  year: 'BIGINT',
  body_type: 'VARCHAR',
  condition: 'VARCHAR',
  province: 'VARCHAR',
  category: 'VARCHAR',
  product_category: 'VARCHAR',
  price: 'DOUBLE',
  product_price: 'DOUBLE',
  currency: 'VARCHAR',
  quantity: 'BIGINT',
  action: 'VARCHAR',
  channel: 'VARCHAR',
  photo_count: 'BIGINT',
  order_id: 'VARCHAR',
});

const changeTypes = list(changeEventTypes);
const interactions = list(interactionEventTypes);

/** The identity map, one user per anonymous id even if the table ever held two links. */
const linked = (where = '') =>
  `(SELECT project_id, anonymous_id, min(user_id) AS user_id FROM identities
    WHERE status = 'linked'${where ? ` AND ${where}` : ''} GROUP BY project_id, anonymous_id)`;

const text = (e: string) => `nullif(trim(${e}), '')`;

/** A batch's raw rows as a predicate over the raw_events alias given. */
type Filter = (alias: string) => string;

const copy = (a: string) =>
  `{'r': ${a}received_at, 't': ${a}log_topic, 'p': ${a}log_partition, 'o': ${a}log_offset}`;

/**
 * The batch's raw rows, one copy per event: the first received (then first in the log). Duplicates are
 * rare, so they are found by counting keys, and only theirs compared; a window over whole rows would carry
 * every payload through a sort.
 */
const deduplicated = (filter: Filter, columns: string) => `(
  SELECT ${columns} FROM raw_events r
  LEFT JOIN (
    SELECT project_id, event_id, min(${copy('')}) AS best FROM raw_events
    WHERE ${filter('raw_events')} AND (project_id, event_id) IN (
      SELECT (project_id, event_id) FROM raw_events WHERE ${filter('raw_events')}
      GROUP BY project_id, event_id HAVING count(*) > 1)
    GROUP BY project_id, event_id
  ) d ON d.project_id = r.project_id AND d.event_id = r.event_id
  WHERE ${filter('r')} AND (d.best IS NULL OR ${copy('r.')} = d.best))`;

const rawColumns = `r.project_id, r.event_id, r.event_type, r."timestamp", r.received_at, r.anonymous_id, r.user_id,
  r.session_id, r.seller_id, r.listing_id, r.is_bot, r.device_type, r.os, r.browser, r.referrer_host, r.utm_source,
  r.utm_medium, r.utm_campaign, r.page_path`;

const person = (a: string, m: string) =>
  `CASE WHEN ${usable(`${a}.user_id`)} THEN ${a}.user_id ELSE coalesce(${m}.user_id, ${a}.anonymous_id, ${a}.user_id) END`;

const names = (t: { columns: { name: string }[] }) => t.columns.map((c) => `"${c.name}"`).join(', ');

/**
 * Stages a batch (`filter`): staged copies that the batch's copies beat (received later) are deleted, then
 * the batch's events without a staged copy are inserted, typed into stg_events and with their JSON into
 * stg_changes; a staged copy received first, or the same copy read again through the lookback, stays.
 * Staged copies are searched among the rows whose times match `staged` (see duplicateTimeMarginMs), and the
 * batch's rows that may have one are those matching `exposed`. `localDate` is an expression over the batch
 * row `b` (and the zone `z` when `zones` is given).
 */
function stage(o: {
  filter: Filter;
  exposed: Filter;
  staged: Filter;
  /** The stg_events rows the batch may have written. */
  written: Filter;
  localDate: string;
  zones: string | null;
}): MartStatements {
  const first = `(SELECT project_id, event_id, min(received_at) AS received_at FROM raw_events
    WHERE ${o.filter('raw_events')} AND ${o.exposed('raw_events')} GROUP BY project_id, event_id)`;
  const worse = 's.project_id = b.project_id AND s.event_id = b.event_id AND s.received_at > b.received_at';
  // An anti join on a small build side (the staged rows near the batch), not NOT EXISTS: DuckDB plans the
  // latter as a delim join over the whole batch, several times slower.
  const unstaged = (table: string) =>
    `ANTI JOIN (SELECT project_id, event_id FROM ${table} WHERE ${o.staged(table)}) s
    ON s.project_id = b.project_id AND s.event_id = b.event_id`;
  const joins = `LEFT JOIN ${linked()} m ON m.project_id = b.project_id AND m.anonymous_id = b.anonymous_id${
    o.zones === null ? '' : `\n  LEFT JOIN ${o.zones} z ON z.project_id = b.project_id`
  }`;
  const changes: Filter = (a) => `${a}.event_type IN (${changeTypes}) AND ${o.filter(a)}`;
  return {
    statements: [
      `DELETE FROM stg_events s USING ${first} b WHERE ${worse} AND ${o.staged('s')}`,
      `DELETE FROM stg_changes s USING ${first} b WHERE ${worse} AND ${o.staged('s')}`,
      `DELETE FROM stg_interactions s USING ${first} b WHERE ${worse} AND ${o.staged('s')}`,
      `INSERT INTO stg_events (${names(stgEventsTable)})
  SELECT b.project_id, b.event_id, b.event_type, ${o.localDate}, b."timestamp", b.received_at, b.anonymous_id,
    CASE WHEN ${usable('b.user_id')} THEN b.user_id END, ${person('b', 'm')},
    b.session_id, b.seller_id, b.listing_id, b.is_bot, b.device_type, b.os, b.browser, b.referrer_host,
    b.utm_source, b.utm_medium, b.utm_campaign, b.page_path,
    ${text('b.p.make')}, ${text('b.p.model')}, b.p.year, lower(${text('b.p.body_type')}),
    lower(${text('b.p.condition')}), ${text('b.p.province')}, ${text('coalesce(b.p.category, b.p.product_category)')},
    coalesce(b.p.price, b.p.product_price), upper(${text('b.p.currency')}), b.p.quantity, lower(b.p.action),
    lower(b.p.channel), b.p.photo_count, ${text('b.p.order_id')}
  FROM ${deduplicated(o.filter, `${rawColumns}, json_transform(r.properties, '${propertySpec}') AS p`)} b
  ${unstaged('stg_events')}
  ${joins}`,
      `INSERT INTO stg_changes (${names(stgChangesTable)})
  SELECT b.project_id, b.event_id, b.event_type, ${o.localDate}, b."timestamp", b.received_at, b.anonymous_id,
    CASE WHEN ${usable('b.user_id')} THEN b.user_id END, ${person('b', 'm')}, b.seller_id, b.listing_id,
    ${text("b.properties->>'order_id'")}, b.properties, b.traits
  FROM ${deduplicated(changes, `${rawColumns}, r.properties, r.traits`)} b
  ${unstaged('stg_changes')}
  ${joins}`,
      // Read back from stg_events: the rows just staged are those of the batch without an interaction row.
      `INSERT INTO stg_interactions (${names(stgInteractionsTable)})
  SELECT ${stgInteractionsTable.columns.map((c) => `b."${c.name}"`).join(', ')} FROM stg_events b
  ${unstaged('stg_interactions')}
  WHERE ${o.written('b')} AND b.event_type IN (${interactions}) AND NOT b.is_bot AND b.listing_id IS NOT NULL`,
    ],
    inserted: [3, 4, 5],
  };
}

const between = (a: string, lo: number, hi: number) =>
  `(${a}."timestamp" >= ${ts(lo)} AND ${a}."timestamp" < ${ts(hi)})`;

/** Rows of anonymous visitors re-attributed to the user their anonymous id is (now) linked to. */
const relink = (table: string, identitiesWhere: string, rowsWhere: string) =>
  `UPDATE ${table} s SET person_id = m.user_id FROM ${linked(identitiesWhere)} m
   WHERE s.project_id = m.project_id AND s.anonymous_id = m.anonymous_id AND s.user_id IS NULL
     AND s.person_id <> m.user_id${rowsWhere ? ` AND ${rowsWhere}` : ''}`;

const receivedIn =
  (since: Date | null, until: Date): Filter =>
  (a) =>
    `${since === null ? '' : `${a}.received_at >= ${ts(since.getTime())} AND `}${a}.received_at < ${ts(until.getTime())}`;

export const duckdbStagingSql: StagingSql = {
  windowStats: (since, until) =>
    `SELECT count(*) AS n, min("timestamp") AS lo, max("timestamp") AS hi FROM raw_events
     WHERE ${receivedIn(since, until)('raw_events')}`,

  stageWindow(o) {
    const zones =
      o.zones.length === 0
        ? '(SELECT NULL::VARCHAR AS project_id, NULL::VARCHAR AS time_zone WHERE false)'
        : `(SELECT * FROM (VALUES ${o.zones.map((z) => `(${str(z.projectId)}, ${str(z.timeZone)})`).join(', ')}) v(project_id, time_zone))`;
    const staged = stage({
      filter: receivedIn(o.since, o.until),
      exposed: () => 'true',
      staged: (a) => between(a, o.lo - duplicateTimeMarginMs, o.hi + duplicateTimeMarginMs),
      written: (a) => `${receivedIn(o.since, o.until)(a)} AND ${between(a, o.lo, o.hi)}`,
      localDate: localDateOf('b."timestamp"', `coalesce(z.time_zone, ${str(o.defaultZone)})`),
      zones,
    });
    if (o.relinkSince !== null) {
      const recent = `identified_at >= ${ts(o.relinkSince)}`;
      for (const t of ['stg_events', 'stg_changes', 'stg_interactions'])
        staged.statements.push(relink(t, recent, ''));
    }
    return staged;
  },

  stageDay(days: readonly ProjectDay[]) {
    const day = date(days[0]!.date);
    const m = duplicateTimeMarginMs;
    const inP = inProjects(days);
    // The day is replaced whole, so only copies on the neighbouring days, across midnight, can compete with
    // the day's own: those of the day's first and last `m` against those of the `m` before and after it.
    const staged = stage({
      filter: (a) => inDay(days, '"timestamp"', a),
      exposed: (a) =>
        `(${days.map((d) => `${between(a, d.start, d.start + m)} OR ${between(a, d.end - m, d.end)}`).join(' OR ')})`,
      staged: (a) =>
        `(${days
          .map(
            (d) =>
              `(${a}.project_id = ${str(d.projectId)} AND (${between(a, d.start - m, d.start)} OR ${between(a, d.end, d.end + m)}))`,
          )
          .join(' OR ')})`,
      written: (a) => `${a}.local_date = ${day} AND ${inProjects(days, `${a}.project_id`)}`,
      localDate: day,
      zones: null,
    });
    const partition = ['stg_events', 'stg_changes', 'stg_interactions'].map(
      (t) => `DELETE FROM ${t} WHERE local_date = ${day} AND ${inP}`,
    );
    return {
      statements: [...partition, ...staged.statements],
      inserted: staged.inserted.map((i) => i + partition.length),
    };
  },

  dayCount: (days) => `SELECT count(*) AS n FROM raw_events WHERE ${inDay(days, '"timestamp"')}`,
};
