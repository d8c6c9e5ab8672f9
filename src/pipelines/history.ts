import { randomBytes } from 'node:crypto';
import { PlazaError } from '../core/errors.js';
import type { StateQueries, StateStore } from '../ports/state.js';

export const runStatuses = ['queued', 'running', 'succeeded', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof runStatuses)[number];
export const taskStatuses = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'failed_quality',
  'skipped',
  'interrupted',
] as const;
export type TaskStatus = (typeof taskStatuses)[number];
export const triggers = ['schedule', 'manual', 'backfill', 'catchup'] as const;
export type Trigger = (typeof triggers)[number];

export const activeStatuses: readonly RunStatus[] = ['queued', 'running'];

/** A pipeline run as the API and CLI show it (times as ISO-8601 strings). */
export interface PipelineRun {
  id: string;
  pipeline: string;
  version: string;
  partition: string | null;
  trigger: Trigger;
  status: RunStatus;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  rows_in: number;
  rows_out: number;
  warnings: number;
  error: string | null;
}

export interface TaskRun {
  task: string;
  position: number;
  status: TaskStatus;
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  rows_in: number;
  rows_out: number;
  window: { since: string | null; until: string } | null;
  error: string | null;
  details: Record<string, unknown>;
}

export interface LogLine {
  seq: number;
  task: string | null;
  at: string;
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown> | null;
}

type Row = Record<string, unknown>;
const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v == null ? null : String(v));
const num = (v: unknown) => (v == null ? null : Number(v));

const runColumns = `id, pipeline, version, partition, trigger, status, created_at, started_at, finished_at,
  duration_ms, rows_in, rows_out, warnings, error`;

function toRun(r: Row): PipelineRun {
  return {
    id: String(r['id']),
    pipeline: String(r['pipeline']),
    version: String(r['version']),
    partition: (r['partition'] as string | null) ?? null,
    trigger: r['trigger'] as Trigger,
    status: r['status'] as RunStatus,
    created_at: iso(r['created_at'])!,
    started_at: iso(r['started_at']),
    finished_at: iso(r['finished_at']),
    duration_ms: num(r['duration_ms']),
    rows_in: Number(r['rows_in']),
    rows_out: Number(r['rows_out']),
    warnings: Number(r['warnings']),
    error: (r['error'] as string | null) ?? null,
  };
}

function toTaskRun(r: Row): TaskRun {
  return {
    task: String(r['task']),
    position: Number(r['position']),
    status: r['status'] as TaskStatus,
    attempts: Number(r['attempts']),
    started_at: iso(r['started_at']),
    finished_at: iso(r['finished_at']),
    duration_ms: num(r['duration_ms']),
    rows_in: Number(r['rows_in']),
    rows_out: Number(r['rows_out']),
    window: r['window_until'] ? { since: iso(r['window_since']), until: iso(r['window_until'])! } : null,
    error: (r['error'] as string | null) ?? null,
    details: (r['details'] as Record<string, unknown>) ?? {},
  };
}

export interface NewRun {
  pipeline: string;
  version: string;
  partition: string | null;
  trigger: Trigger;
  owner: string;
  tasks: readonly string[];
}

export interface TaskOutcome {
  status: TaskStatus;
  attempts: number;
  durationMs: number | null;
  rowsIn: number;
  rowsOut: number;
  error: string | null;
  details: Record<string, unknown>;
}

/** Writes of a runner whose run was since marked interrupted (by a later process) change nothing. */
const stillActive = `EXISTS (SELECT 1 FROM pipeline_runs r WHERE r.id = run_id AND r.status IN ('queued', 'running'))`;

const isUniqueViolation = (e: unknown) =>
  (e as { code?: unknown })?.code === '23505' || /pipeline_runs_one_active/.test(String(e));

/** Run history, watermarks and the scheduler lease in the state store: plain PostgreSQL (PGlite or server). */
export class RunHistory {
  constructor(private readonly state: StateStore) {}

  /** Records a queued run and its pending tasks; refuses a second active run of the same partition. */
  async createRun(run: NewRun): Promise<PipelineRun> {
    const id = `run_${randomBytes(8).toString('hex')}`;
    try {
      return await this.state.transaction(async (tx) => {
        const [row] = await tx.query<Row>(
          `INSERT INTO pipeline_runs (id, pipeline, version, partition, trigger, status, owner)
           VALUES ($1, $2, $3, $4, $5, 'queued', $6) RETURNING ${runColumns}`,
          [id, run.pipeline, run.version, run.partition, run.trigger, run.owner],
        );
        await tx.query(
          `INSERT INTO pipeline_task_runs (run_id, task, position, status)
           SELECT $1, t.task, t.position::integer, 'pending'
           FROM unnest($2::text[]) WITH ORDINALITY AS t(task, position)`,
          [id, run.tasks],
        );
        return toRun(row!);
      });
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      const [active] = await this.state.query<Row>(
        `SELECT id, status FROM pipeline_runs
         WHERE pipeline = $1 AND coalesce(partition, '') = $2 AND status IN ('queued', 'running')`,
        [run.pipeline, run.partition ?? ''],
      );
      throw new PlazaError(
        'pipeline_run_active',
        `pipeline "${run.pipeline}"${run.partition ? ` for ${run.partition}` : ''} already has an active run` +
          (active ? ` (${active['id']}, ${active['status']})` : ''),
        409,
        { details: { run_id: active?.['id'] ?? null } },
      );
    }
  }

