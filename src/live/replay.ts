import type { EventLog, TopicPartitionOffset } from '../ports/event-log.js';
import type { KeyValue } from '../ports/key-value.js';
import { commitLogPositions } from '../stream/offsets.js';
import { type Processor, positionsFrom } from '../stream/processors.js';
import {
  type LiveCountersOptions,
  liveCountersGroup,
  liveCountersTopics,
  startLiveCounters,
} from './counters.js';
import { liveLimits } from './keys.js';

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
  const positions = await positionsFrom(log, liveCountersTopics, { time: since });
  await commitLogPositions(log, group, liveCountersTopics, positions);
  return { deletedKeys, positions };
}

/** Live counters for the worker's processor set: any replay rebuilds them from the live horizon (see above). */
export function liveCountersProcessor(o: LiveCountersOptions): Processor {
  return {
    group: o.group ?? liveCountersGroup,
    topics: liveCountersTopics,
    start: () => startLiveCounters(o),
    async rewind() {
      const r = await prepareLiveReplay(o.log, o.kv, o.group === undefined ? {} : { group: o.group });
      o.logger.info({ deletedKeys: r.deletedKeys }, 'live counters cleared for a replay');
      return r.positions;
    },
  };
}
