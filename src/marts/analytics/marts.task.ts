import type { QualityCheck, TaskContext, TaskDef, TaskResult } from '../../pipelines/types.js';
import type { TableDef, Warehouse } from '../../ports/warehouse.js';
import { sessionsTable } from '../../warehouse/sessions-table.js';
import {
  addDays,
  changedAt,
  type DailyMartSql,
  dialectFor,
  ensureTables,
  nothingToDo,
  type ProjectDay,
  partitionOf,
  projectDays,
} from '../common/kit.js';
import { dimListingsTable, dimSellersTable } from '../staging/dims.js';
import { stgChangesTable, stgEventsTable, stgInteractionsTable } from '../staging/stg-events.js';
import { stgOrderItemsTable, stgOrdersTable } from '../staging/stg-orders.js';
import { duckdbActivePeopleSql } from './active-people.duckdb.js';
import { activePeopleChecks, martActivePeopleTable, martPeopleTable } from './active-people.js';
import { duckdbCustomersSql } from './customers.duckdb.js';
import { customersChecks, martCustomersDailyTable, martCustomersTable } from './customers.js';
import { duckdbListingPerformanceSql } from './listing-performance.duckdb.js';
import { listingPerformanceChecks, martListingTable } from './listing-performance.js';
import { duckdbMarketTrendsSql } from './market-trends.duckdb.js';
import { marketTrendsChecks, martMarketTrendsTable } from './market-trends.js';
import { duckdbSalesSql } from './sales.duckdb.js';
import { martSalesCategoryTable, martSalesTable, salesChecks } from './sales.js';
import { duckdbSellersSql } from './sellers.duckdb.js';
import { martSellersTable, sellersChecks } from './sellers.js';
import { duckdbTrafficSql } from './traffic.duckdb.js';
import { martTrafficTable, trafficChecks } from './traffic.js';
import { duckdbUserInterestSql } from './user-interest.duckdb.js';
import { interestWindowDays, martUserInterestTable, userInterestChecks } from './user-interest.js';
import { duckdbVehicleScoreSql } from './vehicle-score.duckdb.js';
import { martVehicleScoreTable, scoreWindowDays, vehicleScoreChecks } from './vehicle-score.js';

const retry = { retries: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 };
const staged = [
  stgEventsTable,
  stgChangesTable,
  stgInteractionsTable,
  stgOrdersTable,
  stgOrderItemsTable,
  dimListingsTable,
  dimSellersTable,
];

/**
 * A daily mart: replaces its rows of the partition day, for every project at once, in one transaction (the
 * Merger pattern), so that re-running a day yields the same table and readers never see half a day.
 */
function dailyMart<O>(o: {
  id: string;
  dependsOn: readonly string[];
  tables: readonly TableDef[];
  checks: readonly QualityCheck[];
  description: string;
  sql: Partial<Record<Warehouse['dialect']['name'], DailyMartSql<O>>>;
  options: (days: readonly ProjectDay[]) => O;
}): TaskDef {
  return {
    id: o.id,
    dependsOn: o.dependsOn,
    partitioning: 'daily',
    retry,
    timeoutMs: 30 * 60_000,
    checks: o.checks,
    description: o.description,
    async run(ctx: TaskContext): Promise<TaskResult> {
      const days = projectDays(ctx, partitionOf(ctx));
      if (days.length === 0) return nothingToDo();
      const w = ctx.warehouse;
      await ensureTables(w, [...staged, sessionsTable, ...o.tables]);
      const sql = dialectFor(w, o.sql, o.id);
      const [count] = await w.query<{ n: number }>(sql.inputCount(days));
      const { statements, inserted } = sql.replace(days, o.options(days));
      ctx.signal.throwIfAborted();
      const changed = await w.transaction(statements);
      return { rowsIn: count?.n ?? 0, rowsOut: changedAt(changed, inserted) };
    },
  };
}

const none = () => undefined;

export interface MartOptions {
  /** Days without an order after which a customer counts as churned (default 90). */
  churnDays?: number;
}

