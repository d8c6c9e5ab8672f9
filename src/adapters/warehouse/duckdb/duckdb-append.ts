import { type DuckDBAppender, DuckDBDateValue } from '@duckdb/node-api';
import { PlazaError } from '../../../core/errors.js';
import type { ColumnDef, ColumnType, Row } from '../../../ports/warehouse.js';
import { isInt64, timestampValue } from './duckdb-values.js';

/**
 * Writing rows through DuckDB's Appender: one typed call per value, checked in JS first so that a bad value
 * names its row and column instead of surfacing as an engine cast error (or, for JSON, not at all: the
 * appender stores any text in a JSON column).
 *
 * The appender was measured against the other bulk paths the Node API offers and was the fastest for
 * raw_events rows: data chunks, NDJSON through read_json, CSV through read_csv, per-column JSON parameters
 * through from_json, one JSON array per row into a staging table, and multi-row INSERT all cost more, mostly
 * in JS serialisation (bench/warehouse/insert.ts keeps two of them as baselines). Its limit is the native call
 * per value (~0.3 µs), so throughput falls with column count.
 */
type Append = (appender: DuckDBAppender, value: unknown) => void;

class BadValue extends Error {}

const expected = (what: string, value: unknown): BadValue =>
  new BadValue(`expected ${what}, got ${describe(value)}`);

function describe(value: unknown): string {
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? 'an invalid Date' : `the Date ${value.toISOString()}`;
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}

/** Explicit zone required: a zoneless string would be read in the server's local time. */
const zonedTimestamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/;
const isoDate = /^(\d{4})-(\d\d)-(\d\d)$/;
const dayMs = 86_400_000;

function epochMs(value: unknown): number {
  let ms = Number.NaN;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && zonedTimestamp.test(value)) ms = Date.parse(value);
  if (!Number.isFinite(ms))
    throw expected('a Date, epoch milliseconds or an ISO-8601 string with a zone', value);
  return Math.trunc(ms);
}

const appenders: Record<ColumnType, Append> = {
  string(a, v) {
    if (typeof v !== 'string') throw expected('a string', v);
    a.appendVarchar(v);
  },
  int64(a, v) {
    if (typeof v === 'number' && Number.isSafeInteger(v)) a.appendBigInt(BigInt(v));
    else if (typeof v === 'bigint' && isInt64(v)) a.appendBigInt(v);
    else throw expected('a safe integer or a bigint within int64', v);
  },
  float64(a, v) {
    if (typeof v === 'number') a.appendDouble(v);
    else if (typeof v === 'bigint') a.appendDouble(Number(v));
    else throw expected('a number', v);
  },
  bool(a, v) {
    if (typeof v !== 'boolean') throw expected('a boolean', v);
    a.appendBoolean(v);
  },
  timestamp(a, v) {
    a.appendTimestamp(timestampValue(epochMs(v)));
  },
  date(a, v) {
    let ms = Number.NaN;
    const m = typeof v === 'string' ? isoDate.exec(v) : null;
    if (m) ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    else if (v instanceof Date) ms = v.getTime();
    if (!Number.isFinite(ms)) throw expected("a 'YYYY-MM-DD' string or a Date", v);
    a.appendDate(new DuckDBDateValue(Math.floor(ms / dayMs)));
  },
  json(a, v) {
    let text: string | undefined;
    try {
      text = JSON.stringify(v);
    } catch {
      text = undefined;
    }
    if (text === undefined) throw expected('a JSON-serialisable value', v);
    a.appendVarchar(text);
  },
};

/** Appends rows in table column order; missing keys are nulls. Throws a PlazaError naming the bad value. */
export function appendRows(
  appender: DuckDBAppender,
  table: string,
  columns: readonly ColumnDef[],
  rows: readonly Row[],
  from: number,
  to: number,
): void {
  const fns = columns.map((c) => appenders[c.type]);
  for (let r = from; r < to; r++) {
    const row = rows[r]!;
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c]!;
      const value = row[column.name];
      if (value === null || value === undefined) {
        if (!column.nullable) throw badRow(table, r, column, 'a value, got null (the column is NOT NULL)');
        appender.appendNull();
        continue;
      }
      try {
        fns[c]!(appender, value);
      } catch (e) {
        if (e instanceof BadValue) throw badRow(table, r, column, e.message);
        throw e;
      }
    }
    appender.endRow();
  }
}

const badRow = (table: string, row: number, column: ColumnDef, message: string) =>
  new PlazaError(
    'warehouse_invalid_row',
    `Cannot insert into ${table}: row ${row}, column ${column.name} (${column.type}): ${message}`,
    400,
  );
