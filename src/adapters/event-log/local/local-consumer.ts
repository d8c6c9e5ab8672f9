import { PlazaError } from '../../../core/errors.js';
import type {
  LogConsumer,
  PollOptions,
  StoredRecord,
  TopicPartitionOffset,
} from '../../../ports/event-log.js';
import type { PartitionLog } from './partition-log.js';

export interface ConsumerTopic {
  name: string;
  partitions: PartitionLog[];
}

/** What a consumer needs from the log that created it. */
export interface ConsumerHost {
  commit(group: string, offsets: TopicPartitionOffset[]): Promise<void>;
  /** Calls `wake` after the next durable append to any of `topics`; returns the unsubscribe function. */
  onAppend(topics: string[], wake: () => void): () => void;
  release(consumer: LocalConsumer): void;
}

/** Bounds one poll's memory when values are large; at least one record is always returned. */
const MAX_POLL_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_RECORDS = 500;

/**
 * A consumer of the embedded log. It reads every partition of its topics (one process owns the data dir, so
 * there is nobody to share partitions with); members of a group share only the committed offsets.
 */
export class LocalConsumer implements LogConsumer {
  private readonly positions = new Map<string, number[]>();
  /** Partition where the next poll starts, rotated so one busy partition cannot starve the others. */
  private cursor = 0;
  private polling = false;
  private closed = false;
  private wakePoll: (() => void) | undefined;
  private readonly slots: { topic: string; partition: number; log: PartitionLog }[] = [];

  constructor(
    private readonly host: ConsumerHost,
    private readonly group: string,
    private readonly topics: ConsumerTopic[],
    startPositions: Map<string, number[]>,
  ) {
    for (const t of topics) {
      this.positions.set(t.name, [...startPositions.get(t.name)!]);
      t.partitions.forEach((log, partition) => {
        this.slots.push({ topic: t.name, partition, log });
      });
    }
  }

  async poll(options: PollOptions = {}): Promise<StoredRecord[]> {
    const maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
    const timeoutMs = options.timeoutMs ?? 0;
    if (!Number.isInteger(maxRecords) || maxRecords < 1) {
      throw new PlazaError('invalid_argument', 'maxRecords must be a positive integer', 400);
    }
    if (this.polling) {
      throw new PlazaError('consumer_busy', 'poll called while a poll of the same consumer is running', 409);
    }
    this.polling = true;
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        if (this.closed) return [];
        let wake!: () => void;
        const woken = new Promise<void>((resolve) => {
          wake = resolve;
        });
        // Subscribe before reading, so an append landing between the read and the wait is not missed.
        const unsubscribe = this.host.onAppend(
          this.topics.map((t) => t.name),
          wake,
        );
        this.wakePoll = wake;
        let timer: NodeJS.Timeout | undefined;
        try {
          const records = await this.fetch(maxRecords);
          const remaining = deadline - Date.now();
          if (records.length > 0 || remaining <= 0) return records;
          timer = setTimeout(wake, remaining);
          await woken;
        } finally {
          clearTimeout(timer);
          unsubscribe();
          this.wakePoll = undefined;
        }
      }
    } finally {
      this.polling = false;
    }
  }

  private async fetch(maxRecords: number): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    let bytes = 0;
    const n = this.slots.length;
    for (let k = 0; k < n && out.length < maxRecords && bytes < MAX_POLL_BYTES; k++) {
      if (this.closed) break;
      const { topic, partition, log } = this.slots[(this.cursor + k) % n]!;
      const positions = this.positions.get(topic)!;
      const position = positions[partition]!;
      if (position >= log.endOffset) continue;
      const records = await log.read(position, maxRecords - out.length, MAX_POLL_BYTES - bytes);
      // A seek during the read wins: these records are no longer what the caller asked for.
      if (this.closed || positions[partition] !== position || records.length === 0) continue;
      for (const r of records) {
        out.push({ topic, partition, offset: r.offset, key: r.key, value: r.value, timestamp: r.timestamp });
        bytes += r.value.byteLength + r.key.length;
      }
      positions[partition] = records[records.length - 1]!.offset + 1;
    }
    this.cursor = n === 0 ? 0 : (this.cursor + 1) % n;
    return out;
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (this.closed) throw new PlazaError('consumer_closed', 'commit on a closed consumer', 409);
    for (const o of offsets) this.checkPartition(o);
    if (offsets.length === 0) return;
    await this.host.commit(this.group, offsets);
  }

  seek(position: TopicPartitionOffset): void {
    this.checkPartition(position);
    this.positions.get(position.topic)![position.partition] = position.offset;
  }

  private checkPartition(o: TopicPartitionOffset): void {
    const topic = this.topics.find((t) => t.name === o.topic);
    if (!topic) {
      throw new PlazaError('invalid_argument', `consumer is not subscribed to topic ${o.topic}`, 400);
    }
    if (!Number.isInteger(o.partition) || o.partition < 0 || o.partition >= topic.partitions.length) {
      throw new PlazaError('invalid_argument', `topic ${o.topic} has no partition ${o.partition}`, 400);
    }
    if (!Number.isSafeInteger(o.offset) || o.offset < 0) {
      throw new PlazaError('invalid_argument', `offset must be a non-negative integer, got ${o.offset}`, 400);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakePoll?.();
    this.host.release(this);
  }
}
