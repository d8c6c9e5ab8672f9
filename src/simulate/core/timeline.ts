/**
 * The discrete-event timeline: a binary min-heap of things due at a simulated instant, either an action to
 * run (a session step, a listing's next price drop, a buyer's arrival) or an event ready to be emitted.
 * Ties are broken by insertion order so that the output is a pure function of the seed.
 */
import type { SimEvent } from '../types.js';

export interface Entry {
  at: number;
  seq: number;
  action: ((now: number) => void) | null;
  event: SimEvent | null;
}

export class Timeline {
  private readonly heap: Entry[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  schedule(at: number, action: (now: number) => void): void {
    this.push({ at, seq: this.seq++, action, event: null });
  }

  emit(at: number, event: SimEvent): void {
    this.push({ at, seq: this.seq++, action: null, event });
  }

  /** The earliest entry, or undefined when nothing is due (never, once a simulation runs). */
  pop(): Entry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    // Sift the last entry down from the root.
    let i = 0;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(heap[r] as Entry, heap[l] as Entry) ? r : l;
      if (!before(heap[c] as Entry, last)) break;
      heap[i] = heap[c] as Entry;
      i = c;
    }
    heap[i] = last;
    return top;
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p] as Entry;
      if (!before(entry, parent)) break;
      heap[i] = parent;
      i = p;
    }
    heap[i] = entry;
  }
}

const before = (a: Entry, b: Entry): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);
