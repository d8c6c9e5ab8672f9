import type { QualityCheck } from '../../pipelines/types.js';

/**
 * Builders for the checks declared beside each table (run by the quality gate, src/quality; parameters as
 * its parseCheck reads them):
 * - `unique`: `params.columns`, the key (the check's `column` is its last part);
 * - `accepted_values`: `params.values`; NULL passes (pair with not_null to forbid it);
 * - `range`: `params.min` / `params.max`, inclusive, either may be absent; NULL passes;
 * - `relationship`: every non-null `column` value exists in `params.table`.`params.column`;
 * - `freshness`: the newest `column` value is at most `params.maxAgeMinutes` old;
 * - `row_count`: the partition's row count is within [`params.minShare`, `params.maxShare`] times the
 *   average of the previous `params.days` partitions with rows.
 */
type Severity = QualityCheck['severity'];

interface Common {
  severity?: Severity;
  partitionColumn?: string;
  tolerance?: QualityCheck['tolerance'];
}

const base = (
  table: string,
  column: string,
  kind: QualityCheck['kind'],
  o: Common,
  params?: Record<string, unknown>,
): QualityCheck => ({
  id: `${table}.${column}.${kind}`,
  table,
  severity: o.severity ?? 'error',
  kind,
  column,
  ...(params ? { params } : {}),
  ...(o.tolerance ? { tolerance: o.tolerance } : {}),
  ...(o.partitionColumn ? { partitionColumn: o.partitionColumn } : {}),
});

export const notNull = (table: string, columns: readonly string[], o: Common = {}): QualityCheck[] =>
  columns.map((c) => base(table, c, 'not_null', o));

export const unique = (table: string, columns: readonly string[], o: Common = {}): QualityCheck =>
  base(table, columns[columns.length - 1]!, 'unique', o, { columns: [...columns] });

export const acceptedValues = (
  table: string,
  column: string,
  values: readonly string[],
  o: Common = {},
): QualityCheck => base(table, column, 'accepted_values', o, { values: [...values] });

export const range = (
  table: string,
  column: string,
  bounds: { min?: number; max?: number },
  o: Common = {},
): QualityCheck => base(table, column, 'range', o, bounds);

export const relationship = (
  table: string,
  column: string,
  to: { table: string; column: string },
  o: Common = {},
): QualityCheck => base(table, column, 'relationship', o, { table: to.table, column: to.column });

export const freshness = (
  table: string,
  column: string,
  maxAgeMinutes: number,
  o: Common = {},
): QualityCheck => base(table, column, 'freshness', { severity: 'warn', ...o }, { maxAgeMinutes });

/** Warns when a day has fewer than half or more than twice the rows of the previous four weeks' average. */
export const rowCount = (
  table: string,
  partitionColumn: string,
  o: Common & { days?: number; minShare?: number; maxShare?: number } = {},
): QualityCheck => ({
  ...base(table, partitionColumn, 'row_count', { severity: 'warn', partitionColumn, ...o }),
  params: { days: o.days ?? 28, minShare: o.minShare ?? 0.5, maxShare: o.maxShare ?? 2 },
});
