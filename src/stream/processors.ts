import { PlazaError } from '../core/errors.js';
import type { EventLog, TopicPartitionOffset } from '../ports/event-log.js';
import type { ConsumerLoop } from './consumer-loop.js';

/** A stream processor as the worker role runs it: a consumer group that can be stopped and rewound. */
export interface Processor {
  group: string;
  topics: readonly string[];
  start(): Promise<ConsumerLoop>;
  /**
   * Makes the processor's next start read from these positions and recompute what follows: its stored
   * effects from those positions on are removed or marked for replacement, its committed offsets moved.
   * Called while it is stopped.
   */
  rewind(positions: TopicPartitionOffset[]): Promise<void>;
}

export type ReplayFrom = { offset: number } | { time: number };

/** First offset of each partition at or after `from` (offsets past the end are clamped to it). */
export async function positionsFrom(
  log: EventLog,
  topics: readonly string[],
  from: ReplayFrom,
): Promise<TopicPartitionOffset[]> {
  const positions: TopicPartitionOffset[] = [];
  for (const topic of topics) {
    const ends = await log.endOffsets(topic);
    for (const [partition, end] of ends.entries()) {
      if ('offset' in from) {
        positions.push({ topic, partition, offset: Math.min(Math.max(0, from.offset), end) });
        continue;
      }
      // Append times never decrease within a partition, so the first record at or after `time` is found
      // by binary search.
      let lo = 0;
      let hi = end;
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        const [r] = await log.read(topic, partition, mid, 1);
        if (r === undefined || r.timestamp >= from.time) hi = mid;
        else lo = mid + 1;
      }
      positions.push({ topic, partition, offset: lo });
    }
  }
  return positions;
}

/** The worker role's processors: started together, drained together, replayed one group at a time. */
export class ProcessorSet {
  private readonly running = new Map<string, ConsumerLoop>();

  constructor(
    private readonly log: EventLog,
    readonly processors: readonly Processor[],
  ) {}

  get groups(): string[] {
    return this.processors.map((p) => p.group);
  }

  async startAll(): Promise<void> {
    for (const p of this.processors) this.running.set(p.group, await p.start());
  }

  async drain(timeoutMs?: number): Promise<void> {
    for (const loop of this.running.values()) await loop.drain(timeoutMs);
  }

  async stopAll(drainMs?: number): Promise<void> {
    for (const [group, loop] of this.running) {
      if (drainMs !== undefined) await loop.drain(drainMs).catch(() => undefined);
      await loop.stop();
      this.running.delete(group);
    }
  }

  /** Stops the group, rewinds it to `from`, and starts it again; returns the positions it restarts from. */
  async replay(group: string, from: ReplayFrom): Promise<TopicPartitionOffset[]> {
    const p = this.processors.find((x) => x.group === group);
    if (!p)
      throw new PlazaError(
        'unknown_group',
        `no stream processor "${group}" runs here; groups: ${this.groups.join(', ')}`,
        404,
      );
    const loop = this.running.get(group);
    if (!loop)
      throw new PlazaError('group_not_running', `processor ${group} is not running in this process`, 409);
    await loop.stop();
    this.running.delete(group);
    const positions = await positionsFrom(this.log, p.topics, from);
    try {
      await p.rewind(positions);
    } finally {
      this.running.set(group, await p.start());
    }
    return positions;
  }
}
