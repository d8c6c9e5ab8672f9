import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PlazaError } from '../../core/errors.js';
import { localDate } from '../../core/time-zone.js';
import { localDayBounds } from '../../pipelines/partitions.js';
import type { TaskContext, TaskDef, TaskResult } from '../../pipelines/types.js';
import type { Warehouse } from '../../ports/warehouse.js';
import { aggHourTable, aggMinuteTable } from '../../warehouse/agg-tables.js';
import { rawEventsTable } from '../../warehouse/raw-events-table.js';
import { sessionsTable } from '../../warehouse/sessions-table.js';
import { martTables } from '../analytics/marts.task.js';
import { defaultTimeZone, dialectFor } from '../common/kit.js';
import { stgChangesTable, stgEventsTable, stgInteractionsTable } from '../staging/stg-events.js';
import { archiveDir } from './archive.js';
import { duckdbRetentionSql } from './retention.duckdb.js';

/**
 * Retention tiers, in years: rows older than their tier (by their day in the project's time zone, counted
 * back from today) are deleted.
 * - raw: raw_events, stg_changes (the catalogue and order changes as they arrived; stg_orders and the
 *   dimensions are rebuilt from it, so they follow it) and the Parquet archive;
 * - processed: stg_events, stg_interactions, sessions and the windowed aggregates (agg_minute, agg_hour);
 * - analytics: the daily marts (by local_date) and interest profiles (by as_of_date).
 * Whole-table snapshots (mart_customers) and dimensions carry no age of their own and are not touched.
 */
export interface RetentionTiers {
  rawYears: number;
  processedYears: number;
  analyticsYears: number;
}

export const defaultRetention: RetentionTiers = { rawYears: 7, processedYears: 3, analyticsYears: 1 };

export type Tier = keyof RetentionTiers;

/** A table under retention: its age column is a local DATE, or a UTC TIMESTAMP compared with local midnight. */
export interface RetainedTable {
  table: string;
  column: string;
  kind: 'date' | 'timestamp';
  tier: Tier;
}

export const retainedTables: readonly RetainedTable[] = [
  { table: rawEventsTable.name, column: 'timestamp', kind: 'timestamp', tier: 'rawYears' },
  { table: stgChangesTable.name, column: 'local_date', kind: 'date', tier: 'rawYears' },
  { table: stgEventsTable.name, column: 'local_date', kind: 'date', tier: 'processedYears' },
  { table: stgInteractionsTable.name, column: 'local_date', kind: 'date', tier: 'processedYears' },
  { table: sessionsTable.name, column: 'local_date', kind: 'date', tier: 'processedYears' },
  { table: aggMinuteTable.name, column: 'window_start', kind: 'timestamp', tier: 'processedYears' },
  { table: aggHourTable.name, column: 'window_start', kind: 'timestamp', tier: 'processedYears' },
  ...martTables
    .filter((t) => t.columns.some((c) => c.name === 'local_date' || c.name === 'as_of_date'))
    .map((t) => ({
      table: t.name,
      column: t.columns.some((c) => c.name === 'local_date') ? 'local_date' : 'as_of_date',
      kind: 'date' as const,
      tier: 'analyticsYears' as const,
    })),
];

/** The first local day a tier keeps, for each project (and for rows of projects no longer registered). */
export interface Cutoff {
  /** null: rows of every project not listed. */
  projectId: string | null;
  date: string;
  /** UTC instant the local day `date` starts. */
  start: number;
}

export interface RetentionSql {
  /** One row per existing table name (of those asked): table_name. */
  existingTables(names: readonly string[]): string;
  /** Deletes one table's rows older than the cutoffs (one statement). */
  deleteOlder(t: RetainedTable, cutoffs: readonly Cutoff[]): string;
}

const sql = (w: Warehouse): RetentionSql => dialectFor(w, { duckdb: duckdbRetentionSql }, 'retention');

const addYears = (day: string, years: number): string => {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  // 29 February minus a year is 28 February (Date.UTC would roll it over to 1 March).
  const target = new Date(Date.UTC(y - years, m - 1, 1));
  const last = new Date(Date.UTC(y - years, m, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, last));
  return target.toISOString().slice(0, 10);
};

export function retentionTask(o: {
  dataDir: string;
  tiers?: Partial<RetentionTiers>;
  clock?: () => Date;
}): TaskDef {
  const tiers: RetentionTiers = { ...defaultRetention, ...o.tiers };
  for (const [k, v] of Object.entries(tiers)) {
    if (!(Number.isInteger(v) && v > 0)) {
      throw new PlazaError(
        'retention_invalid',
        `Retention ${k} must be a whole number of years above 0, got ${v}`,
      );
    }
  }
  const dataDir = resolve(o.dataDir);
  const clock = o.clock ?? (() => new Date());
  return {
    id: 'retention',
    partitioning: 'none',
    retry: { retries: 2, baseDelayMs: 10_000, maxDelayMs: 60_000 },
    timeoutMs: 60 * 60_000,
    description: `Deletes data past its tier: raw ${tiers.rawYears} y, processed ${tiers.processedYears} y, analytics ${tiers.analyticsYears} y`,
    async run(ctx: TaskContext): Promise<TaskResult> {
      const now = clock().getTime();
      const w = ctx.warehouse;
      const s = sql(w);
      const cutoffs = (tier: Tier): Cutoff[] =>
        [
          ...ctx.projects.map((p) => ({ id: p.id as string | null, zone: p.timeZone })),
          { id: null, zone: defaultTimeZone },
        ].map(({ id, zone }) => {
          const date = addYears(localDate(zone, now), tiers[tier]);
          return { projectId: id, date, start: localDayBounds(zone, date).start };
        });
      const existing = new Set(
        (await w.query<{ table_name: string }>(s.existingTables(retainedTables.map((t) => t.table)))).map(
          (r) => r.table_name,
        ),
      );
      const deleted: Record<string, number> = {};
      const present = retainedTables.filter((t) => existing.has(t.table));
      const changed = await w.transaction(present.map((t) => s.deleteOlder(t, cutoffs(t.tier))));
      present.forEach((t, i) => {
        deleted[t.table] = changed[i] ?? 0;
      });

      const rawCutoffs = cutoffs('rawYears');
      const removedDays = await pruneArchive(archiveDir(dataDir), rawCutoffs);
      const rows = Object.values(deleted).reduce((a, b) => a + b, 0);
      ctx.log('retention applied', { deleted, archiveDaysRemoved: removedDays });
      return { rowsIn: rows, rowsOut: rows, details: { deleted, archiveDaysRemoved: removedDays, tiers } };
    },
  };
}

/** Removes archive day directories older than the raw tier; returns how many. */
async function pruneArchive(root: string, cutoffs: readonly Cutoff[]): Promise<number> {
  const fallback = cutoffs.find((c) => c.projectId === null)!;
  let removed = 0;
  for (const p of await dirs(root)) {
    if (!p.startsWith('project_id=')) continue;
    const projectId = p.slice('project_id='.length);
    const cutoff = cutoffs.find((c) => c.projectId === projectId) ?? fallback;
    for (const d of await dirs(join(root, p))) {
      const m = /^date=(\d{4}-\d{2}-\d{2})$/.exec(d);
      if (m && m[1]! < cutoff.date) {
        await rm(join(root, p, d), { recursive: true, force: true });
        removed++;
      }
    }
  }
  return removed;
}

async function dirs(path: string): Promise<string[]> {
  try {
    return (await readdir(path, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
