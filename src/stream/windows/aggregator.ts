import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { topics } from '../../collector/topics.js';
import type { Metrics } from '../../observability/metrics.js';
import type { EventLog, StoredRecord } from '../../ports/event-log.js';
import type { Row, RowReplacement, Warehouse } from '../../ports/warehouse.js';
import {
  aggHourTable,
  aggKey,
  aggMinuteTable,
  aggStateKey,
  aggStateTable,
  aggTables,
  aggViewersKey,
  aggViewersTable,
} from '../../warehouse/agg-tables.js';
import { type ConsumerLoop, startConsumerLoop } from '../consumer-loop.js';
import { ensureOffsetsTable, offsetsReplacement, storedPositions } from '../offsets.js';
import { counterFor, counterOfType, needsBody, readLogged, revenueOf, visitorOf } from './event-fields.js';
import { lingeringLog, yieldEvery, yieldToEventLoop } from './linger.js';
import {
  type AdmittedEvent,
  type Granularity,
  type PersistedState,
  type ViewerCutoff,
  WindowState,
} from './window-state.js';

export const windowAggregatorGroup = 'window-aggregator';
/** Behaviour events only: catalogue and ML events feed no window counter. */
export const windowAggregatorTopics: string[] = [topics.userEvents];

export interface WindowAggregatorOptions {
  log: EventLog;
  warehouse: Warehouse;
  logger: Logger;
  /** Events whose minute ended this long before the watermark are dropped (and counted). Default 10 min. */
  allowedLatenessMs?: number;
  /** Stream metrics of the consumer loop, and plaza_agg_late_dropped_total in its registry. */
  metrics?: Metrics;
  /** How long a poll tops its batch up: the flush interval under light load. Default 1000 ms. */
  lingerMs?: number;
  /** Largest batch (one warehouse transaction). Default 20 000. */
  maxRecords?: number;
  /** Consumer group name (tests run several aggregators over one log). */
  group?: string;
}

export interface WindowAggregator extends ConsumerLoop {
  readonly group: string;
  /** Counts since start; computeMs / writeMs: time spent on the events and in the warehouse transaction. */
  stats(): {
    events: number;
    admitted: number;
    lateDropped: number;
    flushes: number;
    rows: number;
    computeMs: number;
    writeMs: number;
    windows: number;
  };
}

/** How often stored viewer rows of closed hours are deleted. */
const viewerGcIntervalMs = 30_000;

/**
 * The windowed aggregator: reads user events, keeps per-minute and per-hour counters per listing, seller and
 * project (rules in window-state.ts), and writes, in ONE replaceRows call per batch, the changed windows'
 * absolute values (agg_minute, agg_hour), the viewers newly counted (agg_viewers), its watermarks
 * (agg_state) and the input offsets the batch covers (stream_offsets). At start, and after any failed batch,
 * it forgets its memory, reloads that state and seeks to the stored offsets: effects and positions come from
 * the same transaction, so a crash anywhere gives exactly-once results.
 */
