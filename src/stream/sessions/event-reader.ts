import type { PlazaEvent } from '../../core/envelope.js';
import { isoMs } from '../windows/event-fields.js';

/**
 * What the sessionizer and identity stitching read from a logged event, without parsing all of it.
 *
 * The collector writes each event as JSON with a fixed key order: scalar top-level fields first (event_id …
 * listing_id), then `source`, then `context` whose known keys (page_path, device_type, os, browser, is_bot)
 * all come before its only free-form object, `extra`. An unescaped `"name":` can only be a key (inside a
 * string the quote would be escaped), so those fields are found by searching for their keys; the rest of the
 * event (referrer, UTM, properties, location) is parsed only when a session needs it, which is once per
 * session for most events. Anything unexpected (a missing key, an escaped value) falls back to JSON.parse.
 */
export interface SessionEvent {
  eventId: string;
  projectId: string;
  type: string;
  /** Event time, ms since the epoch. */
  t: number;
  anon: string | null;
  user: string | null;
  listingId: string | null;
  pagePath: string | null;
  deviceType: string | null;
  os: string | null;
  browser: string | null;
  isBot: boolean;
  /** False when the event surely carries no location (context.extra empty or without such keys). */
  maybeGeo: boolean;
  /** The whole event, parsed on first use. */
  full(): PlazaEvent;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

class Lazy implements SessionEvent {
  eventId = '';
  projectId = '';
  type = '';
  t = 0;
  anon: string | null = null;
  user: string | null = null;
  listingId: string | null = null;
  pagePath: string | null = null;
  deviceType: string | null = null;
  os: string | null = null;
  browser: string | null = null;
  isBot = false;
  maybeGeo = false;
  private parsed: PlazaEvent | undefined;

  constructor(private readonly buf: Buffer) {}

  full(): PlazaEvent {
    this.parsed ??= JSON.parse(this.buf.toString('utf8')) as PlazaEvent;
    return this.parsed;
  }

