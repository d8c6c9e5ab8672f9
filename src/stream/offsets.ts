import type { EventLog, StoredRecord, TopicPartitionOffset } from '../ports/event-log.js';
import type { Row, RowReplacement, TableDef, Warehouse } from '../ports/warehouse.js';
import { nextOffsets } from './consumer-loop.js';

/**
 * Exactly-once for stream processors whose effects live in the warehouse. A processor writes its effects AND
 * the input positions they cover (rows of `stream_offsets`) in ONE `warehouse.replaceRows` call, which
 * commits atomically; at start it seeks every partition to the stored position (`storedPositions`). The
 * log's own committed offset is then only an optimisation (and what lag reports): after a crash between the
 * warehouse commit and the log commit, the batch is read again and skipped or rewritten to the same rows.
 *
 * `stream_offsets` is keyed by (consumer_group, topic, log_partition); `next_offset` is the next offset to
 * read (Kafka semantics: last processed + 1). `watermark` is optional: an event-time processor that decides
 * lateness per partition stores its watermark beside the position, so a restart decides exactly as before.
 */
export interface StoredOffset extends TopicPartitionOffset {
  /** Milliseconds since the epoch, or null. */
  watermark: number | null;
}

export const streamOffsetsTable: TableDef = {
  name: 'stream_offsets',
  columns: [
    { name: 'consumer_group', type: 'string' },
    { name: 'topic', type: 'string' },
    { name: 'log_partition', type: 'int64' },
    { name: 'next_offset', type: 'int64' },
    /** The processor's event-time watermark of the partition at that position, if it keeps one. */
    { name: 'watermark', type: 'timestamp', nullable: true },
    { name: 'updated_at', type: 'timestamp' },
  ],
  orderBy: ['consumer_group', 'topic', 'log_partition'],
};

export const streamOffsetsKey = ['consumer_group', 'topic', 'log_partition'];

export async function ensureOffsetsTable(warehouse: Warehouse): Promise<void> {
  await warehouse.ensureTable(streamOffsetsTable);
}

/** Stored positions of a group (only the partitions it has written). */
export async function loadOffsets(warehouse: Warehouse, group: string): Promise<StoredOffset[]> {
  const rows = await warehouse.query<{
    topic: string;
    log_partition: unknown;
    next_offset: unknown;
    watermark: Date | null;
  }>('SELECT topic, log_partition, next_offset, watermark FROM stream_offsets WHERE consumer_group = $1', [
    group,
  ]);
  return rows.map((r) => ({
    topic: r.topic,
    partition: Number(r.log_partition),
    offset: Number(r.next_offset),
    watermark: r.watermark === null ? null : new Date(r.watermark).getTime(),
  }));
}

/**
 * Rows of `stream_offsets` for the positions after a batch (the highest offset + 1 per topic partition).
 * `watermarks` (ms, keyed by `watermarkKey(topic, partition)`) are stored beside them when given.
 */
export function offsetRows(
  group: string,
  records: StoredRecord[] | TopicPartitionOffset[],
  watermarks?: ReadonlyMap<string, number>,
): Row[] {
  const positions = isRecords(records) ? nextOffsets(records) : records;
  const now = new Date();
  return positions.map((p) => {
    const w = watermarks?.get(watermarkKey(p.topic, p.partition));
    return {
      consumer_group: group,
      topic: p.topic,
      log_partition: p.partition,
      next_offset: p.offset,
      watermark: w === undefined || !Number.isFinite(w) ? null : new Date(w),
      updated_at: now,
    };
  });
}

export const watermarkKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/** The `replaceRows` entry for a batch's positions: put it in the same call as the batch's effects. */
export function offsetsReplacement(
  group: string,
  records: StoredRecord[] | TopicPartitionOffset[],
  watermarks?: ReadonlyMap<string, number>,
): RowReplacement {
  return {
    table: streamOffsetsTable.name,
    key: streamOffsetsKey,
    rows: offsetRows(group, records, watermarks),
  };
}

/**
 * The group's stored position of every partition of `topics` (0 where none is stored: a rebuilt warehouse
 * recomputes from the start). As the consumer loop's `startFrom`, they are also committed to the log, so
 * that the log's view of the group (lag, `drain`) agrees with the warehouse even when the two had drifted
 * apart (a crash between the two commits, a replay).
 */
export async function storedPositions(
  log: EventLog,
  warehouse: Warehouse,
  group: string,
  topics: readonly string[],
): Promise<TopicPartitionOffset[]> {
  const stored = new Map(
    (await loadOffsets(warehouse, group)).map((o) => [watermarkKey(o.topic, o.partition), o.offset]),
  );
  const positions: TopicPartitionOffset[] = [];
  for (const topic of topics) {
    const partitions = await log.partitions(topic);
    for (let partition = 0; partition < partitions; partition++) {
      positions.push({ topic, partition, offset: stored.get(watermarkKey(topic, partition)) ?? 0 });
    }
  }
  return positions;
}

/** Forgets a group's stored positions (replay from the start; run with the group's effects deleted). */
export async function deleteOffsets(warehouse: Warehouse, group: string): Promise<void> {
  await warehouse.query('DELETE FROM stream_offsets WHERE consumer_group = $1', [group]);
}

function isRecords(r: StoredRecord[] | TopicPartitionOffset[]): r is StoredRecord[] {
  return r.length > 0 && 'value' in (r[0] as object);
}

/**
 * Moves a group's committed offsets in the log itself (what lag and drain read), e.g. after a replay moved its
 * stored positions, so lag shows the replay's progress at once.
 */
export async function commitLogPositions(
  log: EventLog,
  group: string,
  topics: readonly string[],
  positions: TopicPartitionOffset[],
): Promise<void> {
  const consumer = await log.consumer({ group, topics: [...topics] });
  try {
    await consumer.commit(positions);
  } finally {
    await consumer.close();
  }
}
