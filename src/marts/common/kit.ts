import { defaultProjectSettings } from '../../collector/types.js';
import { PlazaError } from '../../core/errors.js';
import { localDayBounds } from '../../pipelines/partitions.js';
import type { TaskContext, TaskResult } from '../../pipelines/types.js';
import type { ColumnDef, ColumnType, TableDef, Warehouse } from '../../ports/warehouse.js';

/** What every warehouse task module shares: column helpers, local-day bounds, table creation, dialect choice. */

export const col = (name: string, type: ColumnType, nullable = false): ColumnDef => ({
  name,
  type,
  nullable,
});
export const opt = (name: string, type: ColumnType = 'string'): ColumnDef => col(name, type, true);

/**
 * A daily mart: rows led by project_id and local_date, one partition per project-local day, sorted by the
 * day and then `key`.
 */
export function dailyMartTable(
  name: string,
  key: readonly string[],
  columns: readonly ColumnDef[],
  o: { clusterBy?: string[] } = {},
): TableDef {
  return {
    name,
    columns: [col('project_id', 'string'), col('local_date', 'date'), ...columns],
    orderBy: ['project_id', 'local_date', ...key],
    partitionByDay: 'local_date',
    ...(o.clusterBy ? { clusterBy: o.clusterBy } : {}),
  };
}

/** Events of a project the registry does not know (deleted since) are staged in the default zone. */
export const defaultTimeZone = defaultProjectSettings.timeZone;

/** One project's local day: [start, end) in UTC milliseconds. */
export interface ProjectDay {
  projectId: string;
  timeZone: string;
  date: string;
  start: number;
  end: number;
}

export { addDays } from '../../pipelines/partitions.js';

/** The local day `date` of every project; DST days are 23 or 25 hours long. */
export function projectDays(ctx: Pick<TaskContext, 'projects'>, date: string): ProjectDay[] {
  return ctx.projects.map((p) => ({
    projectId: p.id,
    timeZone: p.timeZone,
    date,
    ...localDayBounds(p.timeZone, date),
  }));
}

export function partitionOf(ctx: Pick<TaskContext, 'partition' | 'task'>): string {
  if (ctx.partition === null || !/^\d{4}-\d{2}-\d{2}$/.test(ctx.partition)) {
    throw new PlazaError(
      'task_needs_partition',
      `Task ${ctx.task} is daily-partitioned and needs a partition day (YYYY-MM-DD), got ${String(ctx.partition)}`,
      400,
    );
  }
  return ctx.partition;
}

export function windowOf(ctx: Pick<TaskContext, 'window' | 'task'>): { since: Date | null; until: Date } {
  if (ctx.window === null) {
    throw new PlazaError('task_needs_window', `Task ${ctx.task} is incremental and needs a window`, 400);
  }
  return ctx.window;
}

const ensured = new WeakMap<Warehouse, Set<string>>();

/** Creates the tables once per warehouse handle (ensureTable also checks an existing table's columns). */
export async function ensureTables(w: Warehouse, tables: readonly TableDef[]): Promise<void> {
  let done = ensured.get(w);
  if (!done) {
    done = new Set();
    ensured.set(w, done);
  }
  for (const t of tables) {
    if (done.has(t.name)) continue;
    await w.ensureTable(t);
    done.add(t.name);
  }
}

export type DialectName = Warehouse['dialect']['name'];

/** The concept's SQL for the warehouse's engine; a concept without it for that engine fails loudly. */
export function dialectFor<T>(w: Warehouse, impls: Partial<Record<DialectName, T>>, concept: string): T {
  const impl = impls[w.dialect.name];
  if (!impl) {
    throw new PlazaError(
      'warehouse_dialect_unsupported',
      `${concept} has no SQL for the ${w.dialect.name} warehouse yet (it has: ${Object.keys(impls).join(', ')})`,
      501,
    );
  }
  return impl;
}

/** Sums the rows inserted by the statements at `indexes` of a transaction's result. */
export const changedAt = (changed: readonly number[], indexes: readonly number[]): number =>
  indexes.reduce((n, i) => n + (changed[i] ?? 0), 0);

export const nothingToDo = (details?: Record<string, unknown>): TaskResult => ({
  rowsIn: 0,
  rowsOut: 0,
  ...(details ? { details } : {}),
});

/** What a concept's dialect module returns: statements for one transaction, and which results count rows. */
export interface MartStatements {
  statements: string[];
  /** Indexes of the statements whose changed-row counts are the rows written. */
  inserted: number[];
}

/** The SQL of a daily-partitioned mart, for one engine. */
export interface DailyMartSql<O = undefined> {
  /** One row with `n`: the source rows of the partition the mart reads (for the run history). */
  inputCount(days: readonly ProjectDay[]): string;
  /** Replaces the partition: deletes its rows and inserts the new ones, in one transaction. */
  replace(days: readonly ProjectDay[], options: O): MartStatements;
}
