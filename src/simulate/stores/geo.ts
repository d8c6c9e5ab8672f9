/**
 * Deliveries across the Dominican Republic: the region of each province (core/geo.ts lists them) and the fee
 * and days a store charges to ship from its province to the buyer's. Local time is UTC−4 all year (no
 * daylight saving), which is what subscription periods and dates follow.
 */

export type Region = 'capital' | 'cibao' | 'este' | 'sur';

const regions: Record<string, Region> = {
  'Santo Domingo': 'capital',
  'Distrito Nacional': 'capital',
  Santiago: 'cibao',
  'La Vega': 'cibao',
  'Puerto Plata': 'cibao',
  Duarte: 'cibao',
  Espaillat: 'cibao',
  'Monseñor Nouel': 'cibao',
  Valverde: 'cibao',
  'Sánchez Ramírez': 'cibao',
  'María Trinidad Sánchez': 'cibao',
  'Monte Cristi': 'cibao',
  Samaná: 'cibao',
  'Hermanas Mirabal': 'cibao',
  Dajabón: 'cibao',
  'Santiago Rodríguez': 'cibao',
  'La Altagracia': 'este',
  'San Pedro de Macorís': 'este',
  'La Romana': 'este',
  'El Seibo': 'este',
  'Hato Mayor': 'este',
  'Monte Plata': 'este',
  'San Cristóbal': 'sur',
  'San Juan': 'sur',
  Azua: 'sur',
  Peravia: 'sur',
  Barahona: 'sur',
  Bahoruco: 'sur',
  'San José de Ocoa': 'sur',
  'Elías Piña': 'sur',
  Independencia: 'sur',
  Pedernales: 'sur',
};

export const regionOf = (province: string): Region => regions[province] ?? 'capital';

export interface DeliveryTerms {
  /** Fee in DOP. */
  fee: number;
  /** Days from the order to the door when nothing goes wrong. */
  days: number;
}

/** Delivery fee and days from the store's province to the buyer's. */
export function deliveryTerms(from: string, to: string): DeliveryTerms {
  if (from === to) return { fee: 150, days: 1 };
  const a = regionOf(from);
  const b = regionOf(to);
  if (a === b) return { fee: 250, days: 2 };
  if (a === 'capital' || b === 'capital') return { fee: 350, days: 3 };
  return { fee: 450, days: 4 };
}

export const DR_OFFSET_MS = -4 * 3600_000;
export const DAY_MS = 86_400_000;

/** The local (UTC−4) calendar date of an instant, as YYYY-MM-DD. */
export function localDate(ms: number): string {
  return new Date(ms + DR_OFFSET_MS).toISOString().slice(0, 10);
}

/** The same local time one calendar month later (the 31st becomes the last day of a shorter month). */
export function addLocalMonth(ms: number): number {
  const d = new Date(ms + DR_OFFSET_MS);
  const day = d.getUTCDate();
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, last));
  target.setUTCHours(d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
  return target.getTime() - DR_OFFSET_MS;
}

/** Local midnight (UTC−4) of the day holding `ms`. */
export function localMidnight(ms: number): number {
  const local = ms + DR_OFFSET_MS;
  return local - (((local % DAY_MS) + DAY_MS) % DAY_MS) - DR_OFFSET_MS;
}
