import { isAscii } from 'node:buffer';
import type { PlazaEvent } from '../../core/envelope.js';

/**
 * What the stream processors read from a logged event, without parsing all of it when they can avoid it.
 *
 * The collector writes each event as `JSON.stringify(PlazaEvent)`, whose first keys are scalars (event_id,
 * project_id, event_type, timestamp, received_at, ...) and whose first nested object comes later. Before the
 * first `{` byte after the opening one, a `"key":"` sequence can only be a top-level key (inside a string the
 * quotes would be escaped), so the head is scanned for the few fields every event needs; anything unexpected
 * (a key not found in the head, an escape in a value) falls back to JSON.parse. Events a processor needs in
 * full are parsed in full.
 */
export interface EventHead {
  eventType: string;
  projectId: string;
  /** Event time (ms since the epoch). */
  timeMs: number;
  /** When the collector received it (ms since the epoch). */
  receivedMs: number;
  anonymousId: string | null;
  userId: string | null;
  sellerId: string | null;
  listingId: string | null;
}

const OPEN_BRACE = 0x7b;
const QUOTE = 0x22;

/** The head fields read, in the order the collector writes them (a different order still works, slower). */
const names = [
  'project_id',
  'event_type',
  'timestamp',
  'received_at',
  'anonymous_id',
  'user_id',
  'seller_id',
  'listing_id',
] as const;
const markers = names.map((n) => `"${n}":`);

/**
 * Reads the head's fields into `out` (by index of `names`); false when one is absent or not plainly readable
 * (a string with an escape, a value that is neither a string nor null).
 */
function readFields(head: string, out: (string | null)[]): boolean {
  let from = 0;
  for (let i = 0; i < markers.length; i++) {
    const marker = markers[i]!;
    let at = head.indexOf(marker, from);
    if (at < 0) at = head.indexOf(marker);
    if (at < 0) return false;
    const start = at + marker.length;
    if (head.charCodeAt(start) === QUOTE) {
      const to = head.indexOf('"', start + 1);
      if (to < 0) return false;
      const value = head.slice(start + 1, to);
      if (value.includes('\\')) return false;
      out[i] = value;
      from = to + 1;
    } else if (head.startsWith('null', start)) {
      out[i] = null;
      from = start + 4;
    } else {
      return false;
    }
  }
  return true;
}

const scratch: (string | null)[] = names.map(() => null);

/** The head fields, or null when the fast path cannot vouch for them (then parse the event). */
export function scanHead(value: Uint8Array): EventHead | null {
  const buf = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const end = buf.indexOf(OPEN_BRACE, 1);
  if (end < 0 || end > 8192) return null;
  const bytes = buf.subarray(0, end);
  const head = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  if (!readFields(head, scratch)) return null;
  const [projectId, eventType, timestamp, receivedAt, anonymousId, userId, sellerId, listingId] = scratch;
  if (!eventType || !projectId || !timestamp || !receivedAt) return null;
  const timeMs = isoMs(timestamp);
  const receivedMs = isoMs(receivedAt);
  if (!Number.isFinite(timeMs) || !Number.isFinite(receivedMs)) return null;
  return {
    eventType,
    projectId,
    timeMs,
    receivedMs,
    anonymousId: anonymousId ?? null,
    userId: userId ?? null,
    sellerId: sellerId ?? null,
    listingId: listingId ?? null,
  };
}

const d = (s: string, i: number) => s.charCodeAt(i) - 48;

/**
 * Milliseconds since the epoch of an ISO-8601 time. The collector writes `YYYY-MM-DDTHH:MM:SS.sssZ`
 * (toISOString), read here digit by digit (Date.parse costs several times more); anything else goes to
 * Date.parse.
 */
export function isoMs(s: string): number {
  if (s.length !== 24 || s.charCodeAt(23) !== 90 /* Z */ || s.charCodeAt(10) !== 84 /* T */)
    return Date.parse(s);
  const year = d(s, 0) * 1000 + d(s, 1) * 100 + d(s, 2) * 10 + d(s, 3);
  const month = d(s, 5) * 10 + d(s, 6);
  const day = d(s, 8) * 10 + d(s, 9);
  const h = d(s, 11) * 10 + d(s, 12);
  const mi = d(s, 14) * 10 + d(s, 15);
  const sec = d(s, 17) * 10 + d(s, 18);
  const ms = d(s, 20) * 100 + d(s, 21) * 10 + d(s, 22);
  if (
    !(
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= 31 &&
      h < 24 &&
      mi < 60 &&
      sec < 60 &&
      ms >= 0 &&
      ms < 1000
    )
  )
    return Date.parse(s);
  // Days from the civil date (Howard Hinnant's algorithm), exact for the proleptic Gregorian calendar.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return ((days * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + ms;
}

