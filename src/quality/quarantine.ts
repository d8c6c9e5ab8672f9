import { PlazaError } from '../core/errors.js';
import type { ColumnDef, ColumnType, TableDef, Warehouse } from '../ports/warehouse.js';
import { qualitySqlFor, type ReleaseFilter } from './sql.js';
import { quarantineTableName } from './sql-duckdb.js';

const col = (name: string, type: ColumnType, nullable = false): ColumnDef => ({ name, type, nullable });

/**
 * Rows an error-severity check took out of their table, with why. `status`: `held` (out of the table),
 * `released` (put back by an operator), `superseded` (a later run of the same task rewrote the partition,
 * so these rows were either quarantined again by that run or no longer exist).
 */
export const quarantineTable: TableDef = {
  name: quarantineTableName,
  columns: [
    col('id', 'string'),
    col('table_name', 'string'),
    col('check_id', 'string'),
    col('pipeline', 'string'),
    col('task', 'string'),
    col('run_id', 'string'),
    col('partition_day', 'string', true),
    col('reason', 'string'),
    col('row_json', 'json'),
    col('status', 'string'),
    col('quarantined_at', 'timestamp'),
    col('released_at', 'timestamp', true),
  ],
  orderBy: ['table_name', 'quarantined_at'],
};

export const quarantineStatuses = ['held', 'released', 'superseded'] as const;
export type QuarantineStatus = (typeof quarantineStatuses)[number];

export interface QuarantinedRow {
  id: string;
  table: string;
  check_id: string;
  pipeline: string;
  task: string;
  run_id: string;
  partition: string | null;
  reason: string;
  row: Record<string, unknown>;
  status: QuarantineStatus;
  quarantined_at: string;
  released_at: string | null;
}

interface StoredRow {
  id: string;
  table_name: string;
  check_id: string;
  pipeline: string;
  task: string;
  run_id: string;
  partition_day: string | null;
  reason: string;
  row_json: Record<string, unknown>;
  status: QuarantineStatus;
  quarantined_at: Date;
  released_at: Date | null;
}

const prepared = new WeakSet<Warehouse>();

/** Creates the quarantine table once per warehouse. */
export async function ensureQuarantineTable(warehouse: Warehouse): Promise<void> {
  if (prepared.has(warehouse)) return;
  await warehouse.ensureTable(quarantineTable);
  prepared.add(warehouse);
}

export interface QuarantineFilter {
  table?: string | undefined;
  checkId?: string | undefined;
  /** Default held; 'all' for every status. */
  status?: QuarantineStatus | 'all' | undefined;
  limit?: number | undefined;
}

/** Inspecting and releasing quarantined rows. */
export class Quarantine {
  constructor(
    private readonly warehouse: Warehouse,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Newest first, at most `limit` (default 100, at most 1000). */
  async list(f: QuarantineFilter = {}): Promise<QuarantinedRow[]> {
    await ensureQuarantineTable(this.warehouse);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => where.push(sql.replace('?', `$${params.push(value)}`));
    if (f.table !== undefined) add('table_name = ?', f.table);
    if (f.checkId !== undefined) add('check_id = ?', f.checkId);
    const status = f.status ?? 'held';
    if (status !== 'all') add('status = ?', status);
    const limit = Math.min(Math.max(Math.trunc(f.limit ?? 100), 1), 1000);
    const rows = await this.warehouse.query<StoredRow>(
      `SELECT * FROM ${quarantineTableName} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY quarantined_at DESC, id LIMIT ${limit}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      table: r.table_name,
      check_id: r.check_id,
      pipeline: r.pipeline,
      task: r.task,
      run_id: r.run_id,
      partition: r.partition_day,
      reason: r.reason,
      row: r.row_json,
      status: r.status,
      quarantined_at: r.quarantined_at.toISOString(),
      released_at: r.released_at ? r.released_at.toISOString() : null,
    }));
  }

  /**
   * Puts held rows back into their tables (chosen by id, or all held rows of a table's check) and marks them
   * released, one transaction per table. Returns how many rows went back, per table.
   */
  async release(
    sel: { ids: readonly string[] } | { table: string; checkId: string },
  ): Promise<{ released: number; tables: Record<string, number> }> {
    await ensureQuarantineTable(this.warehouse);
    const sql = qualitySqlFor(this.warehouse);
    const held = await this.warehouse.query<{ table_name: string; n: number }>(sql.heldCounts(sel));
    const tables: Record<string, number> = {};
    for (const { table_name: table, n } of held) {
      const columns = await sql.columns(this.warehouse, table);
      if (!columns) {
        throw new PlazaError(
          'quarantine_table_missing',
          `cannot release rows of ${table}: the table no longer exists`,
          409,
        );
      }
      const filter: ReleaseFilter = 'ids' in sel ? { ids: sel.ids } : { checkId: sel.checkId };
      const [inserted] = await this.warehouse.transaction(
        sql.release({ table, columns, filter, at: this.now() }),
      );
      tables[table] = inserted ?? Number(n);
    }
    return { released: Object.values(tables).reduce((a, b) => a + b, 0), tables };
  }
}
