import { date, list, str, ts } from '../common/duckdb.js';
import type { RetentionSql } from './retention.js';

export const duckdbRetentionSql: RetentionSql = {
  existingTables: (names) =>
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_name IN (${list(names)})`,

  deleteOlder(t, cutoffs) {
    const older = (c: (typeof cutoffs)[number]) =>
      t.kind === 'date' ? `"${t.column}" < ${date(c.date)}` : `"${t.column}" < ${ts(c.start)}`;
    const named = cutoffs.filter((c) => c.projectId !== null);
    const rest = cutoffs.find((c) => c.projectId === null);
    const parts = named.map((c) => `(project_id = ${str(c.projectId!)} AND ${older(c)})`);
    if (rest) {
      const notNamed = named.length ? `project_id NOT IN (${list(named.map((c) => c.projectId!))}) AND ` : '';
      parts.push(`(${notNamed}${older(rest)})`);
    }
    return `DELETE FROM "${t.table}" WHERE ${parts.join(' OR ')}`;
  },
};
