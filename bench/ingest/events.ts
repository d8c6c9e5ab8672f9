/**
 * Request bodies for the ingest benchmark: realistic native `listing_viewed` events (~500 bytes each) with a
 * unique event_id per event, so the server takes its real path (a repeated id would be deduplicated).
 *
 * Bodies are assembled from pre-serialised fragments: only the id and the timestamp change per event, so the
 * load generator spends its CPU on sending, not on JSON.stringify.
 */

const userAgents = [
  'Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
];

const vehicles = [
  { make: 'Toyota', model: 'RAV4', body_type: 'suv', price: 1_850_000 },
  { make: 'Honda', model: 'Civic', body_type: 'sedan', price: 1_250_000 },
  { make: 'Hyundai', model: 'Tucson', body_type: 'suv', price: 1_640_000 },
  { make: 'Kia', model: 'Sportage', body_type: 'suv', price: 1_490_000 },
  { make: 'Toyota', model: 'Hilux', body_type: 'pickup', price: 2_350_000 },
  { make: 'Nissan', model: 'Sentra', body_type: 'sedan', price: 990_000 },
];
const provinces = ['Santo Domingo', 'Santiago', 'La Romana', 'Puerto Plata', 'San Cristóbal'];
const referrers = [
  'https://www.google.com/',
  'https://www.facebook.com/',
  '',
  'https://okla.do/buscar?q=suv',
];

/** Distinct event tails: enough variety for the enrichment caches to behave as in production. */
const TAILS = 997;

function tail(i: number): string {
  const v = vehicles[i % vehicles.length]!;
  const listing = `lst_${10_000 + ((i * 37) % 5_000)}`;
  const slug = `${v.make}-${v.model}-${2012 + (i % 12)}`.toLowerCase();
  const referrer = referrers[i % referrers.length]!;
  return JSON.stringify({
    event_type: 'listing_viewed',
    anonymous_id: `anon-${(i * 7919) % 50_000}`,
    session_id: `sess-${(i * 104_729) % 20_000}`,
    context: {
      user_agent: userAgents[i % userAgents.length],
      page_url: `https://okla.do/vehiculos/${slug}/${listing}`,
      ...(referrer ? { referrer } : {}),
      ip: `190.80.${i % 250}.${(i * 13) % 254}`,
    },
    properties: {
      listing_id: listing,
      seller_id: `dlr_${i % 300}`,
      make: v.make,
      model: v.model,
      year: 2012 + (i % 12),
      body_type: v.body_type,
      price: v.price - (i % 20) * 10_000,
      currency: 'DOP',
      province: provinces[i % provinces.length],
    },
  }).slice(1); // without the opening brace: the id and timestamp go first
}

const tails = Array.from({ length: TAILS }, (_, i) => tail(i));

/** Makes event bodies with ids `<prefix>-<n>`, n counting from 0; `count` says how many were made. */
export class EventFactory {
  private n = 0;
  constructor(private readonly prefix: string) {}

  get count(): number {
    return this.n;
  }

  /** One event as JSON text. */
  event(timestamp = new Date().toISOString()): string {
    const i = this.n++;
    return `{"event_id":"${this.prefix}-${i}","timestamp":"${timestamp}",${tails[i % TAILS]}`;
  }

  /** A native batch body: `{"events":[...]}`. */
  batch(size: number): string {
    const ts = new Date().toISOString();
    const parts = new Array<string>(size);
    for (let k = 0; k < size; k++) parts[k] = this.event(ts);
    return `{"events":[${parts.join(',')}]}`;
  }

  /** A single-event request body: the bare event object, as a browser tracker sends it. */
  single(): string {
    return this.event();
  }
}

/** Mean size in bytes of one serialised event (for the report). */
export function meanEventBytes(): number {
  const f = new EventFactory('plaza-batch-m3x9k2ab');
  let total = 0;
  for (let i = 0; i < TAILS; i++) total += Buffer.byteLength(f.event());
  return Math.round(total / TAILS);
}
