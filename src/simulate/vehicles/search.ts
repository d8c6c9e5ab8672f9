/**
 * Searches: what a buyer means (the intent, ground truth), what they type for it in Dominican Spanish
 * ("yipeta toyota 2018 menos de un millón en santiago", "pasola barata", "jeepeta") or English, typos
 * included, the filters the site applies (consistent with the text), and the search itself over the active
 * listings.
 */
import { PROVINCE_SPELLINGS } from '../core/geo.js';
import type { Rng } from '../core/rng.js';
import type { Language } from '../core/vertical.js';
import type { VehiclePrefs } from './buyers.js';
import { behaviour, market } from './calibration.js';
import { type BodyType, MODELS, type Model } from './catalog.js';
import {
  bodyCode,
  conditionCode,
  type Inventory,
  type ListingPool,
  makeCode,
  modelCodeByName,
  provinceCode,
} from './inventory.js';
import { type Listing, thousands } from './listings.js';

export interface SearchIntent {
  body_type?: BodyType;
  make?: string;
  model?: string;
  year_min?: number;
  price_max?: number;
  currency?: 'DOP' | 'USD';
  province?: string;
  condition?: 'new' | 'used';
  /** "barato", "cheap": sorted by price, no explicit limit. */
  cheap?: boolean;
}

export type Sort = 'relevance' | 'price_asc' | 'newest';

export interface Search {
  intent: SearchIntent;
  /** Exactly as typed ('' for filter-only searches). */
  query: string;
  language: Language;
  typo: boolean;
  filters: Record<string, unknown>;
  sort: Sort;
}

const BODY_ES: Record<BodyType, readonly (readonly [string, number])[]> = {
  suv: [
    ['yipeta', 0.45],
    ['jeepeta', 0.3],
    ['jipeta', 0.05],
    ['suv', 0.2],
  ],
  sedan: [
    ['carro', 0.6],
    ['sedan', 0.25],
    ['sedán', 0.15],
  ],
  pickup: [
    ['camioneta', 0.6],
    ['pickup', 0.25],
    ['doble cabina', 0.15],
  ],
  hatchback: [
    ['carrito', 0.5],
    ['hatchback', 0.5],
  ],
  minivan: [
    ['minivan', 0.7],
    ['guagua', 0.3],
  ],
  van: [
    ['guagua', 0.6],
    ['van', 0.4],
  ],
  coupe: [
    ['carro deportivo', 0.5],
    ['coupe', 0.5],
  ],
  motorcycle: [
    ['pasola', 0.3],
    ['motor', 0.4],
    ['moto', 0.2],
    ['motocicleta', 0.1],
  ],
};
const FEMININE = new Set([
  'yipeta',
  'jeepeta',
  'jipeta',
  'camioneta',
  'pasola',
  'moto',
  'motocicleta',
  'guagua',
  'doble cabina',
  'minivan',
  'van',
  'suv',
  'pickup',
]);
const BODY_EN: Record<BodyType, readonly string[]> = {
  suv: ['suv', 'SUV', 'jeep'],
  sedan: ['sedan', 'car'],
  pickup: ['pickup', 'truck', 'pickup truck'],
  hatchback: ['hatchback', 'small car'],
  minivan: ['minivan'],
  van: ['van'],
  coupe: ['coupe', 'sports car'],
  motorcycle: ['motorcycle', 'motorbike', 'scooter'],
};
const MAKE_SPELLINGS: Record<string, readonly string[]> = {
  'Mercedes-Benz': ['mercedes', 'mercedes benz', 'benz'],
  Chevrolet: ['chevrolet', 'chevy'],
  Volkswagen: ['volkswagen', 'vw'],
};

const modelByName = new Map<string, Model>(MODELS.map((m) => [m.name, m]));

/** A "nice" price a person would type: 1.5 millones, 800 mil, 20 mil dólares. */
function nicePrice(amount: number, currency: 'DOP' | 'USD'): number {
  if (currency === 'USD') return Math.max(1000, Math.round(amount / 1000) * 1000);
  if (amount >= 1_000_000) return Math.max(1_000_000, Math.round(amount / 500_000) * 500_000);
  return Math.max(50_000, Math.round(amount / 50_000) * 50_000);
}

