/**
 * Calendar days in a time zone (IANA name, e.g. America/Santo_Domingo): sessions cut and counters reset at the
 * marketplace's midnight, and daily partitions cover its local day.
 */
import { z } from 'zod';

/** An IANA zone name this runtime knows (config and project settings). */
export const timeZoneSchema = z
  .string()
  .refine(isTimeZone, 'must be an IANA time zone such as America/Santo_Domingo');

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wall(timeZone: string, ms: number): Wall {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(ms)) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return out as unknown as Wall;
}

/** Offset of local wall time from UTC at an instant (ms; positive east of Greenwich). */
function offsetMs(timeZone: string, ms: number): number {
  const w = wall(timeZone, ms);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The local calendar day of an instant, as YYYY-MM-DD. */
export function localDate(timeZone: string, ms: number): string {
  const w = wall(timeZone, ms);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

const midnights = new Map<string, number>();

/**
 * The instant the local day `date` (YYYY-MM-DD) ends: the next local midnight (or the first instant after it
 * where a DST change skips midnight).
 */
export function endOfLocalDay(timeZone: string, date: string): number {
  const k = `${timeZone}\u0000${date}`;
  const hit = midnights.get(k);
  if (hit !== undefined) return hit;
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const midnightAsUtc = Date.UTC(y, m - 1, d + 1);
  // Wall time = UTC + offset, so UTC = wall − offset; the offset is taken at the guess and refined once.
  let t = midnightAsUtc - offsetMs(timeZone, midnightAsUtc);
  t = midnightAsUtc - offsetMs(timeZone, t);
  if (midnights.size > 10_000) midnights.clear();
  midnights.set(k, t);
  return t;
}

export interface LocalDay {
  /** YYYY-MM-DD */
  date: string;
  start: number;
  end: number;
}

const currentDays = new Map<string, LocalDay>();

/** The local day holding an instant, with its bounds; the last day asked per zone is kept at hand. */
export function localDay(timeZone: string, ms: number): LocalDay {
  const hit = currentDays.get(timeZone);
  if (hit && ms >= hit.start && ms < hit.end) return hit;
  const date = localDate(timeZone, ms);
  const end = endOfLocalDay(timeZone, date);
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const previous = new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
  const day = { date, start: endOfLocalDay(timeZone, previous), end };
  currentDays.set(timeZone, day);
  return day;
}
