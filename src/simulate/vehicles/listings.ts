/**
 * Vehicle listings: drawing a listing's attributes for a seller (model, year, mileage, trim, colour, photos),
 * its title and description (mostly Spanish, some English; fraudulent ones recycle a few texts), its fair and
 * asking prices, and the index of active listings that searches run against.
 */
import { slug } from '../core/people.js';
import type { Rng } from '../core/rng.js';
import type { VehicleBuyer } from './buyers.js';
import { market, pricing } from './calibration.js';
import {
  type BodyType,
  COLORS_ES,
  colorInEnglish,
  type Fuel,
  type Model,
  make,
  modelsByMarketShare,
} from './catalog.js';
import { bodyCode, makeCode, modelCode, provinceCode } from './inventory.js';
import {
  askingDop,
  type Currency,
  drawPricing,
  expectedKm,
  fairPriceDop,
  type Pricing,
  roundPrice,
  toCurrency,
} from './pricing.js';
import type { Seller } from './sellers.js';

export interface Listing {
  id: string;
  seller: Seller;
  model: Model;
  /** Catalogue codes of the model, make, body type and province (see inventory.ts), for fast comparisons. */
  modelIdx: number;
  makeIdx: number;
  bodyIdx: number;
  provinceIdx: number;
  trim: string;
  year: number;
  mileageKm: number;
  fuel: Fuel;
  transmission: 'automatic' | 'manual' | 'cvt';
  drivetrain: 'fwd' | 'rwd' | 'awd' | '4x4' | null;
  color: string;
  condition: 'new' | 'used' | 'certified';
  province: string;
  city: string;
  photoCount: number;
  featured: boolean;
  /** The site's own ranking for "relevance": promoted first, then complete ads (photos) and fresh ones. */
  rank: number;
  /** log(fair / asking price): how much of a bargain it is (buyers weigh it on every look). */
  logDeal: number;
  title: string;
  /** Path of the listing's page on the site. */
  path: string;
  description: string;
  language: 'es' | 'en';
  currency: Currency;
  /** Current asking price in `currency`. */
  price: number;
  /** Asking price in DOP (for filters and buyer budgets, which think in pesos). */
  priceDop: number;
  /** Fair value from the price model, in DOP. */
  fairDop: number;
  pricing: Pricing;
  fraud: boolean;
  listedAt: number;
  /** Buyers who contacted the seller about it (a few, to pick the one who buys). */
  interested: VehicleBuyer[];
  contacts: number;
  active: boolean;
  /** Catalogue attributes as of now, rebuilt on every change (events share it, so never mutated). */
  attributes: Record<string, unknown>;
  /** Positions in the inventory arrays, for O(1) removal. */
  slots: [number, number, number];
}

const NEW_SHARE_DEALER = 0.1;
const CERTIFIED_SHARE_DEALER = 0.05;

/** Fraudulent listings copy one of a few texts, the signal a duplicate-text detector can learn. */
const FRAUD_TEXTS = [
  'Vendo por motivo de viaje, precio de oportunidad. Solo WhatsApp, no llamadas. Se requiere depósito para separar.',
  'Urgente!! Me voy del país y necesito vender ya. Papeles al día, no negociable. Escríbeme al WhatsApp, envío fotos.',
  'Precio de liquidación por herencia. Está en el puerto, se entrega con depósito del 20%. Solo mensajes.',
  'Selling fast, moving abroad. Price is final. Contact by WhatsApp only, deposit required to hold it.',
  'Vehículo importado recién llegado, precio especial esta semana. Reserva con transferencia, te lo llevamos.',
];

const CONDITION_ES = [
  'en excelentes condiciones',
  'como nueva',
  'impecable',
  'nítida',
  'bien cuidada',
  'en buenas condiciones',
  'único dueño',
];
const FEATURES_ES = [
  'aire acondicionado',
  'cámara de reversa',
  'gomas nuevas',
  'pantalla táctil',
  'asientos en piel',
  'sunroof',
  'Apple CarPlay',
  'aros de lujo',
  'mantenimiento al día',
];
const CLOSING_ES = [
  'Papeles al día.',
  'Precio negociable.',
  'Traspaso inmediato.',
  'Llama o escribe por WhatsApp.',
  'Acepto ofertas razonables.',
];
const DEALER_ES = [
  'Financiamiento disponible.',
  'Recibimos tu vehículo como inicial.',
  'Garantía de 3 meses.',
  'Visítanos en nuestro dealer.',
];
const CONDITION_EN = ['excellent condition', 'like new', 'clean', 'well kept', 'one owner', 'good condition'];
const FEATURES_EN = [
  'A/C',
  'backup camera',
  'new tires',
  'touch screen',
  'leather seats',
  'sunroof',
  'Apple CarPlay',
  'alloy wheels',
];
const CLOSING_EN = ['Clean papers.', 'Price negotiable.', 'Call or WhatsApp.', 'Financing available.'];

