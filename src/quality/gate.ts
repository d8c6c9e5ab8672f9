import { randomBytes } from 'node:crypto';
import { migrate } from '../core/migrate.js';
import type { Notifications } from '../notify/notifications.js';
import type { CheckOutcome, QualityCheck, QualityGate, TaskContext } from '../pipelines/types.js';
import type { StateStore } from '../ports/state.js';
import {
  allowedFailures,
  columnsOf,
  isRowCheck,
  type ParsedCheck,
  parseCheck,
  type RowCheck,
} from './checks.js';
import { ensureQuarantineTable } from './quarantine.js';
import { QualityResults, qualityMigrations } from './results.js';
import { dayScope, localDayBounds, previousDay, type Scope, zoneOf } from './scope.js';
import { type EngineColumn, type QualitySql, qualitySqlFor } from './sql.js';

export interface QualityGateOptions {
  /** Where failed checks alert (kind 'quality', to the admins); omitted: no alerts. */
  notifications?: Notifications | undefined;
  /** The clock freshness is judged by (tests set it). */
  now?: () => Date;
}

const migrated = new WeakSet<StateStore>();

/** What a check found, before it is recorded. */
interface Found {
  passed: boolean;
  checked: number;
  failed: number;
  quarantined: number;
  message: string;
}

const n = (v: unknown) => Number(v ?? 0);

/**
 * The data-quality gate (seed 003's Constraints Enforcer): runs a task's declared checks on the partition it
 * just wrote, in declaration order. A failing error check moves its failing rows to quarantine, so a later
 * check and every downstream task read only rows that passed; a failing warn check is only recorded.
 * Every outcome is stored in `quality_results`; failures alert once per task run. A check that cannot run
 * (missing table or column, bad declaration, engine error) fails: an error check that cannot vouch for its
 * table must block what reads it.
 */
export function createQualityGate(options: QualityGateOptions = {}): QualityGate {
  const now = options.now ?? (() => new Date());

  return {
    async run(ctx: TaskContext, checks: readonly QualityCheck[]): Promise<CheckOutcome[]> {
      if (checks.length === 0) return [];
      if (!migrated.has(ctx.state)) {
        await migrate(ctx.state, qualityMigrations);
        migrated.add(ctx.state);
      }
      await ensureQuarantineTable(ctx.warehouse);
      const sql = qualitySqlFor(ctx.warehouse);
      const outcomes: CheckOutcome[] = [];
      const partitions: (string | null)[] = [];
      const ids = new Set<string>();
      for (const check of checks) {
        ctx.signal.throwIfAborted();
        let found: Found;
        let partition: string | null = null;
        try {
          // Results and quarantined rows are keyed by check id: two checks sharing one would mix theirs.
          if (ids.has(check.id)) throw new Error(`another check of ${ctx.task} has the id ${check.id}`);
          ids.add(check.id);
          const parsed = parseCheck(check);
          const columns = await sql.columns(ctx.warehouse, check.table);
          if (!columns) throw new Error(`table ${check.table} does not exist`);
          const missing = columnsOf(check, parsed).filter((c) => !columns.some((x) => x.name === c));
          if (missing.length) throw new Error(`table ${check.table} has no column ${missing.join(', ')}`);
          const scope = scopeOf(ctx, check, columns);
          partition = scope.kind === 'table' ? null : ctx.partition;
          found = await evaluate(ctx, sql, check, parsed, scope, partition, columns, now());
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          found = {
            passed: false,
            checked: 0,
            failed: 0,
            quarantined: 0,
            message: `check could not run: ${e instanceof Error ? e.message : String(e)}`,
          };
        }
        const outcome: CheckOutcome = { check, ...found };
        outcomes.push(outcome);
        partitions.push(partition);
        (found.passed ? ctx.logger.info : ctx.logger.warn).call(
          ctx.logger,
          { check: check.id, table: check.table, ...found },
          found.passed ? 'quality check passed' : 'quality check failed',
        );
        ctx.log(
          `quality ${check.id}: ${found.passed ? 'passed' : `FAILED (${check.severity})`}: ${found.message}`,
        );
      }

      await new QualityResults(ctx.state).record(
        outcomes.map((o, i) => ({
          run_id: ctx.runId,
          pipeline: ctx.pipeline,
          task: ctx.task,
          check_id: o.check.id,
          table: o.check.table,
          partition: partitions[i] ?? null,
          kind: o.check.kind,
          severity: o.check.severity,
          passed: o.passed,
          checked: o.checked,
          failed: o.failed,
          quarantined: o.quarantined,
          message: o.message,
        })),
        now(),
      );
      await alert(ctx, options.notifications, outcomes);
      return outcomes;
    },
  };
}