  async markRunning(runId: string): Promise<void> {
    await this.state.query(
      `UPDATE pipeline_runs SET status = 'running', started_at = now(), heartbeat_at = now()
       WHERE id = $1 AND status = 'queued'`,
      [runId],
    );
  }

  async taskStarted(
    runId: string,
    task: string,
    window: { since: Date | null; until: Date } | null,
  ): Promise<void> {
    await this.state.query(
      `UPDATE pipeline_task_runs SET status = 'running', started_at = now(), window_since = $3, window_until = $4
       WHERE run_id = $1 AND task = $2 AND ${stillActive}`,
      [runId, task, window?.since ?? null, window?.until ?? null],
    );
  }

  async taskAttempt(runId: string, task: string, attempts: number): Promise<void> {
    await this.state.query(
      `UPDATE pipeline_task_runs SET attempts = $3 WHERE run_id = $1 AND task = $2 AND ${stillActive}`,
      [runId, task, attempts],
    );
  }

  /** False when the run is no longer active (a later process marked it interrupted): nothing is written. */
  async taskFinished(
    runId: string,
    task: string,
    o: TaskOutcome,
    tx: StateQueries = this.state,
  ): Promise<boolean> {
    const rows = await tx.query(
      `UPDATE pipeline_task_runs SET status = $3, attempts = $4, duration_ms = $5, rows_in = $6, rows_out = $7,
         error = $8, details = $9::jsonb, finished_at = CASE WHEN started_at IS NULL THEN NULL ELSE now() END
       WHERE run_id = $1 AND task = $2 AND ${stillActive}
       RETURNING task`,
      [
        runId,
        task,
        o.status,
        o.attempts,
        o.durationMs === null ? null : Math.round(o.durationMs),
        o.rowsIn,
        o.rowsOut,
        o.error,
        JSON.stringify(o.details),
      ],
    );
    return rows.length === 1;
  }

  /** Marks a task succeeded and advances its watermark in one transaction: both or neither. */
  async taskSucceededWithWatermark(
    runId: string,
    pipeline: string,
    task: string,
    o: TaskOutcome,
    watermark: Date,
  ): Promise<void> {
    await this.state.transaction(async (tx) => {
      // A run taken over as interrupted must not move the watermark past rows it may not have written.
      if (!(await this.taskFinished(runId, task, o, tx))) return;
      await tx.query(
        `INSERT INTO pipeline_watermarks (pipeline, task, watermark, run_id, updated_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (pipeline, task) DO UPDATE
           SET watermark = EXCLUDED.watermark, run_id = EXCLUDED.run_id, updated_at = now()`,
        [pipeline, task, watermark, runId],
      );
    });
  }

  async finishRun(
    runId: string,
    o: {
      status: RunStatus;
      durationMs: number;
      rowsIn: number;
      rowsOut: number;
      warnings: number;
      error: string | null;
    },
  ): Promise<void> {
    await this.state.transaction(async (tx) => {
      // Tasks that never got their turn (shutdown, or a failure outside any task) must not stay pending under
      // a finished run. Guarded like the run itself: a run already finished elsewhere keeps its tasks.
      await tx.query(
        `UPDATE pipeline_task_runs SET status = CASE WHEN $2 = 'interrupted' THEN 'interrupted' ELSE 'skipped' END
         WHERE run_id = $1 AND status IN ('pending', 'running') AND ${stillActive}`,
        [runId, o.status],
      );
      await tx.query(
        `UPDATE pipeline_runs SET status = $2, finished_at = now(), duration_ms = $3, rows_in = $4, rows_out = $5,
           warnings = $6, error = $7
         WHERE id = $1 AND status IN ('queued', 'running')`,
        [runId, o.status, Math.round(o.durationMs), o.rowsIn, o.rowsOut, o.warnings, o.error],
      );
    });
  }

  async heartbeat(runIds: string[]): Promise<void> {
    if (runIds.length === 0) return;
    await this.state.query(
      `UPDATE pipeline_runs SET heartbeat_at = now() WHERE id = ANY($1::text[]) AND status IN ('queued', 'running')`,
      [runIds],
    );
  }

  /**
   * Marks as interrupted the runs left queued or running by a process that stopped without finishing them:
   * every such run when `all` (an embedded store admits one process), else those whose runner stopped
   * heartbeating `staleAfterMs` ago. `except` are this process's own live runs.
   */
  async interruptAbandoned(o: { all: boolean; staleAfterMs: number; except?: string[] }): Promise<string[]> {
    return this.state.transaction(async (tx) => {
      const rows = await tx.query<{ id: string }>(
        `UPDATE pipeline_runs
         SET status = 'interrupted', finished_at = now(),
             error = coalesce(error, 'interrupted: the process running it stopped before it finished')
         WHERE status IN ('queued', 'running') AND NOT (id = ANY($3::text[]))
           AND ($1 OR heartbeat_at < now() - $2::double precision * interval '1 millisecond')
         RETURNING id`,
        [o.all, o.staleAfterMs, o.except ?? []],
      );
      const ids = rows.map((r) => r.id);
      if (ids.length > 0) {
        await tx.query(
          `UPDATE pipeline_task_runs SET status = 'interrupted'
           WHERE run_id = ANY($1::text[]) AND status IN ('pending', 'running')`,
          [ids],
        );
      }
      return ids;
    });
  }

