import type { Logger } from 'pino';
import { eventTopics } from '../collector/topics.js';
import type { EventLog } from '../ports/event-log.js';
import type { Warehouse } from '../ports/warehouse.js';
import { type ConsumerLoop, type ConsumerLoopOptions, startConsumerLoop } from '../stream/consumer-loop.js';
import { commitLogPositions } from '../stream/offsets.js';
import { type Processor, positionsFrom } from '../stream/processors.js';
import { rawEventLine, rawEventsLoadSql } from '../warehouse/raw-events-load.js';
import { rawEventsTable } from '../warehouse/raw-events-table.js';

export const rawEventsGroup = 'raw-events-sink';

/**
 * Moves accepted events from the log into the warehouse table raw_events, exactly once: each row keeps its
 * log position, and at start the sink resumes after the highest position the table already holds, so a
 * crash between inserting and committing offsets never inserts a batch twice.
 */
export async function startRawEventsSink(
  log: EventLog,
  warehouse: Warehouse,
  logger: Logger,
  metrics?: ConsumerLoopOptions['metrics'],
): Promise<ConsumerLoop> {
  await warehouse.ensureTable(rawEventsTable);
  const loadSql = rawEventsLoadSql(warehouse.dialect);
  return startConsumerLoop({
    log,
    group: rawEventsGroup,
    topics: [...eventTopics],
    logger,
    maxRecords: 20_000,
    lingerMs: 200,
    ...(metrics ? { metrics } : {}),
    async startFrom() {
      const rows = await warehouse.query<{ log_topic: string; log_partition: number; next: number }>(
        'SELECT log_topic, log_partition, max(log_offset) + 1 AS next FROM raw_events GROUP BY log_topic, log_partition',
      );
      const stored = new Map(rows.map((r) => [`${r.log_topic}/${Number(r.log_partition)}`, Number(r.next)]));
      // Every partition is positioned, also those with no rows yet: the warehouse, not the group's committed
      // offset, says what is already loaded (a rebuilt warehouse reloads from the start).
      const positions = [];
      for (const topic of eventTopics) {
        const partitions = await log.partitions(topic);
        for (let partition = 0; partition < partitions; partition++) {
          positions.push({ topic, partition, offset: stored.get(`${topic}/${partition}`) ?? 0 });
        }
      }
      return positions;
    },
    // The log already holds each event as JSON: the warehouse's own JSON reader loads it, no parsing in JS.
    handle: (records) =>
      warehouse.loadJsonLines(
        records.map((r) => rawEventLine(r.topic, r.partition, r.offset, r.value)),
        loadSql,
      ),
  });
}

/** The sink as a replayable processor: rewinding deletes the rows loaded from the given positions on. */
export function rawEventsProcessor(
  log: EventLog,
  warehouse: Warehouse,
  logger: Logger,
  metrics?: ConsumerLoopOptions['metrics'],
): Processor {
  return {
    group: rawEventsGroup,
    topics: eventTopics,
    start: () => startRawEventsSink(log, warehouse, logger, metrics),
    async rewind(from) {
      const positions = await positionsFrom(log, eventTopics, from);
      // The sink resumes after the highest position raw_events holds, so deleting is all a rewind takes.
      for (const p of positions)
        await warehouse.query(
          'DELETE FROM raw_events WHERE log_topic = $1 AND log_partition = $2 AND log_offset >= $3',
          [p.topic, p.partition, p.offset],
        );
      await commitLogPositions(log, rawEventsGroup, eventTopics, positions);
      return positions;
    },
  };
}
