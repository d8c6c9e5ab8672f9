/**
 * The vehicles world looks like a vehicle marketplace: funnel ratios, bounce rate, price-model fit, churn,
 * fraud and spam shares, language mix, sale speed by price, identity stitching, searches consistent with
 * their intent, ratings that follow the experience. Bounds live in src/simulate/vehicles/calibration.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createSimulation, type SimEvent } from '../src/simulate/index.js';
import { bounds } from '../src/simulate/vehicles/calibration.js';
import { MODELS } from '../src/simulate/vehicles/catalog.js';
import { filtersOf, type SearchIntent } from '../src/simulate/vehicles/search.js';

const DAY = 86_400_000;
const start = Date.UTC(2026, 5, 1);
const end = start + 45 * DAY;
const options = { vertical: 'vehicles' as const, seed: 99, start, days: 45, users: 3000, sellers: 250 };

type Row = Record<string, unknown>;

async function ndjson(dir: string, kind: string): Promise<Row[]> {
  const text = await readFile(join(dir, `${kind}.ndjson`), 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Row);
}

function within(name: keyof typeof bounds, value: number): void {
  const [lo, hi] = bounds[name];
  assert.ok(value >= lo && value <= hi, `${name} = ${value.toFixed(4)} outside [${lo}, ${hi}]`);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

/** R² of ordinary least squares of y on the columns of x (an intercept is added). */
function olsR2(x: number[][], y: number[]): number {
  const k = (x[0]?.length ?? 0) + 1;
  const xtx = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const xty = new Array<number>(k).fill(0);
  for (let i = 0; i < y.length; i++) {
    const row = [1, ...(x[i] as number[])];
    for (let a = 0; a < k; a++) {
      xty[a] = (xty[a] as number) + (row[a] as number) * (y[i] as number);
      for (let b = 0; b < k; b++)
        (xtx[a] as number[])[b] =
          ((xtx[a] as number[])[b] as number) + (row[a] as number) * (row[b] as number);
    }
  }
  // Gauss–Jordan on the normal equations.
  const m = xtx.map((r, i) => [...r, xty[i] as number]);
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++)
      if (Math.abs((m[r] as number[])[c] as number) > Math.abs((m[p] as number[])[c] as number)) p = r;
    [m[c], m[p]] = [m[p] as number[], m[c] as number[]];
    const pivot = (m[c] as number[])[c] as number;
    for (let j = c; j <= k; j++) (m[c] as number[])[j] = ((m[c] as number[])[j] as number) / pivot;
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = (m[r] as number[])[c] as number;
      for (let j = c; j <= k; j++)
        (m[r] as number[])[j] = ((m[r] as number[])[j] as number) - f * ((m[c] as number[])[j] as number);
    }
  }
  const beta = m.map((r) => r[k] as number);
  const mean = y.reduce((s, v) => s + v, 0) / y.length;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < y.length; i++) {
    const row = [1, ...(x[i] as number[])];
    const fit = row.reduce((s, v, j) => s + v * (beta[j] as number), 0);
    ssRes += ((y[i] as number) - fit) ** 2;
    ssTot += ((y[i] as number) - mean) ** 2;
  }
  return 1 - ssRes / ssTot;
}