function scopeOf(ctx: TaskContext, check: QualityCheck, columns: readonly EngineColumn[]): Scope {
  if (!check.partitionColumn || ctx.partition === null) return { kind: 'table' };
  const type = columns.find((c) => c.name === check.partitionColumn)!.type;
  return dayScope(
    ctx.partition,
    check.partitionColumn,
    type,
    ctx.projects,
    columns.some((c) => c.name === 'project_id'),
  );
}

async function evaluate(
  ctx: TaskContext,
  sql: QualitySql,
  check: QualityCheck,
  parsed: ParsedCheck,
  scope: Scope,
  partition: string | null,
  columns: readonly EngineColumn[],
  at: Date,
): Promise<Found> {
  if (isRowCheck(parsed)) return rowCheck(ctx, sql, check, parsed, scope, partition, at);
  if (parsed.kind === 'freshness') {
    return freshness(
      ctx,
      sql,
      check,
      parsed,
      scope,
      columns.some((c) => c.name === 'project_id'),
      at,
    );
  }
  return rowCount(ctx, sql, check, parsed, scope, columns);
}

async function rowCheck(
  ctx: TaskContext,
  sql: QualitySql,
  check: QualityCheck,
  parsed: RowCheck,
  scope: Scope,
  partition: string | null,
  at: Date,
): Promise<Found> {
  const { warehouse } = ctx;
  if (check.severity === 'error' && partition !== null) {
    await warehouse.transaction([
      sql.supersede({ table: check.table, checkId: check.id, partition, runId: ctx.runId }),
    ]);
  }
  const [counts] = await warehouse.query(sql.countRows(check.table, scope, parsed));
  const checked = n(counts?.['checked']);
  const failed = n(counts?.['failed']);
  const allowed = allowedFailures(check, checked);
  const passed = failed <= allowed;
  const what = describe(parsed);
  const within = failed > 0 && passed ? ` (tolerated: up to ${allowed})` : '';
  let message = `${failed} of ${checked} rows ${what}${within}`;
  let quarantined = 0;
  if (!passed && check.severity === 'error') {
    const idPrefix = `q_${randomBytes(6).toString('hex')}_`;
    const [moved] = await warehouse.transaction(
      sql.quarantine({
        table: check.table,
        checkId: check.id,
        pipeline: ctx.pipeline,
        task: ctx.task,
        runId: ctx.runId,
        partition,
        idPrefix,
        at,
        scope,
        check: parsed,
      }),
    );
    quarantined = moved ?? 0;
    message += `; ${quarantined} quarantined`;
  } else if (!passed) {
    message += ` (more than the ${allowed} tolerated)`;
  }
  return { passed, checked, failed, quarantined, message };
}

function describe(c: RowCheck): string {
  switch (c.kind) {
    case 'not_null':
      return `have a null ${c.column}`;
    case 'unique':
      return `repeat a key (${c.columns.join(', ')}) of an earlier row`;
    case 'accepted_values':
      return `have a ${c.column} outside ${JSON.stringify(c.values)}`;
    case 'range':
      return `have a ${c.column} outside [${c.min ?? '-∞'}, ${c.max ?? '∞'}]`;
    case 'relationship':
      return `have a ${c.column} with no match in ${c.refTable}.${c.refColumn}`;
  }
}

async function freshness(
  ctx: TaskContext,
  sql: QualitySql,
  check: QualityCheck,
  parsed: Extract<ParsedCheck, { kind: 'freshness' }>,
  scope: Scope,
  hasProjectColumn: boolean,
  at: Date,
): Promise<Found> {
  const rows = await ctx.warehouse.query<{ project_id: string | null; latest: Date | null; n: number }>(
    sql.latest(check.table, scope, parsed.column, hasProjectColumn ? 'project_id' : null),
  );
  const checked = rows.reduce((s, r) => s + n(r.n), 0);
  if (checked === 0) {
    return { passed: false, checked: 0, failed: 1, quarantined: 0, message: 'no rows to judge freshness by' };
  }
  const maxAgeMs = parsed.maxAgeMinutes * 60_000;
  const stale: string[] = [];
  for (const r of rows) {
    // A past day's partition is fresh when its data reaches close to that day's end, not to now.
    let reference = at.getTime();
    if (scope.kind !== 'table' && ctx.partition) {
      const end = localDayBounds(zoneOf(ctx.projects, r.project_id), ctx.partition).end.getTime();
      reference = Math.min(reference, end);
    }
    const latest = r.latest ? new Date(r.latest).getTime() : Number.NEGATIVE_INFINITY;
    if (reference - latest > maxAgeMs) {
      const age = Math.round((reference - latest) / 60_000);
      stale.push(`${r.project_id ? `${r.project_id}: ` : ''}latest ${parsed.column} is ${age} min old`);
    }
  }
  const limit = `max ${parsed.maxAgeMinutes} min`;
  return stale.length
    ? {
        passed: false,
        checked,
        failed: stale.length,
        quarantined: 0,
        message: `${stale.join('; ')} (${limit})`,
      }
    : {
        passed: true,
        checked,
        failed: 0,
        quarantined: 0,
        message: `latest ${parsed.column} within ${limit}`,
      };
}