export function headOf(e: PlazaEvent): EventHead {
  return {
    eventType: e.event_type,
    projectId: e.project_id,
    timeMs: Date.parse(e.timestamp),
    receivedMs: Date.parse(e.received_at),
    anonymousId: e.anonymous_id ?? null,
    userId: e.user_id ?? null,
    sellerId: e.seller_id ?? null,
    listingId: e.listing_id ?? null,
  };
}

const decoder = new TextDecoder();

export function parseEvent(value: Uint8Array): PlazaEvent {
  return JSON.parse(decoder.decode(value)) as PlazaEvent;
}

/**
 * The visitor an event belongs to: the anonymous id when there is one, else the user id. This is also what
 * the collector partitions by (collector/topics.ts), so one visitor's events always share a partition.
 */
export function visitorOf(h: Pick<EventHead, 'anonymousId' | 'userId'>): string | null {
  return h.anonymousId ?? h.userId ?? null;
}

/** Event types whose counter needs more than the head (a favourite's action, a purchase's total). */
export const needsBody: ReadonlySet<string> = new Set(['favorite', 'purchase_completed']);

/** The event time that may move a watermark or a "last seen": a client clock ahead of the server's is capped. */
export const progressTime = (h: EventHead): number => Math.min(h.timeMs, h.receivedMs);

/** Which window counter an event type feeds (favourites: only additions). */
export type CounterName =
  | 'views'
  | 'favourites'
  | 'searches'
  | 'leads'
  | 'test_drives'
  | 'add_to_cart'
  | 'checkouts'
  | 'purchases';

export const counterOfType: ReadonlyMap<string, CounterName> = new Map<string, CounterName>([
  ['listing_viewed', 'views'],
  ['product_viewed', 'views'],
  ['favorite', 'favourites'],
  ['search', 'searches'],
  ['contact_sent', 'leads'],
  ['test_drive_requested', 'test_drives'],
  ['add_to_cart', 'add_to_cart'],
  ['checkout_started', 'checkouts'],
  ['purchase_completed', 'purchases'],
]);

/**
 * The counter an event feeds, or null (e.g. a favourite removed). `properties` is needed only for the types
 * in `needsBody`.
 */
export function counterFor(
  eventType: string,
  properties?: Record<string, unknown> | null,
): CounterName | null {
  const c = counterOfType.get(eventType);
  if (c === 'favourites' && properties?.['action'] === 'remove') return null;
  return c ?? null;
}

export interface Revenue {
  currency: string;
  /** Hundredths of the currency unit. */
  cents: number;
}

/** A purchase's total in hundredths of its currency, and the currency ("XXX" when none is given). */
export function revenueOf(properties: Record<string, unknown> | null | undefined): Revenue | null {
  const total = properties?.['total'];
  if (typeof total !== 'number' || !Number.isFinite(total)) return null;
  const cur = properties?.['currency'];
  const currency = typeof cur === 'string' && /^[A-Za-z]{3}$/.test(cur) ? cur.toUpperCase() : 'XXX';
  return { currency, cents: Math.round(total * 100) };
}

export interface LoggedEvent {
  head: EventHead;
  /** The event's properties when they were parsed (always for types in `wantBody`), else null. */
  properties: Record<string, unknown> | null;
}

/**
 * One logged event, parsed only as far as needed: the head always, the whole event when `wantBody` says so
 * for its type (or when the head cannot be scanned). Null for a record that is not a readable event.
 */
export function readLogged(value: Uint8Array, wantBody: (eventType: string) => boolean): LoggedEvent | null {
  const head = scanHead(value);
  if (head && !wantBody(head.eventType)) return { head, properties: null };
  let e: PlazaEvent;
  try {
    e = parseEvent(value);
  } catch {
    return null;
  }
  if (head) return { head, properties: e.properties ?? {} };
  if (typeof e?.event_type !== 'string' || typeof e.project_id !== 'string') return null;
  const parsed = headOf(e);
  if (!Number.isFinite(parsed.timeMs) || !Number.isFinite(parsed.receivedMs)) return null;
  return { head: parsed, properties: e.properties ?? {} };
}