const BODY_NOUN_ES: Record<BodyType, string> = {
  sedan: 'carro',
  suv: 'yipeta',
  pickup: 'camioneta',
  hatchback: 'carrito',
  minivan: 'minivan',
  van: 'guagua',
  coupe: 'carro deportivo',
  motorcycle: 'motor',
};

function pickSome<T>(rng: Rng, items: readonly T[], n: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const x = rng.pick(items);
    if (!out.includes(x)) out.push(x);
  }
  return out;
}

function describe(rng: Rng, l: Listing): string {
  const name = `${l.model.make} ${l.model.name} ${l.year}`;
  if (l.language === 'en') {
    const features = pickSome(rng, FEATURES_EN, rng.int(1, 3)).join(', ');
    return `For sale: ${l.year} ${l.model.make} ${l.model.name} ${l.trim}, ${rng.pick(CONDITION_EN)}, ${thousands(l.mileageKm, ',')} km, ${colorInEnglish(l.color).toLowerCase()}, ${features}. ${rng.pick(CLOSING_EN)}`;
  }
  const opening = rng.pick(['Se vende', 'Vendo', 'Oferta:', 'Oportunidad:', 'Disponible:']);
  const features = pickSome(rng, FEATURES_ES, rng.int(1, 4)).join(', ');
  let text = `${opening} ${BODY_NOUN_ES[l.model.body]} ${name} ${l.trim}, ${rng.pick(CONDITION_ES)}, ${thousands(l.mileageKm, ',')} km, color ${l.color.toLowerCase()}, ${features}. ${rng.pick(CLOSING_ES)}`;
  if (l.seller.kind === 'dealer') text += ` ${rng.pick(DEALER_ES)}`;
  return text;
}

function title(rng: Rng, l: Listing): string {
  const base = `${l.model.make} ${l.model.name} ${l.trim} ${l.year}`;
  if (l.fraud) return `${base} ${rng.pick(['precio de oportunidad!!', 'URGENTE', 'ganga', 'remate'])}`;
  const suffix =
    l.language === 'en'
      ? rng.pick(['', 'clean', 'like new'])
      : rng.pick(['', '', 'impecable', 'como nueva', 'full', 'nítida', 'de oportunidad']);
  return suffix === '' ? base : `${base} ${suffix}`;
}

/** The catalogue attributes of a listing (listing_viewed, listing_created...). */
function attributesOf(l: Listing): Record<string, unknown> {
  const a: Record<string, unknown> = {
    listing_id: l.id,
    seller_id: l.seller.id,
    seller_type: l.seller.kind,
    title: l.title,
    make: l.model.make,
    model: l.model.name,
    trim: l.trim,
    year: l.year,
    mileage_km: l.mileageKm,
    body_type: l.model.body,
    fuel: l.fuel,
    transmission: l.transmission,
    exterior_color: l.color,
    condition: l.condition,
    price: l.price,
    currency: l.currency,
    province: l.province,
    city: l.city,
    photo_count: l.photoCount,
    is_featured: l.featured,
  };
  if (l.drivetrain !== null) a['drivetrain'] = l.drivetrain;
  return a;
}

function drawModel(rng: Rng, seller: Seller): Model {
  if (seller.specialty === 'luxury' && rng.chance(0.7)) {
    for (;;) {
      const m = modelsByMarketShare.draw(rng);
      if (make(m.make).luxury) return m;
    }
  }
  if (seller.specialty === 'motorcycles' && rng.chance(0.85)) {
    for (;;) {
      const m = modelsByMarketShare.draw(rng);
      if (m.body === 'motorcycle') return m;
    }
  }
  return modelsByMarketShare.draw(rng);
}

