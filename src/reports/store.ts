import type { Row, TableDef, Warehouse } from '../ports/warehouse.js';
import type { EntityType } from './figures.js';
import { entriesSql } from './sql-duckdb.js';

/**
 * Every daily summary and anomaly alert, kept in the warehouse beside the figures they come from. The outbox
 * only holds messages addressed to recipients (a seller without an e-mail account, on a Plaza without
 * webhooks, would have nothing there), so the web app reads them from here.
 *
 * One row per (project, entity, local day, kind): a seller's summary, or the alerts of one seller (or of the
 * whole marketplace, entity_type 'project') on a day. A run of a day replaces that day's rows of its kind for
 * the run's projects, so running a day again leaves the same rows.
 */
export const reportEntriesTable: TableDef = {
  name: 'report_entries',
  columns: [
    { name: 'project_id', type: 'string' },
    { name: 'entity_type', type: 'string' },
    { name: 'entity_id', type: 'string' },
    { name: 'day', type: 'date' },
    { name: 'kind', type: 'string' },
    { name: 'payload', type: 'json' },
    { name: 'created_at', type: 'timestamp' },
  ],
  orderBy: ['project_id', 'entity_type', 'entity_id', 'day', 'kind'],
};

export const reportKinds = ['summary', 'alert'] as const;
export type ReportKind = (typeof reportKinds)[number];

export interface ReportEntry {
  project_id: string;
  entity_type: EntityType;
  entity_id: string;
  payload: Record<string, unknown>;
}

export interface StoredReport extends ReportEntry {
  day: string;
  kind: ReportKind;
  created_at: string;
}

/** Replaces the `kind` reports of `day` for these projects with `entries` (atomically). */
export async function keepReports(
  warehouse: Warehouse,
  kind: ReportKind,
  day: string,
  projectIds: readonly string[],
  entries: readonly ReportEntry[],
): Promise<void> {
  if (projectIds.length === 0) return;
  await warehouse.ensureTable(reportEntriesTable);
  await warehouse.transaction(entriesSql.replace(kind, day, projectIds, entries, new Date()));
}

export interface ReportFilter {
  project: string;
  /** A seller's reports only; undefined: every entity of the project (admins and analysts). */
  sellerId: string | undefined;
  kind: ReportKind | undefined;
  limit: number;
}

const dayOf = (v: unknown): string =>
  v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10);

/** The newest reports first (by day; a day's alerts before its summary). */
export async function listReports(warehouse: Warehouse, f: ReportFilter): Promise<StoredReport[]> {
  const { sql, params } = entriesSql.list(f);
  let rows: Row[];
  try {
    rows = await warehouse.query<Row>(sql, params);
  } catch (e) {
    // No report task has run on this warehouse yet: nothing kept, which is not a failure (reads never create it).
    if (e instanceof Error && /Table with name report_entries does not exist/.test(e.message)) return [];
    throw e;
  }
  return rows.map((r) => ({
    project_id: String(r['project_id']),
    entity_type: r['entity_type'] as EntityType,
    entity_id: String(r['entity_id']),
    day: dayOf(r['day']),
    kind: r['kind'] as ReportKind,
    payload: (typeof r['payload'] === 'string' ? JSON.parse(r['payload']) : r['payload']) as Record<
      string,
      unknown
    >,
    created_at: new Date(r['created_at'] as string | Date).toISOString(),
  }));
}
