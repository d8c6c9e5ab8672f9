import { PlazaError } from '../core/errors.js';
import { list, str, ts } from '../marts/common/duckdb.js';
import type { Warehouse } from '../ports/warehouse.js';
import type { RowCheck } from './checks.js';
import type { Scope } from './scope.js';
import type { EngineColumn, QualitySql, QuarantineMove, ReleaseFilter } from './sql.js';

export const quarantineTableName = 'quarantine';

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

function lit(v: string | number | boolean | null): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return str(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (!Number.isFinite(v)) throw new PlazaError('quality_check_invalid', `${v} is not a finite number`, 400);
  return String(v);
}

function scopeSql(scope: Scope, a: string): string {
  switch (scope.kind) {
    case 'table':
      return 'TRUE';
    case 'equals':
      return `CAST(${a}.${q(scope.column)} AS VARCHAR) = ${str(scope.value)}`;
    case 'ranges': {
      const parts = scope.ranges.map((r) => {
        const c = `${a}.${q(scope.column)}`;
        const conds = [`${c} >= ${ts(r.start)}`, `${c} < ${ts(r.end)}`];
        if (scope.projectColumn && r.projectIn)
          conds.push(`${a}.${q(scope.projectColumn)} IN (${list(r.projectIn)})`);
        if (scope.projectColumn && r.projectNotIn)
          conds.push(`${a}.${q(scope.projectColumn)} NOT IN (${list(r.projectNotIn)})`);
        return `(${conds.join(' AND ')})`;
      });
      return parts.length ? `(${parts.join(' OR ')})` : 'FALSE';
    }
  }
}

const text = (a: string, column: string) => `CAST(${a}.${q(column)} AS VARCHAR)`;

/** Rows failing a row-level check, as a predicate over alias `a` restricted to `scope`. */
function failing(table: string, scope: Scope, c: RowCheck, a: string): string {
  const col = (name: string) => `${a}.${q(name)}`;
  switch (c.kind) {
    case 'not_null':
      return `${col(c.column)} IS NULL`;
    case 'accepted_values':
      return `${col(c.column)} IS NOT NULL AND ${col(c.column)} NOT IN (${c.values.map(lit).join(', ')})`;
    case 'range': {
      const out: string[] = [];
      if (c.min !== undefined) out.push(`${col(c.column)} < ${lit(c.min)}`);
      if (c.max !== undefined) out.push(`${col(c.column)} > ${lit(c.max)}`);
      return `${col(c.column)} IS NOT NULL AND (${out.join(' OR ')})`;
    }
    case 'relationship':
      return `${col(c.column)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${q(c.refTable)} AS r WHERE r.${q(c.refColumn)} = ${col(c.column)})`;
    case 'unique': {
      // Every copy after the first of a key fails (rowid order), so the table keeps one row per key. rowid is
      // only compared within one statement, or one transaction, where it is stable.
      const key = c.columns.map((k) => `u.${q(k)}`).join(', ');
      const notNull = c.columns.map((k) => `u.${q(k)} IS NOT NULL`).join(' AND ');
      return `${a}.rowid IN (SELECT rid FROM (SELECT u.rowid AS rid, row_number() OVER (PARTITION BY ${key} ORDER BY u.rowid) AS n
        FROM ${q(table)} AS u WHERE ${scopeSql(scope, 'u')} AND ${notNull}) WHERE n > 1)`;
    }
  }
}

/** Why a row failed, as a text expression over alias `a`. */
function reason(c: RowCheck, a: string): string {
  switch (c.kind) {
    case 'not_null':
      return str(`${c.column} is null`);
    case 'accepted_values':
      return `concat(${str(`${c.column} = `)}, ${text(a, c.column)}, ${str(' is not an accepted value')})`;
    case 'range':
      return `concat(${str(`${c.column} = `)}, ${text(a, c.column)}, ${str(` is outside [${c.min ?? '-∞'}, ${c.max ?? '∞'}]`)})`;
    case 'relationship':
      return `concat(${str(`${c.column} = `)}, ${text(a, c.column)}, ${str(` has no match in ${c.refTable}.${c.refColumn}`)})`;
    case 'unique':
      return `concat(${str('duplicate key ')}, ${c.columns
        .map((k, i) => `${str(`${i ? ', ' : ''}${k} = `)}, ${text(a, k)}`)
        .join(', ')})`;
  }
}