export async function startWindowAggregator(o: WindowAggregatorOptions): Promise<WindowAggregator> {
  const group = o.group ?? windowAggregatorGroup;
  const { warehouse } = o;
  const lateness = o.allowedLatenessMs ?? 10 * 60_000;
  for (const t of aggTables) await warehouse.ensureTable(t);
  await ensureOffsetsTable(warehouse);

  const lateCounter = o.metrics ? lateDroppedCounter(o.metrics.registry) : null;
  let state = new WindowState(lateness);
  let lastGc = 0;
  const totals = { events: 0, admitted: 0, flushes: 0, rows: 0, computeMs: 0, writeMs: 0 };

  // The warehouse write of batch N runs while batch N+1 is computed (DuckDB works in its own threads). Writes
  // stay in order (N+1's starts after N's ends), and a failed write is retried as it is: it holds absolute
  // values and the offsets they cover, consistent with the state in memory. Anything that reads the
  // warehouse, or reloads the state, first waits for the write in flight.
  let writing: { done: Promise<void>; abandoned: boolean } = { done: Promise.resolve(), abandoned: false };
  let stopping = false;
  const settle = async (): Promise<void> => {
    writing.abandoned = true;
    await writing.done.catch(() => {});
  };

  const write = (replacements: RowReplacement[], cutoffs: ViewerCutoff[] | null) => {
    const token = { done: Promise.resolve(), abandoned: false };
    token.done = (async () => {
      const t = performance.now();
      for (let failures = 0; ; failures++) {
        try {
          await warehouse.replaceRows(replacements);
          break;
        } catch (e) {
          if (token.abandoned || stopping) throw e;
          const delay = Math.min(30_000, 100 * 2 ** Math.min(failures, 9)) * (0.5 + Math.random() / 2);
          o.logger.error(
            { err: e, group, retryInMs: Math.round(delay) },
            'aggregate write failed; retrying it',
          );
          await new Promise((r) => setTimeout(r, delay));
        }
      }
      totals.writeMs += performance.now() - t;
      // Viewer rows of hours closed by the watermarks this write stored (never by newer ones in memory only).
      if (cutoffs) {
        await deleteClosedViewers(warehouse, cutoffs).catch((e) =>
          o.logger.warn({ err: e }, 'could not delete viewer rows of closed windows (retried later)'),
        );
      }
    })();
    token.done.catch(() => {});
    writing = token;
  };

  const loop = await startConsumerLoop({
    log: lingeringLog(o.log, o.lingerMs ?? 1000),
    group,
    topics: windowAggregatorTopics,
    logger: o.logger,
    maxRecords: o.maxRecords ?? 20_000,
    pollTimeoutMs: 200,
    ...(o.metrics ? { metrics: o.metrics } : {}),
    async startFrom() {
      await settle();
      writing = { done: Promise.resolve(), abandoned: false };
      state = await loadState(warehouse, group, lateness);
      return storedPositions(o.log, warehouse, group, windowAggregatorTopics);
    },
    async handle(records) {
      const t0 = performance.now();
      const admitted: AdmittedEvent[] = [];
      for (let i = 0; i < records.length; i += yieldEvery) {
        if (i > 0) await yieldToEventLoop();
        admit(state, records, i, Math.min(records.length, i + yieldEvery), admitted);
      }
      const toLoad = state.groupsToLoad(admitted);
      if (toLoad.length > 0) {
        await writing.done;
        await loadGroups(warehouse, state, toLoad);
      }
      for (let i = 0; i < admitted.length; i += yieldEvery) {
        if (i > 0) await yieldToEventLoop();
        state.apply(admitted.slice(i, i + yieldEvery));
      }
      const out = state.flush();
      const gcDue = Date.now() - lastGc > viewerGcIntervalMs;
      if (gcDue) lastGc = Date.now();
      const cutoffs = gcDue ? state.viewerCutoffs() : null;
      totals.computeMs += performance.now() - t0;
      // The previous batch's write must have landed before this one starts (and a failure surfaces here:
      // the loop then reloads the state from the warehouse).
      await writing.done;
      write(
        [
          { table: aggMinuteTable.name, key: aggKey, rows: out.minuteRows },
          { table: aggHourTable.name, key: aggKey, rows: out.hourRows },
          { table: aggViewersTable.name, key: aggViewersKey, rows: out.viewerRows },
          {
            table: aggStateTable.name,
            key: aggStateKey,
            rows: [{ consumer_group: group, state: out.state, updated_at: new Date() }],
          },
          offsetsReplacement(group, records),
        ],
        cutoffs,
      );
      totals.rows += out.minuteRows.length + out.hourRows.length;
      totals.events += records.length;
      totals.admitted += admitted.length;
      totals.flushes++;
      for (const [project, n] of state.takeLateCounts()) lateCounter?.inc({ project }, n);
      // Windows dropped here are in the write in flight; reading one back waits for it (above).
      state.evict();
    },
  });

  return {
    group,
    async drain(timeoutMs) {
      await loop.drain(timeoutMs);
      await writing.done;
    },
    async stop() {
      stopping = true;
      await loop.stop();
      await writing.done.catch((e) => o.logger.warn({ err: e }, 'the last aggregate write failed'));
    },
    stats: () => ({
      ...totals,
      lateDropped: Object.values(state.persistedState().late_dropped).reduce((a, b) => a + b, 0),
      windows: state.stats().windows,
    }),
  };
}

const wantBody = (eventType: string) => needsBody.has(eventType);

/** Parses as little as possible, moves the watermarks and keeps the on-time events that feed a counter. */
function admit(
  state: WindowState,
  records: StoredRecord[],
  from: number,
  to: number,
  out: AdmittedEvent[],
): void {
  let tp = '';
  let tpTopic = '';
  let tpPartition = -1;
  for (let i = from; i < to; i++) {
    const r = records[i]!;
    const ev = readLogged(r.value, wantBody);
    if (!ev) continue;
    const { head } = ev;
    if (r.partition !== tpPartition || r.topic !== tpTopic) {
      tpTopic = r.topic;
      tpPartition = r.partition;
      tp = `${r.topic}/${r.partition}`;
    }
    const feeds = counterOfType.has(head.eventType);
    if (!state.admit(tp, head, feeds)) continue;
    const counter = counterFor(head.eventType, ev.properties);
    if (!counter) continue;
    out.push({
      tp,
      projectId: head.projectId,
      timeMs: head.timeMs,
      counter,
      visitor: visitorOf(head),
      listingId: head.listingId,
      sellerId: head.sellerId,
      revenue: counter === 'purchases' ? revenueOf(ev.properties) : null,
    });
  }
}

