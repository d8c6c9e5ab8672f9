/**
 * Query planning, engine-independent: validates a request against the catalogue and decides which table
 * answers each metric. The dialect module (sql-duckdb.ts) turns a plan into SQL.
 */
import { PlazaError } from '../core/errors.js';
import {
  dimensionById,
  dimensions,
  type MetricDef,
  metricById,
  metrics,
  type SourceTable,
  tableDimensions,
  tables,
} from './catalogue.js';

export const filterOps = ['eq', 'neq', 'in', 'not_in', 'gt', 'gte', 'lt', 'lte', 'contains'] as const;
export type FilterOp = (typeof filterOps)[number];
export type Grain = 'day' | 'week' | 'month';
export type Scalar = string | number;

export interface Filter {
  dimension: string;
  op: FilterOp;
  value: Scalar | Scalar[];
}

export interface QueryInput {
  metrics: string[];
  dimensions: string[];
  filters: Filter[];
  from: string;
  to: string;
  grain: Grain;
  order: { field: string; direction: 'asc' | 'desc' }[];
  limit: number;
}

export interface PlanGroup {
  table: SourceTable;
  metrics: { id: string; sql: string; perDay?: string }[];
}

export interface Plan {
  project: string;
  sellerId: string | undefined;
  input: QueryInput;
  groups: PlanGroup[];
}

const bad = (code: string, message: string) => new PlazaError(code, message, 400);
const isDay = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));

function dayNumber(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 86_400_000;
}

export function validateRange(from: string, to: string, maxDays: number): void {
  if (!isDay(from) || !isDay(to)) {
    throw bad(
      'invalid_time_range',
      `time_range.from and time_range.to must be dates YYYY-MM-DD (got ${from}, ${to})`,
    );
  }
  if (from > to) throw bad('invalid_time_range', `time_range.from (${from}) is after time_range.to (${to})`);
  const days = dayNumber(to) - dayNumber(from) + 1;
  if (days > maxDays) {
    throw bad('time_range_too_long', `time_range spans ${days} days; at most ${maxDays} are allowed`);
  }
}

/** A filter's dimension, op and value(s); 400 naming the valid choices. */
export function checkFilter(f: Filter): void {
  const dim = dimensionById.get(f.dimension);
  if (!dim) {
    throw bad(
      'unknown_dimension',
      `unknown filter dimension "${f.dimension}"; valid: ${dimensions.map((x) => x.id).join(', ')}`,
    );
  }
  if (!(filterOps as readonly string[]).includes(f.op)) {
    throw bad('unknown_filter_op', `unknown filter op "${f.op}"; valid: ${filterOps.join(', ')}`);
  }
  const list = f.op === 'in' || f.op === 'not_in';
  const values = list ? f.value : [f.value];
  if (!Array.isArray(values) || values.length === 0 || values.length > 1000) {
    throw bad(
      'invalid_filter',
      `filter on ${f.dimension}: op ${f.op} takes ${list ? 'a list of 1-1000 values' : 'one value'}`,
    );
  }
  for (const v of values) {
    const ok =
      f.op === 'contains'
        ? typeof v === 'string'
        : dim.type === 'number'
          ? typeof v === 'number' && Number.isFinite(v)
          : dim.type === 'date'
            ? typeof v === 'string' && isDay(v)
            : typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
    if (!ok) {
      throw bad(
        'invalid_filter',
        `filter on ${f.dimension}: ${JSON.stringify(v)} is not a valid ${f.op === 'contains' ? 'text' : dim.type === 'date' ? 'date YYYY-MM-DD' : dim.type} value`,
      );
    }
  }
}

/** Validates the request and picks, per metric, the first table (marts first) that can answer it. */
export function plan(
  project: string,
  sellerId: string | undefined,
  input: QueryInput,
  maxDays: number,
): Plan {
  if (input.metrics.length === 0) throw bad('invalid_query', 'name at least one metric');
  for (const id of input.metrics) {
    if (!metricById.has(id)) {
      throw bad('unknown_metric', `unknown metric "${id}"; valid: ${metrics.map((x) => x.id).join(', ')}`);
    }
  }
  for (const id of input.dimensions) {
    if (!dimensionById.has(id)) {
      throw bad(
        'unknown_dimension',
        `unknown dimension "${id}"; valid: ${dimensions.map((x) => x.id).join(', ')}`,
      );
    }
  }
  if (
    new Set(input.metrics).size !== input.metrics.length ||
    new Set(input.dimensions).size !== input.dimensions.length
  ) {
    throw bad('invalid_query', 'metrics and dimensions must not repeat');
  }
  input.filters.forEach(checkFilter);
  validateRange(input.from, input.to, maxDays);
  const fields = new Set([...input.metrics, ...input.dimensions]);
  for (const o of input.order) {
    if (!fields.has(o.field)) {
      throw bad('invalid_order', `order by "${o.field}": order by one of ${[...fields].join(', ')}`);
    }
  }

  const needed = [...new Set([...input.dimensions, ...input.filters.map((f) => f.dimension)])];
  const groups = new Map<string, PlanGroup>();
  for (const id of input.metrics) {
    const metric = metricById.get(id) as MetricDef;
    const source = metric.sources.find((s) => {
      const t = tables[s.table];
      if (!t) return false;
      const dims = tableDimensions(t);
      return needed.every((x) => dims.includes(x)) && (sellerId === undefined || t.seller !== undefined);
    });
    if (!source) {
      const supported = metric.sources.map((s) => {
        const t = tables[s.table] as SourceTable;
        return `${s.table}: ${tableDimensions(t).join(', ')}${t.seller ? '' : ' (platform-wide only, no seller)'}`;
      });
      const why =
        sellerId !== undefined && metric.sources.every((s) => !tables[s.table]?.seller)
          ? `metric "${id}" is platform-wide and cannot be read for one seller`
          : `metric "${id}" cannot be broken down or filtered by ${needed.join(', ')}`;
      throw bad('unsupported_dimension', `${why}; it supports: ${supported.join('; ')}`);
    }
    const table = tables[source.table] as SourceTable;
    const group = groups.get(table.name) ?? { table, metrics: [] };
    group.metrics.push({ id, sql: source.sql, ...(source.perDay ? { perDay: source.perDay } : {}) });
    groups.set(table.name, group);
  }
  return { project, sellerId, input, groups: [...groups.values()] };
}

/** The same period shifted back: by its own length, or by a year. */
export function shiftRange(
  from: string,
  to: string,
  compare: 'previous_period' | 'previous_year',
): [string, string] {
  const day = (n: number) => new Date(n * 86_400_000).toISOString().slice(0, 10);
  if (compare === 'previous_period') {
    const len = dayNumber(to) - dayNumber(from) + 1;
    return [day(dayNumber(from) - len), day(dayNumber(from) - 1)];
  }
  const year = (s: string) => {
    const d = new Date(`${s}T00:00:00Z`);
    d.setUTCFullYear(d.getUTCFullYear() - 1);
    // 29 February of a leap year has no twin: take the 28th.
    if (d.getUTCDate() !== Number(s.slice(8, 10))) d.setUTCDate(0);
    return d.toISOString().slice(0, 10);
  };
  return [year(from), year(to)];
}
