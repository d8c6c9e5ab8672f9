import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { PlazaError } from '../core/errors.js';
import type { StateStore } from '../ports/state.js';
import type { Warehouse } from '../ports/warehouse.js';
import { type BackfillOptions, type BackfillPlan, planBackfill } from './backfill.js';
import { pipelinePartitioning, validatePipelines } from './dag.js';
import { type PipelineRun, RunHistory, type RunStatus, type TaskStatus, type Trigger } from './history.js';
import type { PipelineMetrics } from './metrics.js';
import { parsePartition, today, yesterday } from './partitions.js';
import { backoffDelay, defaultRetry, mapLimit, sleep, untilAborted } from './retry.js';
import type {
  CheckOutcome,
  PipelineDef,
  ProjectInfo,
  QualityGate,
  TaskContext,
  TaskDef,
  TaskResult,
} from './types.js';

export interface RunnerOptions {
  state: StateStore;
  warehouse: Warehouse;
  logger: Logger;
  pipelines: readonly PipelineDef[];
  /** Projects with their time zones, read once per run. */
  projects: () => Promise<readonly ProjectInfo[]>;
  /** Zone of the default partition ("yesterday") and of "today" for range checks. */
  timeZone: string;
  /** Runs each task's declared checks after it succeeds; without one, checks are not run. */
  gate?: QualityGate;
  metrics?: PipelineMetrics;
  /** Logical time: incremental windows end at now(), the default partition is the day before it. */
  now?: () => Date;
  random?: () => number;
  /** A state store only this process can open (PGlite): every run left active at start is abandoned. */
  exclusiveStore?: boolean;
  backfillConcurrency?: number;
  /** Timeout of tasks that declare none. */
  defaultTimeoutMs?: number;
  heartbeatMs?: number;
  /** Another process's run is abandoned this long after its last heartbeat (default: 3 heartbeats). */
  staleAfterMs?: number;
  /** How long an aborted attempt may take to settle before the next attempt or the stop goes on. */
  settleMs?: number;
  maxLogLinesPerRun?: number;
}

export interface StartedRun {
  run: PipelineRun;
  /** Resolves with the finished run; never rejects. */
  done: Promise<PipelineRun>;
}

export interface BackfillResult extends BackfillPlan {
  dry_run: boolean;
  runs: PipelineRun[];
  /** Resolves when every run finished (empty for a dry run). */
  done: Promise<PipelineRun[]>;
}

interface ActiveRun {
  run: PipelineRun;
  def: PipelineDef;
  controller: AbortController;
  done: Promise<PipelineRun>;
  resolve: (run: PipelineRun) => void;
  logSeq: number;
  logWrites: Promise<void>;
}

interface TaskEnd {
  status: TaskStatus;
  rowsIn: number;
  rowsOut: number;
  warnings: number;
  error: string | null;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
const shutdown = () => new PlazaError('pipelines_stopping', 'the process is stopping', 503);

/**
 * Executes pipeline runs: one partition of one pipeline at a time per run, tasks in topological order. Tasks
 * run one after another rather than side by side: each warehouse statement already uses every core, and a
 * fixed order keeps a run's log readable. Every state change is written to the run history as it happens, so
 * a crash leaves a run that the next start can mark interrupted.
 */
export class PipelineRunner {
  readonly history: RunHistory;
  /** Identifies this runner's runs (and heartbeats) in the shared history. */
  readonly owner = `runner_${randomBytes(6).toString('hex')}`;
  readonly timeZone: string;
  private readonly defs = new Map<string, PipelineDef>();
  private readonly orders: Map<string, TaskDef[]>;
  private readonly active = new Map<string, ActiveRun>();
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly heartbeatTimer: NodeJS.Timeout;
  private readonly staleAfterMs: number;
  private readonly settleMs: number;
  private readonly defaultTimeoutMs: number;
  private readonly maxLogLines: number;
  private stopping = false;

