import xxhash from 'xxhash-wasm';

const hasher = await xxhash();
const SEED_A = 0x9e3779b1;
const SEED_B = 0x85ebca77;

/**
 * An open-addressing set of 64-bit fingerprints kept in typed arrays: 8 bytes a slot instead of the ~80 a
 * string in a JS Set costs, so ten million ids fit in about 130 MB. (0,0) marks an empty slot; the rare id
 * whose fingerprint is (0,0) is nudged to (0,1).
 */
class FingerprintSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private mask: number;
  size = 0;

  constructor(capacityPow2 = 1 << 12) {
    this.hi = new Uint32Array(capacityPow2);
    this.lo = new Uint32Array(capacityPow2);
    this.mask = capacityPow2 - 1;
  }

  private slot(hi: number, lo: number): number {
    let i = (lo ^ Math.imul(hi, 0x27d4eb2d)) & this.mask;
    while (this.hi[i] !== 0 || this.lo[i] !== 0) {
      if (this.hi[i] === hi && this.lo[i] === lo) return i;
      i = (i + 1) & this.mask;
    }
    return i;
  }

  has(hi: number, lo: number): boolean {
    const i = this.slot(hi, lo);
    return this.hi[i] === hi && this.lo[i] === lo && (hi !== 0 || lo !== 0);
  }

  /** Returns false when already present. */
  add(hi: number, lo: number): boolean {
    const i = this.slot(hi, lo);
    if (this.hi[i] === hi && this.lo[i] === lo && (this.hi[i] !== 0 || this.lo[i] !== 0)) return false;
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.size++;
    if (this.size * 4 > (this.mask + 1) * 3) this.grow();
    return true;
  }

  delete(hi: number, lo: number): void {
    // Backward-shift deletion keeps linear probing correct without tombstones.
    let i = this.slot(hi, lo);
    if (this.hi[i] !== hi || this.lo[i] !== lo) return;
    this.size--;
    let j = i;
    for (;;) {
      j = (j + 1) & this.mask;
      const h = this.hi[j]!;
      const l = this.lo[j]!;
      if (h === 0 && l === 0) break;
      const home = (l ^ Math.imul(h, 0x27d4eb2d)) & this.mask;
      if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
        this.hi[i] = h;
        this.lo[i] = l;
        i = j;
      }
    }
    this.hi[i] = 0;
    this.lo[i] = 0;
  }

  private grow(): void {
    const { hi, lo } = this;
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(lo.length * 2);
    this.mask = this.hi.length - 1;
    this.size = 0;
    for (let i = 0; i < hi.length; i++) if (hi[i] !== 0 || lo[i] !== 0) this.add(hi[i]!, lo[i]!);
  }
}

const DAY_MS = 86_400_000;

/**
 * Which (project, event id) pairs were already accepted within the dedup window. Ids are bucketed by the
 * UTC day they were received, so expiring a day drops a whole bucket. Two ids collide only if their 64-bit
 * fingerprints do (about 3 in a million over ten million ids): such an event would be reported as a
 * duplicate; the window keeps the population small.
 *
 * The index is derived state: at start it is rebuilt from the event log, which is the source of truth, so
 * a crash between appending and answering can never make the index and the log disagree.
 */
export class DedupIndex {
  private readonly days = new Map<number, FingerprintSet>();

  constructor(private readonly windowMs: number) {}

  private fingerprint(projectId: string, eventId: string): [number, number] {
    const key = `${projectId}\u0000${eventId}`;
    let hi = hasher.h32(key, SEED_A);
    const lo = hasher.h32(key, SEED_B);
    if (hi === 0 && lo === 0) hi = 1;
    return [hi, lo];
  }

  private expire(nowMs: number): void {
    const oldest = Math.floor((nowMs - this.windowMs) / DAY_MS);
    for (const day of this.days.keys()) if (day < oldest) this.days.delete(day);
  }

  has(projectId: string, eventId: string): boolean {
    const [hi, lo] = this.fingerprint(projectId, eventId);
    for (const set of this.days.values()) if (set.has(hi, lo)) return true;
    return false;
  }

  /** Records the id as seen at `atMs`; false if it was already there (a duplicate). */
  claim(projectId: string, eventId: string, atMs: number): boolean {
    const [hi, lo] = this.fingerprint(projectId, eventId);
    for (const set of this.days.values()) if (set.has(hi, lo)) return false;
    const day = Math.floor(atMs / DAY_MS);
    let set = this.days.get(day);
    if (!set) {
      this.expire(atMs);
      set = new FingerprintSet();
      this.days.set(day, set);
    }
    set.add(hi, lo);
    return true;
  }

  /** Undoes a claim whose append failed, so a retry of that event is not mistaken for a duplicate. */
  release(projectId: string, eventId: string): void {
    const [hi, lo] = this.fingerprint(projectId, eventId);
    for (const set of this.days.values()) set.delete(hi, lo);
  }

  get size(): number {
    let n = 0;
    for (const set of this.days.values()) n += set.size;
    return n;
  }

  isWithinWindow(atMs: number, nowMs = Date.now()): boolean {
    return atMs >= nowMs - this.windowMs;
  }
}