function releaseWhere(filter: ReleaseFilter): string {
  return 'ids' in filter
    ? `id IN (${filter.ids.length ? list(filter.ids) : 'NULL'})`
    : `check_id = ${str(filter.checkId)}`;
}

export const duckdbQualitySql: QualitySql = {
  async columns(warehouse: Warehouse, table: string): Promise<EngineColumn[] | null> {
    const rows = await warehouse.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    );
    return rows.length ? rows.map((r) => ({ name: r.column_name, type: r.data_type })) : null;
  },

  countRows(table, scope, check) {
    // Two scalar subqueries rather than count(*) FILTER: the failing predicate may hold a correlated subquery.
    const from = `FROM ${q(table)} AS t WHERE ${scopeSql(scope, 't')}`;
    return `SELECT (SELECT count(*) ${from}) AS checked,
      (SELECT count(*) ${from} AND ${failing(table, scope, check, 't')}) AS failed`;
  },

  quarantine(m: QuarantineMove) {
    const where = `${scopeSql(m.scope, 't')} AND ${failing(m.table, m.scope, m.check, 't')}`;
    return [
      `INSERT INTO ${q(quarantineTableName)} (id, table_name, check_id, pipeline, task, run_id, partition_day, reason, row_json, status, quarantined_at, released_at)
      SELECT concat(${str(m.idPrefix)}, CAST(row_number() OVER () AS VARCHAR)), ${str(m.table)}, ${str(m.checkId)},
        ${str(m.pipeline)}, ${str(m.task)}, ${str(m.runId)}, ${lit(m.partition)}, ${reason(m.check, 't')}, to_json(t),
        'held', ${ts(m.at)}, NULL
      FROM ${q(m.table)} AS t WHERE ${where}`,
      `DELETE FROM ${q(m.table)} AS t WHERE ${where}`,
    ];
  },

  supersede(o) {
    return `UPDATE ${q(quarantineTableName)} SET status = 'superseded'
      WHERE status = 'held' AND table_name = ${str(o.table)} AND check_id = ${str(o.checkId)}
        AND partition_day = ${str(o.partition)} AND run_id <> ${str(o.runId)}`;
  },

  latest(table, scope, column, projectColumn) {
    const group = projectColumn ? `t.${q(projectColumn)}` : 'NULL';
    return `SELECT ${group} AS project_id, max(t.${q(column)}) AS latest, count(*) AS n
      FROM ${q(table)} AS t WHERE ${scopeSql(scope, 't')} GROUP BY ALL`;
  },

  countScopes(table, scopes) {
    const cols = scopes.map((s, i) => `count(*) FILTER (WHERE ${scopeSql(s, 't')}) AS c${i}`);
    return `SELECT ${cols.join(', ')} FROM ${q(table)} AS t`;
  },

  heldCounts(sel) {
    const which =
      'ids' in sel ? releaseWhere(sel) : `table_name = ${str(sel.table)} AND ${releaseWhere(sel)}`;
    return `SELECT table_name, count(*) AS n FROM ${q(quarantineTableName)}
      WHERE status = 'held' AND ${which} GROUP BY table_name ORDER BY table_name`;
  },

  release(o) {
    const structure = JSON.stringify(Object.fromEntries(o.columns.map((c) => [c.name, c.type])));
    const names = o.columns.map((c) => q(c.name));
    const where = `status = 'held' AND table_name = ${str(o.table)} AND ${releaseWhere(o.filter)}`;
    return [
      `INSERT INTO ${q(o.table)} (${names.join(', ')})
      SELECT ${names.map((n) => `r.${n}`).join(', ')}
      FROM (SELECT json_transform(row_json, ${str(structure)}) AS r FROM ${q(quarantineTableName)} WHERE ${where}) AS s`,
      `UPDATE ${q(quarantineTableName)} SET status = 'released', released_at = ${ts(o.at)} WHERE ${where}`,
    ];
  },
};
