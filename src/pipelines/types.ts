import type { Logger } from 'pino';
import type { StateStore } from '../ports/state.js';
import type { Warehouse } from '../ports/warehouse.js';

/**
 * The contract between the orchestrator (src/pipelines) and the tasks it runs (src/marts, src/quality,
 * src/reports). A pipeline is a DAG of tasks declared in TypeScript; the orchestrator schedules, retries,
 * times out, records history and runs each task's quality checks after it; tasks only compute.
 */

/** How a task divides its work. */
export type Partitioning =
  /** One run per local day ('YYYY-MM-DD'); its output for that day replaces the previous one atomically. */
  | 'daily'
  /** Processes what arrived since the task's watermark (minus a lookback for late events). */
  | 'incremental'
  /** Whole-table (small dimensions, retention). */
  | 'none';

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  /** First delay; doubled each attempt, capped at maxDelayMs, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface ProjectInfo {
  id: string;
  /** IANA zone; a daily partition of a project covers its local day. */
  timeZone: string;
}

export interface TaskContext {
  pipeline: string;
  task: string;
  runId: string;
  /** 'YYYY-MM-DD' for daily tasks, null otherwise. */
  partition: string | null;
  /**
   * Incremental tasks: process rows received in [since, until). `since` is the stored watermark minus the
   * task's lookback (null on the first run: everything); `until` becomes the new watermark on success.
   */
  window: { since: Date | null; until: Date } | null;
  warehouse: Warehouse;
  state: StateStore;
  /** Projects known to the registry, with their time zones. */
  projects: readonly ProjectInfo[];
  /** Aborted on timeout or shutdown; long statements should check it between steps. */
  signal: AbortSignal;
  logger: Logger;
  /** A line for the run's stored log (shown by `plaza pipeline logs`). */
  log(message: string, fields?: Record<string, unknown>): void;
}

export interface TaskResult {
  rowsIn: number;
  rowsOut: number;
  /** Anything worth keeping in the run history (e.g. per-table counts). */
  details?: Record<string, unknown>;
}

/** A data-quality check declared beside a table (see src/quality). */
export interface QualityCheck {
  /** Stable id, unique within the task: `<table>.<column>.<kind>`. */
  id: string;
  table: string;
  severity: 'error' | 'warn';
  kind: 'not_null' | 'unique' | 'accepted_values' | 'range' | 'relationship' | 'freshness' | 'row_count';
  column?: string;
  /** Kind-specific parameters (values, min/max, referenced table/column, max age, trailing days…). */
  params?: Record<string, unknown>;
  /** Failures tolerated: a share of the rows checked (0..1) or an absolute count. Default: none. */
  tolerance?: { share: number } | { count: number };
  /** Column holding the partition day / time, so checks run per partition. */
  partitionColumn?: string;
}

export interface CheckOutcome {
  check: QualityCheck;
  passed: boolean;
  checked: number;
  failed: number;
  /** Rows moved to quarantine (error severity only). */
  quarantined: number;
  message: string;
}

/** Runs a task's checks on the partition it just wrote; the orchestrator blocks downstream on errors. */
export interface QualityGate {
  run(ctx: TaskContext, checks: readonly QualityCheck[]): Promise<CheckOutcome[]>;
}

export interface TaskDef {
  id: string;
  dependsOn?: readonly string[];
  partitioning: Partitioning;
  /** Incremental tasks: how far before the watermark each run starts again, for late events. */
  lookbackMs?: number;
  retry?: RetryPolicy;
  timeoutMs?: number;
  checks?: readonly QualityCheck[];
  description?: string;
  run(ctx: TaskContext): Promise<TaskResult>;
}

export interface PipelineDef {
  id: string;
  /** Recorded with every run, so history shows which definition produced a table. */
  version: string;
  /** Cron expression (5 fields), in the scheduler's time zone. */
  schedule: string;
  description: string;
  tasks: readonly TaskDef[];
}
