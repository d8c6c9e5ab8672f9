/**
 * Simulated marketplace events as raw_events rows, without HTTP: each simulator call becomes the native event
 * the Node client would send, then goes through the collector's own normaliser and enrichment (user agent,
 * bot flag, IP truncation, UTM, referrer host), received `receiveDelayMs` after its event time. What the
 * collector's schema validation would add (schema_version) is left out: it changes nothing downstream.
 */
import { encodeEvent } from '../../src/collector/collector.js';
import { enrich } from '../../src/collector/enrich/index.js';
import { normalizeNative } from '../../src/collector/normalize/native.js';
import { defaultProjectSettings, type IngestContext } from '../../src/collector/types.js';
import type { PlazaEvent } from '../../src/core/envelope.js';
import type { Warehouse } from '../../src/ports/warehouse.js';
import { createSimulation, type SimEvent, type SimulationOptions } from '../../src/simulate/index.js';
import { rawEventLine, rawEventsLoadSql } from '../../src/warehouse/raw-events-load.js';
import { rawEventsTable } from '../../src/warehouse/raw-events-table.js';

const DAY = 86_400_000;
const library = { name: 'plaza-node', version: '0.1.0' };

function nativeOf(e: SimEvent): Record<string, unknown> {
  const i = e.input as unknown as Record<string, unknown>;
  const obj = (v: unknown) => (v ?? {}) as Record<string, unknown>;
  let eventType: string;
  let properties = obj(i.properties);
  let context: Record<string, unknown> = { ...obj(i.context), library };
  if (e.call === 'track') eventType = String(i.eventType);
  else if (e.call === 'identify') eventType = 'identify';
  else {
    eventType = 'page_view';
    properties = { ...properties };
    for (const k of ['url', 'path', 'title', 'referrer'] as const)
      if (i[k] !== undefined) properties[k] = i[k];
    context = { ...context };
    if (i.url !== undefined) context['page_url'] = i.url;
    if (i.title !== undefined) context['page_title'] = i.title;
    if (i.referrer !== undefined) context['referrer'] = i.referrer;
  }
  return {
    event_id: i.eventId,
    event_type: eventType,
    timestamp: i.timestamp,
    anonymous_id: i.anonymousId,
    user_id: i.userId,
    session_id: i.sessionId,
    seller_id: i.sellerId,
    listing_id: i.listingId,
    context,
    properties,
    traits: e.call === 'identify' ? obj(i.traits) : undefined,
  };
}

/** Every event of the simulation's history, as the collector would have accepted it for `projectId`. */
export function* simulatedEvents(
  options: SimulationOptions,
  projectId: string,
  receiveDelayMs = 300,
): Generator<PlazaEvent> {
  const end = options.start + options.days * DAY;
  const it = createSimulation(options).events();
  const settings = { ...defaultProjectSettings, maxPastMs: 3650 * DAY };
  for (;;) {
    const e = it.next().value as SimEvent;
    const t = Date.parse(e.input.timestamp as string);
    if (t >= end) return;
    const ctx: IngestContext = {
      projectId,
      keyId: 'bench',
      receivedAt: new Date(t + receiveDelayMs),
      requestIp: null,
      requestUserAgent: null,
      sentAt: null,
      settings,
    };
    const r = normalizeNative(nativeOf(e), ctx);
    if (r.type !== 'ok') throw new Error(`simulated event not accepted: ${JSON.stringify(r)}`);
    yield enrich(r.value, ctx);
  }
}

/** Loads events into raw_events through the sink's own JSON path, in batches. */
export async function loadRawEvents(
  w: Warehouse,
  events: Iterable<PlazaEvent>,
  batch = 20_000,
): Promise<number> {
  await w.ensureTable(rawEventsTable);
  const load = rawEventsLoadSql(w.dialect);
  let lines: Uint8Array[] = [];
  let offset = 0;
  const flush = async () => {
    if (lines.length === 0) return;
    await w.loadJsonLines(lines, load);
    lines = [];
  };
  for (const e of events) {
    lines.push(rawEventLine('events', 0, offset++, encodeEvent(e)));
    if (lines.length >= batch) await flush();
  }
  await flush();
  return offset;
}
