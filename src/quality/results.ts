import type { Migration } from '../core/migrate.js';
import type { StateQueries } from '../ports/state.js';

export const qualityMigrations: Migration[] = [
  {
    id: 'quality/001_results',
    sql: `
      CREATE TABLE quality_results (
        id bigserial PRIMARY KEY,
        run_id text NOT NULL,
        pipeline text NOT NULL,
        task text NOT NULL,
        check_id text NOT NULL,
        table_name text NOT NULL,
        partition_day text,
        kind text NOT NULL,
        severity text NOT NULL CHECK (severity IN ('error', 'warn')),
        passed boolean NOT NULL,
        checked bigint NOT NULL,
        failed bigint NOT NULL,
        quarantined bigint NOT NULL,
        message text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX quality_results_table_at ON quality_results (table_name, at DESC);
      CREATE INDEX quality_results_run ON quality_results (run_id);
      CREATE INDEX quality_results_latest ON quality_results (pipeline, task, check_id, partition_day, at DESC);
    `,
  },
];

export interface QualityResult {
  run_id: string;
  pipeline: string;
  task: string;
  check_id: string;
  table: string;
  partition: string | null;
  kind: string;
  severity: 'error' | 'warn';
  passed: boolean;
  checked: number;
  failed: number;
  quarantined: number;
  message: string;
  at: string;
}

export interface ResultFilter {
  table?: string | undefined;
  status?: 'passed' | 'failed' | undefined;
  since?: Date | undefined;
  runId?: string | undefined;
  /** Only the newest result of each check and partition (default true). */
  latest?: boolean | undefined;
  limit?: number | undefined;
}

interface Row {
  run_id: string;
  pipeline: string;
  task: string;
  check_id: string;
  table_name: string;
  partition_day: string | null;
  kind: string;
  severity: 'error' | 'warn';
  passed: boolean;
  checked: string | number | bigint;
  failed: string | number | bigint;
  quarantined: string | number | bigint;
  message: string;
  at: Date;
}

const columns =
  'run_id, pipeline, task, check_id, table_name, partition_day, kind, severity, passed, checked, failed, quarantined, message, at';

const toResult = (r: Row): QualityResult => ({
  run_id: r.run_id,
  pipeline: r.pipeline,
  task: r.task,
  check_id: r.check_id,
  table: r.table_name,
  partition: r.partition_day,
  kind: r.kind,
  severity: r.severity,
  passed: r.passed,
  checked: Number(r.checked),
  failed: Number(r.failed),
  quarantined: Number(r.quarantined),
  message: r.message,
  at: new Date(r.at).toISOString(),
});

/** Check results per run, in the state store. */
export class QualityResults {
  constructor(private readonly state: StateQueries) {}

  async record(results: readonly Omit<QualityResult, 'at'>[], at: Date): Promise<void> {
    for (const r of results) {
      await this.state.query(
        `INSERT INTO quality_results (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [
          r.run_id,
          r.pipeline,
          r.task,
          r.check_id,
          r.table,
          r.partition,
          r.kind,
          r.severity,
          r.passed,
          r.checked,
          r.failed,
          r.quarantined,
          r.message,
          at,
        ],
      );
    }
  }

  /** Newest first. With `latest`, a check's older results for the same partition are left out. */
  async list(f: ResultFilter = {}): Promise<QualityResult[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => where.push(sql.replace('?', `$${params.push(value)}`));
    if (f.table !== undefined) add('table_name = ?', f.table);
    if (f.since !== undefined) add('at >= ?', f.since);
    if (f.runId !== undefined) add('run_id = ?', f.runId);
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const limit = Math.min(Math.max(Math.trunc(f.limit ?? 100), 1), 1000);
    // The status filter applies after choosing the latest result: a check that failed and then passed is
    // not failing any more.
    const status = f.status === undefined ? '' : `WHERE passed = ${f.status === 'passed'}`;
    const source =
      f.latest === false
        ? `SELECT ${columns}, id FROM quality_results ${whereSql}`
        : `SELECT DISTINCT ON (pipeline, task, check_id, partition_day) ${columns}, id FROM quality_results ${whereSql}
           ORDER BY pipeline, task, check_id, partition_day, at DESC, id DESC`;
    const rows = await this.state.query<Row>(
      `SELECT ${columns} FROM (${source}) r ${status} ORDER BY at DESC, id DESC LIMIT ${limit}`,
      params,
    );
    return rows.map(toResult);
  }
}
