/**
 * Warehouse port: bulk inserts and analytical SQL (embedded: DuckDB; distributed: ClickHouse).
 * Business code writes portable SQL; anything that differs between engines goes through `dialect`.
 */
export type ColumnType = 'string' | 'int64' | 'float64' | 'bool' | 'timestamp' | 'date' | 'json';

export interface ColumnDef {
  name: string;
  type: ColumnType;
  nullable?: boolean;
}

export interface TableDef {
  name: string;
  columns: ColumnDef[];
  /** Sort key (ClickHouse ORDER BY); a hint elsewhere. */
  orderBy?: string[];
  /** A timestamp/date column whose day partitions the table. */
  partitionByDay?: string;
  /**
   * How readers filter it (e.g. one seller): engines that do not keep `orderBy` by themselves (DuckDB) have
   * it re-sorted by this key from time to time (src/marts/maintenance/cluster.ts). Needs `partitionByDay`:
   * the days new or changed since the last sort tell when. A table has this or `clusterDaysBy`, not both.
   */
  clusterBy?: string[];
  /**
   * For a large day-partitioned table: each day's rows re-sorted by this key once the day is complete, so
   * the table stays in day order (what daily builds read) and one seller's rows of a day sit together.
   */
  clusterDaysBy?: string[];
}

export interface WarehouseDialect {
  readonly name: 'duckdb' | 'clickhouse';
  columnType(column: ColumnDef): string;
  createTable(table: TableDef): string;
  quoteIdent(name: string): string;
}

export type Row = Record<string, unknown>;

/** Rows of one table that replace whatever rows the table holds with the same key. */
export interface RowReplacement {
  table: string;
  /** Columns that identify a row (the table's logical primary key). */
  key: string[];
  rows: Row[];
}

export interface Warehouse {
  readonly dialect: WarehouseDialect;
  ensureTable(table: TableDef): Promise<void>;
  /** Bulk insert; values are JS numbers/bigints/strings/booleans/Date/null; json columns take objects. */
  insert(table: string, rows: Row[]): Promise<void>;
  /**
   * Bulk load through the engine's own JSON reader, so rows are never parsed or converted in JS (the event
   * log already holds them as JSON). `insertSql` gets the engine's source expression for the lines (DuckDB:
   * a quoted file path for read_json) and returns one INSERT … SELECT statement, built by the concept's
   * dialect module. Atomic: all lines or none.
   */
  loadJsonLines(lines: Uint8Array[], insertSql: (source: string) => string): Promise<void>;
  /**
   * Upsert by key: each row replaces the stored rows with its key (rows within one call have distinct keys).
   * Idempotent, so stream processors can write the same effects again after a crash. Embedded: all the
   * replacements of one call commit together (one transaction), so a processor's effects and the input
   * offsets they cover, written in one call, never disagree.
   */
  replaceRows(replacements: RowReplacement[]): Promise<void>;
  /**
   * Runs the statements in order on one session, as one unit: all take effect or none (the Merger pattern's
   * "delete a partition, insert its new rows"). Temporary tables one statement creates are visible to the
   * next. Engines without multi-statement transactions implement it with their own atomic swap (ClickHouse:
   * REPLACE PARTITION from a staging table), which is why the statements come from a concept's dialect module.
   * Returns, per statement, the rows it inserted, updated or deleted (0 for other statements).
   */
  transaction(statements: readonly string[]): Promise<number[]>;
  /** Positional parameters written as $1, $2, ... */
  query<T = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}
