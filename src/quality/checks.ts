import { PlazaError } from '../core/errors.js';
import type { QualityCheck } from '../pipelines/types.js';

/** A check with its kind's parameters read and validated (declarations are code; mistakes fail loudly). */
export type ParsedCheck =
  | { kind: 'not_null'; column: string }
  | { kind: 'unique'; columns: string[] }
  | { kind: 'accepted_values'; column: string; values: (string | number | boolean)[] }
  | { kind: 'range'; column: string; min?: number | string; max?: number | string }
  | { kind: 'relationship'; column: string; refTable: string; refColumn: string }
  | { kind: 'freshness'; column: string; maxAgeMinutes: number }
  | { kind: 'row_count'; days: number; minShare: number; maxShare?: number };

export type RowCheck = Extract<
  ParsedCheck,
  { kind: 'not_null' | 'unique' | 'accepted_values' | 'range' | 'relationship' }
>;

export const isRowCheck = (c: ParsedCheck): c is RowCheck => c.kind !== 'freshness' && c.kind !== 'row_count';

const invalid = (check: QualityCheck, what: string) =>
  new PlazaError('quality_check_invalid', `quality check ${check.id} (${check.kind}): ${what}`, 400);

function column(check: QualityCheck): string {
  if (typeof check.column !== 'string' || check.column === '') throw invalid(check, 'needs a column');
  return check.column;
}

const isScalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

const isBound = (v: unknown): v is string | number =>
  typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));

export function parseCheck(check: QualityCheck): ParsedCheck {
  const p = check.params ?? {};
  if (!check.id || !check.table) throw invalid(check, 'needs an id and a table');
  if (check.tolerance) {
    const t = check.tolerance as { share?: unknown; count?: unknown };
    const ok =
      'share' in t
        ? typeof t.share === 'number' && t.share >= 0 && t.share <= 1
        : typeof t.count === 'number' && Number.isInteger(t.count) && t.count >= 0;
    if (!ok) throw invalid(check, 'tolerance must be { share: 0..1 } or { count: integer >= 0 }');
  }
  switch (check.kind) {
    case 'not_null':
      return { kind: 'not_null', column: column(check) };
    case 'unique': {
      const cols = p['columns'] ?? (check.column ? [check.column] : undefined);
      if (!Array.isArray(cols) || cols.length === 0 || !cols.every((c) => typeof c === 'string' && c)) {
        throw invalid(check, 'needs a column, or params.columns (the key columns)');
      }
      return { kind: 'unique', columns: cols as string[] };
    }
    case 'accepted_values': {
      const values = p['values'];
      if (!Array.isArray(values) || values.length === 0 || !values.every(isScalar)) {
        throw invalid(check, 'params.values must be a non-empty array of strings, numbers or booleans');
      }
      return { kind: 'accepted_values', column: column(check), values };
    }
    case 'range': {
      const { min, max } = p as { min?: unknown; max?: unknown };
      if ((min !== undefined && !isBound(min)) || (max !== undefined && !isBound(max))) {
        throw invalid(check, 'params.min and params.max must be numbers or strings');
      }
      if (min === undefined && max === undefined) throw invalid(check, 'needs params.min and/or params.max');
      return {
        kind: 'range',
        column: column(check),
        ...(min !== undefined ? { min } : {}),
        ...(max !== undefined ? { max } : {}),
      };
    }
    case 'relationship': {
      const refTable = p['table'];
      const refColumn = p['column'] ?? check.column;
      if (typeof refTable !== 'string' || !refTable || typeof refColumn !== 'string' || !refColumn) {
        throw invalid(check, 'needs params.table (the referenced table) and optionally params.column');
      }
      return { kind: 'relationship', column: column(check), refTable, refColumn };
    }
    case 'freshness': {
      const maxAgeMinutes = p['maxAgeMinutes'];
      if (typeof maxAgeMinutes !== 'number' || !(maxAgeMinutes > 0)) {
        throw invalid(check, 'params.maxAgeMinutes must be a positive number');
      }
      return { kind: 'freshness', column: column(check), maxAgeMinutes };
    }
    case 'row_count': {
      const days = p['days'] ?? 7;
      const minShare = p['minShare'] ?? 0.5;
      const maxShare = p['maxShare'];
      if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 90) {
        throw invalid(check, 'params.days must be an integer from 1 to 90');
      }
      if (typeof minShare !== 'number' || minShare < 0) throw invalid(check, 'params.minShare must be >= 0');
      if (maxShare !== undefined && (typeof maxShare !== 'number' || maxShare < minShare)) {
        throw invalid(check, 'params.maxShare must be a number >= minShare');
      }
      if (!check.partitionColumn) throw invalid(check, 'needs a partitionColumn (it compares partitions)');
      return { kind: 'row_count', days, minShare, ...(maxShare !== undefined ? { maxShare } : {}) };
    }
    default:
      throw invalid(
        check,
        `unknown kind; expected one of not_null, unique, accepted_values, range, relationship, freshness, row_count`,
      );
  }
}

/** Failures a check tolerates among `checked` rows. */
export function allowedFailures(check: QualityCheck, checked: number): number {
  const t = check.tolerance;
  if (!t) return 0;
  return 'share' in t ? Math.floor(t.share * checked) : t.count;
}

/** Columns a check reads from its own table. */
export function columnsOf(check: QualityCheck, parsed: ParsedCheck): string[] {
  const cols = parsed.kind === 'unique' ? [...parsed.columns] : 'column' in parsed ? [parsed.column] : [];
  if (check.partitionColumn) cols.push(check.partitionColumn);
  return cols;
}
