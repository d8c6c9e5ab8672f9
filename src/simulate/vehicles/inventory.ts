/**
 * The active listings, indexed for search: one pool of all listings and one per make and per body type.
 * Each pool keeps, next to its listings, the fields searches filter and sort on in typed-array columns:
 * a search scans a few hundred candidates, and reading packed numbers instead of following a pointer to
 * each listing object (a cache miss apiece) is what keeps generation fast.
 */
import { PROVINCES } from '../core/geo.js';
import { BODY_TYPES, type BodyType, MAKES, MODELS, type Model } from './catalog.js';
import type { Listing } from './listings.js';

export const makeCode = new Map(MAKES.map((m, i) => [m.name, i]));
export const modelCode = new Map<Model, number>(MODELS.map((m, i) => [m, i]));
export const modelCodeByName = new Map(MODELS.map((m, i) => [m.name, i]));
export const bodyCode = new Map(BODY_TYPES.map((b, i) => [b, i]));
export const provinceCode = new Map(PROVINCES.map((p, i) => [p.name, i]));
export const conditionCode = { new: 0, used: 1, certified: 2 } as const;

export class ListingPool {
  items: Listing[] = [];
  priceDop = new Float64Array(64);
  listedAt = new Float64Array(64);
  rank = new Float64Array(64);
  year = new Int16Array(64);
  model = new Uint16Array(64);
  make = new Uint8Array(64);
  body = new Uint8Array(64);
  province = new Uint8Array(64);
  condition = new Uint8Array(64);

  /** `which` is this pool's index in Listing.slots (0 all, 1 make, 2 body). */
  constructor(private readonly which: 0 | 1 | 2) {}

  get size(): number {
    return this.items.length;
  }

  add(l: Listing): void {
    const k = this.items.length;
    if (k === this.priceDop.length) this.grow();
    this.items.push(l);
    l.slots[this.which] = k;
    this.write(k, l);
  }

  remove(l: Listing): void {
    const k = l.slots[this.which];
    const last = this.items.pop() as Listing;
    if (last !== l) {
      this.items[k] = last;
      last.slots[this.which] = k;
      this.write(k, last);
    }
  }

  /** The listing's price changed. */
  update(l: Listing): void {
    this.priceDop[l.slots[this.which]] = l.priceDop;
  }

  private write(k: number, l: Listing): void {
    this.priceDop[k] = l.priceDop;
    this.listedAt[k] = l.listedAt;
    this.rank[k] = l.rank;
    this.year[k] = l.year;
    this.model[k] = l.modelIdx;
    this.make[k] = l.makeIdx;
    this.body[k] = l.bodyIdx;
    this.province[k] = l.provinceIdx;
    this.condition[k] = conditionCode[l.condition];
  }

  private grow(): void {
    const n = this.priceDop.length * 2;
    const grown = <T extends Float64Array | Int16Array | Uint16Array | Uint8Array>(
      a: T,
      make: (n: number) => T,
    ): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.priceDop = grown(this.priceDop, (x) => new Float64Array(x));
    this.listedAt = grown(this.listedAt, (x) => new Float64Array(x));
    this.rank = grown(this.rank, (x) => new Float64Array(x));
    this.year = grown(this.year, (x) => new Int16Array(x));
    this.model = grown(this.model, (x) => new Uint16Array(x));
    this.make = grown(this.make, (x) => new Uint8Array(x));
    this.body = grown(this.body, (x) => new Uint8Array(x));
    this.province = grown(this.province, (x) => new Uint8Array(x));
    this.condition = grown(this.condition, (x) => new Uint8Array(x));
  }
}

export class Inventory {
  readonly all = new ListingPool(0);
  readonly byMake = new Map<string, ListingPool>();
  readonly byBody = new Map<BodyType, ListingPool>();
  readonly byId = new Map<string, Listing>();

  constructor() {
    for (const m of MAKES) this.byMake.set(m.name, new ListingPool(1));
    for (const b of BODY_TYPES) this.byBody.set(b, new ListingPool(2));
  }

  add(l: Listing): void {
    this.all.add(l);
    this.byMake.get(l.model.make)?.add(l);
    this.byBody.get(l.model.body)?.add(l);
    this.byId.set(l.id, l);
  }

  remove(l: Listing): void {
    if (!l.active) return;
    l.active = false;
    this.all.remove(l);
    this.byMake.get(l.model.make)?.remove(l);
    this.byBody.get(l.model.body)?.remove(l);
    this.byId.delete(l.id);
  }

  /** The listing's price changed (reprice). */
  repriced(l: Listing): void {
    this.all.update(l);
    this.byMake.get(l.model.make)?.update(l);
    this.byBody.get(l.model.body)?.update(l);
  }
}
