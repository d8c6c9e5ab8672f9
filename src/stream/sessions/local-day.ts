/**
 * Calendar days in a time zone: [start, end) in UTC milliseconds and the local date, for cutting sessions at
 * the marketplace's midnight. Intl is slow (a few µs a call), so each zone remembers the last day it
 * computed: events come mostly in time order and nearly all fall in it.
 */
export interface LocalDay {
  /** 'YYYY-MM-DD' in the zone. */
  date: string;
  start: number;
  end: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const lastDay = new Map<string, LocalDay>();

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

/** Local wall time of `t` read as if it were UTC (so local − t is the zone's offset at t). */
function wallClock(timeZone: string, t: number): { wall: number; date: string } {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(t))) parts[p.type] = p.value;
  const y = Number(parts.year);
  const mo = Number(parts.month);
  const d = Number(parts.day);
  const wall = Date.UTC(y, mo - 1, d, Number(parts.hour), Number(parts.minute), Number(parts.second));
  return { wall: wall + (((t % 1000) + 1000) % 1000), date: `${parts.year}-${parts.month}-${parts.day}` };
}

/** First instant of the local day that contains `t`. */
function dayStart(timeZone: string, t: number): { start: number; date: string } {
  const { wall, date } = wallClock(timeZone, t);
  const midnightWall = Math.floor(wall / 86_400_000) * 86_400_000;
  // Guess with the offset at t, then correct with the offset at the guess (DST changes within the day).
  let start = t - (wall - midnightWall);
  for (let i = 0; i < 3; i++) {
    const w = wallClock(timeZone, start);
    if (w.date === date && w.wall === midnightWall) break;
    if (w.date === date) {
      start -= w.wall - midnightWall;
    } else {
      // The guess fell in the previous day (offset grew since midnight): move forward by the difference.
      start += midnightWall - w.wall;
    }
  }
  // Where midnight does not exist (a DST jump at 00:00), the day starts at the first instant that is in it.
  if (wallClock(timeZone, start).date !== date) start += 3_600_000;
  return { start, date };
}

export function localDay(timeZone: string, t: number): LocalDay {
  const cached = lastDay.get(timeZone);
  if (cached && t >= cached.start && t < cached.end) return cached;
  const { start, date } = dayStart(timeZone, t);
  // The next day starts somewhere 22–26 hours later; 26 h is always inside it.
  const end = dayStart(timeZone, start + 26 * 3_600_000).start;
  const day = { date, start, end };
  lastDay.set(timeZone, day);
  return day;
}
