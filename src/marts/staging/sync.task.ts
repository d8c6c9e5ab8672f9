import type { QualityCheck, TaskContext, TaskDef, TaskResult } from '../../pipelines/types.js';
import type { TableDef, Warehouse } from '../../ports/warehouse.js';
import { identitiesTable } from '../../warehouse/identities-table.js';
import { changedAt, dialectFor, ensureTables, nothingToDo, windowOf } from '../common/kit.js';
import { duckdbDimsSql } from './dims.duckdb.js';
import {
  type DimsSql,
  dimListingsChecks,
  dimListingsTable,
  dimSellersChecks,
  dimSellersTable,
  dimUsersChecks,
  dimUsersTable,
  everyKey,
  type SyncScope,
  type SyncStatements,
} from './dims.js';
import { stgChangesTable, stgEventsTable, stgInteractionsTable } from './stg-events.js';
import { duckdbOrdersSql } from './stg-orders.duckdb.js';
import { type OrdersSql, stgOrderItemsTable, stgOrdersChecks, stgOrdersTable } from './stg-orders.js';

/**
 * Tables derived from stg_changes as a whole (orders, dimensions): each run rebuilds the keys whose change
 * events differ from what their rows were built from (their fingerprint), so re-running one changes
 * nothing, and the daily run catches whatever the 5-minute runs missed.
 */
const retry = { retries: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 };
const sources = [stgEventsTable, stgChangesTable, stgInteractionsTable, identitiesTable];

function syncTask(o: {
  id: string;
  dependsOn: readonly string[];
  tables: readonly TableDef[];
  checks: readonly QualityCheck[];
  description: string;
  lookbackMs: number | null;
  statements(w: Warehouse, projects: readonly string[], scope: SyncScope): SyncStatements;
}): TaskDef {
  return {
    id: o.id,
    dependsOn: o.dependsOn,
    ...(o.lookbackMs === null
      ? { partitioning: 'none' as const }
      : { partitioning: 'incremental' as const, lookbackMs: o.lookbackMs }),
    retry,
    timeoutMs: 15 * 60_000,
    checks: o.checks,
    description: o.description,
    async run(ctx: TaskContext): Promise<TaskResult> {
      const projects = ctx.projects.map((p) => p.id);
      if (projects.length === 0) return nothingToDo();
      const w = ctx.warehouse;
      await ensureTables(w, [...sources, dimSellersTable, ...o.tables]);
      const scope = o.lookbackMs === null ? everyKey : windowOf(ctx);
      const { statements, staleKeys, inserted } = o.statements(w, projects, scope);
      ctx.signal.throwIfAborted();
      const changed = await w.transaction(statements);
      return { rowsIn: changed[staleKeys] ?? 0, rowsOut: changedAt(changed, inserted) };
    },
  };
}

const dims = (w: Warehouse): DimsSql => dialectFor(w, { duckdb: duckdbDimsSql }, 'dimensions');
const orders = (w: Warehouse): OrdersSql => dialectFor(w, { duckdb: duckdbOrdersSql }, 'stg_orders');

/**
 * The syncs, after the staging task `staging`. With `lookbackMs` (the 5-minute pipeline) they are
 * incremental: only keys with change events received in the run's window are checked; without (the daily
 * pipeline) every key is.
 */
export function syncTasks(staging: string, lookbackMs: number | null = null): TaskDef[] {
  return [
    syncTask({
      id: 'dim_listings',
      dependsOn: [staging],
      tables: [dimListingsTable],
      checks: dimListingsChecks,
      description: 'Listings and products, with the history of their price, status and attributes (SCD2)',
      lookbackMs,
      statements: (w, p, scope) => dims(w).syncListings(p, scope),
    }),
    syncTask({
      id: 'dim_sellers',
      dependsOn: [staging],
      tables: [dimSellersTable],
      checks: dimSellersChecks,
      description: 'Sellers and stores, with the history of their plan, commission and status (SCD2)',
      lookbackMs,
      statements: (w, p, scope) => dims(w).syncSellers(p, scope),
    }),
    syncTask({
      id: 'dim_users',
      dependsOn: [staging],
      tables: [dimUsersTable],
      checks: dimUsersChecks,
      description: 'Identity-resolved users: linked anonymous ids, sign-up, role, province',
      lookbackMs,
      statements: (w, p, scope) => dims(w).syncUsers(p, scope),
    }),
    syncTask({
      id: 'stg_orders',
      // Orders without a commission rate take their store's as of the order, from dim_sellers.
      dependsOn: [staging, 'dim_sellers'],
      tables: [stgOrdersTable, stgOrderItemsTable],
      checks: stgOrdersChecks,
      description: 'One row per order (with its lines), cancellations and refunds included',
      lookbackMs,
      statements: (w, p, scope) => orders(w).sync(p, scope),
    }),
  ];
}
