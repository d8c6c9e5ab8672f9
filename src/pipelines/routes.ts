import { Cron } from 'croner';
import type { FastifyInstance } from 'fastify';
import { PlazaError } from '../core/errors.js';
import type { Reprocess } from './backfill.js';
import { pipelinePartitioning } from './dag.js';
import { type RunStatus, runStatuses, taskStatuses, triggers } from './history.js';
import type { Pipelines } from './start.js';

export interface PipelineRouteDeps {
  pipelines: Pipelines;
}

const nullableString = { type: ['string', 'null'] } as const;
const runSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    pipeline: { type: 'string' },
    version: { type: 'string' },
    partition: { ...nullableString, description: 'YYYY-MM-DD for daily pipelines' },
    trigger: { type: 'string', enum: [...triggers] },
    status: { type: 'string', enum: [...runStatuses] },
    created_at: { type: 'string' },
    started_at: nullableString,
    finished_at: nullableString,
    duration_ms: { type: ['integer', 'null'] },
    rows_in: { type: 'integer' },
    rows_out: { type: 'integer' },
    warnings: { type: 'integer', description: 'failed checks of severity warn' },
    error: nullableString,
  },
} as const;

const taskRunSchema = {
  type: 'object',
  properties: {
    task: { type: 'string' },
    position: { type: 'integer' },
    status: { type: 'string', enum: [...taskStatuses] },
    attempts: { type: 'integer' },
    started_at: nullableString,
    finished_at: nullableString,
    duration_ms: { type: ['integer', 'null'] },
    rows_in: { type: 'integer' },
    rows_out: { type: 'integer' },
    window: {
      type: ['object', 'null'],
      properties: { since: nullableString, until: { type: 'string' } },
      description: 'incremental tasks: rows received in [since, until)',
    },
    error: nullableString,
    details: {
      type: 'object',
      additionalProperties: true,
      description: 'what the task reported, failed attempts, quality check outcomes (checks)',
    },
  },
} as const;

const logSchema = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    task: nullableString,
    at: { type: 'string' },
    level: { type: 'string' },
    message: { type: 'string' },
    fields: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

const planSchema = {
  plan: {
    type: 'array',
    items: {
      type: 'object',
      properties: { partition: { type: 'string' }, last_status: nullableString },
    },
  },
  skipped: {
    type: 'array',
    items: {
      type: 'object',
      properties: {
        partition: { type: 'string' },
        last_status: nullableString,
        reason: { type: 'string', enum: ['already_succeeded', 'not_failed', 'active'] },
      },
    },
  },
} as const;

const idParam = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

const day = (what: string) =>
  ({ type: 'string', maxLength: 10, description: `${what}, YYYY-MM-DD` }) as const;

/**
 * Pipelines (Bearer admin token): definitions with their last run, run history with task runs and log lines,
 * and runs by hand or by range. Runs go on in the background; the answers carry their ids to poll.
 */