  async appendLog(runId: string, line: Omit<LogLine, 'at'>): Promise<void> {
    await this.state.query(
      `INSERT INTO pipeline_run_logs (run_id, seq, task, level, message, fields) VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
      [
        runId,
        line.seq,
        line.task,
        line.level,
        line.message,
        line.fields === null ? null : JSON.stringify(line.fields),
      ],
    );
  }

  async getRun(runId: string): Promise<PipelineRun | null> {
    const [row] = await this.state.query<Row>(`SELECT ${runColumns} FROM pipeline_runs WHERE id = $1`, [
      runId,
    ]);
    return row ? toRun(row) : null;
  }

  async listRuns(
    pipeline: string | null,
    o: { status?: RunStatus; partition?: string; limit: number },
  ): Promise<PipelineRun[]> {
    const rows = await this.state.query<Row>(
      `SELECT ${runColumns} FROM pipeline_runs
       WHERE ($1::text IS NULL OR pipeline = $1) AND ($2::text IS NULL OR status = $2)
         AND ($3::text IS NULL OR partition = $3)
       ORDER BY seq DESC LIMIT $4`,
      [pipeline, o.status ?? null, o.partition ?? null, o.limit],
    );
    return rows.map(toRun);
  }

  /** The latest run of each pipeline. */
  async lastRuns(): Promise<Map<string, PipelineRun>> {
    const rows = await this.state.query<Row>(
      `SELECT DISTINCT ON (pipeline) ${runColumns} FROM pipeline_runs ORDER BY pipeline, seq DESC`,
    );
    return new Map(rows.map((r) => [String(r['pipeline']), toRun(r)]));
  }

  async taskRuns(runId: string): Promise<TaskRun[]> {
    const rows = await this.state.query<Row>(
      `SELECT task, position, status, attempts, started_at, finished_at, duration_ms, rows_in, rows_out,
         window_since, window_until, error, details
       FROM pipeline_task_runs WHERE run_id = $1 ORDER BY position`,
      [runId],
    );
    return rows.map(toTaskRun);
  }

  async logs(runId: string): Promise<LogLine[]> {
    const rows = await this.state.query<Row>(
      `SELECT seq, task, at, level, message, fields FROM pipeline_run_logs WHERE run_id = $1 ORDER BY seq`,
      [runId],
    );
    return rows.map((r) => ({
      seq: Number(r['seq']),
      task: (r['task'] as string | null) ?? null,
      at: iso(r['at'])!,
      level: r['level'] as LogLine['level'],
      message: String(r['message']),
      fields: (r['fields'] as Record<string, unknown> | null) ?? null,
    }));
  }

  /** The newest partition with a successful run (what catch-up continues from). */
  async lastSucceededPartition(pipeline: string): Promise<string | null> {
    const [row] = await this.state.query<{ p: string | null }>(
      `SELECT max(partition) AS p FROM pipeline_runs WHERE pipeline = $1 AND status = 'succeeded'`,
      [pipeline],
    );
    return row?.p ?? null;
  }

  /** Per partition in [from, to]: the status of its latest run and whether any run of it succeeded. */
  async partitionStates(
    pipeline: string,
    from: string,
    to: string,
  ): Promise<Map<string, { latest: RunStatus; succeeded: boolean }>> {
    const rows = await this.state.query<{ partition: string; latest: RunStatus; succeeded: boolean }>(
      `SELECT partition,
         (array_agg(status ORDER BY seq DESC))[1] AS latest,
         bool_or(status = 'succeeded') AS succeeded
       FROM pipeline_runs WHERE pipeline = $1 AND partition BETWEEN $2 AND $3
       GROUP BY partition`,
      [pipeline, from, to],
    );
    return new Map(rows.map((r) => [r.partition, { latest: r.latest, succeeded: r.succeeded }]));
  }

  /** How far (logical time) the pipeline's incremental tasks have processed: the oldest of their watermarks. */
  async pipelineWatermark(pipeline: string): Promise<Date | null> {
    const [row] = await this.state.query<{ w: Date | null }>(
      'SELECT min(watermark) AS w FROM pipeline_watermarks WHERE pipeline = $1',
      [pipeline],
    );
    return row?.w ? new Date(row.w) : null;
  }

  async watermark(pipeline: string, task: string): Promise<Date | null> {
    const [row] = await this.state.query<{ watermark: Date }>(
      'SELECT watermark FROM pipeline_watermarks WHERE pipeline = $1 AND task = $2',
      [pipeline, task],
    );
    return row ? new Date(row.watermark) : null;
  }
}
