import type { Logger } from 'pino';
import { topics } from '../collector/topics.js';
import type { EventLog } from '../ports/event-log.js';
import { type ConsumerLoop, startConsumerLoop } from '../stream/consumer-loop.js';
import type { DeadLetterStore } from './store.js';
import type { DeadLetter } from './types.js';

export const deadLetterGroup = 'dead-letter-store';

/** Moves dead letters from the log (where the collector made them durable) into the queryable store. */
export function startDeadLetterMover(
  log: EventLog,
  store: DeadLetterStore,
  logger: Logger,
): Promise<ConsumerLoop> {
  const decoder = new TextDecoder();
  return startConsumerLoop({
    log,
    group: deadLetterGroup,
    topics: [topics.deadLetters],
    logger,
    maxRecords: 500,
    handle: (records) =>
      store.insertMany(records.map((r) => JSON.parse(decoder.decode(r.value)) as DeadLetter)),
  });
}
