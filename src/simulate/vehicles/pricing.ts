/**
 * The price model: what a vehicle is worth on the Dominican used market (its fair price, the ground truth a
 * price-advice model should learn), and the asking prices sellers put on it (noise, deliberate over- and
 * under-pricing, fraud), in pesos or dollars rounded the way sellers write them.
 *
 * log fair = log(new price in DOP × trim) − make depreciation × age − first-owner drop (if used)
 *            + mileage effect (km above expected for the age) + body premium + province effect
 */
import { province } from '../core/geo.js';
import type { Rng } from '../core/rng.js';
import { pricing } from './calibration.js';
import { type BodyType, type Model, make } from './catalog.js';

export type Pricing = 'fair' | 'over' | 'under' | 'fraud';
export type Currency = 'DOP' | 'USD';

export interface PriceInputs {
  model: Model;
  trimFactor: number;
  year: number;
  mileageKm: number;
  province: string;
  condition: 'new' | 'used' | 'certified';
  /** Fractional calendar year at listing time, e.g. 2026.4. */
  atYear: number;
}

export function expectedKm(body: BodyType, age: number): number {
  return Math.max(0, age) * (body === 'motorcycle' ? pricing.kmPerYear.motorcycle : pricing.kmPerYear.car);
}

/** The fair value in DOP: the price model without noise or mispricing. */
export function fairPriceDop(p: PriceInputs, usdDop: number): number {
  const age = Math.max(0, p.atYear - p.year);
  let log = Math.log(p.model.newUsd * usdDop * p.trimFactor);
  log -= make(p.model.make).depreciation * age;
  if (p.condition !== 'new') log -= pricing.firstOwnerDrop;
  if (p.condition === 'certified') log += 0.04;
  log += (pricing.mileagePer100k * (p.mileageKm - expectedKm(p.model.body, age))) / 100_000;
  log += pricing.bodyPremium[p.model.body];
  log += pricing.provinceEffect * (province(p.province).wealth - 1);
  return Math.exp(log);
}

/** Which kind of pricing a new listing gets, from the calibrated shares. */
export function drawPricing(rng: Rng): Pricing {
  const x = rng.float();
  const over = pricing.overpriced[0];
  const under = pricing.underpriced[0];
  const fraud = pricing.fraud[0];
  if (x < fraud) return 'fraud';
  if (x < fraud + over) return 'over';
  if (x < fraud + over + under) return 'under';
  return 'fair';
}

/** Asking price in DOP before rounding: fair value × noise × the mispricing of its kind. */
export function askingDop(rng: Rng, fairDop: number, kind: Pricing): number {
  const noise = Math.exp(pricing.noiseSigma * rng.normal());
  const range =
    kind === 'over'
      ? pricing.overpriced
      : kind === 'under'
        ? pricing.underpriced
        : kind === 'fraud'
          ? pricing.fraud
          : null;
  const factor = range === null ? 1 : rng.between(range[1], range[2]);
  return fairDop * noise * factor;
}

/** Rounds a price the way sellers write it: RD$ 1,350,000; US$ 18,500; motorcycles to the thousand. */
export function roundPrice(amount: number, currency: Currency): number {
  if (currency === 'USD')
    return amount < 30_000 ? Math.round(amount / 100) * 100 : Math.round(amount / 500) * 500;
  if (amount < 300_000) return Math.max(1000, Math.round(amount / 1000) * 1000);
  if (amount < 2_000_000) return Math.round(amount / 5000) * 5000;
  return Math.round(amount / 10_000) * 10_000;
}

export function toCurrency(dop: number, currency: Currency, usdDop: number): number {
  return currency === 'USD' ? dop / usdDop : dop;
}
