import type { EventLog } from '../ports/event-log.js';
import type { DedupIndex } from './dedup.js';

const decoder = new TextDecoder();
// The collector serialises PlazaEvent with JSON.stringify, whose first two keys are event_id and project_id;
// reading them with a regex avoids parsing millions of whole events at start.
const head = /^\{"event_id":("(?:[^"\\]|\\.)*"),"project_id":("(?:[^"\\]|\\.)*")/;

/**
 * Refills the dedup index from the event log (the source of truth) at start: every record appended within
 * the dedup window claims its id again. Returns the number of records read.
 */
export async function rebuildDedupIndex(
  log: EventLog,
  topics: readonly string[],
  dedup: DedupIndex,
  now = Date.now(),
): Promise<number> {
  let read = 0;
  for (const topic of topics) {
    const ends = await log.endOffsets(topic);
    for (let partition = 0; partition < ends.length; partition++) {
      let offset = 0;
      const end = ends[partition] ?? 0;
      while (offset < end) {
        const batch = await log.read(topic, partition, offset, 10_000);
        if (batch.length === 0) break;
        for (const r of batch) {
          if (!dedup.isWithinWindow(r.timestamp, now)) continue;
          const text = decoder.decode(r.value.subarray(0, Math.min(r.value.length, 512)));
          const m = head.exec(text);
          if (m) {
            dedup.claim(JSON.parse(m[2]!) as string, JSON.parse(m[1]!) as string, r.timestamp);
          } else {
            const e = JSON.parse(decoder.decode(r.value)) as { event_id: string; project_id: string };
            dedup.claim(e.project_id, e.event_id, r.timestamp);
          }
        }
        read += batch.length;
        offset = batch[batch.length - 1]!.offset + 1;
      }
    }
  }
  return read;
}
