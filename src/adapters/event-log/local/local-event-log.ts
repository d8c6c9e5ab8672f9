import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import xxhash from 'xxhash-wasm';
import { PlazaError } from '../../../core/errors.js';
import type {
  AppendAck,
  ConsumerOptions,
  EventLog,
  LogConsumer,
  LogRecord,
  StoredRecord,
} from '../../../ports/event-log.js';
import { fsyncDir, isNotFound, removeTempFiles, writeFileAtomic } from './files.js';
import { GroupOffsetStore } from './group-offsets.js';
import { type ConsumerHost, LocalConsumer } from './local-consumer.js';
import { PartitionLog } from './partition-log.js';
import { MAX_VALUE_BYTES, type PendingRecord } from './record-codec.js';

export interface LocalEventLogOptions {
  /** Partitions of topics created without an explicit count. Default 4. */
  defaultPartitions?: number;
  /** A segment file is sealed and a new one started once it would grow past this. Default 64 MiB. */
  segmentBytes?: number;
  /** fdatasync before acknowledging appends and commits. Default true; turn off only for throwaway data. */
  fsync?: boolean;
}

interface Topic {
  name: string;
  partitions: PartitionLog[];
}

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,200}$/;
const MAX_PARTITIONS = 1024;
/** Bounds the memory of one read() call with large values; callers continue from the last offset returned. */
const MAX_READ_BYTES = 64 * 1024 * 1024;

/**
 * Plaza's embedded event log: a durable, partitioned log in the data directory.
 *
 *   <dir>/topics/<topic>/topic.json        partition count
 *   <dir>/topics/<topic>/<partition>/<base offset>.log   segments of CRC-checked records
 *   <dir>/groups/g-<group>.json            committed offsets of a consumer group
 *
 * One process owns a data directory (enforced by the caller); within it, all methods may be called
 * concurrently.
 */
export class LocalEventLog implements EventLog {
  readonly kind = 'local';
  private readonly topics = new Map<string, Topic>();
  private readonly creating = new Map<string, Promise<void>>();
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly consumers = new Set<LocalConsumer>();
  private readonly offsets: GroupOffsetStore;
  private closed = false;
  private readonly consumerHost: ConsumerHost = {
    commit: (group, offsets) => this.offsets.commit(group, offsets),
    onAppend: (topics, wake) => this.onAppend(topics, wake),
    release: (consumer) => this.consumers.delete(consumer),
  };

  private constructor(
    private readonly dir: string,
    private readonly options: Required<LocalEventLogOptions>,
    private readonly hash: (key: string) => number,
  ) {
    this.offsets = new GroupOffsetStore(join(dir, 'groups'), options.fsync);
  }

  static async open(dir: string, options: LocalEventLogOptions = {}): Promise<LocalEventLog> {
    const resolved: Required<LocalEventLogOptions> = {
      defaultPartitions: options.defaultPartitions ?? 4,
      segmentBytes: options.segmentBytes ?? 64 * 1024 * 1024,
      fsync: options.fsync ?? true,
    };
    checkPartitionCount(resolved.defaultPartitions);
    if (!Number.isInteger(resolved.segmentBytes) || resolved.segmentBytes < 1) {
      throw new PlazaError('invalid_config', 'segmentBytes must be a positive integer', 400);
    }
    await mkdir(join(dir, 'topics'), { recursive: true });
    await mkdir(join(dir, 'groups'), { recursive: true });
    await removeTempFiles(join(dir, 'groups'));
    const { h32 } = await xxhash();
    const log = new LocalEventLog(dir, resolved, (key) => h32(key) >>> 0);
    try {
      for (const name of await readdir(join(dir, 'topics'))) {
        if (TOPIC_NAME.test(name)) await log.loadTopic(name);
      }
    } catch (e) {
      await log.close();
      throw e;
    }
    return log;
  }

  private topicDir(topic: string): string {
    return join(this.dir, 'topics', topic);
  }

