/**
 * Event log port: a durable, partitioned, append-only log with consumer groups (embedded: a local log in the
 * data directory; distributed: Kafka). Offsets are per partition, start at 0 and are contiguous.
 */
export interface LogRecord {
  /** Partitioning key: records with the same key keep their order. */
  key: string;
  value: Uint8Array;
  /** Milliseconds since the epoch (append time unless the producer sets it). */
  timestamp?: number;
}

export interface StoredRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  value: Uint8Array;
  timestamp: number;
}

export interface AppendAck {
  partition: number;
  offset: number;
}

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  /** For commits: the next offset to read (Kafka semantics: last processed + 1). */
  offset: number;
}

export interface ConsumerOptions {
  group: string;
  topics: string[];
  /** Where a group with no committed offset starts. Default 'earliest'. */
  from?: 'earliest' | 'latest';
}

export interface PollOptions {
  maxRecords?: number;
  /** How long to wait for new records when none are ready. */
  timeoutMs?: number;
}

export interface LogConsumer {
  /** Records after the consumer's position, in offset order within each partition. */
  poll(options?: PollOptions): Promise<StoredRecord[]>;
  /** Durably records the group's position; a restarted consumer of the group resumes from there. */
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
  /** Moves this consumer's position (not the committed offset) of one partition. */
  seek(position: TopicPartitionOffset): void;
  close(): Promise<void>;
}

export interface EventLog {
  readonly kind: string;
  /** Creates the topic if missing; an existing topic keeps its partition count. */
  ensureTopic(topic: string, options?: { partitions?: number }): Promise<void>;
  partitions(topic: string): Promise<number>;
  /**
   * Appends a batch. Resolves only once every record is durable (survives kill -9 of the process), with one
   * ack per record in input order. Rejects if any record could not be made durable.
   */
  append(topic: string, records: LogRecord[]): Promise<AppendAck[]>;
  /** Reads a range of one partition without a consumer group (replay, rebuilding indexes). */
  read(topic: string, partition: number, fromOffset: number, maxRecords: number): Promise<StoredRecord[]>;
  /** Next offset to be written, per partition. */
  endOffsets(topic: string): Promise<number[]>;
  /** Committed offsets of a group per partition (0 where nothing is committed). */
  committedOffsets(group: string, topic: string): Promise<number[]>;
  consumer(options: ConsumerOptions): Promise<LogConsumer>;
  close(): Promise<void>;
}
