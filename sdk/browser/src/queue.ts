import { uuid } from './ids.js';
import type { KeyValue } from './storage.js';
import type { NativeEvent } from './types.js';

const PREFIX = 'plaza_q_';

/**
 * Events not yet acknowledged by the collector, mirrored to localStorage so they survive reloads, crashes
 * and offline periods. Each page load writes its own key; a new load adopts the keys left by earlier ones.
 * Two live tabs may both hold (and send) the same events: the collector deduplicates by event_id, so that
 * costs bytes, never correctness, while a shared key written by both could lose events.
 */
export class EventQueue {
  private items: NativeEvent[] = [];
  private readonly key = PREFIX + uuid();
  private persistScheduled = false;
  dropped = 0;

  constructor(
    private readonly store: KeyValue | null,
    private readonly max: number,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** Takes over the events that earlier page loads left in storage. */
  adoptOrphans(): number {
    if (!this.store) return 0;
    let n = 0;
    for (const k of this.store.keys(PREFIX)) {
      if (k === this.key) continue;
      try {
        const events = JSON.parse(this.store.get(k) ?? '[]') as NativeEvent[];
        if (Array.isArray(events)) {
          for (const e of events) if (e && typeof e.event_id === 'string') this.items.push(e);
          n += events.length;
        }
      } catch {
        // corrupt entry: nothing to recover
      }
      this.store.remove(k);
    }
    this.trim();
    this.schedulePersist();
    return n;
  }

  push(e: NativeEvent): void {
    this.items.push(e);
    this.trim();
    this.schedulePersist();
  }

  peek(n: number): NativeEvent[] {
    return this.items.slice(0, n);
  }

  all(): NativeEvent[] {
    return this.items.slice();
  }

  /** Removes delivered (or definitively refused) events. */
  remove(done: NativeEvent[]): void {
    const set = new Set(done);
    this.items = this.items.filter((e) => !set.has(e));
    this.schedulePersist();
  }

  /** Writes the queue now; called directly when the page is going away. */
  persist(): void {
    this.persistScheduled = false;
    if (!this.store) return;
    try {
      if (this.items.length === 0) this.store.remove(this.key);
      else this.store.set(this.key, JSON.stringify(this.items));
    } catch {
      // quota exceeded: the events still live in memory for this page
    }
  }

  private trim(): void {
    const over = this.items.length - this.max;
    if (over > 0) {
      this.items.splice(0, over);
      this.dropped += over;
    }
  }

  // A burst of track() calls in one task costs one serialisation of the queue, not one per event.
  private schedulePersist(): void {
    if (this.persistScheduled) return;
    this.persistScheduled = true;
    Promise.resolve().then(() => this.persist());
  }
}
