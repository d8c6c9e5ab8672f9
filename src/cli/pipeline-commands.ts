import { type Command, Option } from 'commander';
import type { Role } from '../app/compose.js';
import {
  activeStatuses,
  type LogLine,
  type PipelineRun as Run,
  type RunStatus,
  type TaskRun,
} from '../pipelines/history.js';
import type { ApiClient } from './client.js';

interface Output {
  data: unknown;
  table?: { rows: Record<string, unknown>[]; columns: string[] };
  text?: string;
}
/** main.ts's `action`: runs a command against the API (a running server or embedded) and prints the result. */
export type ActionFactory = <A extends unknown[]>(
  fn: (api: ApiClient, ...args: A) => Promise<Output>,
  roles?: Role[],
) => (...args: A) => Promise<void>;

/** What the run endpoints answer (runs/:id adds the task runs and the log). */
type RunDetail = Run & { tasks: TaskRun[]; logs: LogLine[] };

const finished = (status: RunStatus) => !activeStatuses.includes(status);
const enc = encodeURIComponent;

/**
 * Waits for runs to end by polling the API. Needed as well without a server: the runs execute inside this
 * command's process, and leaving would interrupt them.
 */
async function waitForRuns(api: ApiClient, ids: string[]): Promise<Run[]> {
  const done = new Map<string, Run>();
  for (;;) {
    for (const id of ids) {
      if (done.has(id)) continue;
      const r = await api.request<Run>('GET', `/v1/pipelines/runs/${enc(id)}`);
      if (finished(r.status)) done.set(id, r);
    }
    if (done.size === ids.length) return ids.map((id) => done.get(id)!);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const runColumns = ['id', 'partition', 'trigger', 'status', 'duration_ms', 'rows_in', 'rows_out', 'error'];

function failIfAnyFailed(runs: Run[]): void {
  if (runs.some((r) => r.status !== 'succeeded')) process.exitCode = 1;
}

export function registerPipelineCommands(program: Command, action: ActionFactory): void {
  const pipeline = program
    .command('pipeline')
    .description('scheduled pipelines: list, run, backfill, status and logs of their runs');

  pipeline
    .command('list')
    .description('pipelines with their schedule, tasks and last run')
    .action(
      action(async (api) => {
        const r = await api.request<{
          pipelines: {
            id: string;
            version: string;
            partitioning: string;
            schedule: string;
            tasks: { id: string }[];
            next_run_at: string | null;
            last_run: Run | null;
          }[];
        }>('GET', '/v1/pipelines');
        return {
          data: r,
          table: {
            columns: [
              'id',
              'version',
              'partitioning',
              'schedule',
              'tasks',
              'last_status',
              'last_partition',
              'next_run_at',
            ],
            rows: r.pipelines.map((p) => ({
              id: p.id,
              version: p.version,
              partitioning: p.partitioning,
              schedule: p.schedule,
              tasks: p.tasks.map((t) => t.id).join(','),
              last_status: p.last_run?.status,
              last_partition: p.last_run?.partition,
              next_run_at: p.next_run_at,
            })),
          },
        };
      }),
    );

  pipeline
    .command('run <id>')
    .description('run a pipeline now (daily ones: the day that ended last, or --partition)')
    .option('--partition <day>', 'the day to process, YYYY-MM-DD (daily pipelines)')
    .option('--wait', 'wait for the run to finish (always, without a running server)')
    .action(
      action(async (api, id: string, o: { partition?: string; wait?: boolean }) => {
        const { run } = await api.request<{ run: Run }>('POST', `/v1/pipelines/${enc(id)}/run`, {
          ...(o.partition ? { partition: o.partition } : {}),
        });
        const what = `${run.pipeline}${run.partition ? ` for ${run.partition}` : ''}`;
        if (!o.wait && api.via === 'server') {
          return { data: run, text: `started run ${run.id} of ${what} (plaza pipeline logs ${run.id})` };
        }
        const [end] = await waitForRuns(api, [run.id]);
        failIfAnyFailed([end!]);
        return {
          data: end,
          text:
            `run ${end!.id} of ${what} ${end!.status} in ${end!.duration_ms ?? '?'} ms ` +
            `(rows in ${end!.rows_in}, out ${end!.rows_out}${end!.warnings ? `, ${end!.warnings} warnings` : ''})` +
            (end!.error ? `\n${end!.error}` : ''),
        };
      }),
    );

  pipeline
    .command('backfill <id>')
    .description('run a daily pipeline for every day of a range, a few at a time')
    .requiredOption('--from <day>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <day>', 'last day (included), YYYY-MM-DD')
    .addOption(
      new Option(
        '--reprocess <which>',
        'days without a successful run, days whose last run failed, or every day',
      )
        .choices(['missing', 'failed', 'all'])
        .default('missing'),
    )
    .option('--concurrency <n>', 'days run at once (default: config pipelines.backfillConcurrency)')
    .option('--dry-run', 'print the days that would run, run nothing')
    .option('--wait', 'wait for every run to finish (always, without a running server)')
    .action(
      action(
        async (
          api,
          id: string,
          o: {
            from: string;
            to: string;
            reprocess: string;
            concurrency?: string;
            dryRun?: boolean;
            wait?: boolean;
          },
        ) => {
          const r = await api.request<{
            plan: { partition: string; last_status: string | null }[];
            skipped: { partition: string; reason: string }[];
            runs: Run[];
          }>('POST', `/v1/pipelines/${enc(id)}/backfill`, {
            from: o.from,
            to: o.to,
            reprocess: o.reprocess,
            dry_run: o.dryRun ?? false,
            ...(o.concurrency ? { concurrency: Number(o.concurrency) } : {}),
          });
          const skipped =
            r.skipped.length > 0 ? `; skipped ${r.skipped.length} (${summarise(r.skipped)})` : '';
          if (o.dryRun) {
            return {
              data: r,
              text:
                `would run ${r.plan.length} day(s) of ${id}${skipped}` +
                r.plan.map((p) => `\n  ${p.partition}  (last run: ${p.last_status ?? 'none'})`).join(''),
            };
          }
          if (!o.wait && api.via === 'server') {
            return {
              data: r,
              text: `queued ${r.runs.length} run(s) of ${id}${skipped}${r.runs.map((x) => `\n  ${x.partition}  ${x.id}`).join('')}`,
            };
          }
          const ends = await waitForRuns(
            api,
            r.runs.map((x) => x.id),
          );
          failIfAnyFailed(ends);
          return { data: { ...r, runs: ends }, table: { rows: ends as never[], columns: runColumns } };
        },
      ),
    );

  pipeline
    .command('status [id]')
    .description('the last run of every pipeline, or the recent runs of one')
    .option(
      '--status <status>',
      'only runs with this status (queued, running, succeeded, failed, interrupted)',
    )
    .option('--partition <day>', 'only runs of this day')
    .option('--limit <n>', 'most runs shown', '20')
    .action(
      action(
        async (api, id: string | undefined, o: { status?: string; partition?: string; limit: string }) => {
          if (id === undefined) {
            const r = await api.request<{
              pipelines: { id: string; last_run: Run | null; next_run_at: string | null }[];
            }>('GET', '/v1/pipelines');
            return {
              data: r,
              table: {
                columns: [
                  'pipeline',
                  'status',
                  'partition',
                  'run',
                  'finished_at',
                  'duration_ms',
                  'next_run_at',
                  'error',
                ],
                rows: r.pipelines.map((p) => ({
                  pipeline: p.id,
                  status: p.last_run?.status ?? 'never run',
                  partition: p.last_run?.partition,
                  run: p.last_run?.id,
                  finished_at: p.last_run?.finished_at,
                  duration_ms: p.last_run?.duration_ms,
                  next_run_at: p.next_run_at,
                  error: p.last_run?.error,
                })),
              },
            };
          }
          const q = new URLSearchParams({ limit: o.limit });
          if (o.status) q.set('status', o.status);
          if (o.partition) q.set('partition', o.partition);
          const r = await api.request<{ runs: Run[] }>('GET', `/v1/pipelines/${enc(id)}/runs?${q}`);
          return { data: r, table: { rows: r.runs as never[], columns: runColumns } };
        },
      ),
    );

  pipeline
    .command('logs <runId>')
    .description("a run's tasks and log lines")
    .action(
      action(async (api, runId: string) => {
        const r = await api.request<RunDetail>('GET', `/v1/pipelines/runs/${enc(runId)}`);
        const lines = [
          `run ${r.id}: ${r.pipeline}@${r.version}${r.partition ? ` ${r.partition}` : ''} (${r.trigger}) ${r.status}` +
            (r.duration_ms !== null ? ` in ${r.duration_ms} ms` : ''),
          ...r.tasks.map(
            (t) =>
              `  ${t.task.padEnd(24)} ${t.status.padEnd(14)} attempts ${t.attempts}  rows ${t.rows_in}→${t.rows_out}` +
              (t.error ? `  ${t.error}` : ''),
          ),
          '',
          ...r.logs.map((l) => `${l.at} ${l.level.toUpperCase().padEnd(5)} ${l.task ?? '-'}: ${l.message}`),
        ];
        return { data: r, text: lines.join('\n') };
      }),
    );
}

function summarise(skipped: { reason: string }[]): string {
  const counts = new Map<string, number>();
  for (const s of skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${n} ${reason.replaceAll('_', ' ')}`).join(', ');
}
