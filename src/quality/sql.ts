import { PlazaError } from '../core/errors.js';
import type { Warehouse } from '../ports/warehouse.js';
import type { RowCheck } from './checks.js';
import type { Scope } from './scope.js';
import { duckdbQualitySql } from './sql-duckdb.js';

export interface EngineColumn {
  name: string;
  /** The engine's own type name (e.g. TIMESTAMP, BIGINT, JSON). */
  type: string;
}

/** What one quarantine moves: identifies the check's run and the rows (scope AND failing). */
export interface QuarantineMove {
  table: string;
  checkId: string;
  pipeline: string;
  task: string;
  runId: string;
  partition: string | null;
  /** Prefix of the new quarantine ids; a number is appended per row. */
  idPrefix: string;
  at: Date;
  scope: Scope;
  check: RowCheck;
}

/** Which held rows a release takes. */
export type ReleaseFilter = { ids: readonly string[] } | { checkId: string };

/**
 * Every piece of SQL the quality gate runs, for one engine. The gate's logic is engine-free; a ClickHouse
 * module would implement the same functions (ALTER … DELETE instead of a transaction, for instance).
 * Values are written as literals rather than bound: the moves run through `warehouse.transaction`, which
 * takes no parameters, and every value here comes from check declarations or Plaza's own ids.
 */
export interface QualitySql {
  /** The table's columns, or null when it does not exist. */
  columns(warehouse: Warehouse, table: string): Promise<EngineColumn[] | null>;
  /** Rows in scope (`checked`) and of those, rows failing the check (`failed`). */
  countRows(table: string, scope: Scope, check: RowCheck): string;
  /**
   * Statements for `warehouse.transaction`: the first copies the failing rows of the scope into the
   * quarantine table (its count is the rows moved), the rest delete them.
   */
  quarantine(move: QuarantineMove): string[];
  /** Marks held rows of an earlier run of the same partition as superseded (the task rewrote it). */
  supersede(o: { table: string; checkId: string; partition: string; runId: string }): string;
  /** Latest value of a timestamp column per project (or overall) and the rows in scope. */
  latest(table: string, scope: Scope, column: string, projectColumn: string | null): string;
  /** Rows in each scope, as columns c0, c1, … */
  countScopes(table: string, scopes: readonly Scope[]): string;
  /** Held rows per table (columns table_name, n) that a release would take. */
  heldCounts(sel: { ids: readonly string[] } | { table: string; checkId: string }): string;
  /** Statements for `warehouse.transaction`: re-insert held rows into their table (first), mark them released. */
  release(o: { table: string; columns: readonly EngineColumn[]; filter: ReleaseFilter; at: Date }): string[];
}

export function qualitySqlFor(warehouse: Warehouse): QualitySql {
  if (warehouse.dialect.name === 'duckdb') return duckdbQualitySql;
  throw new PlazaError(
    'quality_unsupported_engine',
    `data-quality checks do not support the ${warehouse.dialect.name} warehouse yet`,
    501,
  );
}
