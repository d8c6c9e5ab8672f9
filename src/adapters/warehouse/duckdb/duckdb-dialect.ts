import type { ColumnDef, ColumnType, TableDef, WarehouseDialect } from '../../../ports/warehouse.js';

/**
 * `timestamp` maps to TIMESTAMP (no zone) holding UTC wall time, not TIMESTAMPTZ: TIMESTAMPTZ renders and
 * truncates (`date_trunc('day', ...)`) in the session's TimeZone setting, so the same query would give
 * different days on machines with different zones; with TIMESTAMP the day is always the UTC day, which is
 * also what ClickHouse's DateTime64(3, 'UTC') gives. Business code converts to a marketplace's zone
 * explicitly where it means to.
 */
const columnTypes: Record<ColumnType, string> = {
  string: 'VARCHAR',
  int64: 'BIGINT',
  float64: 'DOUBLE',
  bool: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  json: 'JSON',
};

/** SQL that is DuckDB's own. DuckDB has no table-level sort key or partitioning, so those hints are ignored. */
export class DuckDbDialect implements WarehouseDialect {
  readonly name = 'duckdb' as const;

  columnType(column: ColumnDef): string {
    return columnTypes[column.type];
  }

  quoteIdent(name: string): string {
    return `"${name.replaceAll('"', '""')}"`;
  }

  createTable(table: TableDef): string {
    const columns = table.columns.map(
      (c) => `${this.quoteIdent(c.name)} ${this.columnType(c)}${c.nullable ? '' : ' NOT NULL'}`,
    );
    return `CREATE TABLE IF NOT EXISTS ${this.quoteIdent(table.name)} (${columns.join(', ')})`;
  }
}

export const duckDbDialect = new DuckDbDialect();
