/**
 * Segment HTTP Tracking API calls (track, identify, page, screen, group, alias) → PlazaEvent, so analytics.js,
 * analytics-node and the mobile SDKs can point at Plaza unchanged. Follows Segment's own acceptance rules.
 */
import { randomUUID } from 'node:crypto';
import type { EventContext, PlazaEvent } from '../../core/envelope.js';
import { deadLetter, ok, type StepIssue, type StepResult } from '../../core/result.js';
import type { IngestContext, SegmentType } from '../types.js';
import { segmentTrackEventType } from './event-name.js';
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
  toIso,
  wrongType,
} from './fields.js';

export const SEGMENT_TYPES: readonly SegmentType[] = [
  'track',
  'identify',
  'page',
  'screen',
  'group',
  'alias',
];
export const MAX_MESSAGE_ID_LENGTH = 100;
const EXPECTED_TYPES = `one of ${SEGMENT_TYPES.join(', ')}`;

const FIXED_EVENT_TYPES: Readonly<Record<Exclude<SegmentType, 'track'>, string>> = {
  page: 'page_view',
  screen: 'screen_view',
  identify: 'identify',
  group: 'group',
  alias: 'alias',
};

const CONTEXT_KNOWN = new Set(['ip', 'userAgent', 'page', 'campaign', 'locale', 'timezone', 'library']);
const PAGE_KNOWN = new Set(['url', 'path', 'referrer', 'title']);
const CAMPAIGN_KNOWN = new Set(['name', 'source', 'medium', 'term', 'content']);

function rest(obj: JsonObject, known: Set<string>): JsonObject | null {
  let out: JsonObject | null = null;
  for (const key in obj) {
    if (known.has(key)) continue;
    out ??= {};
    out[key] = obj[key];
  }
  return out;
}

/** Segment ids: libraries in typed languages send numeric user ids, which Segment takes as their decimal string. */
function readSegmentId(obj: JsonObject, key: string, issues: StepIssue[]): string | null {
  const v = obj[key];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  wrongType(issues, `/${key}`, 'a string', v);
  return null;
}

function readType(raw: JsonObject, given: SegmentType | undefined, issues: StepIssue[]): SegmentType | null {
  if (given !== undefined) return given;
  const t = raw.type;
  if (t === undefined || t === null) {
    malformed(issues, '/type', `/type is required in a batch item: ${EXPECTED_TYPES}`);
  } else if (typeof t !== 'string') {
    wrongType(issues, '/type', 'a string', t);
  } else if (!(SEGMENT_TYPES as readonly string[]).includes(t)) {
    malformed(issues, '/type', `/type must be ${EXPECTED_TYPES}; got ${quoteValue(t)}`);
  } else {
    return t as SegmentType;
  }
  return null;
}

function readContext(raw: JsonObject, issues: StepIssue[]): EventContext {
  const context = blankContext();
  const c = readObject(raw, 'context', '/context', issues);
  if (c === null) return context;
  context.ip = readString(c, 'ip', '/context/ip', issues);
  context.user_agent = readString(c, 'userAgent', '/context/userAgent', issues);
  context.locale = readString(c, 'locale', '/context/locale', issues);
  context.timezone = readString(c, 'timezone', '/context/timezone', issues);
  context.library = readLibrary(c, 'library', '/context/library', issues);
  const page = readObject(c, 'page', '/context/page', issues);
  if (page !== null) {
    context.page_url = readString(page, 'url', '/context/page/url', issues);
    context.page_path = readString(page, 'path', '/context/page/path', issues);
    context.referrer = readString(page, 'referrer', '/context/page/referrer', issues);
    context.page_title = readString(page, 'title', '/context/page/title', issues);
    const more = rest(page, PAGE_KNOWN);
    if (more !== null) context.extra.page = more;
  }
  const campaign = readObject(c, 'campaign', '/context/campaign', issues);
  if (campaign !== null) {
    context.utm = readUtm(campaign, '/context/campaign', 'name', issues);
    const more = rest(campaign, CAMPAIGN_KNOWN);
    if (more !== null) context.extra.campaign = more;
  }
  for (const key in c) if (!CONTEXT_KNOWN.has(key)) context.extra[key] = c[key];
  return context;
}