/** What the buyer looks for this time: a few of their preferences, not always all. */
function drawIntent(rng: Rng, p: VehiclePrefs, province: string): SearchIntent {
  const intent: SearchIntent = {};
  const bodies = Object.entries(p.bodies) as [BodyType, number][];
  const makes = Object.entries(p.makes);
  const body = rng.weighted(bodies);
  const mk = makes.length > 0 ? rng.weighted(makes) : undefined;
  const modelInfo = p.model === null ? undefined : modelByName.get(p.model);
  if (modelInfo !== undefined && rng.chance(0.3)) {
    intent.make = modelInfo.make;
    intent.model = modelInfo.name;
    if (rng.chance(0.2)) intent.body_type = modelInfo.body;
  } else {
    if (rng.chance(0.75)) intent.body_type = body;
    if (mk !== undefined && rng.chance(0.5)) intent.make = mk;
  }
  if (intent.body_type === undefined && intent.make === undefined && rng.chance(0.7)) intent.body_type = body;
  if (rng.chance(0.3)) intent.year_min = p.min_year;
  const cheap = intent.body_type !== undefined && p.budget_dop < 800_000 && rng.chance(0.3);
  if (cheap) intent.cheap = true;
  else if (rng.chance(0.45)) {
    const currency = p.budget_dop > 1_500_000 && rng.chance(0.25) ? 'USD' : 'DOP';
    intent.currency = currency;
    intent.price_max = nicePrice(currency === 'USD' ? p.budget_dop / market.usdDop : p.budget_dop, currency);
  }
  if (rng.chance(0.3)) intent.province = province;
  if (p.wants_new && rng.chance(0.5)) intent.condition = 'new';
  return intent;
}

function spellMake(rng: Rng, name: string): string {
  const alt = MAKE_SPELLINGS[name];
  const s = alt !== undefined && rng.chance(0.7) ? rng.pick(alt) : name;
  return rng.chance(0.8) ? s.toLowerCase() : s;
}

function spellModel(rng: Rng, name: string): string {
  const m = modelByName.get(name);
  const s = m?.aliases !== undefined && rng.chance(0.4) ? rng.pick(m.aliases) : name;
  return rng.chance(0.8) ? s.toLowerCase() : s;
}

function millions(x: number): string {
  const m = x / 1_000_000;
  return m === 1 ? 'un millón' : `${String(m).replace('.', ',')} millones`;
}

function priceEs(rng: Rng, amount: number, currency: 'DOP' | 'USD'): string {
  const lead = rng.pick(['menos de', 'hasta', 'de', 'en', 'máximo']);
  if (currency === 'USD') {
    return rng.chance(0.5) ? `${lead} ${amount / 1000} mil dólares` : `${lead} US$${thousands(amount, ',')}`;
  }
  if (amount >= 1_000_000)
    return `${lead} ${rng.chance(0.8) ? millions(amount) : `${amount / 1_000_000} millones`}`;
  return `${lead} ${amount / 1000} mil`;
}

function priceEn(rng: Rng, amount: number, currency: 'DOP' | 'USD'): string {
  if (currency === 'USD')
    return rng.chance(0.5) ? `under $${amount / 1000}k` : `below ${thousands(amount, ',')} dollars`;
  return amount >= 1_000_000 ? `under ${amount / 1_000_000} million pesos` : `under ${amount / 1000}k pesos`;
}

function provinceWords(rng: Rng, province: string): string {
  const spellings = PROVINCE_SPELLINGS[province];
  return spellings !== undefined ? rng.pick(spellings) : province.toLowerCase();
}