  constructor(private readonly o: RunnerOptions) {
    this.orders = validatePipelines(o.pipelines);
    for (const p of o.pipelines) this.defs.set(p.id, p);
    this.history = new RunHistory(o.state);
    this.timeZone = o.timeZone;
    this.now = o.now ?? (() => new Date());
    this.random = o.random ?? Math.random;
    const heartbeatMs = o.heartbeatMs ?? 10_000;
    this.staleAfterMs = o.staleAfterMs ?? heartbeatMs * 3;
    this.settleMs = o.settleMs ?? 5000;
    this.defaultTimeoutMs = o.defaultTimeoutMs ?? 3_600_000;
    this.maxLogLines = o.maxLogLinesPerRun ?? 5000;
    this.heartbeatTimer = setInterval(() => {
      this.history
        .heartbeat([...this.active.keys()])
        .catch((e) => o.logger.warn({ err: e }, 'pipeline run heartbeat failed'));
    }, heartbeatMs);
    this.heartbeatTimer.unref();
  }

  definitions(): readonly PipelineDef[] {
    return this.o.pipelines;
  }

  pipeline(id: string): PipelineDef {
    const def = this.defs.get(id);
    if (!def) {
      const known = [...this.defs.keys()];
      throw new PlazaError(
        'unknown_pipeline',
        `unknown pipeline "${id}"; known: ${known.length > 0 ? known.join(', ') : '(none)'}`,
        404,
        { details: { known } },
      );
    }
    return def;
  }

  /** Runs not finished yet in this process. */
  activeRuns(): PipelineRun[] {
    return [...this.active.values()].map((a) => a.run);
  }

  /** Marks runs abandoned by a stopped process as interrupted (see RunHistory.interruptAbandoned). */
  async recover(): Promise<string[]> {
    const ids = await this.history.interruptAbandoned({
      all: this.o.exclusiveStore ?? false,
      staleAfterMs: this.staleAfterMs,
      except: [...this.active.keys()],
    });
    if (ids.length > 0) this.o.logger.warn({ runs: ids }, 'pipeline runs left unfinished marked interrupted');
    return ids;
  }

  /**
   * Queues a run and starts it. Daily pipelines need a partition (default: the day that ended last in the
   * runner's time zone); the others take none.
   */
  async start(req: { pipeline: string; partition?: string | null; trigger: Trigger }): Promise<StartedRun> {
    const def = this.pipeline(req.pipeline);
    const partition = this.partitionFor(def, req.partition ?? null);
    const active = await this.enqueue(def, partition, req.trigger);
    void this.execute(active);
    return { run: active.run, done: active.done };
  }

  /** start() and wait for the end. */
  async run(req: { pipeline: string; partition?: string | null; trigger?: Trigger }): Promise<PipelineRun> {
    const started = await this.start({ ...req, trigger: req.trigger ?? 'manual' });
    return started.done;
  }

  /**
   * Queues one run per partition (skipping those with an active run) and executes them oldest first with at
   * most `concurrency` at once.
   */
  async startMany(
    pipeline: string,
    partitions: readonly string[],
    trigger: Trigger | ((partition: string) => Trigger),
    concurrency: number,
  ): Promise<{ runs: PipelineRun[]; done: Promise<PipelineRun[]> }> {
    const def = this.pipeline(pipeline);
    const queued: ActiveRun[] = [];
    for (const p of [...partitions].sort()) {
      try {
        queued.push(
          await this.enqueue(
            def,
            this.partitionFor(def, p),
            typeof trigger === 'function' ? trigger(p) : trigger,
          ),
        );
      } catch (e) {
        if ((e as PlazaError).code !== 'pipeline_run_active') {
          for (const q of queued) void this.execute(q);
          throw e;
        }
        this.o.logger.info(
          { pipeline, partition: p },
          'partition already has an active run; not queued again',
        );
      }
    }
    const done = mapLimit(queued, concurrency, (a) => this.execute(a));
    return { runs: queued.map((a) => a.run), done };
  }

  /** What a backfill would run (see planBackfill). */
  async planBackfill(pipeline: string, o: BackfillOptions): Promise<BackfillPlan> {
    return planBackfill(this.history, this.pipeline(pipeline), o, {
      timeZone: this.timeZone,
      now: this.now(),
    });
  }

