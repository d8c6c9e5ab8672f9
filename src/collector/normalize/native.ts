/** Plaza's own event envelope (seed 002) → PlazaEvent. Checks the envelope only; properties are the schemas' job. */
import type { EventContext, PlazaEvent } from '../../core/envelope.js';
import { deadLetter, ok, type StepIssue, type StepResult } from '../../core/result.js';
import type { IngestContext } from '../types.js';
import { EVENT_TYPE_RE, eventTypeFromName } from './event-name.js';
import {
  absent,
  blankContext,
  describeType,
  isObject,
  type JsonObject,
  lenientTimestamp,
  malformed,
  quoteValue,
  readLibrary,
  readObject,
  readString,
  readTimestamp,
  readUtm,
  sellerAndListing,
  stringValue,
  toIso,
  wrongType,
} from './fields.js';

export const MAX_EVENT_ID_LENGTH = 100;

/** Context keys with a place in EventContext; anything else the sender puts in context lands in `extra`. */
const CONTEXT_STRINGS = [
  'ip',
  'user_agent',
  'referrer',
  'page_url',
  'page_path',
  'page_title',
  'locale',
  'timezone',
  'device_type',
  'os',
  'os_version',
  'browser',
  'browser_version',
] as const;
const CONTEXT_KNOWN = new Set<string>([...CONTEXT_STRINGS, 'library', 'utm', 'campaign']);

/** Segment's name for a native field, to point a sender who posted the wrong shape at the right endpoint. */
const SEGMENT_SPELLING: Readonly<Record<string, string>> = {
  event_id: 'messageId',
  event_type: 'event',
  user_id: 'userId',
  anonymous_id: 'anonymousId',
};
const WRONG_SHAPE_HINT =
  ' (this endpoint takes Plaza’s native envelope with snake_case fields; Segment-shaped calls go to the ' +
  'Segment-compatible endpoints such as /v1/track and /v1/batch)';

function segmentHint(raw: JsonObject, field: string): string {
  const segmentName = SEGMENT_SPELLING[field];
  return segmentName !== undefined && raw[segmentName] !== undefined ? WRONG_SHAPE_HINT : '';
}

function readId(raw: JsonObject, key: string, issues: StepIssue[]): string | null {
  return readString(raw, key, `/${key}`, issues);
}

function readEventId(raw: JsonObject, issues: StepIssue[]): string {
  const v = raw.event_id;
  if (v === undefined || v === null) {
    malformed(
      issues,
      '/event_id',
      `/event_id is required: a unique id for this event, e.g. a UUID, so retries are not counted twice${segmentHint(raw, 'event_id')}`,
    );
  } else if (typeof v !== 'string') {
    wrongType(issues, '/event_id', 'a string', v);
  } else if (v.length === 0 || v.length > MAX_EVENT_ID_LENGTH) {
    malformed(
      issues,
      '/event_id',
      `/event_id must be 1–${MAX_EVENT_ID_LENGTH} characters long, got ${v.length}`,
    );
  } else {
    return v;
  }
  return '';
}

function readEventType(raw: JsonObject, issues: StepIssue[]): string {
  const v = raw.event_type;
  if (v === undefined || v === null) {
    malformed(
      issues,
      '/event_type',
      `/event_type is required: the kind of event, e.g. page_view or product_viewed${segmentHint(raw, 'event_type')}`,
    );
  } else if (typeof v !== 'string') {
    wrongType(issues, '/event_type', 'a string', v);
  } else if (!EVENT_TYPE_RE.test(v)) {
    const suggestion = eventTypeFromName(v);
    malformed(
      issues,
      '/event_type',
      `/event_type must be snake_case: a lowercase letter, then up to 63 lowercase letters, digits or ` +
        `underscores; got ${quoteValue(v)}${suggestion === null ? '' : ` (did you mean "${suggestion}"?)`}`,
    );
  } else {
    return v;
  }
  return '';
}

function readSchemaVersion(raw: JsonObject, issues: StepIssue[]): number | null {
  const v = raw.schema_version;
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1) return v;
  if (typeof v === 'number') {
    malformed(issues, '/schema_version', `/schema_version must be a whole number from 1 up, got ${v}`);
  } else {
    wrongType(issues, '/schema_version', 'a whole number', v);
  }
  return null;
}

