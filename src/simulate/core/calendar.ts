/**
 * Simulated time: daily and weekly seasonality in the Dominican Republic's time zone (UTC−4 all year, no
 * daylight saving) and the marketplace's growth over the history.
 */
import type { Calendar } from './vertical.js';

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** America/Santo_Domingo is UTC−4 all year. */
const OFFSET = -4 * HOUR;

/**
 * Relative traffic per local hour on a weekday: quiet nights, a morning climb, a lunch bump at work, and
 * the evening peak after work when people browse on their phones.
 */
const WEEKDAY_HOURS = [
  0.3, 0.17, 0.1, 0.07, 0.07, 0.14, 0.35, 0.6, 0.85, 1.0, 1.05, 1.1, 1.25, 1.2, 1.05, 1.05, 1.1, 1.2, 1.4,
  1.65, 1.8, 1.75, 1.35, 0.75,
];
/** Saturdays start later and stay busy from late morning; Sunday afternoons are for browsing. */
const SATURDAY_HOURS = [
  0.45, 0.3, 0.18, 0.1, 0.07, 0.08, 0.15, 0.3, 0.55, 0.9, 1.25, 1.4, 1.45, 1.4, 1.35, 1.3, 1.3, 1.3, 1.3, 1.3,
  1.3, 1.25, 1.05, 0.7,
];
const SUNDAY_HOURS = [
  0.5, 0.32, 0.18, 0.1, 0.07, 0.07, 0.1, 0.2, 0.4, 0.7, 1.0, 1.2, 1.3, 1.35, 1.45, 1.5, 1.55, 1.55, 1.5, 1.6,
  1.7, 1.6, 1.2, 0.7,
];
/** Day-of-week level, Sunday first: weekends are when people shop for big purchases. */
const WEEKDAY_LEVEL = [1.12, 1.04, 1.0, 1.0, 0.98, 0.88, 1.08];

function weekTable(): Float64Array {
  const table = new Float64Array(168);
  let sum = 0;
  for (let d = 0; d < 7; d++) {
    const hours = d === 0 ? SUNDAY_HOURS : d === 6 ? SATURDAY_HOURS : WEEKDAY_HOURS;
    for (let h = 0; h < 24; h++) {
      const v = (hours[h] as number) * (WEEKDAY_LEVEL[d] as number);
      table[d * 24 + h] = v;
      sum += v;
    }
  }
  for (let i = 0; i < 168; i++) table[i] = (table[i] as number) / (sum / 168);
  return table;
}

const WEEK = weekTable();
/** Highest value of `intensity`, for thinning (drawing arrivals of a varying rate). */
export const MAX_INTENSITY = Math.max(...WEEK);

/** Share of the end-of-history population already there when history starts. */
export const INITIAL_SHARE = 0.45;

export function calendar(start: number, days: number): Calendar {
  const span = days * DAY;
  const historyEnd = start + span;
  // Local epoch-hours index: 1970-01-01 was a Thursday (weekday 4).
  const slot = (t: number): number => {
    const h = Math.floor((t + OFFSET) / HOUR);
    const day = Math.floor(h / 24);
    return ((((day + 4) % 7) + 7) % 7) * 24 + (((h % 24) + 24) % 24);
  };
  return {
    start,
    historyEnd,
    intensity: (t) => WEEK[slot(t)] as number,
    growth: (t) => {
      const x = (t - start) / span;
      // Linear over the history, then levelling off (same slope at the seam) so that live mode stays bounded.
      return x <= 1
        ? INITIAL_SHARE + (1 - INITIAL_SHARE) * x
        : 1 + (1 - INITIAL_SHARE) * (1 - Math.exp(-(x - 1)));
    },
    hour: (t) => slot(t) % 24,
    weekday: (t) => Math.floor(slot(t) / 24),
    localDate: (t) => new Date(t + OFFSET).toISOString().slice(0, 10),
  };
}
