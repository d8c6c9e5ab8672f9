import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PlazaError } from '../../core/errors.js';
import type { TaskContext, TaskDef, TaskResult } from '../../pipelines/types.js';
import type { Warehouse } from '../../ports/warehouse.js';
import { rawEventsTable } from '../../warehouse/raw-events-table.js';
import {
  dialectFor,
  ensureTables,
  nothingToDo,
  type ProjectDay,
  partitionOf,
  projectDays,
} from '../common/kit.js';
import { duckdbArchiveSql } from './archive.duckdb.js';

/**
 * The raw layer's archive: each local day of raw_events as Parquet files in a hive layout,
 * `<dataDir>/archive/raw_events/project_id=<project>/date=<YYYY-MM-DD>/raw_events_<n>.parquet`, rows in the
 * order they were loaded (receive order; sorting by event time would cost a third more), partition columns in
 * the path only. Readable by any Parquet engine, e.g. in DuckDB:
 * `read_parquet('<dir>/*\/*\/*.parquet', hive_partitioning = true)`.
 *
 * Archiving a day again replaces that day's directory: the new files are written to a staging directory
 * first and moved into place, so readers see the old day or the new one, never half of either. A project
 * without raw rows that day keeps what the archive holds (its rows may have aged out of raw_events).
 */
export interface ArchiveSql {
  /** One row per project of the day with raw rows: project_id, n. */
  dayCounts(days: readonly ProjectDay[]): string;
  /** Writes the day's rows under `dir` with the hive layout (one statement; its count is the rows written). */
  copyDay(days: readonly ProjectDay[], dir: string): string;
}

export const archiveDir = (dataDir: string) => join(dataDir, 'archive', 'raw_events');

/** Path segments come from project ids; anything that could leave the archive directory is refused. */
function segment(projectId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(projectId) || projectId.includes('..')) {
    throw new PlazaError(
      'archive_bad_project_id',
      `Cannot archive project ${JSON.stringify(projectId)}: its id is not usable as a directory name`,
      500,
    );
  }
  return `project_id=${projectId}`;
}

export function dayDir(dataDir: string, projectId: string, date: string): string {
  return join(archiveDir(dataDir), segment(projectId), `date=${date}`);
}

const sql = (w: Warehouse): ArchiveSql => dialectFor(w, { duckdb: duckdbArchiveSql }, 'raw archive');

export function rawArchiveTask(o: { dataDir: string }): TaskDef {
  // The warehouse resolves relative paths against its own working directory; pin the one meant here.
  const dataDir = resolve(o.dataDir);
  return {
    id: 'raw_archive',
    partitioning: 'daily',
    retry: { retries: 3, baseDelayMs: 5_000, maxDelayMs: 60_000 },
    timeoutMs: 30 * 60_000,
    description: 'The local day of raw_events → Parquet, hive-partitioned by project and date',
    async run(ctx: TaskContext): Promise<TaskResult> {
      const date = partitionOf(ctx);
      const w = ctx.warehouse;
      await ensureTables(w, [rawEventsTable]);
      const s = sql(w);
      const all = projectDays(ctx, date);
      if (all.length === 0) return nothingToDo();
      const counts = await w.query<{ project_id: string; n: number }>(s.dayCounts(all));
      const days = all.filter((d) => counts.some((c) => c.project_id === d.projectId));
      if (days.length === 0) return nothingToDo();
      for (const d of days) segment(d.projectId);

      const root = archiveDir(dataDir);
      const staging = join(root, `.staging-${date}-${randomBytes(6).toString('hex')}`);
      await mkdir(staging, { recursive: true });
      try {
        const [written] = await w.transaction([s.copyDay(days, staging)]);
        for (const d of days) {
          const target = dayDir(dataDir, d.projectId, date);
          const fresh = join(staging, segment(d.projectId), `date=${date}`);
          await mkdir(join(target, '..'), { recursive: true });
          const old = `${target}.old-${randomBytes(6).toString('hex')}`;
          if (existsSync(target)) await rename(target, old);
          await rename(fresh, target);
          await rm(old, { recursive: true, force: true });
        }
        const rows = counts.reduce((n, c) => n + c.n, 0);
        ctx.log('archived raw events', { date, projects: days.length, rows });
        return { rowsIn: rows, rowsOut: written ?? 0, details: { dir: root } };
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    },
  };
}
