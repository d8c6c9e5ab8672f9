/**
 * Field readers shared by the native and Segment normalisers. Each reader returns the value or null and, when the
 * value is present but unusable, records an issue instead of throwing, so one pass reports every problem of an
 * event at once.
 */
import type { EventContext } from '../../core/envelope.js';
import type { StepIssue } from '../../core/result.js';

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** A submitted value quoted for a message, cut short so one huge value cannot flood the dead-letter table. */
export function quoteValue(v: string, max = 60): string {
  return JSON.stringify(v.length > max ? `${v.slice(0, max)}…` : v);
}

export function malformed(issues: StepIssue[], pointer: string, message: string): void {
  issues.push({ kind: 'malformed', pointer, message });
}

export function wrongType(issues: StepIssue[], pointer: string, expected: string, value: unknown): void {
  malformed(issues, pointer, `${pointer} must be ${expected}, got ${describeType(value)}`);
}

/** Not given: undefined, null or ''. */
export const absent = (v: unknown): boolean => v === undefined || v === null || v === '';

/** Optional string value; null, undefined and '' all mean "not given" (browsers send '' for an empty referrer). */
export function stringValue(v: unknown, pointer: string, issues: StepIssue[]): string | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'string') return v;
  wrongType(issues, pointer, 'a string', v);
  return null;
}

export function readString(
  obj: JsonObject,
  key: string,
  pointer: string,
  issues: StepIssue[],
): string | null {
  return stringValue(obj[key], pointer, issues);
}

export function readObject(
  obj: JsonObject,
  key: string,
  pointer: string,
  issues: StepIssue[],
): JsonObject | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (isObject(v)) return v;
  wrongType(issues, pointer, 'an object', v);
  return null;
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:[Zz]|([+-])(\d{2})(?::?(\d{2}))?)$/;
const MS_PER_DAY = 86_400_000;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 0;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil), for any year. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

function fromParts(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
): number {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  if (hour > 23 || minute > 59 || second > 60) return Number.NaN;
  return daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

/** One decimal digit of s at i, or −100 for anything else (which makes the whole field negative). */
const digit = (s: string, i: number): number => {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -100;
};

/**
 * Epoch ms of the exact form Date#toISOString writes (2024-05-01T12:00:00.000Z), which most senders send, read
 * without a regex; NaN when s is not in that form.
 */
function parseCanonicalIso(s: string): number {
  if (s.length !== 24 || s.charCodeAt(23) !== 90 /* Z */ || s.charCodeAt(10) !== 84 /* T */)
    return Number.NaN;
  if (s[4] !== '-' || s[7] !== '-' || s[13] !== ':' || s[16] !== ':' || s[19] !== '.') return Number.NaN;
  const year = digit(s, 0) * 1000 + digit(s, 1) * 100 + digit(s, 2) * 10 + digit(s, 3);
  const month = digit(s, 5) * 10 + digit(s, 6);
  const day = digit(s, 8) * 10 + digit(s, 9);
  const hour = digit(s, 11) * 10 + digit(s, 12);
  const minute = digit(s, 14) * 10 + digit(s, 15);
  const second = digit(s, 17) * 10 + digit(s, 18);
  const ms = digit(s, 20) * 100 + digit(s, 21) * 10 + digit(s, 22);
  if (year < 0 || hour < 0 || minute < 0 || second < 0 || ms < 0) return Number.NaN;
  return fromParts(year, month, day, hour, minute, second, ms);
}

/**
 * Epoch milliseconds of an ISO-8601 / RFC 3339 date-time that carries a zone (Z or ±hh:mm), NaN otherwise.
 * Date.parse is not used: it accepts zone-less strings (read as local time) and rolls 2024-02-30 into March.
 * Digits past milliseconds are dropped.
 */
export function parseIsoTimestamp(s: string): number {
  const canonical = parseCanonicalIso(s);
  if (!Number.isNaN(canonical) || s.length > 40) return canonical;
  const m = ISO_RE.exec(s);
  if (m === null) return Number.NaN;
  let offset = 0;
  if (m[8] !== undefined) {
    const oh = Number(m[9]);
    const om = m[10] === undefined ? 0 : Number(m[10]);
    if (oh > 23 || om > 59) return Number.NaN;
    offset = (oh * 60 + om) * 60_000 * (m[8] === '-' ? -1 : 1);
  }
  const local = fromParts(
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    m[6] === undefined ? 0 : Number(m[6]),
    m[7] === undefined ? 0 : Number(`${m[7]}00`.slice(0, 3)),
  );
  return local - offset;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
let cachedDay = Number.NaN;
let cachedDayPrefix = '';
let lastMs = Number.NaN;
let lastIso = '';

/**
 * Date#toISOString, several times faster: it costs most of a microsecond in V8, and each event needs a few.
 * The calendar part comes from toISOString once per day (a batch's events nearly always share one); the time
 * of day is formatted here. The last result is kept too: every event of a request has the same received_at.
 */
export function toIso(ms: number): string {
  if (ms === lastMs) return lastIso;
  const day = Math.floor(ms / MS_PER_DAY) * MS_PER_DAY;
  if (day !== cachedDay) {
    const iso = new Date(day).toISOString(); // throws RangeError for an invalid time, like toISOString
    cachedDayPrefix = iso.slice(0, iso.indexOf('T') + 1);
    cachedDay = day;
  }
  let rest = ms - day;
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  const msPart = milli < 10 ? `00${milli}` : milli < 100 ? `0${milli}` : `${milli}`;
  lastIso = `${cachedDayPrefix}${pad2(hour)}:${pad2(minute)}:${pad2(second)}.${msPart}Z`;
  lastMs = ms;
  return lastIso;
}

/** The canonical UTC form of a valid timestamp that parsed to `ms`: the string itself when it already is one. */
const canonicalIso = (s: string, ms: number): string =>
  s.length === 24 &&
  s.charCodeAt(23) === 90 &&
  s.charCodeAt(10) === 84 &&
  s.charCodeAt(17) < 54 /* no leap second */
    ? s
    : toIso(ms);

/** Optional ISO-8601 timestamp field, as the canonical UTC string (2024-05-01T12:00:00.000Z). */
export function readTimestamp(
  obj: JsonObject,
  key: string,
  pointer: string,
  issues: StepIssue[],
): string | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') {
    wrongType(issues, pointer, 'an ISO-8601 date-time string', v);
    return null;
  }
  const t = parseIsoTimestamp(v);
  if (Number.isNaN(t)) {
    malformed(
      issues,
      pointer,
      `${pointer} must be an ISO-8601 date-time with a time zone, like 2024-05-01T12:30:00Z or ` +
        `2024-05-01T08:30:00-04:00; got ${quoteValue(v)}`,
    );
    return null;
  }
  return canonicalIso(v, t);
}

