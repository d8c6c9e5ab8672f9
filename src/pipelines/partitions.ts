import { PlazaError } from '../core/errors.js';
import { endOfLocalDay, localDate } from '../core/time-zone.js';

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

/** Checks a 'YYYY-MM-DD' partition names a real calendar day (the pattern alone admits 2026-02-30). */
export function parsePartition(value: string, name = 'partition'): string {
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (!dayPattern.test(value) || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw new PlazaError(
      'invalid_partition',
      `${name} must be a day as YYYY-MM-DD (e.g. 2026-11-23), got ${JSON.stringify(value)}`,
      400,
    );
  }
  return value;
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** [start, end) of the local day `day` in a zone, as UTC milliseconds; DST days are 23 or 25 hours long. */
export function localDayBounds(timeZone: string, day: string): { start: number; end: number } {
  return { start: endOfLocalDay(timeZone, addDays(day, -1)), end: endOfLocalDay(timeZone, day) };
}

/** Every day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

export const today = (timeZone: string, now: Date) => localDate(timeZone, now.getTime());

/** The local day that ended last before `now`: what a daily run started at `now` processes. */
export const yesterday = (timeZone: string, now: Date) => addDays(today(timeZone, now), -1);