function readContext(raw: JsonObject, issues: StepIssue[]): EventContext {
  const context = blankContext();
  const c = readObject(raw, 'context', '/context', issues);
  if (c === null) return context;
  // Named reads, not a loop over keys: keyed reads on sender-shaped objects are the slow kind in V8.
  context.ip = stringValue(c.ip, '/context/ip', issues);
  context.user_agent = stringValue(c.user_agent, '/context/user_agent', issues);
  context.referrer = stringValue(c.referrer, '/context/referrer', issues);
  context.page_url = stringValue(c.page_url, '/context/page_url', issues);
  context.page_path = stringValue(c.page_path, '/context/page_path', issues);
  context.page_title = stringValue(c.page_title, '/context/page_title', issues);
  context.locale = stringValue(c.locale, '/context/locale', issues);
  context.timezone = stringValue(c.timezone, '/context/timezone', issues);
  context.device_type = stringValue(c.device_type, '/context/device_type', issues);
  context.os = stringValue(c.os, '/context/os', issues);
  context.os_version = stringValue(c.os_version, '/context/os_version', issues);
  context.browser = stringValue(c.browser, '/context/browser', issues);
  context.browser_version = stringValue(c.browser_version, '/context/browser_version', issues);
  context.library = readLibrary(c, 'library', '/context/library', issues);
  // Plaza's own utm object first; a Segment-style campaign object (name instead of campaign) is understood too.
  const utm = readObject(c, 'utm', '/context/utm', issues);
  const campaign = utm === null ? readObject(c, 'campaign', '/context/campaign', issues) : null;
  if (utm !== null) context.utm = readUtm(utm, '/context/utm', 'campaign', issues);
  else if (campaign !== null) context.utm = readUtm(campaign, '/context/campaign', 'name', issues);
  for (const key in c) if (!CONTEXT_KNOWN.has(key)) context.extra[key] = c[key];
  return context;
}

export function normalizeNative(raw: unknown, ctx: IngestContext): StepResult<PlazaEvent> {
  if (!isObject(raw)) {
    return deadLetter([
      {
        kind: 'malformed',
        pointer: '',
        message: `an event must be a JSON object, got ${describeType(raw)}`,
      },
    ]);
  }
  const issues: StepIssue[] = [];
  const event_id = readEventId(raw, issues);
  const event_type = readEventType(raw, issues);

  const timestamp = readTimestamp(raw, 'timestamp', '/timestamp', issues);
  if (timestamp === null && raw.timestamp == null) {
    malformed(
      issues,
      '/timestamp',
      '/timestamp is required: when the event happened, as ISO-8601 with a time zone',
    );
  }
  const sentAt = readTimestamp(raw, 'sent_at', '/sent_at', issues) ?? lenientTimestamp(ctx.sentAt);

  const user_id = readId(raw, 'user_id', issues);
  const anonymous_id = readId(raw, 'anonymous_id', issues);
  if (user_id === null && anonymous_id === null && absent(raw.user_id) && absent(raw.anonymous_id)) {
    issues.push({
      kind: 'missing_identity',
      pointer: '',
      message:
        'an event needs user_id or anonymous_id: send anonymous_id (a random id kept on the device) for ' +
        `visitors who are not logged in${segmentHint(raw, 'user_id') || segmentHint(raw, 'anonymous_id')}`,
    });
  }
  const session_id = readId(raw, 'session_id', issues);
  const topSeller = readId(raw, 'seller_id', issues);
  const topListing = readId(raw, 'listing_id', issues);
  const schema_version = readSchemaVersion(raw, issues);
  const properties = readObject(raw, 'properties', '/properties', issues) ?? {};
  const traits = readObject(raw, 'traits', '/traits', issues);
  const context = readContext(raw, issues);

  if (issues.length > 0) return deadLetter(issues);

  const fromProps = sellerAndListing(properties);
  return ok({
    event_id,
    project_id: ctx.projectId,
    event_type,
    timestamp: timestamp as string,
    received_at: toIso(ctx.receivedAt.getTime()),
    sent_at: sentAt,
    original_timestamp: timestamp,
    anonymous_id,
    user_id,
    session_id,
    seller_id: topSeller ?? fromProps.seller_id,
    listing_id: topListing ?? fromProps.listing_id,
    schema_version,
    source: { shape: 'native', key_id: ctx.keyId, segment_type: null },
    context,
    properties,
    traits,
    flags: [],
  });
}