export function registerPipelineRoutes(app: FastifyInstance, deps: PipelineRouteDeps): void {
  const { runner } = deps.pipelines;
  app.register(async (scope) => {
    scope.get(
      '/v1/pipelines',
      {
        schema: {
          tags: ['pipelines'],
          summary: 'Pipeline definitions (tasks, schedule, next run) with their last run, and the scheduler',
        },
      },
      async () => {
        const last = await runner.history.lastRuns();
        const scheduler = deps.pipelines.scheduler;
        return {
          pipelines: runner.definitions().map((p) => ({
            id: p.id,
            version: p.version,
            description: p.description,
            schedule: p.schedule,
            time_zone: runner.timeZone,
            partitioning: pipelinePartitioning(p),
            next_run_at:
              new Cron(p.schedule, { timezone: runner.timeZone, paused: true }).nextRun()?.toISOString() ??
              null,
            tasks: p.tasks.map((t) => ({
              id: t.id,
              depends_on: t.dependsOn ?? [],
              partitioning: t.partitioning,
              description: t.description ?? null,
              lookback_ms: t.lookbackMs ?? null,
              timeout_ms: t.timeoutMs ?? null,
              retry: t.retry ?? null,
              checks: (t.checks ?? []).map((c) => ({ id: c.id, severity: c.severity, kind: c.kind })),
            })),
            last_run: last.get(p.id) ?? null,
          })),
          scheduler: {
            enabled: scheduler !== undefined,
            leader: scheduler?.isLeader ?? false,
            lease: await deps.pipelines.lease.current(),
          },
        };
      },
    );

    scope.get<{
      Params: { id: string };
      Querystring: { status?: RunStatus; partition?: string; limit?: number };
    }>(
      '/v1/pipelines/:id/runs',
      {
        schema: {
          tags: ['pipelines'],
          summary: "A pipeline's runs, newest first",
          params: idParam,
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              status: { type: 'string', enum: [...runStatuses] },
              partition: day('only runs of this day'),
              limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
            },
          },
          response: { 200: { type: 'object', properties: { runs: { type: 'array', items: runSchema } } } },
        },
      },
      async (request) => {
        const { id } = request.params;
        runner.pipeline(id);
        const q = request.query;
        return {
          runs: await runner.history.listRuns(id, {
            ...(q.status ? { status: q.status } : {}),
            ...(q.partition ? { partition: q.partition } : {}),
            limit: q.limit ?? 50,
          }),
        };
      },
    );

    scope.get<{ Params: { runId: string } }>(
      '/v1/pipelines/runs/:runId',
      {
        schema: {
          tags: ['pipelines'],
          summary: 'One run with its task runs (attempts, rows, window, checks) and its log lines',
          params: {
            type: 'object',
            required: ['runId'],
            properties: { runId: { type: 'string', minLength: 1, maxLength: 100 } },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                ...runSchema.properties,
                tasks: { type: 'array', items: taskRunSchema },
                logs: { type: 'array', items: logSchema },
              },
            },
          },
        },
      },
      async (request) => {
        const { runId } = request.params;
        const run = await runner.history.getRun(runId);
        if (!run) throw new PlazaError('unknown_run', `no pipeline run "${runId}"`, 404);
        const [tasks, logs] = [await runner.history.taskRuns(runId), await runner.history.logs(runId)];
        return { ...run, tasks, logs };
      },
    );

    scope.post<{ Params: { id: string }; Body: { partition?: string | null } | undefined }>(
      '/v1/pipelines/:id/run',
      {
        schema: {
          tags: ['pipelines'],
          summary: 'Run a pipeline now (in the background); answers 202 with the queued run',
          description:
            'Daily pipelines take a partition (default: the day that ended last in the pipelines time zone); ' +
            'the others take none. 409 while the same pipeline and partition has an active run.',
          params: idParam,
          body: {
            type: ['object', 'null'],
            additionalProperties: false,
            properties: { partition: { ...day('the day to process'), type: ['string', 'null'] } },
          },
          response: { 202: { type: 'object', properties: { run: runSchema } } },
        },
      },
      async (request, reply) => {
        const { run } = await runner.start({
          pipeline: request.params.id,
          partition: request.body?.partition ?? null,
          trigger: 'manual',
        });
        return reply.status(202).send({ run });
      },
    );

    scope.post<{
      Params: { id: string };
      Body: { from: string; to: string; reprocess?: Reprocess; dry_run?: boolean; concurrency?: number };
    }>(
      '/v1/pipelines/:id/backfill',
      {
        schema: {
          tags: ['pipelines'],
          summary: 'Run a daily pipeline for a range of days with bounded concurrency',
          description:
            'reprocess: missing (default) runs days without a successful run; failed reruns days whose last run ' +
            'failed or was interrupted; all runs every day. dry_run answers 200 with the plan and runs nothing; ' +
            'otherwise 202 with the queued runs.',
          params: idParam,
          body: {
            type: 'object',
            required: ['from', 'to'],
            additionalProperties: false,
            properties: {
              from: day('first day'),
              to: day('last day, included'),
              reprocess: { type: 'string', enum: ['missing', 'failed', 'all'], default: 'missing' },
              dry_run: { type: 'boolean', default: false },
              concurrency: { type: 'integer', minimum: 1, maximum: 16, description: 'default: config' },
            },
          },
          response: {
            '2xx': {
              type: 'object',
              properties: {
                pipeline: { type: 'string' },
                from: { type: 'string' },
                to: { type: 'string' },
                reprocess: { type: 'string' },
                dry_run: { type: 'boolean' },
                ...planSchema,
                runs: { type: 'array', items: runSchema },
              },
            },
          },
        },
      },
      async (request, reply) => {
        const b = request.body;
        const result = await runner.backfill(request.params.id, {
          from: b.from,
          to: b.to,
          reprocess: b.reprocess ?? 'missing',
          dryRun: b.dry_run ?? false,
          ...(b.concurrency ? { concurrency: b.concurrency } : {}),
        });
        const { done: _done, ...body } = result;
        return reply.status(result.dry_run ? 200 : 202).send(body);
      },
    );
  });
}
