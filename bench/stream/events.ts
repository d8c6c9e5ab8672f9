/**
 * Logged events for the stream benchmark and tests: full PlazaEvent envelopes as the collector writes them
 * (same key order, same JSON), with a marketplace-like mix of types, so processors read what they read in
 * production. Deterministic for a given seed.
 */
import { encodeEvent } from '../../src/collector/collector.js';
import { partitionKey, topicFor } from '../../src/collector/topics.js';
import type { EventContext, PlazaEvent } from '../../src/core/envelope.js';
import type { EventLog, LogRecord } from '../../src/ports/event-log.js';

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Share of each type in the mix (roughly a classifieds site: browsing dominates, conversions are rare). */
export const typeMix: [string, number][] = [
  ['page_view', 0.3],
  ['listing_viewed', 0.25],
  ['search', 0.12],
  ['click', 0.1],
  ['engagement', 0.06],
  ['product_viewed', 0.04],
  ['favorite', 0.04],
  ['contact_sent', 0.025],
  ['test_drive_requested', 0.005],
  ['add_to_cart', 0.02],
  ['checkout_started', 0.008],
  ['purchase_completed', 0.007],
];

function context(r: () => number): EventContext {
  const mobile = r() < 0.6;
  return {
    ip: `190.80.${Math.floor(r() * 250)}.0`,
    user_agent: mobile
      ? 'Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36'
      : 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    referrer: 'https://www.google.com/',
    referrer_host: 'www.google.com',
    page_url: 'https://okla.do/vehiculos/toyota-rav4-2019/lst_10001',
    page_path: '/vehiculos/toyota-rav4-2019/lst_10001',
    page_title: 'Toyota RAV4 2019 | OKLA',
    device_type: mobile ? 'mobile' : 'desktop',
    os: mobile ? 'Android' : 'Windows',
    os_version: mobile ? '13' : '10',
    browser: 'Chrome',
    browser_version: '120.0.0.0',
    is_bot: false,
    locale: 'es-DO',
    timezone: 'America/Santo_Domingo',
    library: { name: 'plaza-browser', version: '0.1.0' },
    utm: { source: null, medium: null, campaign: null, term: null, content: null },
    extra: {},
  };
}

export interface MakeEventsOptions {
  projectId: string;
  count: number;
  seed?: number;
  /** Event time of the first event (ms). */
  startMs: number;
  /** Mean event-time step between consecutive events (ms). */
  stepMs: number;
  visitors?: number;
  listings?: number;
  sellers?: number;
  /** Share of events sent late: their time is moved back by up to `maxLateMs`. */
  lateShare?: number;
  maxLateMs?: number;
  /** received_at − event time for on-time events (ms). Default 200. */
  receiveDelayMs?: number;
  idPrefix?: string;
  /** Restrict the mix to these types. */
  types?: string[];
}

/** `count` events in roughly increasing event time; received_at follows the arrival order. */
export function makeEvents(o: MakeEventsOptions): PlazaEvent[] {
  const r = rng(o.seed ?? 1);
  const visitors = o.visitors ?? 5000;
  const listings = o.listings ?? 2000;
  const sellers = o.sellers ?? 150;
  const mix = o.types ? typeMix.filter(([t]) => o.types!.includes(t)) : typeMix;
  const total = mix.reduce((s, [, w]) => s + w, 0);
  const out: PlazaEvent[] = [];
  let t = o.startMs;
  for (let i = 0; i < o.count; i++) {
    t += o.stepMs * 2 * r();
    let pick = r() * total;
    let type = mix[0]![0];
    for (const [name, w] of mix) {
      pick -= w;
      if (pick <= 0) {
        type = name;
        break;
      }
    }
    const listingN = Math.floor(r() ** 2 * listings);
    const listing = `lst_${listingN}`;
    const seller = `dlr_${listingN % sellers}`;
    const visitorN = Math.floor(r() * visitors);
    const identified = r() < 0.2;
    const late = o.lateShare !== undefined && r() < o.lateShare;
    const eventTime = late ? t - r() * (o.maxLateMs ?? 0) : t;
    const received = t + (o.receiveDelayMs ?? 200);
    const properties: Record<string, unknown> = {};
    let listingId: string | null = null;
    let sellerId: string | null = null;
    switch (type) {
      case 'listing_viewed':
      case 'contact_sent':
      case 'test_drive_requested':
        properties['listing_id'] = listing;
        properties['seller_id'] = seller;
        properties['price'] = 1_000_000 + listingN * 1000;
        properties['currency'] = 'DOP';
        listingId = listing;
        sellerId = seller;
        if (type === 'contact_sent') properties['channel'] = 'whatsapp';
        break;
      case 'favorite':
        properties['action'] = r() < 0.85 ? 'add' : 'remove';
        properties['listing_id'] = listing;
        properties['seller_id'] = seller;
        listingId = listing;
        sellerId = seller;
        break;
      case 'product_viewed':
      case 'add_to_cart':
        properties['product_id'] = `prd_${listingN}`;
        properties['store_id'] = `str_${listingN % sellers}`;
        properties['price'] = 500 + listingN;
        properties['currency'] = 'DOP';
        listingId = `prd_${listingN}`;
        sellerId = `str_${listingN % sellers}`;
        break;
      case 'checkout_started':
      case 'purchase_completed':
        properties['store_id'] = `str_${listingN % sellers}`;
        properties['order_id'] = `ord_${i}`;
        properties['total'] = Math.round((500 + r() * 20_000) * 100) / 100;
        properties['currency'] = r() < 0.9 ? 'DOP' : 'USD';
        sellerId = `str_${listingN % sellers}`;
        break;
      case 'search':
        properties['query'] = 'toyota rav4 santo domingo';
        properties['results_count'] = Math.floor(r() * 200);
        break;
      default:
        properties['name'] = 'listing_detail';
    }
    const timestamp = new Date(eventTime).toISOString();
    out.push({
      event_id: `${o.idPrefix ?? 'e'}-${i}`,
      project_id: o.projectId,
      event_type: type,
      timestamp,
      received_at: new Date(received).toISOString(),
      sent_at: null,
      original_timestamp: timestamp,
      anonymous_id: `anon-${visitorN}`,
      user_id: identified ? `user-${visitorN}` : null,
      session_id: `sess-${visitorN}-${Math.floor(t / 1_800_000)}`,
      seller_id: sellerId,
      listing_id: listingId,
      schema_version: 1,
      source: { shape: 'native', key_id: 'key_bench', segment_type: null },
      context: context(r),
      properties,
      traits: null,
      flags: [],
    });
  }
  return out;
}

/** Appends events to the log as the collector does (topic by type, keyed by visitor), in chunks. */
export async function appendEvents(log: EventLog, events: PlazaEvent[], chunk = 5000): Promise<void> {
  for (let i = 0; i < events.length; i += chunk) {
    const byTopic = new Map<string, LogRecord[]>();
    for (const e of events.slice(i, i + chunk)) {
      const topic = topicFor(e);
      const list = byTopic.get(topic) ?? [];
      list.push({ key: partitionKey(e), value: encodeEvent(e), timestamp: Date.parse(e.received_at) });
      byTopic.set(topic, list);
    }
    for (const [topic, records] of byTopic) await log.append(topic, records);
  }
}
