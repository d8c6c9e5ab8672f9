import type { TaskDef } from '../pipelines/types.js';
import { type MartOptions, martTables, martTasks } from './analytics/marts.task.js';
import { clusterTask } from './maintenance/cluster.js';
import { rawArchiveTask } from './raw/archive.js';
import { defaultRetention, type RetentionTiers, retentionTask } from './raw/retention.js';
import { dimListingsTable, dimSellersTable, dimUsersTable } from './staging/dims.js';
import { stgChangesTable, stgEventsTable, stgInteractionsTable } from './staging/stg-events.js';
import { stgEventsDayTask, stgEventsIncrementalTask } from './staging/stg-events.task.js';
import { stgOrderItemsTable, stgOrdersTable } from './staging/stg-orders.js';
import { syncTasks } from './staging/sync.task.js';

/**
 * The warehouse layers as pipeline tasks (see docs/warehouse.md): raw → staging → marts.
 *
 * - `incremental` (every 5 minutes): stg_events from what raw_events received since the watermark, then
 *   the tables rebuilt from changed business events (dimensions, orders).
 * - `daily` (00:00, for the local day that ended): the day staged again (catch-up), the same rebuilds, the
 *   marts of the day, the Parquet archive of the day's raw events, the seller-read marts sorted again when
 *   enough new rows came in, and retention last (never before the day is archived).
 */
export interface WarehouseTaskOptions extends MartOptions {
  /** Plaza's data directory; the Parquet archive goes under `<dataDir>/archive/raw_events`. */
  dataDir: string;
  /** Retention in years per tier (default raw 7, processed 3, analytics 1). */
  retention?: Partial<RetentionTiers>;
  /** How far before its watermark each incremental staging run starts again (default 15 minutes). */
  lookbackMs?: number;
  /** The retention and clustering tasks' clock (tests, benchmarks). */
  clock?: () => Date;
}

export function warehouseTasks(o: WarehouseTaskOptions): { incremental: TaskDef[]; daily: TaskDef[] } {
  const staging = stgEventsIncrementalTask(o.lookbackMs);
  const incremental = [staging, ...syncTasks('stg_events', staging.lookbackMs ?? 0)];
  const marts = martTasks('stg_events_day', o);
  const daily = [
    stgEventsDayTask(),
    ...syncTasks('stg_events_day'),
    ...marts,
    rawArchiveTask({ dataDir: o.dataDir }),
    clusterTask({
      tables: [...martTables, stgEventsTable],
      dependsOn: marts.map((t) => t.id),
      ...(o.clock ? { clock: o.clock } : {}),
    }),
  ];
  const retention = retentionTask({ dataDir: o.dataDir, tiers: o.retention, clock: o.clock });
  daily.push({ ...retention, dependsOn: daily.map((t) => t.id) });
  return { incremental, daily };
}

export const warehouseTables = [
  stgEventsTable,
  stgChangesTable,
  stgInteractionsTable,
  stgOrdersTable,
  stgOrderItemsTable,
  dimListingsTable,
  dimSellersTable,
  dimUsersTable,
  ...martTables,
];

export { defaultRetention, type RetentionTiers };