/** Draws a new listing of `seller` published at `at` (`atYear` is the same instant as a fractional year). */
export function newListing(rng: Rng, seller: Seller, id: string, at: number, atYear: number): Listing {
  const model = drawModel(rng, seller);
  const dealer = seller.kind === 'dealer';
  const thisYear = Math.floor(atYear);
  const isNew = dealer && model.body !== 'motorcycle' && rng.chance(NEW_SHARE_DEALER);
  const certified = !isNew && dealer && rng.chance(CERTIFIED_SHARE_DEALER);
  // Dealers sell younger vehicles; private sellers keep theirs longer.
  const meanAge = dealer ? 4 : 7.5;
  let year = isNew
    ? thisYear + (rng.chance(0.3) ? 1 : 0)
    : thisYear - Math.min(18, Math.floor(rng.exponential(meanAge)) + 1);
  year = Math.max(year, model.since);
  const age = Math.max(0, atYear - year);
  const mileageKm = isNew
    ? rng.int(5, 60)
    : Math.max(500, Math.round((expectedKm(model.body, age) * rng.logNormal(1, 0.35)) / 100) * 100);
  const [trim, trimFactor] = rng.pick(model.trims);
  const fuel = rng.chance(0.82) ? (model.fuels[0] as Fuel) : rng.pick(model.fuels);
  const body = model.body;
  const transmission =
    body === 'motorcycle'
      ? 'manual'
      : body === 'pickup' && rng.chance(0.35)
        ? 'manual'
        : rng.chance(0.1)
          ? 'cvt'
          : 'automatic';
  const drivetrain =
    body === 'motorcycle'
      ? null
      : body === 'pickup'
        ? rng.chance(0.55)
          ? '4x4'
          : 'rwd'
        : body === 'suv'
          ? rng.chance(0.4)
            ? 'awd'
            : rng.chance(0.3)
              ? '4x4'
              : 'fwd'
          : 'fwd';
  const condition = isNew ? 'new' : certified ? 'certified' : 'used';
  const kind = drawPricing(rng);
  const fraud = kind === 'fraud';
  const fairDop = fairPriceDop(
    { model, trimFactor, year, mileageKm, province: seller.province, condition, atYear },
    market.usdDop,
  );
  const luxury = make(model.make).luxury;
  const usdShare = (dealer ? pricing.usdShare.dealer : pricing.usdShare.private) * (luxury ? 2 : 1);
  const currency: Currency = body !== 'motorcycle' && rng.chance(usdShare) ? 'USD' : 'DOP';
  const price = roundPrice(toCurrency(askingDop(rng, fairDop, kind), currency, market.usdDop), currency);
  const photoCount = fraud ? rng.int(2, 6) : dealer ? rng.int(10, 30) : rng.int(3, 16);
  const featured = rng.chance(dealer ? 0.15 : 0.03);
  const priceDop = currency === 'USD' ? price * market.usdDop : price;
  // One literal with every field, always in this order: listings then share one hidden class, which keeps
  // the hot reads (interest, search) monomorphic.
  const listing: Listing = {
    id,
    seller,
    model,
    modelIdx: modelCode.get(model) ?? -1,
    makeIdx: makeCode.get(model.make) ?? -1,
    bodyIdx: bodyCode.get(model.body) ?? -1,
    provinceIdx: provinceCode.get(seller.province) ?? -1,
    trim,
    year,
    mileageKm,
    fuel,
    transmission,
    drivetrain,
    color: rng.pick(COLORS_ES),
    condition,
    province: seller.province,
    city: seller.city,
    photoCount,
    featured,
    rank: (featured ? 2 : 0) + photoCount / 15 + at / (100 * 86_400_000),
    logDeal: Math.log(fairDop / priceDop),
    title: '',
    path: `/vehiculos/${slug(`${model.make} ${model.name} ${year}`)}-${id}`,
    description: '',
    language: rng.chance(fraud ? 0.2 : 0.1) ? 'en' : 'es',
    currency,
    price,
    priceDop,
    fairDop,
    pricing: kind,
    fraud,
    listedAt: at,
    interested: [],
    contacts: 0,
    active: true,
    attributes: {},
    slots: [-1, -1, -1],
  };
  listing.title = title(rng, listing);
  listing.description = fraud ? rng.pick(FRAUD_TEXTS) : describe(rng, listing);
  listing.attributes = attributesOf(listing);
  return listing;
}

/** 1234567 → '1,234,567' (Intl formatting is slow, and sellers write commas anyway). */
export function thousands(n: number, sep: string): string {
  const s = String(Math.round(n));
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += sep;
    out += s[i];
  }
  return out;
}

/** Sets a new asking price (a price drop) and rebuilds the shared attributes. */
export function reprice(l: Listing, price: number): void {
  l.price = price;
  l.priceDop = l.currency === 'USD' ? price * market.usdDop : price;
  l.logDeal = Math.log(l.fairDop / l.priceDop);
  l.attributes = attributesOf(l);
}

/** Asking price over fair value. */
export const priceRatio = (l: Listing): number => l.priceDop / l.fairDop;
