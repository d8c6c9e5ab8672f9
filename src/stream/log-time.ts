import type { EventLog } from '../ports/event-log.js';

/**
 * The first offset of a partition whose record was appended at or after `sinceMs`, by binary search (append
 * times grow with offsets within a partition); `end` when there is none.
 */
export async function firstAtOrAfter(
  log: EventLog,
  topic: string,
  partition: number,
  end: number,
  sinceMs: number,
  from = 0,
): Promise<number> {
  let lo = from;
  let hi = end;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const [r] = await log.read(topic, partition, mid, 1);
    if (!r) hi = mid;
    else if (r.timestamp < sinceMs) lo = r.offset + 1;
    else hi = Math.min(mid, r.offset);
  }
  return lo;
}