async function rowCount(
  ctx: TaskContext,
  sql: QualitySql,
  check: QualityCheck,
  parsed: Extract<ParsedCheck, { kind: 'row_count' }>,
  scope: Scope,
  columns: readonly EngineColumn[],
): Promise<Found> {
  if (scope.kind === 'table' || !ctx.partition) {
    return {
      passed: true,
      checked: 0,
      failed: 0,
      quarantined: 0,
      message: 'skipped: row_count compares daily partitions and this run has none',
    };
  }
  const day = ctx.partition;
  const type = columns.find((c) => c.name === check.partitionColumn)!.type;
  const hasProject = columns.some((c) => c.name === 'project_id');
  const scopes: Scope[] = [scope];
  for (let i = 1; i <= parsed.days; i++) {
    scopes.push(dayScope(previousDay(day, i), check.partitionColumn!, type, ctx.projects, hasProject));
  }
  const [row] = await ctx.warehouse.query(sql.countScopes(check.table, scopes));
  const counts = scopes.map((_, i) => n(row?.[`c${i}`]));
  const count = counts[0]!;
  // Days without rows are left out of the average: a table younger than the window is not "usually empty".
  const history = counts.slice(1).filter((c) => c > 0);
  if (history.length === 0) {
    return {
      passed: true,
      checked: count,
      failed: 0,
      quarantined: 0,
      message: `${count} rows; no rows in the previous ${parsed.days} days to compare with`,
    };
  }
  const average = history.reduce((a, b) => a + b, 0) / history.length;
  const share = count / average;
  const low = share < parsed.minShare;
  const high = parsed.maxShare !== undefined && share > parsed.maxShare;
  const bounds = `${parsed.minShare}…${parsed.maxShare ?? '∞'}`;
  const message = `${count} rows, ${(share * 100).toFixed(0)}% of the ${history.length}-day average ${average.toFixed(1)} (allowed ${bounds})`;
  return { passed: !low && !high, checked: count, failed: low || high ? 1 : 0, quarantined: 0, message };
}

async function alert(
  ctx: TaskContext,
  notifications: Notifications | undefined,
  outcomes: readonly CheckOutcome[],
): Promise<void> {
  const failures = outcomes.filter((o) => !o.passed);
  if (!notifications || failures.length === 0) return;
  const where = `${ctx.pipeline}/${ctx.task}${ctx.partition ? ` (${ctx.partition})` : ''}`;
  const blocking = failures.some((o) => o.check.severity === 'error');
  const lines = failures.map(
    (o) =>
      `- [${o.check.severity}] ${o.check.id} on ${o.check.table}: ${o.message}${o.quarantined ? ` → ${o.quarantined} rows in quarantine` : ''}`,
  );
  try {
    await notifications.send({
      kind: 'quality',
      subject: `[Plaza] ${failures.length} data-quality check${failures.length > 1 ? 's' : ''} failed in ${where}`,
      text: [
        `Run ${ctx.runId} of ${where}:`,
        ...lines,
        '',
        blocking
          ? 'Downstream tasks are blocked. Inspect with `plaza quality quarantine`, release with `plaza quality release`.'
          : 'Warnings only: downstream tasks continue.',
      ].join('\n'),
      data: {
        pipeline: ctx.pipeline,
        task: ctx.task,
        run_id: ctx.runId,
        partition: ctx.partition,
        blocking,
        failures: failures.map((o) => ({
          check_id: o.check.id,
          table: o.check.table,
          kind: o.check.kind,
          severity: o.check.severity,
          checked: o.checked,
          failed: o.failed,
          quarantined: o.quarantined,
          message: o.message,
        })),
      },
      to: notifications.admins,
      dedupKey: `quality|${ctx.pipeline}|${ctx.task}|${ctx.runId}`,
    });
  } catch (e) {
    // The results are stored and the outcome stands; a broken outbox must not turn a check into a crash.
    ctx.logger.error({ err: e }, 'could not queue the quality alert');
  }
}
