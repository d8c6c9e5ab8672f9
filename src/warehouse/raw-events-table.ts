import type { EventShape, PlazaEvent } from '../core/envelope.js';
import type { ColumnDef, ColumnType, Row, TableDef } from '../ports/warehouse.js';

/**
 * `raw_events`: every accepted event as received (after normalisation), one row each. Everything analytics
 * filters or groups on is a flat column; free-form parts (properties, traits, context extra, flags) are JSON.
 * `log_topic`/`log_partition`/`log_offset` record where the row came from in the event log, so a sink resumes
 * exactly-once from `max(log_offset)` per topic partition (events are spread over several topics, and
 * partition numbers repeat across them).
 */
const col = (name: string, type: ColumnType, nullable = false): ColumnDef => ({ name, type, nullable });
const optionalString = (name: string): ColumnDef => col(name, 'string', true);

export const rawEventsTable: TableDef = {
  name: 'raw_events',
  columns: [
    col('event_id', 'string'),
    col('project_id', 'string'),
    col('event_type', 'string'),
    col('timestamp', 'timestamp'),
    col('received_at', 'timestamp'),
    col('sent_at', 'timestamp', true),
    col('original_timestamp', 'timestamp', true),
    optionalString('anonymous_id'),
    optionalString('user_id'),
    optionalString('session_id'),
    optionalString('seller_id'),
    optionalString('listing_id'),
    col('schema_version', 'int64', true),
    col('source_shape', 'string'),
    col('source_key_id', 'string'),
    optionalString('source_segment_type'),
    optionalString('ip'),
    optionalString('user_agent'),
    optionalString('referrer'),
    optionalString('referrer_host'),
    optionalString('page_url'),
    optionalString('page_path'),
    optionalString('page_title'),
    optionalString('device_type'),
    optionalString('os'),
    optionalString('os_version'),
    optionalString('browser'),
    optionalString('browser_version'),
    col('is_bot', 'bool'),
    optionalString('locale'),
    optionalString('timezone'),
    optionalString('library_name'),
    optionalString('library_version'),
    optionalString('utm_source'),
    optionalString('utm_medium'),
    optionalString('utm_campaign'),
    optionalString('utm_term'),
    optionalString('utm_content'),
    col('context_extra', 'json'),
    col('properties', 'json'),
    col('traits', 'json', true),
    col('flags', 'json'),
    col('log_topic', 'string'),
    col('log_partition', 'int64'),
    col('log_offset', 'int64'),
  ],
  orderBy: ['project_id', 'event_type', 'timestamp'],
  partitionByDay: 'timestamp',
};

export function toRawEventRow(event: PlazaEvent, topic: string, partition: number, offset: number): Row {
  const { context: ctx, source } = event;
  return {
    event_id: event.event_id,
    project_id: event.project_id,
    event_type: event.event_type,
    timestamp: new Date(event.timestamp),
    received_at: new Date(event.received_at),
    sent_at: optionalDate(event.sent_at),
    original_timestamp: optionalDate(event.original_timestamp),
    anonymous_id: event.anonymous_id,
    user_id: event.user_id,
    session_id: event.session_id,
    seller_id: event.seller_id,
    listing_id: event.listing_id,
    schema_version: event.schema_version,
    source_shape: source.shape,
    source_key_id: source.key_id,
    source_segment_type: source.segment_type,
    ip: ctx.ip,
    user_agent: ctx.user_agent,
    referrer: ctx.referrer,
    referrer_host: ctx.referrer_host,
    page_url: ctx.page_url,
    page_path: ctx.page_path,
    page_title: ctx.page_title,
    device_type: ctx.device_type,
    os: ctx.os,
    os_version: ctx.os_version,
    browser: ctx.browser,
    browser_version: ctx.browser_version,
    is_bot: ctx.is_bot,
    locale: ctx.locale,
    timezone: ctx.timezone,
    // library_name is null exactly when the library is unknown, which keeps the round trip lossless.
    library_name: ctx.library?.name ?? null,
    library_version: ctx.library?.version ?? null,
    utm_source: ctx.utm.source,
    utm_medium: ctx.utm.medium,
    utm_campaign: ctx.utm.campaign,
    utm_term: ctx.utm.term,
    utm_content: ctx.utm.content,
    context_extra: ctx.extra,
    properties: event.properties,
    traits: event.traits,
    flags: event.flags,
    log_topic: topic,
    log_partition: partition,
    log_offset: offset,
  };
}