/** analytics.js repeats the page fields in a page call's properties; server-side page calls often only have those. */
function pageFieldsFromProperties(context: EventContext, props: JsonObject): void {
  const str = (k: string): string | null => {
    const v = props[k];
    return typeof v === 'string' && v !== '' ? v : null;
  };
  context.page_url ??= str('url');
  context.page_path ??= str('path');
  context.referrer ??= str('referrer');
  context.page_title ??= str('title');
}

/**
 * Event time per Segment: `originalTimestamp` (or `timestamp` alone) is the device clock and is skew-corrected
 * later with sentAt; a sender giving both has set `timestamp` deliberately (an import or a replay of Segment
 * data) and it is kept as is; with neither, the event happened when it arrived.
 */
function eventTimes(
  raw: JsonObject,
  ctx: IngestContext,
  issues: StepIssue[],
  flags: string[],
): { timestamp: string; original: string | null; sentAt: string | null } {
  const timestamp = readTimestamp(raw, 'timestamp', '/timestamp', issues);
  const original = readTimestamp(raw, 'originalTimestamp', '/originalTimestamp', issues);
  const sentAt = readTimestamp(raw, 'sentAt', '/sentAt', issues) ?? lenientTimestamp(ctx.sentAt);
  if (timestamp !== null && original !== null) {
    flags.push('timestamp_explicit');
    return { timestamp, original, sentAt };
  }
  const device = original ?? timestamp;
  if (device !== null) return { timestamp: device, original: device, sentAt };
  flags.push('timestamp_defaulted');
  return { timestamp: toIso(ctx.receivedAt.getTime()), original: null, sentAt };
}