/** The daily marts; `staging` is the id of the daily staging task they follow. */
export function martTasks(staging: string, o: MartOptions = {}): TaskDef[] {
  const churnDays = o.churnDays ?? 90;
  return [
    dailyMart({
      id: 'mart_sales',
      dependsOn: ['stg_orders'],
      tables: [martSalesTable, martSalesCategoryTable],
      checks: salesChecks,
      description: 'GMV, orders, AOV, refunds and commissions by store, payment method, category and day',
      sql: { duckdb: duckdbSalesSql },
      options: none,
    }),
    dailyMart({
      id: 'mart_listing_performance',
      dependsOn: [staging, 'dim_listings', 'stg_orders'],
      tables: [martListingTable],
      checks: listingPerformanceChecks,
      description:
        'Views, viewers, favourites, leads, test drives, carts, purchases and rates per listing and day',
      sql: { duckdb: duckdbListingPerformanceSql },
      options: none,
    }),
    dailyMart({
      id: 'mart_customers',
      dependsOn: ['stg_orders'],
      tables: [martCustomersTable, martCustomersDailyTable],
      checks: customersChecks,
      description: 'Customers: first and last order, LTV, cohort, new vs returning, churn',
      sql: { duckdb: duckdbCustomersSql },
      options: () => ({ churnDays }),
    }),
    dailyMart({
      id: 'mart_traffic',
      dependsOn: [],
      tables: [martTrafficTable],
      checks: trafficChecks,
      description:
        'Sessions, visitors, bounce rate, time on site and pages per session by source, medium and device',
      sql: { duckdb: duckdbTrafficSql },
      options: none,
    }),
    dailyMart({
      id: 'mart_sellers',
      dependsOn: [staging, 'dim_sellers', 'dim_listings', 'stg_orders'],
      tables: [martSellersTable],
      checks: sellersChecks,
      description: 'Sellers by day: plan, commission, MRR, active status, listings, orders, views and leads',
      sql: { duckdb: duckdbSellersSql },
      options: none,
    }),
    dailyMart({
      id: 'mart_vehicle_score',
      dependsOn: [staging, 'dim_listings'],
      tables: [martVehicleScoreTable],
      checks: vehicleScoreChecks,
      description: 'Vehicle Performance Score of every active vehicle listing, with its parts',
      sql: { duckdb: duckdbVehicleScoreSql },
      options: (days) => ({ windowStart: addDays(days[0]!.date, 1 - scoreWindowDays) }),
    }),
    dailyMart({
      id: 'mart_user_interest',
      dependsOn: [staging, 'dim_listings'],
      tables: [martUserInterestTable],
      checks: userInterestChecks,
      description: 'User Interest Profile: preferred makes, body types, price range and provinces per person',
      sql: { duckdb: duckdbUserInterestSql },
      options: (days) => ({ windowStart: addDays(days[0]!.date, 1 - interestWindowDays) }),
    }),
    dailyMart({
      id: 'mart_active_people',
      dependsOn: [staging],
      tables: [martActivePeopleTable, martPeopleTable],
      checks: activePeopleChecks,
      description:
        'People active on the day (events, first device), and each person’s first day: active and new users read them',
      sql: { duckdb: duckdbActivePeopleSql },
      options: none,
    }),
    dailyMart({
      id: 'mart_market_trends',
      dependsOn: [staging, 'dim_listings'],
      tables: [martMarketTrendsTable],
      checks: marketTrendsChecks,
      description: 'Vehicle supply, demand and prices by make, model, year and province',
      sql: { duckdb: duckdbMarketTrendsSql },
      options: none,
    }),
  ];
}

export const martTables: readonly TableDef[] = [
  martSalesTable,
  martSalesCategoryTable,
  martListingTable,
  martCustomersTable,
  martCustomersDailyTable,
  martTrafficTable,
  martSellersTable,
  martVehicleScoreTable,
  martUserInterestTable,
  martMarketTrendsTable,
  martActivePeopleTable,
  martPeopleTable,
];
