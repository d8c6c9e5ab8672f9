import type { EventLog, LogConsumer, PollOptions, StoredRecord } from '../../ports/event-log.js';

/**
 * The same log, but each consumer's poll, once it has records, keeps topping the batch up for `lingerMs` (or
 * until `maxRecords`): fewer, larger batches for processors whose cost is mostly per batch (a warehouse
 * transaction, a round of key-value writes), at the price of that much latency.
 */
export function lingeringLog(log: EventLog, lingerMs: number): EventLog {
  if (lingerMs <= 0) return log;
  return {
    kind: log.kind,
    ensureTopic: (topic, options) => log.ensureTopic(topic, options),
    partitions: (topic) => log.partitions(topic),
    append: (topic, records) => log.append(topic, records),
    read: (topic, partition, fromOffset, maxRecords) => log.read(topic, partition, fromOffset, maxRecords),
    endOffsets: (topic) => log.endOffsets(topic),
    committedOffsets: (group, topic) => log.committedOffsets(group, topic),
    consumer: async (options) => lingeringConsumer(await log.consumer(options), lingerMs),
    close: () => log.close(),
  };
}

function lingeringConsumer(c: LogConsumer, lingerMs: number): LogConsumer {
  return {
    async poll(options: PollOptions = {}): Promise<StoredRecord[]> {
      const max = options.maxRecords ?? 500;
      let out = await c.poll(options);
      if (out.length === 0 || out.length >= max) return out;
      const deadline = Date.now() + lingerMs;
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0 || out.length >= max) return out;
        const more = await c.poll({ maxRecords: max - out.length, timeoutMs: left });
        if (more.length === 0) return out;
        out = out.concat(more);
      }
    },
    commit: (offsets) => c.commit(offsets),
    seek: (position) => c.seek(position),
    close: () => c.close(),
  };
}

/** Records handled between yields to the event loop, so a large batch never stalls HTTP or other consumers. */
export const yieldEvery = 2048;

export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
