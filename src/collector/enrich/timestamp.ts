/** Event time: device clock-skew correction (Segment's formula) and clamping to a plausible window. */
import type { PlazaEvent } from '../../core/envelope.js';
import { parseIsoTimestamp } from '../normalize/fields.js';
import type { ProjectSettings } from '../types.js';

/** Below this, a correction is as likely network latency as a wrong device clock: not worth a flag. */
export const SKEW_NOTICE_MS = 10_000;

export interface EventTime {
  timestamp: number;
  /** False when the event's timestamp stands as it was. */
  changed: boolean;
  /** Flags to add: timestamp_skew_corrected, timestamp_clamped_future, timestamp_clamped_past. */
  flags: string[];
}

/**
 * timestamp = received_at − (sent_at − original_timestamp): the device's own measure of how long ago the event
 * happened, applied to the server's clock. Skipped when the sender set the time deliberately
 * (flag timestamp_explicit) or lacks either device time. The result is then clamped: more than maxFutureMs
 * ahead of received_at becomes received_at, more than maxPastMs behind becomes received_at − maxPastMs.
 */
export function eventTime(
  event: Pick<PlazaEvent, 'timestamp' | 'sent_at' | 'original_timestamp' | 'flags'>,
  receivedAt: number,
  settings: Pick<ProjectSettings, 'maxFutureMs' | 'maxPastMs'>,
): EventTime {
  const flags: string[] = [];
  const given = parseIsoTimestamp(event.timestamp);
  let t = given;
  if (
    event.sent_at !== null &&
    event.original_timestamp !== null &&
    !event.flags.includes('timestamp_explicit')
  ) {
    const original =
      event.original_timestamp === event.timestamp ? given : parseIsoTimestamp(event.original_timestamp);
    const corrected = receivedAt - (parseIsoTimestamp(event.sent_at) - original);
    if (Math.abs(corrected - t) >= SKEW_NOTICE_MS) flags.push('timestamp_skew_corrected');
    t = corrected;
  }
  if (t > receivedAt + settings.maxFutureMs) {
    t = receivedAt;
    flags.push('timestamp_clamped_future');
  } else if (t < receivedAt - settings.maxPastMs) {
    t = receivedAt - settings.maxPastMs;
    flags.push('timestamp_clamped_past');
  }
  return { timestamp: t, changed: t !== given, flags };
}