function spanishQuery(rng: Rng, i: SearchIntent): string {
  const parts: string[] = [];
  let noun = '';
  if (i.body_type !== undefined && (i.model === undefined || rng.chance(0.3))) {
    noun = rng.weighted(BODY_ES[i.body_type]);
    parts.push(noun);
  }
  if (i.make !== undefined && (i.model === undefined || rng.chance(0.7))) parts.push(spellMake(rng, i.make));
  if (i.model !== undefined) parts.push(spellModel(rng, i.model));
  if (i.condition === 'new') parts.push(FEMININE.has(noun) ? 'nueva' : 'nuevo', rng.chance(0.5) ? '0km' : '');
  if (i.year_min !== undefined) {
    parts.push(
      rng.weighted([
        [`${i.year_min}`, 0.5],
        [`del ${i.year_min} en adelante`, 0.2],
        [`${i.year_min} pa' arriba`, 0.15],
        [`desde ${i.year_min}`, 0.15],
      ]),
    );
  }
  if (i.cheap)
    parts.push(
      rng.pick(
        FEMININE.has(noun)
          ? ['barata', 'económica', 'de oportunidad']
          : ['barato', 'económico', 'de oportunidad'],
      ),
    );
  if (i.price_max !== undefined) parts.push(priceEs(rng, i.price_max, i.currency ?? 'DOP'));
  if (i.province !== undefined)
    parts.push(`${rng.chance(0.7) ? 'en ' : ''}${provinceWords(rng, i.province)}`);
  return parts.filter((x) => x !== '').join(' ');
}

function englishQuery(rng: Rng, i: SearchIntent): string {
  const parts: string[] = [];
  if (i.cheap) parts.push('cheap');
  if (i.condition === 'new') parts.push('new');
  if (i.year_min !== undefined && rng.chance(0.5)) parts.push(`${i.year_min}`);
  if (i.make !== undefined) parts.push(spellMake(rng, i.make));
  if (i.model !== undefined) parts.push(spellModel(rng, i.model));
  if (i.body_type !== undefined && (i.model === undefined || rng.chance(0.3)))
    parts.push(rng.pick(BODY_EN[i.body_type]));
  if (i.year_min !== undefined && !parts.includes(`${i.year_min}`)) parts.push(`${i.year_min} or newer`);
  if (i.price_max !== undefined) parts.push(priceEn(rng, i.price_max, i.currency ?? 'DOP'));
  if (i.province !== undefined) parts.push(`in ${provinceWords(rng, i.province)}`);
  return parts.join(' ');
}

/** A slip of the finger in one word of five letters or more: a swapped pair or a dropped letter. */
function typo(rng: Rng, query: string): string {
  const words = query.split(' ');
  const long = words
    .map((w, i) => [w, i] as const)
    .filter(([w]) => w.length >= 5 && /^[a-záéíóúñ]+$/.test(w));
  if (long.length === 0) return query;
  const [w, idx] = rng.pick(long);
  const k = rng.int(1, w.length - 2);
  words[idx] = rng.chance(0.5)
    ? w.slice(0, k) + w[k + 1] + w[k] + w.slice(k + 2)
    : w.slice(0, k) + w.slice(k + 1);
  return words.join(' ');
}

/** The filters the site applies for an intent (parsed from the text, or picked in the filter panel). */
export function filtersOf(i: SearchIntent): Record<string, unknown> {
  const f: Record<string, unknown> = {};
  if (i.make !== undefined) f['make'] = i.make;
  if (i.model !== undefined) f['model'] = i.model;
  if (i.body_type !== undefined) f['body_type'] = i.body_type;
  if (i.year_min !== undefined) f['year_min'] = i.year_min;
  if (i.price_max !== undefined) {
    f['price_max'] = i.price_max;
    f['currency'] = i.currency ?? 'DOP';
  }
  if (i.province !== undefined) f['province'] = i.province;
  if (i.condition !== undefined) f['condition'] = i.condition;
  return f;
}

export function drawSearch(rng: Rng, p: VehiclePrefs, province: string, language: Language): Search {
  const intent = drawIntent(rng, p, province);
  const typed = rng.chance(behaviour.textSearchShare);
  let query = '';
  let hasTypo = false;
  if (typed) {
    query = language === 'en' ? englishQuery(rng, intent) : spanishQuery(rng, intent);
    if (rng.chance(behaviour.typoShare)) {
      const t = typo(rng, query);
      hasTypo = t !== query;
      query = t;
    }
  }
  const sort: Sort = intent.cheap
    ? 'price_asc'
    : rng.weighted([
        ['relevance', 0.6],
        ['price_asc', 0.25],
        ['newest', 0.15],
      ]);
  return { intent, query, language, typo: hasTypo, filters: filtersOf(intent), sort };
}

