import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { PlazaConfig } from '../config/config.js';
import { migrate } from '../core/migrate.js';
import type { Metrics } from '../observability/metrics.js';
import type { StateStore } from '../ports/state.js';
import type { Warehouse } from '../ports/warehouse.js';
import { SchedulerLease } from './lease.js';
import { pipelineMetrics } from './metrics.js';
import { pipelineMigrations } from './migrations.js';
import { PipelineRunner } from './runner.js';
import { PipelineScheduler } from './scheduler.js';
import type { PipelineDef, ProjectInfo, QualityGate } from './types.js';

export interface StartPipelinesDeps {
  state: StateStore;
  warehouse: Warehouse;
  logger: Logger;
  metrics: Metrics;
  /** Projects and their time zones (the Projects registry fits). */
  projects: { list(): Promise<readonly { id: string; settings: { timeZone: string } }[]> };
  config: PlazaConfig['pipelines'];
  pipelines: readonly PipelineDef[];
  /** Runs the checks tasks declare; without it they are not run. */
  gate?: QualityGate;
  /** Whether this process may schedule (the worker role); config.scheduler can still turn it off. */
  schedule: boolean;
  /** Logical clock for the runner and the scheduler (tests). */
  now?: () => Date;
  leaseMs?: number;
  pollMs?: number;
}

export interface Pipelines {
  runner: PipelineRunner;
  /** Undefined when this process does not schedule. */
  scheduler: PipelineScheduler | undefined;
  lease: SchedulerLease;
  /** Stops scheduling, aborts active runs and waits for them up to the deadline. */
  stop(deadlineMs?: number): Promise<void>;
}

/**
 * The orchestrator of one process: its tables, a runner (always: the API and CLI run pipelines by hand),
 * and, when this process schedules, the lease-holding scheduler. Runs a previous process left unfinished
 * are marked interrupted before anything new starts.
 */
export async function startPipelines(deps: StartPipelinesDeps): Promise<Pipelines> {
  await migrate(deps.state, pipelineMigrations);
  const logger = deps.logger.child({ module: 'pipelines' });
  const runner = new PipelineRunner({
    state: deps.state,
    warehouse: deps.warehouse,
    logger,
    pipelines: deps.pipelines,
    projects: async (): Promise<ProjectInfo[]> =>
      (await deps.projects.list()).map((p) => ({ id: p.id, timeZone: p.settings.timeZone })),
    timeZone: deps.config.timeZone,
    metrics: pipelineMetrics(deps.metrics.registry),
    exclusiveStore: deps.state.kind === 'pglite',
    backfillConcurrency: deps.config.backfillConcurrency,
    ...(deps.gate ? { gate: deps.gate } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
  await runner.recover();
  const lease = new SchedulerLease(
    deps.state,
    `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    deps.leaseMs ?? 30_000,
  );
  let scheduler: PipelineScheduler | undefined;
  // With nothing to schedule there is no lease to hold either.
  if (deps.schedule && deps.config.scheduler && deps.pipelines.length > 0) {
    scheduler = new PipelineScheduler({
      runner,
      lease,
      timeZone: deps.config.timeZone,
      catchUpDays: deps.config.catchUpDays,
      logger,
      ...(deps.now ? { now: deps.now } : {}),
      ...(deps.pollMs ? { pollMs: deps.pollMs } : {}),
    });
    scheduler.start();
  }
  return {
    runner,
    scheduler,
    lease,
    async stop(deadlineMs = 10_000) {
      await scheduler?.stop();
      await runner.stop(deadlineMs);
    },
  };
}
