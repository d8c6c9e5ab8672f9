import type { EventLog, TopicPartitionOffset } from '../../ports/event-log.js';
import type { Warehouse } from '../../ports/warehouse.js';
import { aggTables } from '../../warehouse/agg-tables.js';
import { commitLogPositions, deleteOffsets, ensureOffsetsTable, offsetsReplacement } from '../offsets.js';
import { earliestTimeAt, type Processor, positionsFrom } from '../processors.js';
import {
  startWindowAggregator,
  type WindowAggregatorOptions,
  windowAggregatorGroup,
  windowAggregatorTopics,
} from './aggregator.js';
import { readLogged } from './event-fields.js';
import { HOUR_MS, type PersistedState, WindowState, windowStart } from './window-state.js';

/**
 * `plaza stream replay --group window-aggregator --from <0 | time>`: prepares the aggregator's stored state so
 * that its next start recomputes the aggregates from that point. Run it while the aggregator is stopped (its
 * positions and windows live in its memory while it runs).
 *
 * - from the start (`fromMs` undefined, i.e. `--from 0`): every agg_* row, the group's agg_state and its
 *   stream_offsets are deleted; the next start reads the log from offset 0.
 * - from a time T: the hours from H = T's hour onwards are recomputed exactly, those before are kept. Rows of
 *   agg_minute / agg_hour with window_start >= H and stored viewers of those windows are deleted; each
 *   partition restarts at the first record appended at or after H − `maxFutureMs` (an event of hour H or
 *   later cannot have been received earlier: the collector clamps event times to received_at + maxFutureMs);
 *   the watermarks are recomputed as they stood at those offsets (one pass over the heads of the records
 *   before them), so lateness decisions come out as in the first run; and `replay_floor` = H makes the
 *   aggregator skip events of earlier windows, which already hold them. `late_dropped` counts again the late
 *   events of the replayed range (it is a metric, not an aggregate).
 */
export interface ReplayResult {
  fromHour: string | null;
  positions: TopicPartitionOffset[];
  deleted: { agg_minute: number; agg_hour: number; agg_viewers: number };
}

export async function prepareAggregatorReplay(
  log: EventLog,
  warehouse: Warehouse,
  o: { fromMs?: number; maxFutureMs?: number; group?: string } = {},
): Promise<ReplayResult> {
  const group = o.group ?? windowAggregatorGroup;
  for (const t of aggTables) await warehouse.ensureTable(t);
  await ensureOffsetsTable(warehouse);

  if (o.fromMs === undefined) {
    const deleted = await deleteAggRows(warehouse);
    await warehouse.query('DELETE FROM agg_state WHERE consumer_group = $1', [group]);
    await deleteOffsets(warehouse, group);
    const positions = await positionsFrom(log, windowAggregatorTopics, { offset: 0 });
    await commitLogPositions(log, group, windowAggregatorTopics, positions);
    return { fromHour: null, positions, deleted };
  }

  const hour = windowStart(o.fromMs, 'hour');
  const since = hour - (o.maxFutureMs ?? HOUR_MS);
  const rows = await warehouse.query<{ state: PersistedState }>(
    'SELECT state FROM agg_state WHERE consumer_group = $1',
    [group],
  );
  const previous = rows[0]?.state;
  // The watermarks as they stood at the restart positions: the heads of the records before them, read again.
  const clocks = new WindowState(0);
  const positions: TopicPartitionOffset[] = [];
  for (const topic of windowAggregatorTopics) {
    const ends = await log.endOffsets(topic);
    for (let partition = 0; partition < ends.length; partition++) {
      const end = ends[partition] ?? 0;
      const tp = `${topic}/${partition}`;
      let offset = 0;
      scan: for (let from = 0; from < end; ) {
        const batch = await log.read(topic, partition, from, 5000);
        if (batch.length === 0) break;
        for (const r of batch) {
          offset = r.offset;
          if (r.timestamp >= since) break scan;
          const ev = readLogged(r.value, () => false);
          if (ev) clocks.admit(tp, ev.head, false);
          offset = r.offset + 1;
        }
        from = batch[batch.length - 1]!.offset + 1;
      }
      positions.push({ topic, partition, offset });
    }
  }
  const { watermarks } = clocks.persistedState();
  const at = new Date(hour);
  const deleted = await deleteAggRows(warehouse, at);
  const state: PersistedState = {
    watermarks,
    late_dropped: previous?.late_dropped ?? {},
    seq: previous?.seq ?? 0,
    replay_floor: hour,
  };
  await warehouse.replaceRows([
    {
      table: 'agg_state',
      key: ['consumer_group'],
      rows: [{ consumer_group: group, state, updated_at: new Date() }],
    },
    offsetsReplacement(group, positions),
  ]);
  await commitLogPositions(log, group, windowAggregatorTopics, positions);
  return { fromHour: at.toISOString(), positions, deleted };
}

/** Deletes the aggregate rows of windows starting at or after `from` (all of them without it); their counts. */
async function deleteAggRows(warehouse: Warehouse, from?: Date): Promise<ReplayResult['deleted']> {
  const where = from ? ' WHERE window_start >= $1' : '';
  const params = from ? [from] : [];
  const deleted: ReplayResult['deleted'] = { agg_minute: 0, agg_hour: 0, agg_viewers: 0 };
  for (const t of ['agg_minute', 'agg_hour', 'agg_viewers'] as const) {
    const [row] = await warehouse.query<{ n: number }>(`SELECT count(*) AS n FROM ${t}${where}`, params);
    deleted[t] = Number(row?.n ?? 0);
    await warehouse.query(`DELETE FROM ${t}${where}`, params);
  }
  return deleted;
}

/**
 * The aggregator for the worker's processor set. Its windows are kept by event time, so a replay from an
 * offset becomes a replay from the append time of the earliest record at those offsets (offset 0 everywhere:
 * from the start), and the hours from there on are recomputed exactly.
 */
export function windowAggregatorProcessor(
  o: WindowAggregatorOptions & { maxFutureMs?: () => Promise<number> },
): Processor {
  const group = o.group ?? windowAggregatorGroup;
  return {
    group,
    topics: windowAggregatorTopics,
    start: () => startWindowAggregator(o),
    async rewind(from) {
      let fromMs: number | undefined;
      if ('time' in from) fromMs = from.time;
      else if (from.offset > 0) {
        const at = await earliestTimeAt(o.log, await positionsFrom(o.log, windowAggregatorTopics, from));
        // Every partition is shorter than the offset: nothing to recompute, start after the last record.
        fromMs = at ?? Date.now();
      }
      const maxFutureMs = o.maxFutureMs ? await o.maxFutureMs() : undefined;
      const r = await prepareAggregatorReplay(o.log, o.warehouse, {
        group,
        ...(fromMs === undefined ? {} : { fromMs }),
        ...(maxFutureMs === undefined ? {} : { maxFutureMs }),
      });
      o.logger.info({ group, fromHour: r.fromHour, deleted: r.deleted }, 'aggregates rewound for a replay');
      return r.positions;
    },
  };
}