/**
 * An intent as a predicate over a pool's columns (see inventory.ts), with its constants worked out once per
 * search: it runs for every candidate of every search.
 */
class Filter {
  readonly make: number;
  readonly model: number;
  readonly body: number;
  readonly yearMin: number;
  readonly maxDop: number;
  readonly province: number;
  /** -1: any; otherwise a condition code, 'used' also accepting certified. */
  readonly condition: number;

  constructor(i: SearchIntent) {
    const code = <K>(map: Map<K, number>, key: K | undefined): number =>
      key === undefined ? -1 : (map.get(key) ?? -2);
    this.make = code(makeCode, i.make);
    this.model = code(modelCodeByName, i.model);
    this.body = code(bodyCode, i.body_type);
    this.yearMin = i.year_min ?? 0;
    this.maxDop =
      i.price_max === undefined
        ? Number.POSITIVE_INFINITY
        : i.currency === 'USD'
          ? i.price_max * market.usdDop
          : i.price_max;
    this.province = code(provinceCode, i.province);
    this.condition = i.condition === undefined ? -1 : conditionCode[i.condition];
  }

  matches(p: ListingPool, k: number): boolean {
    if ((p.priceDop[k] as number) > this.maxDop || (p.year[k] as number) < this.yearMin) return false;
    if (this.body !== -1 && p.body[k] !== this.body) return false;
    if (this.make !== -1 && p.make[k] !== this.make) return false;
    if (this.model !== -1 && p.model[k] !== this.model) return false;
    if (this.province !== -1 && p.province[k] !== this.province) return false;
    const c = this.condition;
    return (
      c === -1 ||
      p.condition[k] === c ||
      (c === conditionCode.used && p.condition[k] === conditionCode.certified)
    );
  }
}

/**
 * Scanning more listings than this per search costs more than it teaches (each one is a cache miss): larger
 * candidate sets are sampled and the count extrapolated.
 */
const SCAN = 150;
export const PAGE_SIZE = 20;
/** Results kept in display order: the pages a buyer may go through. */
const KEEP = 3 * PAGE_SIZE;

export interface Results {
  /** Total matches (estimated from a sample when the candidate set is large). */
  count: number;
  /** The first matches in display order (up to KEEP). */
  listings: Listing[];
}

/** Sort key at slot k of a pool, smaller first. */
function keyOf(sort: Sort, p: ListingPool, k: number): number {
  return sort === 'price_asc'
    ? (p.priceDop[k] as number)
    : sort === 'newest'
      ? -(p.listedAt[k] as number)
      : -(p.rank[k] as number);
}

/** Runs a search over the active listings: narrowest index first, a sample when it is large, top KEEP kept. */
export function runSearch(rng: Rng, inv: Inventory, s: Search): Results {
  const i = s.intent;
  const pool =
    (i.make !== undefined
      ? inv.byMake.get(i.make)
      : i.body_type !== undefined
        ? inv.byBody.get(i.body_type)
        : inv.all) ?? inv.all;
  const filter = new Filter(i);
  const n = pool.size;
  const scanned = Math.min(n, SCAN);
  const from = n <= SCAN ? 0 : rng.int(0, n - 1);
  // Bounded insertion: `top` stays sorted by `keys`, at most KEEP long.
  const top: number[] = [];
  const keys: number[] = [];
  let found = 0;
  for (let j = 0; j < scanned; j++) {
    const k = (from + j) % n;
    if (!filter.matches(pool, k)) continue;
    found++;
    const key = keyOf(s.sort, pool, k);
    if (top.length === KEEP && key >= (keys[KEEP - 1] as number)) continue;
    let at = top.length === KEEP ? KEEP - 1 : top.length;
    while (at > 0 && (keys[at - 1] as number) > key) {
      top[at] = top[at - 1] as number;
      keys[at] = keys[at - 1] as number;
      at--;
    }
    top[at] = k;
    keys[at] = key;
  }
  return {
    count: Math.round((found * n) / Math.max(1, scanned)),
    listings: top.map((k) => pool.items[k] as Listing),
  };
}