function correlation(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += ((a[i] as number) - ma) * ((b[i] as number) - mb);
    saa += ((a[i] as number) - ma) ** 2;
    sbb += ((b[i] as number) - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('vehicles: statistical properties', () => {
  let dir: string;
  const counts = new Map<string, number>();
  const pagesPerSession = new Map<string, number>();
  const events: SimEvent[] = [];
  let listings: Row[] = [];
  let buyers: Row[] = [];
  let searches: Row[] = [];
  let reviews: Row[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plaza-simulate-stats-'));
    const sim = createSimulation({ ...options, groundTruthDir: dir });
    const it = sim.events();
    for (;;) {
      const e = it.next().value as SimEvent;
      if (Date.parse(e.input.timestamp as string) >= end) break;
      const type = e.call === 'track' ? e.input.eventType : e.call;
      counts.set(type, (counts.get(type) ?? 0) + 1);
      if (e.call === 'page') {
        const s = e.input.sessionId as string;
        pagesPerSession.set(s, (pagesPerSession.get(s) ?? 0) + 1);
      }
      if (type !== 'page' && type !== 'engagement' && type !== 'click' && type !== 'listing_viewed')
        events.push(e);
    }
    await sim.close();
    listings = await ndjson(dir, 'listings');
    buyers = await ndjson(dir, 'buyers');
    searches = await ndjson(dir, 'searches');
    reviews = await ndjson(dir, 'reviews');
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const n = (type: string): number => counts.get(type) ?? 0;

  test('funnel: searches lead to views, views to contacts', () => {
    within('viewsPerSearch', n('listing_viewed') / n('search'));
    within('contactsPerView', n('contact_sent') / n('listing_viewed'));
    assert.ok(n('test_drive_requested') < n('contact_sent'));
    const channels = new Map<string, number>();
    for (const e of events) {
      if (e.call === 'track' && e.input.eventType === 'contact_sent') {
        const c = String(e.input.properties?.['channel']);
        channels.set(c, (channels.get(c) ?? 0) + 1);
      }
    }
    const whatsapp = channels.get('whatsapp') ?? 0;
    assert.ok(
      whatsapp > (channels.get('phone') ?? 0) && whatsapp > (channels.get('form') ?? 0),
      'WhatsApp leads',
    );
  });

  test('bounce rate', () => {
    let single = 0;
    for (const pages of pagesPerSession.values()) if (pages === 1) single++;
    within('bounceRate', single / pagesPerSession.size);
  });

  test('asking prices follow the price model', () => {
    const y = listings.map((l) => Math.log(l['asking_price_dop'] as number));
    const fair = listings.map((l) => Math.log(l['fair_price_dop'] as number));
    const mean = y.reduce((s, v) => s + v, 0) / y.length;
    let ssRes = 0;
    let ssTot = 0;
    for (let i = 0; i < y.length; i++) {
      ssRes += ((y[i] as number) - (fair[i] as number)) ** 2;
      ssTot += ((y[i] as number) - mean) ** 2;
    }
    within('priceFitR2', 1 - ssRes / ssTot);
    // A hedonic regression on what a data scientist would see: new price of the model and trim, age, mileage.
    const byName = new Map(MODELS.map((m) => [`${m.make}|${m.name}`, m]));
    const year = new Date(start).getUTCFullYear();
    const x = listings.map((l) => {
      const m = byName.get(`${l['make']}|${l['model']}`);
      const trim = m?.trims.find(([t]) => t === l['trim'])?.[1] ?? 1;
      return [
        Math.log((m?.newUsd ?? 1) * trim),
        year - (l['year'] as number),
        (l['mileage_km'] as number) / 100_000,
        l['condition'] === 'new' ? 1 : 0,
      ];
    });
    within('hedonicR2', olsR2(x, y));
  });

  test('underpriced listings sell faster than overpriced ones', () => {
    const pricing = new Map(listings.map((l) => [l['listing_id'] as string, l['pricing'] as string]));
    const days: Record<string, number[]> = { over: [], under: [] };
    for (const e of events) {
      if (e.call !== 'track' || e.input.eventType !== 'listing_sold') continue;
      const kind = pricing.get(e.input.listingId as string) ?? '';
      days[kind]?.push(e.input.properties?.['days_on_market'] as number);
    }
    assert.ok((days['over']?.length ?? 0) > 20 && (days['under']?.length ?? 0) > 20, 'enough sales of each');
    within('saleSpeedRatio', (median(days['over'] ?? []) + 1) / (median(days['under'] ?? []) + 1));
  });

  test('churn and fraud shares', () => {
    within('churnShare', buyers.filter((b) => b['churn_at'] !== null).length / buyers.length);
    within('fraudShare', listings.filter((l) => l['fraud'] === true).length / listings.length);
    // Fraudulent listings recycle a few texts and are priced far below market.
    const fraudIds = new Set(listings.filter((l) => l['fraud'] === true).map((l) => l['listing_id']));
    const texts = new Set<string>();
    for (const e of events) {
      if (e.call === 'track' && e.input.eventType === 'listing_created' && fraudIds.has(e.input.listingId)) {
        texts.add(String(e.input.properties?.['description']));
      }
    }
    assert.ok(texts.size > 0 && texts.size <= 6, `fraud texts: ${texts.size}`);
    for (const l of listings) if (l['fraud'] === true) assert.ok((l['price_ratio'] as number) < 0.75);
  });

  test('searches: Spanish mostly, filters consistent with the intent', () => {
    const typed = searches.filter((s) => s['query'] !== '');
    within('spanishSearchShare', typed.filter((s) => s['language'] === 'es').length / typed.length);
    const byEvent = new Map<string, Row>();
    for (const e of events)
      if (e.call === 'track' && e.input.eventType === 'search')
        byEvent.set(e.input.eventId as string, e.input.properties ?? {});
    let checked = 0;
    for (const s of searches) {
      const p = byEvent.get(s['event_id'] as string);
      if (p === undefined) {
        // Ground truth is written when the search runs, a moment before its event: the last ones may be cut.
        assert.ok(Date.parse(s['at'] as string) > end - 60_000, 'every search truth has its event');
        continue;
      }
      assert.deepEqual(p['filters'], filtersOf(s['intent'] as SearchIntent));
      assert.equal(p['query'], s['query']);
      checked++;
    }
    assert.ok(checked > 1000);
    const queries = typed.map((s) => String(s['query']));
    for (const word of ['yipeta', 'jeepeta', 'carro', 'millón', 'en santiago']) {
      assert.ok(
        queries.some((q) => q.includes(word)),
        `someone searched "${word}"`,
      );
    }
  });

  test('reviews: ratings follow the experience, a little spam', () => {
    within('spamShare', reviews.filter((r) => r['spam'] === true).length / reviews.length);
    const genuine = reviews.filter((r) => r['spam'] === false);
    assert.ok(genuine.length > 100, `genuine reviews: ${genuine.length}`);
    const r = correlation(
      genuine.map((x) => x['rating'] as number),
      genuine.map((x) => x['experience'] as number),
    );
    assert.ok(r > 0.6, `rating–experience correlation ${r}`);
  });

  test('identity stitching: anonymous before, the same anonymous id with a user id after', () => {
    const anonymousOnly = new Set<string>();
    let stitched = 0;
    for (const e of events) {
      const { anonymousId, userId } = e.input;
      if (anonymousId === undefined) continue;
      if (userId === undefined) anonymousOnly.add(anonymousId);
      else if (e.call === 'identify' && anonymousOnly.has(anonymousId)) stitched++;
    }
    assert.ok(stitched > 100, `identify events tying earlier anonymous browsing to a user: ${stitched}`);
    assert.ok(n('signed_up') > 100 && n('logged_in') > 10);
  });
});
