/**
 * Vehicle buyers: latent preferences (body types, makes, a favourite model, budget, oldest acceptable year,
 * whether they would travel to another province, how much a bargain sways them, how they like to contact
 * sellers), the per-buyer memory the funnel needs, and how interesting a listing is to a buyer.
 */
import type { Experience } from '../core/reviews.js';
import type { Rng } from '../core/rng.js';
import type { Buyer, BuyerProfile } from '../core/vertical.js';
import { behaviour } from './calibration.js';
import { BODY_TYPES, type BodyType, MAKES, MODELS, type Model, make, modelsByMake } from './catalog.js';
import { bodyCode, makeCode, modelCodeByName, provinceCode } from './inventory.js';
import type { Listing } from './listings.js';

export type Channel = 'whatsapp' | 'phone' | 'form';

/** Latent preferences (written to ground truth as is). */
export interface VehiclePrefs {
  /** Weights of the body types the buyer considers (sum 1). */
  bodies: Partial<Record<BodyType, number>>;
  /** Weights of the makes the buyer likes (sum 1). */
  makes: Record<string, number>;
  /** A model the buyer has in mind, if any. */
  model: string | null;
  /** Most the buyer means to pay, in DOP. */
  budget_dop: number;
  /** Oldest model year the buyer accepts. */
  min_year: number;
  /** Wants a new (0 km) vehicle. */
  wants_new: boolean;
  /** Would buy in another province. */
  travels: boolean;
  /** Means to buy (the others browse, window-shop, compare prices). */
  intends_to_buy: boolean;
  /** How much a price under market attracts the buyer (exponent, ~0.5..2). */
  deal_sensitivity: number;
  /** Preferred way to reach a seller. */
  channel: Channel;
}

export interface PendingReview {
  sellerId: string;
  listingId: string;
  due: number;
  verified: boolean;
  experience: Experience;
}

export type VehicleBuyer = Buyer<VehiclePrefs, VehicleBuyerState>;

/** What a buyer remembers between sessions (bounded lists). */
export interface VehicleBuyerState {
  favorites: string[];
  contacted: string[];
  pendingReviews: PendingReview[];
  purchased: boolean;
  /** Preferences in the shape `interest` reads fast. */
  taste: Taste;
}

const MOTO_MAKES = ['Honda', 'Suzuki', 'Yamaha', 'Bajaj'];
/** Body types by budget band: cheap cars are sedans and hatchbacks, money buys yipetas and pickups. */
const BODIES_BY_BUDGET: readonly (readonly [number, readonly (readonly [BodyType, number])[]])[] = [
  [
    700_000,
    [
      ['sedan', 0.45],
      ['hatchback', 0.35],
      ['suv', 0.12],
      ['pickup', 0.05],
      ['minivan', 0.03],
    ],
  ],
  [
    2_000_000,
    [
      ['sedan', 0.3],
      ['suv', 0.42],
      ['pickup', 0.14],
      ['hatchback', 0.07],
      ['minivan', 0.05],
      ['van', 0.02],
    ],
  ],
  [
    Number.POSITIVE_INFINITY,
    [
      ['suv', 0.6],
      ['pickup', 0.2],
      ['sedan', 0.15],
      ['coupe', 0.03],
      ['minivan', 0.02],
    ],
  ],
];

