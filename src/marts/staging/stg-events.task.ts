import type { TaskContext, TaskDef, TaskResult } from '../../pipelines/types.js';
import type { Warehouse } from '../../ports/warehouse.js';
import { identitiesTable } from '../../warehouse/identities-table.js';
import { rawEventsTable } from '../../warehouse/raw-events-table.js';
import { freshness } from '../common/checks.js';
import {
  changedAt,
  defaultTimeZone,
  dialectFor,
  ensureTables,
  nothingToDo,
  partitionOf,
  projectDays,
  windowOf,
} from '../common/kit.js';
import { duckdbStagingSql } from './stg-events.duckdb.js';
import {
  type StagingSql,
  stgChangesTable,
  stgEventsChecks,
  stgEventsTable,
  stgInteractionsTable,
  type WindowStats,
} from './stg-events.js';

export const stagingTables = [
  rawEventsTable,
  identitiesTable,
  stgEventsTable,
  stgChangesTable,
  stgInteractionsTable,
];

const sql = (w: Warehouse): StagingSql => dialectFor(w, { duckdb: duckdbStagingSql }, 'stg_events');

const retry = { retries: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 };

/**
 * Incremental: stages what was received in the run's window (the orchestrator starts it `lookbackMs` before
 * the watermark, so rows the sink loaded late are picked up; rows staged already are recognised and kept).
 */
export function stgEventsIncrementalTask(lookbackMs = 15 * 60_000): TaskDef {
  return {
    id: 'stg_events',
    partitioning: 'incremental',
    lookbackMs,
    retry,
    timeoutMs: 15 * 60_000,
    checks: [freshness('stg_events', 'received_at', 60)],
    description:
      'raw_events received since the watermark → stg_events, stg_interactions and stg_changes (deduplicated, typed)',
    async run(ctx: TaskContext): Promise<TaskResult> {
      const { since, until } = windowOf(ctx);
      const w = ctx.warehouse;
      await ensureTables(w, stagingTables);
      const s = sql(w);
      const [stats] = await w.query<WindowStats>(s.windowStats(since, until));
      if (!stats || stats.n === 0 || !stats.lo || !stats.hi) return nothingToDo();
      const { statements, inserted } = s.stageWindow({
        since,
        until,
        zones: ctx.projects.map((p) => ({ projectId: p.id, timeZone: p.timeZone })),
        defaultZone: defaultTimeZone,
        lo: stats.lo.getTime(),
        hi: stats.hi.getTime() + 1,
        relinkSince: since === null ? null : since.getTime() - 86_400_000,
      });
      ctx.signal.throwIfAborted();
      const changed = await w.transaction(statements);
      return { rowsIn: stats.n, rowsOut: changedAt(changed, inserted) };
    },
  };
}

/**
 * Daily: replaces the partition's rows with its raw rows staged again (catching what the incremental runs
 * missed, e.g. while the pipeline was down), so the day's marts never depend on the 5-minute runs having
 * caught up, and the day's persons follow every identification known by then. Re-running a day yields the
 * same rows.
 */
export function stgEventsDayTask(): TaskDef {
  return {
    id: 'stg_events_day',
    partitioning: 'daily',
    retry,
    timeoutMs: 30 * 60_000,
    checks: stgEventsChecks,
    description:
      "The local day's raw_events → stg_events, stg_interactions and stg_changes (replaced whole: the catch-up)",
    async run(ctx: TaskContext): Promise<TaskResult> {
      const days = projectDays(ctx, partitionOf(ctx));
      if (days.length === 0) return nothingToDo();
      const w = ctx.warehouse;
      await ensureTables(w, stagingTables);
      const s = sql(w);
      const [count] = await w.query<{ n: number }>(s.dayCount(days));
      const { statements, inserted } = s.stageDay(days);
      ctx.signal.throwIfAborted();
      const changed = await w.transaction(statements);
      return { rowsIn: count?.n ?? 0, rowsOut: changedAt(changed, inserted) };
    },
  };
}