  setFull(e: PlazaEvent): void {
    this.parsed = e;
  }
}

/** The event's fields, or null when it is not a readable event (not JSON, no project, no valid time). */
export function readSessionEvent(value: Uint8Array): SessionEvent | null {
  const buf = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const ev = new Lazy(buf);
  if (fast(buf, ev)) return ev;
  let e: PlazaEvent;
  try {
    e = JSON.parse(buf.toString('utf8')) as PlazaEvent;
  } catch {
    return null;
  }
  return fromParsed(e, ev);
}

/** The fields of an already parsed event. */
export function sessionEventOf(e: PlazaEvent): SessionEvent | null {
  return fromParsed(e, new Lazy(Buffer.alloc(0)));
}

function fromParsed(e: PlazaEvent, ev: Lazy): SessionEvent | null {
  if (typeof e !== 'object' || e === null || typeof e.project_id !== 'string') return null;
  const t = Date.parse(e.timestamp);
  if (!Number.isFinite(t)) return null;
  ev.setFull(e);
  ev.eventId = String(e.event_id);
  ev.projectId = e.project_id;
  ev.type = String(e.event_type);
  ev.t = t;
  ev.anon = e.anonymous_id ?? null;
  ev.user = e.user_id ?? null;
  ev.listingId = e.listing_id ?? null;
  const c = e.context;
  ev.pagePath = c?.page_path ?? null;
  ev.deviceType = c?.device_type ?? null;
  ev.os = c?.os ?? null;
  ev.browser = c?.browser ?? null;
  ev.isBot = c?.is_bot === true;
  ev.maybeGeo = !!c?.extra && Object.keys(c.extra).length > 0;
  return ev;
}

/** Index just past the JSON string whose opening quote is at `i` (escapes honoured), or -1. */
function skipString(s: string, i: number): number {
  let j = i;
  for (;;) {
    j = s.indexOf('"', j + 1);
    if (j < 0) return -1;
    let slashes = 0;
    for (let k = j - 1; s.charCodeAt(k) === BACKSLASH; k--) slashes++;
    if (slashes % 2 === 0) return j + 1;
  }
}

/** Index just past the JSON value starting at `i`, or -1. */
function skipValue(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return skipString(s, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const x = s.charCodeAt(j);
      if (x === QUOTE) {
        j = skipString(s, j) - 1;
        if (j < 0) return -1;
      } else if (x === OPEN_BRACE || x === OPEN_BRACKET) depth++;
      else if (x === CLOSE_BRACE || x === CLOSE_BRACKET) {
        if (--depth === 0) return j + 1;
      }
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter.
  let j = i;
  while (j < s.length) {
    const x = s.charCodeAt(j);
    if (x === COMMA || x === CLOSE_BRACE || x === CLOSE_BRACKET) break;
    j++;
  }
  return j;
}

/**
 * Walks the pairs of the object whose first key's quote is at `i`, in order, handing each plain string/null
 * value (or `undefined` for anything else) to `take`, until `take` returns 'stop' (then: the index of that
 * value) or 'enter' (then: the index just inside that nested object). -1 when the text is not as expected.
 */
function walk(
  s: string,
  i: number,
  take: (key: string, value: string | null | undefined, at: number) => 'next' | 'stop' | 'enter',
): number {
  while (i < s.length && s.charCodeAt(i) === QUOTE) {
    const keyEnd = s.indexOf('"', i + 1);
    if (keyEnd < 0 || s.charCodeAt(keyEnd + 1) !== COLON) return -1;
    const key = s.slice(i + 1, keyEnd);
    const v = keyEnd + 2;
    const c = s.charCodeAt(v);
    let end: number;
    let value: string | null | undefined;
    if (c === QUOTE) {
      end = skipString(s, v);
      if (end < 0) return -1;
      const raw = s.slice(v + 1, end - 1);
      value = raw.includes('\\') ? undefined : raw;
    } else if (c === 0x6e /* n */ && s.startsWith('null', v)) {
      end = v + 4;
      value = null;
    } else {
      value = undefined;
      end = -2;
    }
    const what = take(key, value, v);
    if (what === 'stop') return v;
    if (what === 'enter') return c === OPEN_BRACE ? v + 1 : -1;
    if (end === -2) end = skipValue(s, v);
    if (end < 0) return -1;
    const sep = s.charCodeAt(end);
    if (sep !== COMMA) return -1;
    i = end + 1;
  }
  return -1;
}

const geoKeys = ['"location":', '"country":', '"province":', '"region":'];

function fast(buf: Buffer, ev: Lazy): boolean {
  if (buf[0] !== OPEN_BRACE) return false;
  const s = buf.toString('utf8');
  let timestamp: string | null | undefined;
  let seen = 0;
  // Top level: the scalar head, then `source`, then into `context`.
  const ctx = walk(s, 1, (key, value) => {
    switch (key) {
      case 'event_id':
        if (value) ev.eventId = value;
        break;
      case 'project_id':
        if (value) ev.projectId = value;
        break;
      case 'event_type':
        if (value) ev.type = value;
        break;
      case 'timestamp':
        timestamp = value;
        break;
      case 'anonymous_id':
        if (value === undefined) return 'stop';
        ev.anon = value;
        seen++;
        break;
      case 'user_id':
        if (value === undefined) return 'stop';
        ev.user = value;
        seen++;
        break;
      case 'listing_id':
        if (value === undefined) return 'stop';
        ev.listingId = value;
        seen++;
        break;
      case 'context':
        return 'enter';
    }
    return 'next';
  });
  if (ctx < 0 || seen !== 3 || !ev.eventId || !ev.projectId || !ev.type || !timestamp) return false;
  ev.t = isoMs(timestamp);
  if (!Number.isFinite(ev.t)) return false;

  // The context's known keys, up to is_bot (all before its nested objects and its free-form `extra`).
  let ok = true;
  let gotBot = false;
  const afterBot = walk(s, ctx, (key, value, at) => {
    switch (key) {
      case 'page_path':
      case 'device_type':
      case 'os':
      case 'browser':
        if (value === undefined) ok = false;
        else if (key === 'page_path') ev.pagePath = value;
        else if (key === 'device_type') ev.deviceType = value;
        else if (key === 'os') ev.os = value;
        else ev.browser = value;
        break;
      case 'is_bot':
        ev.isBot = s.startsWith('true', at);
        gotBot = true;
        return 'stop';
      case 'extra':
        ok = false;
        return 'stop';
    }
    return 'next';
  });
  if (afterBot < 0 || !ok || !gotBot) return false;
  const extra = s.indexOf('"extra":{', afterBot);
  if (extra < 0) return false;
  const open = extra + 9;
  if (s.charCodeAt(open) !== CLOSE_BRACE) {
    for (const k of geoKeys) if (s.indexOf(k, open) >= 0) ev.maybeGeo = true;
  }
  return true;
}
