/** Money as Dominican stores print it. */

export const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * Rounds a DOP price the way stores print them: to 5 pesos under 1,000, to 50 under 10,000 (some ending in
 * 45 or 95), to 100 above (some ending in 99).
 */
export function shelfPrice(x: number): number {
  if (x < 100) return Math.max(5, Math.round(x / 5) * 5);
  if (x < 1000) return Math.round(x / 5) * 5;
  if (x < 10000) return Math.round(x / 50) * 50 - (Math.round(x / 50) % 3 === 0 ? 5 : 0);
  return Math.round(x / 100) * 100 - (Math.round(x / 100) % 3 === 0 ? 1 : 0);
}
