import { PlazaError } from '../core/errors.js';
import type { EventLog, TopicPartitionOffset } from '../ports/event-log.js';
import type { ConsumerLoop } from './consumer-loop.js';
import { firstAtOrAfter } from './log-time.js';

/** A stream processor as the worker role runs it: a consumer group that can be stopped and rewound. */
export interface Processor {
  group: string;
  topics: readonly string[];
  start(): Promise<ConsumerLoop>;
  /**
   * Makes the processor's next start recompute its effects from `from`: what it derived from there on is
   * removed or marked for replacement, its stored positions moved. Returns the positions it restarts from,
   * which may lie before `from` when its effects depend on earlier records (open sessions, lateness
   * watermarks, counters that cannot be decremented). Called while it is stopped.
   */
  rewind(from: ReplayFrom): Promise<TopicPartitionOffset[]>;
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
      const offset =
        'offset' in from
          ? Math.min(Math.max(0, from.offset), end)
          : await firstAtOrAfter(log, topic, partition, end, from.time);
      positions.push({ topic, partition, offset });
    }
  }
  return positions;
}

/**
 * The earliest append time of the records at the given positions (null when every position is at the end of
 * its partition): an offset-based replay, expressed as a time for processors whose state is kept by time.
 */
export async function earliestTimeAt(
  log: EventLog,
  positions: TopicPartitionOffset[],
): Promise<number | null> {
  let earliest: number | null = null;
  for (const p of positions) {
    const [r] = await log.read(p.topic, p.partition, p.offset, 1);
    if (r && (earliest === null || r.timestamp < earliest)) earliest = r.timestamp;
  }
  return earliest;
}

/** The worker role's processors: started together, drained together, replayed one group at a time. */
export class ProcessorSet {
  private readonly running = new Map<string, ConsumerLoop>();

  constructor(readonly processors: readonly Processor[]) {}

  get groups(): string[] {
    return this.processors.map((p) => p.group);
  }

  async startAll(): Promise<void> {
    for (const p of this.processors) this.running.set(p.group, await p.start());
  }

  async drain(timeoutMs?: number): Promise<void> {
    for (const loop of this.running.values()) await loop.drain(timeoutMs);
  }

  /** Drains each group first when `drainMs` is given (a group that cannot drain in time is still stopped). */
  async stopAll(drainMs?: number, onDrainError?: (e: unknown) => void): Promise<void> {
    for (const [group, loop] of this.running) {
      if (drainMs !== undefined) await loop.drain(drainMs).catch((e) => onDrainError?.(e));
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
    try {
      return await p.rewind(from);
    } finally {
      this.running.set(group, await p.start());
    }
  }
}
