/**
 * The simulator's only source of randomness: pure-rand's xoroshiro128+ behind a small API of the draws the
 * simulation needs. Everything random derives from the simulation seed, so one seed gives one world.
 */
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** A uniform draw in [0, 1); `Rng.float` is one, for modules written against plain functions. */
export type Rand = () => number;

const TWO_32 = 4294967296;
const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

/** splitmix32 step: spreads nearby seeds (1, 2, 3...) into unrelated generator states. */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}

/** FNV-1a of a label, to derive named sub-streams. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h | 0;
}

export class Rng {
  private readonly gen: RandomGenerator;

  /** A generator for `seed`, optionally a named sub-stream of it (independent of the other names). */
  constructor(seed: number, label = '') {
    let s = splitmix32((seed | 0) ^ hashLabel(label));
    const state: number[] = [];
    for (let i = 0; i < 4; i++) {
      s = splitmix32(s + i);
      state.push(s);
    }
    if (!state.some((x) => x !== 0)) state[0] = 1;
    this.gen = xoroshiro128plusFromState(state);
  }

  /** A uniform draw in [0, 1) (32 bits: plenty for a simulation, and twice as fast as 53). */
  readonly float: Rand = () => (this.gen.next() >>> 0) / TWO_32;

  /** An independent generator named `label`, seeded from this one's next draws. */
  fork(label: string): Rng {
    return new Rng(this.gen.next() ^ hashLabel(label), label);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  between(min: number, max: number): number {
    return min + this.float() * (max - min);
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)] as T;
  }

  /** Standard normal (Box–Muller, one of the pair: simplicity over the second draw). */
  normal(): number {
    const u = 1 - this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }

  /** Log-normal with the given median and log-space spread. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }

  /** Index drawn with probability proportional to its (non-negative) weight. */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let x = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i] as number;
      if (x < 0) return i;
    }
    return weights.length - 1;
  }

  /** Picks from `[value, weight]` pairs. */
  weighted<T>(pairs: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const p of pairs) total += p[1];
    let x = this.float() * total;
    for (const p of pairs) {
      x -= p[1];
      if (x < 0) return p[0];
    }
    return (pairs[pairs.length - 1] as readonly [T, number])[0];
  }

  /** A random (version 4 layout) uuid drawn from this generator, so that ids repeat with the seed. */
  uuid(): string {
    const a = this.gen.next();
    const b = this.gen.next();
    const c = this.gen.next();
    const d = this.gen.next();
    return (
      HEX[(a >>> 24) & 255]! +
      HEX[(a >>> 16) & 255]! +
      HEX[(a >>> 8) & 255]! +
      HEX[a & 255]! +
      '-' +
      HEX[(b >>> 24) & 255]! +
      HEX[(b >>> 16) & 255]! +
      '-' +
      HEX[((b >>> 8) & 0x0f) | 0x40]! +
      HEX[b & 255]! +
      '-' +
      HEX[((c >>> 24) & 0x3f) | 0x80]! +
      HEX[(c >>> 16) & 255]! +
      '-' +
      HEX[(c >>> 8) & 255]! +
      HEX[c & 255]! +
      HEX[(d >>> 24) & 255]! +
      HEX[(d >>> 16) & 255]! +
      HEX[(d >>> 8) & 255]! +
      HEX[d & 255]!
    );
  }
}

/** Draws from a fixed weighted table in O(log n): for tables drawn from on every event. */
export class WeightedTable<T> {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length) throw new Error('WeightedTable: bad weights');
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) {
      sum += Math.max(0, weights[i] as number);
      this.cumulative[i] = sum;
    }
    this.total = sum;
  }

  static of<T>(pairs: readonly (readonly [T, number])[]): WeightedTable<T> {
    return new WeightedTable(
      pairs.map((p) => p[0]),
      pairs.map((p) => p[1]),
    );
  }

  draw(rng: Rng): T {
    return this.items[cumulativeIndex(this.cumulative, rng.float() * this.total)] as T;
  }
}

/** Index of the first running total above x: a weighted draw over cumulative weights, by binary search. */
export function cumulativeIndex(cumulative: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cumulative[mid] as number) > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
