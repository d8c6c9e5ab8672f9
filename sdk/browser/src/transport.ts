import { retryAfterMs } from './backoff.js';
import type { NativeEvent } from './types.js';

export type SendResult =
  | { kind: 'ok'; rejected: number }
  /** Server or network trouble: try again later (after afterMs when the server said so). */
  | { kind: 'retry'; afterMs: number | null; status: number }
  /** The request itself was refused (bad key, malformed, too large): sending it again cannot help. */
  | { kind: 'drop'; status: number };

/** Beacon payloads share a 64 KiB in-flight budget per page; stay under it with room for the URL. */
const BEACON_MAX_BYTES = 60_000;

const bodyOf = (events: NativeEvent[]): string => {
  const now = new Date().toISOString();
  for (const e of events) e.sent_at = now;
  return JSON.stringify({ events });
};

/**
 * A regular send: JSON with the write key as HTTP Basic username. Cross-origin this costs one CORS preflight
 * per origin (cached by the browser); beacons avoid it when the page is going away.
 */
export async function postBatch(url: string, writeKey: string, events: NativeEvent[]): Promise<SendResult> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Basic ${btoa(`${writeKey}:`)}` },
      body: bodyOf(events),
      credentials: 'omit',
    });
  } catch {
    return { kind: 'retry', afterMs: null, status: 0 };
  }
  const status = res.status;
  if (status >= 200 && status < 300) {
    let rejected = 0;
    try {
      const j = (await res.json()) as { rejected?: unknown[] };
      rejected = Array.isArray(j.rejected) ? j.rejected.length : 0;
    } catch {
      // a 2xx without a readable body still means the batch was stored
    }
    return { kind: 'ok', rejected };
  }
  if (status === 429 || status === 408 || status >= 500) {
    // Reading Retry-After cross-origin needs the collector to list it in Access-Control-Expose-Headers.
    return { kind: 'retry', afterMs: retryAfterMs(res.headers.get('Retry-After')), status };
  }
  return { kind: 'drop', status };
}

/**
 * Sends events with navigator.sendBeacon while the page is going away: a text/plain body (a "simple" request,
 * so no preflight) and the write key in the query string, because beacons cannot carry headers. Returns the
 * events the browser took; the rest stay queued for the next page load.
 */
export function beaconEvents(url: string, writeKey: string, events: NativeEvent[]): NativeEvent[] {
  const nav = typeof navigator === 'undefined' ? null : navigator;
  if (!nav || typeof nav.sendBeacon !== 'function') return [];
  const target = `${url}?writeKey=${encodeURIComponent(writeKey)}`;
  const taken: NativeEvent[] = [];
  let chunk: NativeEvent[] = [];
  let bytes = 12;
  const ship = (): boolean => {
    if (chunk.length === 0) return true;
    let ok = false;
    try {
      ok = nav.sendBeacon(target, new Blob([bodyOf(chunk)], { type: 'text/plain' }));
    } catch {
      ok = false;
    }
    if (ok) taken.push(...chunk);
    chunk = [];
    bytes = 12;
    return ok;
  };
  for (const e of events) {
    // JSON length in UTF-16 units approximates bytes well enough for a budget with headroom.
    const size = JSON.stringify(e).length + 40;
    if (size > BEACON_MAX_BYTES) continue;
    if (bytes + size > BEACON_MAX_BYTES && !ship()) return taken;
    chunk.push(e);
    bytes += size;
  }
  ship();
  return taken;
}
