import { usableIdSql } from '../../stream/identity/rules.js';
import type { ProjectDay } from './kit.js';

/**
 * SQL pieces every DuckDB module of the warehouse layers uses. Values reach the SQL as literals (a transaction
 * is a list of statements without parameters), so every literal goes through these functions.
 *
 * Times: warehouse TIMESTAMP columns hold UTC wall time (see duckdb-dialect.ts), so a UTC instant is written
 * as a TIMESTAMP literal of its ISO form; local days come from explicit zone conversions only.
 */

export const str = (s: string): string => `'${s.replaceAll("'", "''")}'`;

export const ts = (instant: number | Date): string =>
  `TIMESTAMP '${new Date(instant).toISOString().slice(0, 23).replace('T', ' ')}'`;

export const date = (day: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new TypeError(`not a day: ${day}`);
  return `DATE '${day}'`;
};

export const list = (values: readonly string[]): string => values.map(str).join(', ');

/** `project_id IN (...)` for the projects of a run (never empty: callers skip runs without projects). */
export const inProjects = (days: readonly ProjectDay[], column = 'project_id'): string =>
  `${column} IN (${list(days.map((d) => d.projectId))})`;

/** Rows whose `column` falls in its project's local day. */
export const inDay = (days: readonly ProjectDay[], column: string, alias = ''): string => {
  const a = alias ? `${alias}.` : '';
  return `(${days
    .map(
      (d) =>
        `(${a}project_id = ${str(d.projectId)} AND ${a}${column} >= ${ts(d.start)} AND ${a}${column} < ${ts(d.end)})`,
    )
    .join(' OR ')})`;
};

/** A derived table of the run's project days: project_id, local_date, day_start, day_end. */
export const daysTable = (days: readonly ProjectDay[]): string =>
  `(SELECT * FROM (VALUES ${days
    .map((d) => `(${str(d.projectId)}, ${date(d.date)}, ${ts(d.start)}, ${ts(d.end)})`)
    .join(', ')}) v(project_id, local_date, day_start, day_end))`;

/** The local calendar day of a UTC TIMESTAMP in an IANA zone (independent of the session's TimeZone). */
export const localDateOf = (utcTimestamp: string, zone: string): string =>
  `CAST(timezone(${zone}, timezone('UTC', ${utcTimestamp})) AS DATE)`;

export const usable = usableIdSql;

/**
 * A fingerprint of the change events behind one key: any event added, replaced by a better copy or
 * re-attributed to another person changes it. Stored beside derived rows so a sync recomputes only stale keys.
 */
export const fingerprint = (alias: string): string =>
  `(count(*)::VARCHAR || ':' || bit_xor(hash(${alias}.event_id, ${alias}.received_at, ${alias}.person_id))::VARCHAR)`;

/** Division that yields NULL instead of failing or dividing by zero. */
export const ratio = (num: string, den: string): string => `(${num})::DOUBLE / nullif(${den}, 0)`;

/** Money is summed as exact decimals: summing doubles in parallel gives a last digit that varies by run. */
export const money = (e: string): string => `round(${e}, 2)::DECIMAL(18, 2)`;
export const moneySum = (e: string, filter = ''): string =>
  `coalesce(sum(${money(e)})${filter ? ` FILTER (WHERE ${filter})` : ''}, 0)::DOUBLE`;

const forever = "TIMESTAMP '9999-12-31'";

/**
 * The SCD2 version of alias `a` valid at `instant` (valid_to is exclusive). Written as a plain conjunction:
 * an OR for the open version would turn a hash join on the key into a nested-loop join.
 */
export const validAt = (a: string, instant: string): string =>
  `${a}.valid_from <= ${instant} AND coalesce(${a}.valid_to, ${forever}) > ${instant}`;

/** The version valid at the end of a day: the state after the day's last change. */
export const validAtEndOf = (a: string, dayEnd: string): string =>
  `${a}.valid_from < ${dayEnd} AND coalesce(${a}.valid_to, ${forever}) >= ${dayEnd}`;

/**
 * The keys a sync of stg_changes-derived rows looks at: every key (`since` null), or those with change
 * events received in [since, until) (the 5-minute runs; the daily run checks every key and catches what
 * they missed).
 */
export const changedKeys = (
  key: string,
  types: readonly string[],
  scope: { since: Date | null; until: Date },
  alias = 'c',
): string =>
  scope.since === null
    ? 'true'
    : `(${alias}.project_id, ${alias}.${key}) IN (
    SELECT (project_id, ${key}) FROM stg_changes
    WHERE received_at >= ${ts(scope.since.getTime())} AND received_at < ${ts(scope.until.getTime())}
      AND event_type IN (${list(types)}) AND ${key} IS NOT NULL)`;