/** The state to resume from: watermarks and counts from agg_state, viewer sets of open windows. */
async function loadState(warehouse: Warehouse, group: string, lateness: number): Promise<WindowState> {
  const state = new WindowState(lateness);
  const rows = await warehouse.query<{ state: PersistedState }>(
    'SELECT state FROM agg_state WHERE consumer_group = $1',
    [group],
  );
  state.restoreState(rows[0]?.state ?? null);
  for (const [g, table] of [
    ['minute', aggMinuteTable.name],
    ['hour', aggHourTable.name],
  ] as const) {
    const latest = await warehouse.query<{ project_id: string; latest: Date }>(
      `SELECT project_id, max(window_start) AS latest FROM ${table} GROUP BY project_id`,
    );
    for (const r of latest) state.restoreHighWater(g, r.project_id, r.latest.getTime());
  }
  const viewers = await warehouse.query<{
    topic: string;
    log_partition: number;
    project_id: string;
    window_start: Date;
    visitors: unknown;
  }>('SELECT topic, log_partition, project_id, window_start, visitors FROM agg_viewers ORDER BY seq');
  for (const v of viewers) {
    state.restoreViewers(
      `${v.topic}/${Number(v.log_partition)}`,
      v.project_id,
      v.window_start.getTime(),
      v.visitors,
    );
  }
  return state;
}

/** Reads back stored windows that events of this batch update (after a restart or an eviction). */
async function loadGroups(
  warehouse: Warehouse,
  state: WindowState,
  groups: { granularity: Granularity; projectId: string; windowStart: number }[],
): Promise<void> {
  const byTable = new Map<string, typeof groups>();
  for (const g of groups) {
    const k = `${g.granularity}\u0000${g.projectId}`;
    const list = byTable.get(k) ?? [];
    list.push(g);
    byTable.set(k, list);
  }
  for (const list of byTable.values()) {
    const { granularity, projectId } = list[0]!;
    const table = granularity === 'minute' ? aggMinuteTable.name : aggHourTable.name;
    for (let i = 0; i < list.length; i += 500) {
      const chunk = list.slice(i, i + 500);
      const starts = chunk.map((g) => new Date(g.windowStart));
      const rows = await warehouse.query<Row & { window_start: Date }>(
        `SELECT * FROM ${table} WHERE project_id = $1 AND window_start IN (${starts.map((_, j) => `$${j + 2}`).join(', ')})`,
        [projectId, ...starts],
      );
      const byStart = new Map<number, Row[]>();
      for (const r of rows) {
        const t = r.window_start.getTime();
        const l = byStart.get(t) ?? [];
        l.push(r);
        byStart.set(t, l);
      }
      for (const g of chunk)
        state.installGroup(granularity, projectId, g.windowStart, byStart.get(g.windowStart) ?? []);
    }
  }
}

/** Deletes stored viewer rows of hours every event of their partition would now find closed. */
async function deleteClosedViewers(warehouse: Warehouse, all: ViewerCutoff[]): Promise<void> {
  const cutoffs = all.filter((c) => Number.isFinite(c.before));
  for (let i = 0; i < cutoffs.length; i += 100) {
    const chunk = cutoffs.slice(i, i + 100);
    const params: unknown[] = [];
    const where = chunk.map((c) => {
      params.push(c.topic, c.partition, c.projectId, new Date(c.before));
      const n = params.length;
      return `(topic = $${n - 3} AND log_partition = $${n - 2} AND project_id = $${n - 1} AND window_start < $${n})`;
    });
    await warehouse.query(`DELETE FROM agg_viewers WHERE ${where.join(' OR ')}`, params);
  }
}

function lateDroppedCounter(registry: Registry): Counter<'project'> {
  const name = 'plaza_agg_late_dropped_total';
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<'project'>;
  return new Counter({
    name,
    help: 'Events left out of agg_minute/agg_hour because they arrived after the allowed lateness (still in raw_events)',
    labelNames: ['project'] as const,
    registers: [registry],
  });
}
