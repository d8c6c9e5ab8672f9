import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  type DuckDBDateValue,
  DuckDBTimestampValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  type DuckDBValueConverter,
  HUGEINT,
  INTEGER,
  JSDuckDBValueConverter,
  SQLNULL,
  TIMESTAMP,
  VARCHAR,
} from '@duckdb/node-api';
import { PlazaError } from '../../../core/errors.js';

/**
 * How DuckDB values reach callers of the warehouse port:
 * - integers of 64 bits and wider (BIGINT, HUGEINT, counts, sums): a number when it is a safe integer,
 *   otherwise a bigint, so everyday counts are plain numbers and nothing is ever silently rounded;
 * - TIMESTAMP / TIMESTAMPTZ: a JS Date (millisecond precision; DuckDB keeps microseconds);
 * - DATE: the string 'YYYY-MM-DD' (a calendar day has no instant, so a Date would invent one);
 * - JSON: the parsed value;
 * - DECIMAL: a number; LIST/STRUCT: arrays/objects converted with these same rules.
 */
export const plazaValueConverter: DuckDBValueConverter<unknown> = (value, type, converter) => {
  if (value == null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return safeNumber(value as bigint);
    case DuckDBTypeId.DATE:
      return (value as DuckDBDateValue).toString();
    case DuckDBTypeId.VARCHAR:
      return type.alias === 'JSON' ? JSON.parse(value as string) : value;
    default:
      // Recursing through plazaValueConverter keeps these rules inside lists and structs.
      return (JSDuckDBValueConverter as DuckDBValueConverter<unknown>)(value, type, converter);
  }
};

const safeNumber = (n: bigint): number | bigint =>
  n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

export const isInt64 = (n: bigint): boolean => n >= int64Min && n <= int64Max;

export const timestampValue = (ms: number): DuckDBTimestampValue =>
  new DuckDBTimestampValue(BigInt(ms) * 1000n);

/**
 * Query parameters: strings, numbers, bigints, booleans, Date (as TIMESTAMP) and null bind as themselves;
 * plain objects and arrays bind as their JSON text. DuckDB casts a parameter to the type its position
 * expects, so a 'YYYY-MM-DD' string compares with a DATE column.
 */
export function toParams(params: readonly unknown[]): { values: DuckDBValue[]; types: DuckDBType[] } {
  const values: DuckDBValue[] = [];
  const types: DuckDBType[] = [];
  params.forEach((p, i) => {
    const [value, type] = toParam(p, i);
    values.push(value);
    types.push(type);
  });
  return { values, types };
}

function toParam(p: unknown, index: number): [DuckDBValue, DuckDBType] {
  if (p === null || p === undefined) return [null, SQLNULL];
  switch (typeof p) {
    case 'string':
      return [p, VARCHAR];
    case 'boolean':
      return [p, BOOLEAN];
    case 'number':
      if (Number.isSafeInteger(p)) return [p, p >= -(2 ** 31) && p < 2 ** 31 ? INTEGER : BIGINT];
      return [p, DOUBLE];
    case 'bigint':
      return [p, isInt64(p) ? BIGINT : HUGEINT];
    case 'object':
      if (p instanceof Date) {
        if (Number.isNaN(p.getTime())) throw badParam(index, 'an invalid Date');
        return [timestampValue(p.getTime()), TIMESTAMP];
      }
      return [JSON.stringify(p), VARCHAR];
    default:
      throw badParam(index, `a ${typeof p}`);
  }
}

const badParam = (index: number, what: string) =>
  new PlazaError(
    'warehouse_invalid_param',
    `Query parameter $${index + 1} is ${what}, which cannot be bound`,
    400,
  );