export function normalizeSegment(
  raw: unknown,
  ctx: IngestContext,
  type?: SegmentType,
): StepResult<PlazaEvent> {
  if (!isObject(raw)) {
    return deadLetter([
      {
        kind: 'malformed',
        pointer: '',
        message: `a Segment call must be a JSON object, got ${describeType(raw)}`,
      },
    ]);
  }
  const issues: StepIssue[] = [];
  const flags: string[] = [];
  const segmentType = readType(raw, type, issues);

  let messageId = readSegmentId(raw, 'messageId', issues);
  if (messageId !== null && messageId.length > MAX_MESSAGE_ID_LENGTH) {
    malformed(
      issues,
      '/messageId',
      `/messageId must be at most ${MAX_MESSAGE_ID_LENGTH} characters long, got ${messageId.length}`,
    );
  }
  if (messageId === null && absent(raw.messageId)) {
    // Without a sender-side id a retried request cannot be recognised; the flag says so downstream.
    messageId = randomUUID();
    flags.push('message_id_generated');
  }

  const userId = readSegmentId(raw, 'userId', issues);
  const anonymousId = readSegmentId(raw, 'anonymousId', issues);
  let previousId: string | null = null;
  if (segmentType === 'alias') {
    previousId = readSegmentId(raw, 'previousId', issues);
    if (userId === null && absent(raw.userId)) {
      issues.push({
        kind: 'missing_identity',
        pointer: '/userId',
        message: '/userId is required for alias calls: the id the user is known by from now on',
      });
    }
    if (previousId === null && absent(raw.previousId)) {
      malformed(
        issues,
        '/previousId',
        '/previousId is required for alias calls: the id the user was known by before (often the anonymousId)',
      );
    }
  } else if (userId === null && anonymousId === null && absent(raw.userId) && absent(raw.anonymousId)) {
    issues.push({
      kind: 'missing_identity',
      pointer: '',
      message:
        'a Segment call needs userId or anonymousId: send anonymousId (a random id kept on the device) for ' +
        'visitors who are not logged in',
    });
  }

  let eventType = segmentType === null || segmentType === 'track' ? '' : FIXED_EVENT_TYPES[segmentType];
  let trackName: string | null = null;
  if (segmentType === 'track') {
    trackName = readString(raw, 'event', '/event', issues);
    if (trackName === null && absent(raw.event)) {
      malformed(
        issues,
        '/event',
        '/event is required for track calls: the name of the action, e.g. "Product Viewed"',
      );
    } else if (trackName !== null) {
      const mapped = segmentTrackEventType(trackName);
      if (mapped === null) {
        malformed(
          issues,
          '/event',
          `/event ${quoteValue(trackName)} has no letters or digits to make an event type from`,
        );
      } else {
        eventType = mapped;
      }
    }
  }

  let groupId: string | null = null;
  if (segmentType === 'group') {
    groupId = readSegmentId(raw, 'groupId', issues);
    if (groupId === null && absent(raw.groupId)) {
      malformed(issues, '/groupId', '/groupId is required for group calls: the id of the account or company');
    }
  }

  const name = readString(raw, 'name', '/name', issues);
  const inProps = readObject(raw, 'properties', '/properties', issues) ?? {};
  const inTraits = readObject(raw, 'traits', '/traits', issues);
  const integrations = readObject(raw, 'integrations', '/integrations', issues);
  const times = eventTimes(raw, ctx, issues, flags);
  const context = readContext(raw, issues);

  if (issues.length > 0 || segmentType === null) return deadLetter(issues);

  // Object.assign, not {...inProps, name}: in V8 a spread clone that then gains a key costs ~1 µs, and every
  // later read of that object is slow too.
  let properties = inProps;
  if ((segmentType === 'page' || segmentType === 'screen') && name !== null) {
    properties = Object.assign({}, inProps, { name });
  } else if (segmentType === 'alias') properties = Object.assign({}, inProps, { previous_id: previousId });
  else if (segmentType === 'group') properties = Object.assign({}, inProps, { group_id: groupId });
  if (segmentType === 'page') pageFieldsFromProperties(context, inProps);
  if (trackName !== null) context.extra.segment_event = trackName;
  if (integrations !== null && Object.keys(integrations).length > 0)
    context.extra.integrations = integrations;

  const ids = sellerAndListing(properties);
  return ok({
    event_id: messageId as string,
    project_id: ctx.projectId,
    event_type: eventType,
    timestamp: times.timestamp,
    received_at: toIso(ctx.receivedAt.getTime()),
    sent_at: times.sentAt,
    original_timestamp: times.original,
    anonymous_id: anonymousId,
    user_id: userId,
    session_id: null,
    seller_id: ids.seller_id,
    listing_id: ids.listing_id,
    schema_version: null,
    source: { shape: 'segment', key_id: ctx.keyId, segment_type: segmentType },
    context,
    properties,
    traits: segmentType === 'identify' || segmentType === 'group' ? (inTraits ?? {}) : null,
    flags,
  });
}

const MAX_MERGE_DEPTH = 20;

function deepMerge(base: JsonObject, over: JsonObject, depth: number): JsonObject {
  const out: JsonObject = Object.assign({}, base); // not a spread: see normalizeSegment
  for (const key in over) {
    const b = out[key];
    const o = over[key];
    out[key] = depth < MAX_MERGE_DEPTH && isObject(b) && isObject(o) ? deepMerge(b, o, depth + 1) : o;
  }
  return out;
}

/**
 * One item of a /v1/batch call with the batch-level context, integrations and sentAt folded in underneath it:
 * on every key both define, the item wins (nested objects are merged key by key). The input is not modified;
 * unchanged nested values are shared, not copied.
 */
export function mergeBatchContext(
  batch: { context?: unknown; integrations?: unknown; sentAt?: unknown },
  item: JsonObject,
): JsonObject {
  const out: JsonObject = Object.assign({}, item); // not a spread: see normalizeSegment
  for (const key of ['context', 'integrations'] as const) {
    const b = batch[key];
    if (!isObject(b)) continue;
    const own = item[key];
    // A malformed item value is left alone so the normaliser reports it.
    if (own === undefined || own === null) out[key] = b;
    else if (isObject(own)) out[key] = deepMerge(b, own, 0);
  }
  if ((item.sentAt === undefined || item.sentAt === null) && batch.sentAt !== undefined)
    out.sentAt = batch.sentAt;
  return out;
}
