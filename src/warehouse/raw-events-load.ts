import { PlazaError } from '../core/errors.js';
import type { WarehouseDialect } from '../ports/warehouse.js';
import { rawEventsTable } from './raw-events-table.js';

/**
 * Loading raw_events straight from the event log's JSON, one line per record:
 * `{"t": topic, "p": partition, "o": offset, "e": <the PlazaEvent exactly as the collector wrote it>}`.
 * The engine parses and flattens the JSON (in its own threads), which costs a fraction of converting each of
 * the 45 values in JS. The column list follows rawEventsTable, so a column added there fails here loudly
 * (see test/raw-events-load.test.ts) instead of loading nulls.
 */
export function rawEventLine(
  topic: string,
  partition: number,
  offset: number,
  event: Uint8Array,
): Uint8Array {
  const head = Buffer.from(`{"t":${JSON.stringify(topic)},"p":${partition},"o":${offset},"e":`);
  return Buffer.concat([head, event, closeBrace]);
}
const closeBrace = Buffer.from('}');

/** Each raw_events column as a DuckDB expression over the parsed line (`e` is the event, `c` its context). */
const duckDbColumns: Record<string, string> = {
  event_id: 'e.event_id',
  project_id: 'e.project_id',
  event_type: 'e.event_type',
  timestamp: 'e."timestamp"::TIMESTAMP',
  received_at: 'e.received_at::TIMESTAMP',
  sent_at: 'e.sent_at::TIMESTAMP',
  original_timestamp: 'e.original_timestamp::TIMESTAMP',
  anonymous_id: 'e.anonymous_id',
  user_id: 'e.user_id',
  session_id: 'e.session_id',
  seller_id: 'e.seller_id',
  listing_id: 'e.listing_id',
  schema_version: 'e.schema_version',
  source_shape: 'e.source.shape',
  source_key_id: 'e.source.key_id',
  source_segment_type: 'e.source.segment_type',
  ip: 'e.context.ip',
  user_agent: 'e.context.user_agent',
  referrer: 'e.context.referrer',
  referrer_host: 'e.context.referrer_host',
  page_url: 'e.context.page_url',
  page_path: 'e.context.page_path',
  page_title: 'e.context.page_title',
  device_type: 'e.context.device_type',
  os: 'e.context.os',
  os_version: 'e.context.os_version',
  browser: 'e.context.browser',
  browser_version: 'e.context.browser_version',
  is_bot: 'e.context.is_bot',
  locale: 'e.context.locale',
  timezone: 'e.context.timezone',
  library_name: 'e.context.library.name',
  library_version: 'e.context.library.version',
  utm_source: 'e.context.utm.source',
  utm_medium: 'e.context.utm.medium',
  utm_campaign: 'e.context.utm.campaign',
  utm_term: 'e.context.utm.term',
  utm_content: 'e.context.utm.content',
  context_extra: 'e.context.extra',
  properties: 'e.properties',
  traits: 'e.traits',
  flags: 'e.flags',
  log_topic: 't',
  log_partition: 'p',
  log_offset: 'o',
};

const duckDbLineType = `{t: 'VARCHAR', p: 'BIGINT', o: 'BIGINT', e: 'STRUCT(
  event_id VARCHAR, project_id VARCHAR, event_type VARCHAR, "timestamp" VARCHAR, received_at VARCHAR,
  sent_at VARCHAR, original_timestamp VARCHAR, anonymous_id VARCHAR, user_id VARCHAR, session_id VARCHAR,
  seller_id VARCHAR, listing_id VARCHAR, schema_version BIGINT,
  source STRUCT(shape VARCHAR, key_id VARCHAR, segment_type VARCHAR),
  context STRUCT(ip VARCHAR, user_agent VARCHAR, referrer VARCHAR, referrer_host VARCHAR, page_url VARCHAR,
    page_path VARCHAR, page_title VARCHAR, device_type VARCHAR, os VARCHAR, os_version VARCHAR, browser VARCHAR,
    browser_version VARCHAR, is_bot BOOLEAN, locale VARCHAR, timezone VARCHAR,
    library STRUCT(name VARCHAR, version VARCHAR),
    utm STRUCT(source VARCHAR, medium VARCHAR, campaign VARCHAR, term VARCHAR, content VARCHAR), extra JSON),
  properties JSON, traits JSON, flags JSON)'}`;

/** The INSERT … SELECT that loads raw_events lines, in the warehouse's dialect. */
export function rawEventsLoadSql(dialect: WarehouseDialect): (source: string) => string {
  if (dialect.name !== 'duckdb') {
    throw new PlazaError(
      'dialect_unsupported',
      `loading raw_events is not written for ${dialect.name} yet`,
      500,
    );
  }
  const names = rawEventsTable.columns.map((c) => c.name);
  const missing = names.filter((n) => !(n in duckDbColumns));
  if (missing.length) throw new Error(`raw-events-load.ts has no expression for ${missing.join(', ')}`);
  const cols = names.map((n) => dialect.quoteIdent(n)).join(', ');
  const exprs = names.map((n) => duckDbColumns[n]).join(', ');
  return (source) =>
    `INSERT INTO ${dialect.quoteIdent(rawEventsTable.name)} (${cols}) SELECT ${exprs} ` +
    `FROM read_json(${source}, format = 'newline_delimited', columns = ${duckDbLineType})`;
}
