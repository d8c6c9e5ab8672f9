import { Registry } from 'prom-client';
import { PgliteState } from '../../src/adapters/state/pglite.js';
import { DuckDbWarehouse } from '../../src/adapters/warehouse/duckdb/duckdb-warehouse.js';
import { migrate } from '../../src/core/migrate.js';
import { createLogger } from '../../src/observability/logger.js';
import { pipelineMetrics } from '../../src/pipelines/metrics.js';
import { pipelineMigrations } from '../../src/pipelines/migrations.js';
import { PipelineRunner, type RunnerOptions } from '../../src/pipelines/runner.js';
import type {
  CheckOutcome,
  PipelineDef,
  QualityCheck,
  QualityGate,
  TaskContext,
  TaskDef,
} from '../../src/pipelines/types.js';
import type { StateStore } from '../../src/ports/state.js';
import type { Warehouse } from '../../src/ports/warehouse.js';

export const silent = createLogger('silent');

export interface Stores {
  state: StateStore;
  warehouse: Warehouse;
  close(): Promise<void>;
}

/** A real in-memory PGlite state store (migrated) and a real in-memory DuckDB warehouse. */
export async function openStores(state?: StateStore): Promise<Stores> {
  const s = state ?? (await PgliteState.open());
  await migrate(s, pipelineMigrations);
  const warehouse = await DuckDbWarehouse.open(':memory:', { threads: 1 });
  return {
    state: s,
    warehouse,
    async close() {
      await warehouse.close();
      if (!state) await s.close();
    },
  };
}

export function newRunner(
  stores: Stores,
  pipelines: PipelineDef[],
  o: Partial<RunnerOptions> = {},
): { runner: PipelineRunner; registry: Registry } {
  const registry = new Registry();
  const runner = new PipelineRunner({
    state: stores.state,
    warehouse: stores.warehouse,
    logger: silent,
    pipelines,
    projects: async () => [{ id: 'okla', timeZone: 'America/Santo_Domingo' }],
    timeZone: 'America/Santo_Domingo',
    metrics: pipelineMetrics(registry),
    ...o,
  });
  return { runner, registry };
}

export function pipeline(id: string, tasks: TaskDef[], over: Partial<PipelineDef> = {}): PipelineDef {
  return { id, version: 'v1', schedule: '0 0 * * *', description: `test pipeline ${id}`, tasks, ...over };
}

/** A daily task that does nothing but succeed (with the given rows). */
export function okTask(id: string, over: Partial<TaskDef> = {}): TaskDef {
  return {
    id,
    partitioning: 'daily',
    retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 },
    run: async () => ({ rowsIn: 1, rowsOut: 1 }),
    ...over,
  };
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(v: T): void;
}
export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves after ms, or rejects when the signal aborts (what a well-behaved task does). */
export function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/**
 * A small real quality gate: counts violating rows with SQL on the warehouse (not_null and range kinds),
 * restricted to the run's partition when the check names a partition column.
 */
export class SqlCountGate implements QualityGate {
  calls = 0;
  async run(ctx: TaskContext, checks: readonly QualityCheck[]): Promise<CheckOutcome[]> {
    this.calls++;
    const out: CheckOutcome[] = [];
    for (const check of checks) {
      const col = `"${check.column}"`;
      const bad =
        check.kind === 'not_null'
          ? `${col} IS NULL`
          : check.kind === 'range'
            ? `${col} < ${Number(check.params?.['min'])} OR ${col} > ${Number(check.params?.['max'])}`
            : 'false';
      const where = check.partitionColumn && ctx.partition ? `WHERE "${check.partitionColumn}" = $1` : '';
      const [r] = await ctx.warehouse.query<{ checked: number; failed: number }>(
        `SELECT count(*)::INTEGER AS checked, (count(*) FILTER (WHERE ${bad}))::INTEGER AS failed
         FROM "${check.table}" ${where}`,
        where ? [ctx.partition] : [],
      );
      const failed = r?.failed ?? 0;
      out.push({
        check,
        passed: failed === 0,
        checked: r?.checked ?? 0,
        failed,
        quarantined: 0,
        message:
          failed === 0 ? 'ok' : `${failed} of ${r?.checked} rows violate ${check.kind} on ${check.column}`,
      });
    }
    return out;
  }
}

/** The value of one sample of a prom-client metric. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
  suffix = '',
): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) return 0;
  const data = await m.get();
  const match = data.values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? name) === `${name}${suffix}` &&
      Object.entries(labels).every(([k, val]) => String((v.labels as Record<string, unknown>)[k]) === val),
  );
  return match?.value ?? 0;
}
