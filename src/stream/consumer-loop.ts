import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import type { EventLog, StoredRecord, TopicPartitionOffset } from '../ports/event-log.js';

export interface ConsumerLoopOptions {
  log: EventLog;
  group: string;
  topics: string[];
  logger: Logger;
  /** Must make its effects durable (and idempotent) before resolving: offsets are committed after it. */
  handle(records: StoredRecord[]): Promise<void>;
  /**
   * Positions to start from instead of the group's committed offsets (e.g. kept beside the effects). The
   * loop seeks to them and commits them, so that lag and `drain` agree with where it really starts: a
   * partition moved to its end would otherwise never be committed and its lag never reach zero.
   */
  startFrom?(): Promise<TopicPartitionOffset[]>;
  maxRecords?: number;
  pollTimeoutMs?: number;
  /**
   * After a poll that returned less than maxRecords, wait this long and top the batch up: fewer, larger
   * batches for handlers with a high fixed cost per call (a warehouse load), at the price of that latency.
   */
  lingerMs?: number;
  /** Records processed, latency from append to durable effects, failures; labelled with the group. */
  metrics?: Pick<Metrics, 'streamRecords' | 'streamLatency' | 'streamFailures'>;
}

export interface ConsumerLoop {
  /** Resolves when every record appended before the call has been handled and committed. */
  drain(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Next offset per (topic, partition) after a batch, for committing. */
export function nextOffsets(records: StoredRecord[]): TopicPartitionOffset[] {
  const next = new Map<string, TopicPartitionOffset>();
  for (const r of records) {
    const k = `${r.topic}\u0000${r.partition}`;
    const cur = next.get(k);
    if (!cur || r.offset + 1 > cur.offset)
      next.set(k, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
  }
  return [...next.values()];
}

/**
 * At-least-once consumption: poll, handle, commit. A handler failure is retried with backoff (the batch is
 * re-read from the last commit), so a transient outage of a store delays data but never skips it.
 */
export async function startConsumerLoop(o: ConsumerLoopOptions): Promise<ConsumerLoop> {
  const open = async () => {
    const c = await o.log.consumer({ group: o.group, topics: o.topics, from: 'earliest' });
    const positions = o.startFrom ? await o.startFrom() : [];
    for (const position of positions) c.seek(position);
    if (positions.length > 0) await c.commit(positions);
    return c;
  };
  let consumer = await open();
  let stopping = false;
  let failures = 0;
  const committed = new Map<string, number>();

  const loop = (async () => {
    while (!stopping) {
      try {
        const records = await consumer.poll({
          maxRecords: o.maxRecords ?? 5000,
          timeoutMs: o.pollTimeoutMs ?? 200,
        });
        if (records.length === 0) continue;
        await o.handle(records);
        const offsets = nextOffsets(records);
        await consumer.commit(offsets);
        for (const t of offsets) committed.set(`${t.topic}\u0000${t.partition}`, t.offset);
        failures = 0;
        if (o.metrics) {
          let oldest = Number.POSITIVE_INFINITY;
          for (const r of records) if (r.timestamp < oldest) oldest = r.timestamp;
          o.metrics.streamRecords.inc({ group: o.group }, records.length);
          // One observation per batch, for its oldest record: the latency every record of it stayed under.
          o.metrics.streamLatency.observe({ group: o.group }, Math.max(0, Date.now() - oldest) / 1000);
        }
      } catch (e) {
        if (stopping) break;
        failures++;
        o.metrics?.streamFailures.inc({ group: o.group });
        const delay = Math.min(30_000, 100 * 2 ** Math.min(failures, 9)) * (0.5 + Math.random() / 2);
        o.logger.error(
          { err: e, group: o.group, failures, retryInMs: Math.round(delay) },
          'consumer batch failed',
        );
        await new Promise((r) => setTimeout(r, delay));
        // Re-read from the last durable position: the failed batch is handled again (handlers are idempotent).
        await consumer.close().catch(() => {});
        consumer = await open();
      }
    }
  })();

  return {
    async drain(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      const targets: [string, number][] = [];
      for (const topic of o.topics) {
        const ends = await o.log.endOffsets(topic);
        ends.forEach((end, p) => {
          targets.push([`${topic}\u0000${p}`, end]);
        });
      }
      while (targets.some(([k, end]) => end > 0 && (committed.get(k) ?? -1) < end)) {
        // Partitions that already had their data committed before this process started count as done.
        const pending = [];
        for (const [k, end] of targets) {
          if (end === 0 || (committed.get(k) ?? -1) >= end) continue;
          const [topic, p] = k.split('\u0000') as [string, string];
          const c = (await o.log.committedOffsets(o.group, topic))[Number(p)] ?? 0;
          if (c < end) pending.push(k);
          else committed.set(k, c);
        }
        if (pending.length === 0) return;
        if (Date.now() > deadline)
          throw new Error(`consumer ${o.group} did not drain within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      stopping = true;
      await loop;
      await consumer.close();
    },
  };
}