  /** Plans the days to run; unless dryRun, queues them and runs them with bounded concurrency. */
  async backfill(pipeline: string, o: BackfillOptions): Promise<BackfillResult> {
    const plan = await this.planBackfill(pipeline, o);
    if (o.dryRun) return { ...plan, dry_run: true, runs: [], done: Promise.resolve([]) };
    const concurrency = o.concurrency ?? this.o.backfillConcurrency ?? 2;
    const { runs, done } = await this.startMany(
      pipeline,
      plan.plan.map((p) => p.partition),
      'backfill',
      concurrency,
    );
    this.o.logger.info(
      { pipeline, from: plan.from, to: plan.to, reprocess: plan.reprocess, runs: runs.length, concurrency },
      'backfill started',
    );
    return { ...plan, dry_run: false, runs, done };
  }

  /**
   * Aborts every active run and waits for them up to the deadline; runs still going then are marked
   * interrupted here (and their late writes are refused by the status guards in the history).
   */
  async stop(deadlineMs = 10_000): Promise<void> {
    this.stopping = true;
    clearInterval(this.heartbeatTimer);
    const runs = [...this.active.values()];
    for (const a of runs) a.controller.abort(shutdown());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(runs.map((a) => a.done)),
      new Promise((r) => {
        timer = setTimeout(r, deadlineMs);
      }),
    ]);
    clearTimeout(timer);
    for (const a of this.active.values()) {
      await this.history
        .finishRun(a.run.id, {
          status: 'interrupted',
          durationMs: 0,
          rowsIn: 0,
          rowsOut: 0,
          warnings: 0,
          error: 'interrupted: the process stopped before the run finished',
        })
        .catch((e) => this.o.logger.warn({ err: e, run: a.run.id }, 'could not mark a run interrupted'));
    }
  }

  private partitionFor(def: PipelineDef, partition: string | null): string | null {
    if (pipelinePartitioning(def) !== 'daily') {
      if (partition !== null) {
        throw new PlazaError(
          'pipeline_not_partitioned',
          `pipeline "${def.id}" has no daily tasks and takes no partition`,
          400,
        );
      }
      return null;
    }
    if (partition === null) return yesterday(this.timeZone, this.now());
    const day = parsePartition(partition);
    const last = today(this.timeZone, this.now());
    if (day > last) {
      throw new PlazaError(
        'partition_in_future',
        `partition ${day} is after today (${last} in ${this.timeZone}); days that have not started have no data`,
        400,
      );
    }
    return day;
  }

  private async enqueue(def: PipelineDef, partition: string | null, trigger: Trigger): Promise<ActiveRun> {
    if (this.stopping)
      throw new PlazaError('pipelines_stopping', 'the process is stopping; run it later', 503);
    const run = await this.history.createRun({
      pipeline: def.id,
      version: def.version,
      partition,
      trigger,
      owner: this.owner,
      tasks: this.orders.get(def.id)!.map((t) => t.id),
    });
    let resolve!: (r: PipelineRun) => void;
    const done = new Promise<PipelineRun>((r) => {
      resolve = r;
    });
    const active: ActiveRun = {
      run,
      def,
      controller: new AbortController(),
      done,
      resolve,
      logSeq: 0,
      logWrites: Promise.resolve(),
    };
    this.active.set(run.id, active);
    return active;
  }

  /** Never rejects: whatever happens ends in the run's history and in `done`. */
  private async execute(a: ActiveRun): Promise<PipelineRun> {
    const { run, def } = a;
    const t0 = performance.now();
    const signal = a.controller.signal;
    let status: RunStatus = 'failed';
    let error: string | null = null;
    let rowsIn = 0;
    let rowsOut = 0;
    let warnings = 0;
    try {
      if (signal.aborted) throw signal.reason;
      await this.history.markRunning(run.id);
      this.log(
        a,
        null,
        'info',
        `run of ${def.id}@${def.version}${run.partition ? ` for ${run.partition}` : ''} started (${run.trigger})`,
      );
      const projects = await this.o.projects();
      const ends = new Map<string, TaskEnd>();
      for (const task of this.orders.get(def.id)!) {
        if (signal.aborted) break;
        const blocker = (task.dependsOn ?? []).find((d) => ends.get(d)?.status !== 'succeeded');
        if (blocker !== undefined) {
          const why = `upstream task "${blocker}" ${ends.get(blocker)?.status ?? 'did not run'}`;
          this.log(a, task.id, 'warn', `skipped: ${why}`);
          await this.history.taskFinished(run.id, task.id, {
            status: 'skipped',
            attempts: 0,
            durationMs: null,
            rowsIn: 0,
            rowsOut: 0,
            error: why,
            details: { reason: 'upstream_failed', upstream: blocker },
          });
          ends.set(task.id, { status: 'skipped', rowsIn: 0, rowsOut: 0, warnings: 0, error: why });
          continue;
        }
        const end = await this.runTask(a, task, projects);
        ends.set(task.id, end);
        rowsIn += end.rowsIn;
        rowsOut += end.rowsOut;
        warnings += end.warnings;
        if (end.status === 'interrupted') break;
      }
      const failed = [...ends.entries()].find(
        ([, e]) => e.status === 'failed' || e.status === 'failed_quality',
      );
      if (signal.aborted) {
        status = 'interrupted';
        error = `interrupted: ${messageOf(signal.reason)}`;
      } else if (failed) {
        status = 'failed';
        error = `task "${failed[0]}" ${failed[1].status}: ${failed[1].error}`;
      } else {
        status = 'succeeded';
      }
    } catch (e) {
      status = signal.aborted ? 'interrupted' : 'failed';
      error = signal.aborted ? `interrupted: ${messageOf(signal.reason)}` : messageOf(e);
      if (!signal.aborted)
        this.o.logger.error({ err: e, run: run.id }, 'pipeline run failed outside its tasks');
    }
    const durationMs = performance.now() - t0;
    this.log(
      a,
      null,
      status === 'succeeded' ? 'info' : 'error',
      `run ${status} in ${Math.round(durationMs)} ms${error ? `: ${error}` : ''}`,
    );
    let finished: PipelineRun = { ...run, status, error, rows_in: rowsIn, rows_out: rowsOut, warnings };
    try {
      await a.logWrites;
      await this.history.finishRun(run.id, { status, durationMs, rowsIn, rowsOut, warnings, error });
      finished = (await this.history.getRun(run.id)) ?? finished;
    } catch (e) {
      this.o.logger.error({ err: e, run: run.id }, 'could not record the end of a pipeline run');
    }
    this.o.metrics?.executionSeconds.observe({ pipeline: def.id, task: '', status }, durationMs / 1000);
    this.o.logger.info(
      { pipeline: def.id, run: run.id, partition: run.partition, status, ms: Math.round(durationMs) },
      'pipeline run finished',
    );
    this.active.delete(run.id);
    a.resolve(finished);
    return finished;
  }

  private async runTask(a: ActiveRun, task: TaskDef, projects: readonly ProjectInfo[]): Promise<TaskEnd> {
    const { run, def } = a;
    const runSignal = a.controller.signal;
    const retry = task.retry ?? defaultRetry;
    const timeoutMs = task.timeoutMs ?? this.defaultTimeoutMs;
    let window: TaskContext['window'] = null;
    if (task.partitioning === 'incremental') {
      const mark = await this.history.watermark(def.id, task.id);
      window = {
        since: mark ? new Date(mark.getTime() - (task.lookbackMs ?? 0)) : null,
        until: this.now(),
      };
    }
    await this.history.taskStarted(run.id, task.id, window);
    this.log(
      a,
      task.id,
      'info',
      window
        ? `started; window ${window.since?.toISOString() ?? '(beginning)'} .. ${window.until.toISOString()}`
        : 'started',
    );
    const t0 = performance.now();
    const failures: { attempt: number; error: string; ms: number }[] = [];
    let result: TaskResult | undefined;
    let lastError: unknown;
    let previous: Promise<unknown> | undefined;
    let attempt = 0;
    const end = async (
      o: Omit<TaskEnd, 'warnings'> & { warnings?: number; details?: Record<string, unknown> },
    ) => {
      const durationMs = performance.now() - t0;
      const outcome = {
        status: o.status,
        attempts: attempt,
        durationMs,
        rowsIn: o.rowsIn,
        rowsOut: o.rowsOut,
        error: o.error,
        details: { ...(o.details ?? {}), ...(failures.length > 0 ? { failed_attempts: failures } : {}) },
      };
      if (o.status === 'succeeded' && window) {
        await this.history.taskSucceededWithWatermark(run.id, def.id, task.id, outcome, window.until);
      } else {
        await this.history.taskFinished(run.id, task.id, outcome);
      }
      const m = this.o.metrics;
      const labels = { pipeline: def.id, task: task.id };
      m?.executionSeconds.observe({ ...labels, status: o.status }, durationMs / 1000);
      if (o.status === 'failed' || o.status === 'failed_quality')
        m?.failures.inc({ ...labels, status: o.status });
      if (o.rowsIn > 0) m?.rows.inc({ ...labels, direction: 'in' }, o.rowsIn);
      if (o.rowsOut > 0) m?.rows.inc({ ...labels, direction: 'out' }, o.rowsOut);
      const level = o.status === 'succeeded' ? 'info' : o.status === 'interrupted' ? 'warn' : 'error';
      this.log(
        a,
        task.id,
        level,
        `${o.status} after ${attempt} attempt(s) in ${Math.round(durationMs)} ms` +
          (o.status === 'succeeded' || o.status === 'failed_quality'
            ? ` (rows in ${o.rowsIn}, out ${o.rowsOut})`
            : '') +
          (o.error ? `: ${o.error}` : ''),
      );
      return {
        status: o.status,
        rowsIn: o.rowsIn,
        rowsOut: o.rowsOut,
        warnings: o.warnings ?? 0,
        error: o.error,
      };
    };
    const interrupted = async (work?: Promise<unknown>) => {
      // Give the task the chance to see the abort and stop writing before the stores close.
      if (work) await settleWithin(work, this.settleMs);
      return end({ status: 'interrupted', rowsIn: 0, rowsOut: 0, error: messageOf(runSignal.reason) });
    };

    for (;;) {
      attempt++;
      if (previous) await settleWithin(previous, this.settleMs);
      if (runSignal.aborted) return interrupted();
      await this.history.taskAttempt(run.id, task.id, attempt);
      const attemptSignal = AbortSignal.any([runSignal, AbortSignal.timeout(timeoutMs)]);
      const ctx = this.context(a, task, window, projects, attemptSignal);
      const started = performance.now();
      const work = Promise.resolve().then(() => task.run(ctx));
      work.catch(() => undefined);
      try {
        result = checkResult(task, await untilAborted(work, attemptSignal));
        break;
      } catch (e) {
        if (runSignal.aborted) return interrupted(work);
        const timedOut = attemptSignal.aborted;
        lastError = timedOut
          ? new PlazaError('task_timeout', `timed out after ${timeoutMs} ms`, 504, { cause: e })
          : e;
        const msg = messageOf(lastError);
        failures.push({ attempt, error: msg, ms: Math.round(performance.now() - started) });
        if (attempt > retry.retries) {
          this.log(a, task.id, 'error', `attempt ${attempt} failed: ${msg}`);
          break;
        }
        const delay = backoffDelay(retry, attempt, this.random);
        this.log(a, task.id, 'warn', `attempt ${attempt} failed: ${msg}; retrying in ${delay} ms`, {
          delay_ms: delay,
        });
        try {
          await sleep(delay, runSignal);
        } catch {
          return interrupted(work);
        }
        previous = work;
      }
    }
    if (!result) {
      return end({ status: 'failed', rowsIn: 0, rowsOut: 0, error: messageOf(lastError) });
    }

    const details: Record<string, unknown> = { ...(result.details ?? {}) };
    const checks = task.checks ?? [];
    if (checks.length === 0 || !this.o.gate) {
      return end({
        status: 'succeeded',
        rowsIn: result.rowsIn,
        rowsOut: result.rowsOut,
        error: null,
        details,
      });
    }
    let outcomes: CheckOutcome[];
    try {
      const ctx = this.context(a, task, window, projects, runSignal);
      outcomes = await untilAborted(this.o.gate.run(ctx, checks), runSignal);
    } catch (e) {
      if (runSignal.aborted) return interrupted();
      return end({
        status: 'failed',
        rowsIn: result.rowsIn,
        rowsOut: result.rowsOut,
        error: `the quality gate could not run: ${messageOf(e)}`,
        details,
      });
    }
    details['checks'] = outcomes.map((o) => ({
      id: o.check.id,
      table: o.check.table,
      kind: o.check.kind,
      severity: o.check.severity,
      passed: o.passed,
      checked: o.checked,
      failed: o.failed,
      quarantined: o.quarantined,
      message: o.message,
    }));
    const failedChecks = outcomes.filter((o) => !o.passed);
    for (const o of failedChecks) {
      this.log(
        a,
        task.id,
        o.check.severity === 'error' ? 'error' : 'warn',
        `check ${o.check.id} failed: ${o.message}`,
        {
          failed: o.failed,
          checked: o.checked,
          quarantined: o.quarantined,
        },
      );
    }
    const blocking = failedChecks.filter((o) => o.check.severity === 'error');
    return end({
      status: blocking.length > 0 ? 'failed_quality' : 'succeeded',
      rowsIn: result.rowsIn,
      rowsOut: result.rowsOut,
      warnings: failedChecks.length - blocking.length,
      error:
        blocking.length > 0
          ? `blocking quality check(s) failed: ${blocking.map((o) => `${o.check.id} (${o.message})`).join('; ')}`
          : null,
      details,
    });
  }

  private context(
    a: ActiveRun,
    task: TaskDef,
    window: TaskContext['window'],
    projects: readonly ProjectInfo[],
    signal: AbortSignal,
  ): TaskContext {
    return {
      pipeline: a.def.id,
      task: task.id,
      runId: a.run.id,
      partition: task.partitioning === 'daily' ? a.run.partition : null,
      window,
      warehouse: this.o.warehouse,
      state: this.o.state,
      projects,
      signal,
      logger: this.o.logger.child({ pipeline: a.def.id, task: task.id, run: a.run.id }),
      log: (message, fields) => this.log(a, task.id, 'info', message, fields),
    };
  }

  /** A line of the run's stored log (and of the process log). Writes are chained so they keep their order. */
  private log(
    a: ActiveRun,
    task: string | null,
    level: 'info' | 'warn' | 'error',
    message: string,
    fields?: Record<string, unknown>,
  ): void {
    this.o.logger[level]({ pipeline: a.def.id, task, run: a.run.id, ...fields }, message);
    const seq = ++a.logSeq;
    if (seq > this.maxLogLines + 1) return;
    const line =
      seq > this.maxLogLines
        ? {
            seq,
            task: null,
            level: 'warn' as const,
            message: `log truncated after ${this.maxLogLines} lines`,
            fields: null,
          }
        : { seq, task, level, message, fields: fields ?? null };
    a.logWrites = a.logWrites
      .then(() => this.history.appendLog(a.run.id, line))
      .catch((e) => this.o.logger.warn({ err: e, run: a.run.id }, 'could not store a pipeline log line'));
  }
}

function checkResult(task: TaskDef, r: TaskResult): TaskResult {
  const ok = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  if (!r || typeof r !== 'object' || !ok(r.rowsIn) || !ok(r.rowsOut)) {
    throw new PlazaError(
      'task_result_invalid',
      `task "${task.id}" must return { rowsIn, rowsOut } as non-negative numbers, got ${JSON.stringify(r)}`,
      500,
    );
  }
  return r;
}

/** Waits for a promise to settle, at most ms. */
async function settleWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    p.then(
      () => undefined,
      () => undefined,
    ),
    new Promise((r) => {
      timer = setTimeout(r, ms);
    }),
  ]);
  clearTimeout(timer);
}