  /** Opens an existing topic; a folder without topic.json is a creation interrupted by a crash, and ignored. */
  private async loadTopic(name: string): Promise<boolean> {
    let meta: { partitions: number };
    try {
      meta = JSON.parse(await readFile(join(this.topicDir(name), 'topic.json'), 'utf8')) as {
        partitions: number;
      };
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
    checkPartitionCount(meta.partitions);
    this.topics.set(name, { name, partitions: await this.openPartitions(name, meta.partitions) });
    return true;
  }

  private async openPartitions(topic: string, count: number): Promise<PartitionLog[]> {
    const opened = await Promise.allSettled(
      Array.from({ length: count }, (_, p) =>
        PartitionLog.open(
          join(this.topicDir(topic), String(p)),
          { segmentBytes: this.options.segmentBytes, fsync: this.options.fsync },
          () => this.notify(topic),
        ),
      ),
    );
    const failed = opened.find((r) => r.status === 'rejected');
    const partitions = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    if (failed) {
      await Promise.allSettled(partitions.map((p) => p.close()));
      throw failed.reason;
    }
    return partitions;
  }

  async ensureTopic(topic: string, options: { partitions?: number } = {}): Promise<void> {
    this.checkOpen();
    if (!TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
      throw new PlazaError(
        'invalid_topic',
        `topic names use letters, digits, '.', '_' and '-': ${topic}`,
        400,
      );
    }
    const partitions = options.partitions ?? this.options.defaultPartitions;
    checkPartitionCount(partitions);
    if (this.topics.has(topic)) return;
    let creating = this.creating.get(topic);
    if (!creating) {
      creating = this.createTopic(topic, partitions).finally(() => this.creating.delete(topic));
      this.creating.set(topic, creating);
    }
    await creating;
  }

  private async createTopic(topic: string, partitions: number): Promise<void> {
    const dir = this.topicDir(topic);
    await mkdir(dir, { recursive: true });
    if (this.options.fsync) await fsyncDir(join(this.dir, 'topics'));
    await removeTempFiles(dir);
    // Partition folders first, topic.json last: the topic exists only once all of it does.
    const logs = await this.openPartitions(topic, partitions);
    try {
      if (this.options.fsync) await fsyncDir(dir);
      await writeFileAtomic(join(dir, 'topic.json'), JSON.stringify({ partitions }), this.options.fsync);
    } catch (e) {
      await Promise.allSettled(logs.map((p) => p.close()));
      throw e;
    }
    this.topics.set(topic, { name: topic, partitions: logs });
  }

  private topic(name: string): Topic {
    this.checkOpen();
    const topic = this.topics.get(name);
    if (!topic) throw new PlazaError('unknown_topic', `topic ${name} does not exist; create it first`, 404);
    return topic;
  }

  private partition(topic: string, partition: number): PartitionLog {
    const log = this.topic(topic).partitions[partition];
    if (!Number.isInteger(partition) || !log) {
      throw new PlazaError('invalid_argument', `topic ${topic} has no partition ${partition}`, 400);
    }
    return log;
  }

  async partitions(topic: string): Promise<number> {
    return this.topic(topic).partitions.length;
  }

  async append(topic: string, records: LogRecord[]): Promise<AppendAck[]> {
    const { partitions } = this.topic(topic);
    if (records.length === 0) return [];
    const now = Date.now();
    const perPartition = new Map<number, { records: PendingRecord[]; inputIndexes: number[] }>();
    records.forEach((r, i) => {
      const pending = toPending(r, now, i);
      const p = this.hash(r.key) % partitions.length;
      let group = perPartition.get(p);
      if (!group) {
        group = { records: [], inputIndexes: [] };
        perPartition.set(p, group);
      }
      group.records.push(pending);
      group.inputIndexes.push(i);
    });
    const acks = new Array<AppendAck>(records.length);
    await Promise.all(
      [...perPartition].map(async ([partition, group]) => {
        const first = await partitions[partition]!.append(group.records);
        group.inputIndexes.forEach((inputIndex, k) => {
          acks[inputIndex] = { partition, offset: first + k };
        });
      }),
    );
    return acks;
  }

  async read(
    topic: string,
    partition: number,
    fromOffset: number,
    maxRecords: number,
  ): Promise<StoredRecord[]> {
    const log = this.partition(topic, partition);
    if (
      !Number.isSafeInteger(fromOffset) ||
      fromOffset < 0 ||
      !Number.isInteger(maxRecords) ||
      maxRecords < 0
    ) {
      throw new PlazaError(
        'invalid_argument',
        'fromOffset and maxRecords must be non-negative integers',
        400,
      );
    }
    const records = await log.read(fromOffset, maxRecords, MAX_READ_BYTES);
    return records.map((r) => ({ topic, partition, ...r }));
  }

  async endOffsets(topic: string): Promise<number[]> {
    return this.topic(topic).partitions.map((p) => p.endOffset);
  }

  async committedOffsets(group: string, topic: string): Promise<number[]> {
    checkGroup(group);
    const committed = await this.offsets.get(group, topic, this.topic(topic).partitions.length);
    return committed.map((o) => o ?? 0);
  }

  async consumer(options: ConsumerOptions): Promise<LogConsumer> {
    checkGroup(options.group);
    if (options.topics.length === 0) {
      throw new PlazaError('invalid_argument', 'a consumer needs at least one topic', 400);
    }
    const topics = [...new Set(options.topics)].map((t) => this.topic(t));
    const start = new Map<string, number[]>();
    for (const t of topics) {
      const committed = await this.offsets.get(options.group, t.name, t.partitions.length);
      start.set(
        t.name,
        t.partitions.map((p, i) => committed[i] ?? (options.from === 'latest' ? p.endOffset : p.startOffset)),
      );
    }
    this.checkOpen();
    const consumer = new LocalConsumer(this.consumerHost, options.group, topics, start);
    this.consumers.add(consumer);
    return consumer;
  }

  private onAppend(topics: string[], wake: () => void): () => void {
    for (const t of topics) {
      let set = this.listeners.get(t);
      if (!set) {
        set = new Set();
        this.listeners.set(t, set);
      }
      set.add(wake);
    }
    return () => {
      for (const t of topics) this.listeners.get(t)?.delete(wake);
    };
  }

  private notify(topic: string): void {
    const set = this.listeners.get(topic);
    if (set) for (const wake of [...set]) wake();
  }

  /** Stops consumers, then waits for queued appends and commits to finish before closing files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.close()));
    await Promise.allSettled(this.creating.values());
    await this.offsets.drain();
    await Promise.all([...this.topics.values()].flatMap((t) => t.partitions.map((p) => p.close())));
  }

  private checkOpen(): void {
    if (this.closed) throw new PlazaError('event_log_closed', 'the event log is closed', 503);
  }
}

function checkPartitionCount(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARTITIONS) {
    throw new PlazaError(
      'invalid_argument',
      `partition count must be an integer from 1 to ${MAX_PARTITIONS}`,
      400,
    );
  }
}

function checkGroup(group: string): void {
  if (typeof group !== 'string' || group.length === 0 || group.length > 200) {
    throw new PlazaError('invalid_argument', 'consumer group names are 1 to 200 characters', 400);
  }
}

function toPending(r: LogRecord, now: number, index: number): PendingRecord {
  if (typeof r.key !== 'string' || !(r.value instanceof Uint8Array)) {
    throw new PlazaError('invalid_record', `record ${index} needs a string key and a Uint8Array value`, 400);
  }
  if (r.value.byteLength > MAX_VALUE_BYTES) {
    throw new PlazaError('record_too_large', `record ${index} is larger than ${MAX_VALUE_BYTES} bytes`, 413);
  }
  const timestamp = r.timestamp ?? now;
  if (!Number.isFinite(timestamp)) {
    throw new PlazaError('invalid_record', `record ${index} has an invalid timestamp`, 400);
  }
  return { key: r.key, keyBytes: Buffer.byteLength(r.key, 'utf8'), value: r.value, timestamp };
}
