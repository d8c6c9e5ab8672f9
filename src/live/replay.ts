import type { EventLog, TopicPartitionOffset } from '../ports/event-log.js';
import type { KeyValue } from '../ports/key-value.js';
import { liveCountersGroup, liveCountersTopics } from './counters.js';
import { liveLimits } from './keys.js';
import { firstAtOrAfter } from './log-time.js';

/**
 * `plaza stream replay --group live-counters [--from <anything>]`: live counters are increments (at least
 * once), so replaying events onto them would count them again. A replay rebuilds them instead: every live
 * key is deleted and the group's committed offsets move back to the live horizon (the first record appended
 * in the last 25 hours; nothing older changes a live counter), whatever `--from` says. Run it while the
 * worker is stopped; the next start recounts. Returns the positions and how many keys were deleted.
 */
export async function prepareLiveReplay(
  log: EventLog,
  kv: KeyValue,
  o: { group?: string; now?: number } = {},
): Promise<{ deletedKeys: number; positions: TopicPartitionOffset[] }> {
  const group = o.group ?? liveCountersGroup;
  const since = (o.now ?? Date.now()) - liveLimits.horizonMs;
  let deletedKeys = 0;
  for (const pattern of ['stats:listing:*', 'live:*']) {
    const keys = await kv.keys(pattern);
    for (let i = 0; i < keys.length; i += 500) deletedKeys += await kv.del(keys.slice(i, i + 500));
  }
  const positions: TopicPartitionOffset[] = [];
  for (const topic of liveCountersTopics) {
    const ends = await log.endOffsets(topic);
    for (let partition = 0; partition < ends.length; partition++) {
      positions.push({
        topic,
        partition,
        offset: await firstAtOrAfter(log, topic, partition, ends[partition]!, since),
      });
    }
  }
  const consumer = await log.consumer({ group, topics: liveCountersTopics });
  try {
    await consumer.commit(positions);
  } finally {
    await consumer.close();
  }
  return { deletedKeys, positions };
}