export function newPrefs(rng: Rng, profile: BuyerProfile, thisYear: number): VehiclePrefs {
  const moto = rng.chance(0.1);
  const budget = moto
    ? Math.round(rng.logNormal(110_000, 0.4) / 5000) * 5000
    : Math.round(Math.min(12_000_000, Math.max(250_000, rng.logNormal(1_200_000, 0.65))) / 10_000) * 10_000;
  const bodies: Partial<Record<BodyType, number>> = {};
  if (moto) {
    bodies.motorcycle = 1;
  } else {
    const band = BODIES_BY_BUDGET.find(([limit]) => budget < limit)?.[1] ?? [];
    const first = rng.weighted(band);
    const second = rng.weighted(band);
    bodies[first] = second === first ? 1 : 0.7;
    if (second !== first) bodies[second] = 0.3;
  }
  const considered = Object.keys(bodies) as BodyType[];
  // Makes that sell the body types the buyer wants; luxury makes only for large budgets.
  const candidates = (moto ? MOTO_MAKES.map(make) : MAKES).filter(
    (m) =>
      (budget > 3_000_000 || !m.luxury) &&
      (modelsByMake.get(m.name) ?? []).some((x) => considered.includes(x.body)),
  );
  const makes: Record<string, number> = {};
  const n = rng.int(1, 3);
  let total = 0;
  for (let i = 0; i < n && candidates.length > 0; i++) {
    const m = rng.weighted(candidates.map((c) => [c, c.share] as const));
    const w = i === 0 ? 1 : rng.between(0.3, 0.8);
    makes[m.name] = (makes[m.name] ?? 0) + w;
    total += w;
  }
  for (const k of Object.keys(makes)) makes[k] = Math.round(((makes[k] as number) / total) * 1000) / 1000;
  const favouriteMake = Object.keys(makes)[0];
  const models: Model[] = MODELS.filter((m) => m.make === favouriteMake && considered.includes(m.body));
  const model = models.length > 0 && rng.chance(0.6) ? rng.pick(models).name : null;
  const wantsNew = !moto && budget > 2_500_000 && rng.chance(0.12);
  // Older vehicles for smaller budgets.
  const age = wantsNew ? 0 : Math.round(Math.min(18, rng.logNormal(budget > 1_500_000 ? 5 : 9, 0.35)));
  return {
    bodies,
    makes,
    model,
    budget_dop: budget,
    min_year: thisYear - age,
    wants_new: wantsNew,
    travels: rng.chance(
      profile.province === 'Santo Domingo' || profile.province === 'Distrito Nacional' ? 0.5 : 0.35,
    ),
    intends_to_buy: rng.chance(behaviour.intendsToBuy),
    deal_sensitivity: Math.round(rng.logNormal(1, 0.4) * 100) / 100,
    channel: rng.weighted(Object.entries(behaviour.channels) as [Channel, number][]),
  };
}

export function newBuyerState(prefs: VehiclePrefs, province: string): VehicleBuyerState {
  return {
    favorites: [],
    contacted: [],
    pendingReviews: [],
    purchased: false,
    taste: tasteOf(prefs, province),
  };
}

/** Preferences as arrays indexed by catalogue codes: `interest` runs for every listing a buyer looks at. */
export interface Taste {
  body: Float64Array;
  make: Float64Array;
  model: number;
  province: number;
}

function tasteOf(p: VehiclePrefs, province: string): Taste {
  const body = new Float64Array(BODY_TYPES.length).fill(0.02);
  for (const [b, w] of Object.entries(p.bodies)) body[bodyCode.get(b as BodyType) ?? 0] = w;
  const make = new Float64Array(MAKES.length).fill(0.08);
  for (const [m, w] of Object.entries(p.makes)) make[makeCode.get(m) ?? 0] = w;
  return {
    body,
    make,
    model: p.model === null ? -1 : (modelCodeByName.get(p.model) ?? -1),
    province: provinceCode.get(province) ?? -1,
  };
}

/** Adds to a bounded most-recent-last list. */
export function remember(list: string[], id: string, cap = 20): void {
  if (list.includes(id)) return;
  if (list.length >= cap) list.shift();
  list.push(id);
}

/**
 * How interesting a listing is to the buyer, 0..1: body and make affinity, the budget (a stretch above it
 * quickly kills interest), the bargain (fair / asking price, raised to the buyer's deal sensitivity: fraud
 * bait works), the year, the distance, and the photos.
 */
export function interest(p: VehiclePrefs, t: Taste, l: Listing): number {
  const r = l.priceDop / p.budget_dop;
  let score =
    Math.sqrt((t.body[l.bodyIdx] as number) * (t.make[l.makeIdx] as number)) *
    (r <= 1 ? 0.55 + 0.45 * r : Math.exp(-(((r - 1) / 0.18) ** 2)));
  // sqrt(deal ^ (2 × sensitivity)), clamped: a bargain helps, up to a point.
  score *= Math.min(1.75, Math.max(0.55, Math.exp(p.deal_sensitivity * l.logDeal)));
  if (t.model === l.modelIdx) score *= 1.6;
  if (l.year < p.min_year) score *= 0.35;
  if (p.wants_new) score *= l.condition === 'new' ? 1.5 : 0.6;
  if (l.provinceIdx !== t.province) score *= p.travels ? 0.8 : 0.4;
  score *= 0.5 + 0.5 * Math.min(1, l.photoCount / 12);
  return score / (score + 0.12);
}