/** Inverse of toRawEventRow for rows read back from the warehouse; times come back as ISO-8601 UTC (ms). */
export function fromRawEventRow(row: Row): PlazaEvent {
  const libraryName = str(row, 'library_name');
  return {
    event_id: reqStr(row, 'event_id'),
    project_id: reqStr(row, 'project_id'),
    event_type: reqStr(row, 'event_type'),
    timestamp: reqIso(row, 'timestamp'),
    received_at: reqIso(row, 'received_at'),
    sent_at: iso(row, 'sent_at'),
    original_timestamp: iso(row, 'original_timestamp'),
    anonymous_id: str(row, 'anonymous_id'),
    user_id: str(row, 'user_id'),
    session_id: str(row, 'session_id'),
    seller_id: str(row, 'seller_id'),
    listing_id: str(row, 'listing_id'),
    schema_version: row.schema_version == null ? null : Number(row.schema_version),
    source: {
      shape: reqStr(row, 'source_shape') as EventShape,
      key_id: reqStr(row, 'source_key_id'),
      segment_type: str(row, 'source_segment_type'),
    },
    context: {
      ip: str(row, 'ip'),
      user_agent: str(row, 'user_agent'),
      referrer: str(row, 'referrer'),
      referrer_host: str(row, 'referrer_host'),
      page_url: str(row, 'page_url'),
      page_path: str(row, 'page_path'),
      page_title: str(row, 'page_title'),
      device_type: str(row, 'device_type'),
      os: str(row, 'os'),
      os_version: str(row, 'os_version'),
      browser: str(row, 'browser'),
      browser_version: str(row, 'browser_version'),
      is_bot: row.is_bot === true,
      locale: str(row, 'locale'),
      timezone: str(row, 'timezone'),
      library: libraryName === null ? null : { name: libraryName, version: str(row, 'library_version') },
      utm: {
        source: str(row, 'utm_source'),
        medium: str(row, 'utm_medium'),
        campaign: str(row, 'utm_campaign'),
        term: str(row, 'utm_term'),
        content: str(row, 'utm_content'),
      },
      extra: json<Record<string, unknown>>(row, 'context_extra') ?? {},
    },
    properties: json<Record<string, unknown>>(row, 'properties') ?? {},
    traits: json<Record<string, unknown>>(row, 'traits'),
    flags: json<string[]>(row, 'flags') ?? [],
  };
}

const optionalDate = (iso: string | null): Date | null => (iso === null ? null : new Date(iso));

function str(row: Row, name: string): string | null {
  const v = row[name];
  return v == null ? null : String(v);
}

function reqStr(row: Row, name: string): string {
  const v = str(row, name);
  if (v === null) throw new TypeError(`raw_events row has no ${name}`);
  return v;
}

/** Accepts Date (the warehouse contract) and, defensively, strings or epoch milliseconds. */
function iso(row: Row, name: string): string | null {
  const v = row[name];
  if (v == null) return null;
  const d = v instanceof Date ? v : new Date(typeof v === 'string' || typeof v === 'number' ? v : String(v));
  if (Number.isNaN(d.getTime())) throw new TypeError(`raw_events row has an invalid ${name}: ${String(v)}`);
  return d.toISOString();
}

function reqIso(row: Row, name: string): string {
  const v = iso(row, name);
  if (v === null) throw new TypeError(`raw_events row has no ${name}`);
  return v;
}

/** The warehouse port hands JSON columns back parsed. */
function json<T>(row: Row, name: string): T | null {
  const v = row[name];
  return v == null ? null : (v as T);
}