/** A timestamp handed over by the HTTP layer (batch sentAt): unusable values are ignored, not the event's fault. */
export function lenientTimestamp(v: string | null): string | null {
  if (v === null) return null;
  const t = parseIsoTimestamp(v);
  return Number.isNaN(t) ? null : canonicalIso(v, t);
}

/** { name, version } of the sending library. */
export function readLibrary(
  obj: JsonObject,
  key: string,
  pointer: string,
  issues: StepIssue[],
): EventContext['library'] {
  const lib = readObject(obj, key, pointer, issues);
  if (lib === null) return null;
  const name = readString(lib, 'name', `${pointer}/name`, issues);
  const version = readString(lib, 'version', `${pointer}/version`, issues);
  return name === null ? null : { name, version };
}

export const emptyUtm = (): EventContext['utm'] => ({
  source: null,
  medium: null,
  campaign: null,
  term: null,
  content: null,
});

/** Campaign fields; `campaignKey` is 'name' in Segment's context.campaign and 'campaign' in Plaza's utm object. */
export function readUtm(
  obj: JsonObject,
  pointer: string,
  campaignKey: 'name' | 'campaign',
  issues: StepIssue[],
): EventContext['utm'] {
  return {
    source: readString(obj, 'source', `${pointer}/source`, issues),
    medium: readString(obj, 'medium', `${pointer}/medium`, issues),
    campaign: readString(obj, campaignKey, `${pointer}/${campaignKey}`, issues),
    term: readString(obj, 'term', `${pointer}/term`, issues),
    content: readString(obj, 'content', `${pointer}/content`, issues),
  };
}

export function blankContext(): EventContext {
  return {
    ip: null,
    user_agent: null,
    referrer: null,
    referrer_host: null,
    page_url: null,
    page_path: null,
    page_title: null,
    device_type: null,
    os: null,
    os_version: null,
    browser: null,
    browser_version: null,
    is_bot: false,
    locale: null,
    timezone: null,
    library: null,
    utm: emptyUtm(),
    extra: {},
  };
}

/** Ids taken from free-form properties: catalogue ids are often numbers there. */
function propertyId(v: unknown): string | null {
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/**
 * Seller and listing of an event when the top level does not name them: marketplace trackers (and Segment's
 * e-commerce spec) carry them in properties as seller_id/store_id and listing_id/product_id.
 */
export function sellerAndListing(props: JsonObject): { seller_id: string | null; listing_id: string | null } {
  // Named reads, not props[key]: a keyed miss on an object shaped by whoever sent it is several times slower.
  return {
    seller_id: propertyId(props.seller_id) ?? propertyId(props.store_id),
    listing_id: propertyId(props.listing_id) ?? propertyId(props.product_id),
  };
}
