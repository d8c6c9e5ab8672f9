import type { Logger } from 'pino';
import { topics } from '../collector/topics.js';
import type { EventLog } from '../ports/event-log.js';
import { type ConsumerLoop, startConsumerLoop } from '../stream/consumer-loop.js';
import { commitLogPositions } from '../stream/offsets.js';
import { type Processor, positionsFrom } from '../stream/processors.js';
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

/** The mover for the worker's processor set: inserts ignore known ids, so a rewind only moves the offsets. */
export function deadLetterProcessor(log: EventLog, store: DeadLetterStore, logger: Logger): Processor {
  const groupTopics = [topics.deadLetters];
  return {
    group: deadLetterGroup,
    topics: groupTopics,
    start: () => startDeadLetterMover(log, store, logger),
    async rewind(from) {
      const positions = await positionsFrom(log, groupTopics, from);
      await commitLogPositions(log, deadLetterGroup, groupTopics, positions);
      return positions;
    },
  };
}
