/**
 * Warehouse pipelines benchmark (issue 5): the daily build over `--events` raw events, the incremental run,
 * and the same marts written as one hand-written DuckDB SQL script (the baseline), in the same run.
 *
 *   npm run bench:pipelines -- [--events 10000000] [--days 30] [--seed 42] [--data-dir DIR] [--keep-data]
 *                              [--skip-baseline] [--memory-limit 4GB] [--threads N]
 *
 * DuckDB runs with its own defaults (threads: the cores; memory: 80 % of RAM) unless --memory-limit and
 * --threads say otherwise (Plaza's own default memory limit, 256MB, is sized for an idle server).
 *
 * 1. generate: --events events over --days days into a file-backed DuckDB (generate.ts: simulator base
 *    history of both verticals, replicated with suffixed ids), plus sessions and identities.
 * 2. daily build: every daily task for every local day of the data, one after the other as the orchestrator
 *    runs them (the tasks' run() called directly with a context per run): staging catch-up, orders and
 *    dimensions, the eight marts, the Parquet archive, retention. Timed per task.
 * 3. baseline: baseline.ts, the staging, dimensions and marts as one script over all days (same rows; the
 *    run prints both tables' row counts, which match).
 * 4. incremental: five minutes of new arrivals (the busiest five minutes of the last day, copied with new
 *    ids one minute after the data ends) appended to raw_events, then one run of the incremental pipeline
 *    (window: 15 minutes of lookback + the 5 minutes).
 * Ratio = (daily build without archive and retention) / baseline: the same tables computed both ways.
 * Figures go to bench/results/pipelines-<time>.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PgliteState } from '../../src/adapters/state/pglite.js';
import { DuckDbWarehouse } from '../../src/adapters/warehouse/duckdb/duckdb-warehouse.js';
import { ts } from '../../src/marts/common/duckdb.js';
import { addDays } from '../../src/marts/common/kit.js';
import { warehouseTables, warehouseTasks } from '../../src/marts/index.js';
import { createLogger } from '../../src/observability/logger.js';
import type { ProjectInfo, TaskContext, TaskDef } from '../../src/pipelines/types.js';
import type { StateStore } from '../../src/ports/state.js';
import type { Warehouse } from '../../src/ports/warehouse.js';
import { rawEventsTable } from '../../src/warehouse/raw-events-table.js';
import { baselineStatements } from './baseline.js';
import { generateEvents } from './generate.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    days: { type: 'string', default: '30' },
    seed: { type: 'string', default: '42' },
    'data-dir': { type: 'string', default: tmpdir() },
    'keep-data': { type: 'boolean', default: false },
    'skip-baseline': { type: 'boolean', default: false },
    'memory-limit': { type: 'string' },
    threads: { type: 'string' },
    out: { type: 'string' },
  },
});

const say = (line: string) => process.stdout.write(`${line}\n`);
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const load1 = () => round(loadavg()[0]!);
const DAY = 86_400_000;
const start = Date.UTC(2026, 0, 5);
const zone = 'America/Santo_Domingo';
const projects: ProjectInfo[] = [
  { id: 'okla', timeZone: zone },
  { id: 'tiendi', timeZone: zone },
];
const logger = createLogger('silent');

let runs = 0;
function context(w: Warehouse, state: StateStore, task: TaskDef, extra: Partial<TaskContext>): TaskContext {
  return {
    pipeline: 'bench',
    task: task.id,
    runId: `bench-${++runs}`,
    partition: null,
    window: null,
    warehouse: w,
    state,
    projects,
    signal: new AbortController().signal,
    logger,
    log: () => {},
    ...extra,
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, (performance.now() - t) / 1000];
}

async function main(): Promise<void> {
  const events = Number(args.events);
  const days = Number(args.days);
  const dir = mkdtempSync(join(args['data-dir']!, 'plaza-bench-pipelines-'));
  say(
    `bench:pipelines  events=${events} days=${days}  cpus=${cpus().length}  mem=${round(totalmem() / 2 ** 30, 1)} GiB`,
  );
  say(`data: ${dir}`);
  const w = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'), {
    ...(args['memory-limit'] ? { memoryLimit: args['memory-limit'] } : {}),
    ...(args.threads ? { threads: Number(args.threads) } : {}),
  });
  // Tasks never touch the state store (the orchestrator does); an in-memory one fills the context.
  const state = await PgliteState.open();
  try {
    const [gen, genSeconds] = await timed(() =>
      generateEvents(w, { events, days, start, seed: Number(args.seed) }),
    );
    say(
      `generated ${gen.events} events in ${round(genSeconds, 1)} s (base ${gen.baseEvents} simulated in ` +
        `${round(gen.simulateSeconds, 1)} s, ×${gen.replicas} replicas in ${round(gen.replicateSeconds, 1)} s)`,
    );

    // 2. The daily build.
    const end = new Date(start + days * DAY);
    const tasks = warehouseTasks({ dataDir: dir, clock: () => end });
    const firstDay = addDays(new Date(start).toISOString().slice(0, 10), -1);
    const localDays = Array.from({ length: days + 1 }, (_, i) => addDays(firstDay, i));
    const perTask = new Map<string, number>();
    let rowsOut = 0;
    say(`daily build: ${localDays.length} local days × ${tasks.daily.length} tasks  (load ${load1()})`);
    const [, dailySeconds] = await timed(async () => {
      for (const day of localDays) {
        for (const task of tasks.daily) {
          const partition = task.partitioning === 'daily' ? day : null;
          const [r, s] = await timed(() => task.run(context(w, state, task, { partition })));
          perTask.set(task.id, (perTask.get(task.id) ?? 0) + s);
          rowsOut += r.rowsOut;
        }
      }
    });
    const excluded = (perTask.get('raw_archive') ?? 0) + (perTask.get('retention') ?? 0);
    const martsSeconds = dailySeconds - excluded;
    say(
      `  daily build: ${round(dailySeconds, 1)} s (${rowsOut} rows written); without archive and retention ${round(martsSeconds, 1)} s`,
    );
    for (const [id, s] of [...perTask].sort((a, b) => b[1] - a[1]))
      say(`    ${id.padEnd(26)} ${round(s, 2)} s`);

    // 3. The baseline script, over the same rows.
    let baselineSeconds: number | null = null;
    const counts: Record<string, [number, number]> = {};
    if (!args['skip-baseline']) {
      const [, s] = await timed(() => w.exec(baselineStatements(zone).join(';\n')));
      baselineSeconds = s;
      for (const t of warehouseTables) {
        const [ours] = await w.query<{ n: number }>(`SELECT count(*) AS n FROM ${t.name}`);
        const [base] = await w
          .query<{ n: number }>(`SELECT count(*) AS n FROM base_${t.name}`)
          .catch(() => [{ n: -1 }]);
        counts[t.name] = [ours?.n ?? 0, base?.n ?? -1];
      }
      say(
        `  baseline script: ${round(s, 1)} s   ratio daily build / baseline = ${round(martsSeconds / s, 2)}`,
      );
      say(
        `    rows (ours / baseline): ${Object.entries(counts)
          .map(([k, [a, b]]) => `${k} ${a}/${b}`)
          .join(', ')}`,
      );
    }

    // 4. One incremental run over five new minutes.
    const [busiest] = await w.query<{ t: Date }>(
      `SELECT time_bucket(INTERVAL 5 MINUTE, received_at) AS t FROM raw_events
       WHERE received_at >= ${ts(end.getTime() - DAY)} GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
    );
    const from = busiest!.t.getTime();
    const shift = end.getTime() + 60_000 - from;
    const columns = rawEventsTable.columns.map((c) =>
      ['event_id', 'anonymous_id', 'session_id'].includes(c.name)
        ? `${c.name} || '~inc'`
        : ['timestamp', 'received_at'].includes(c.name)
          ? `"${c.name}" + INTERVAL (${shift}) MILLISECOND`
          : `"${c.name}"`,
    );
    await w.exec(
      `INSERT INTO raw_events SELECT ${columns.join(', ')} FROM raw_events
       WHERE received_at >= ${ts(from)} AND received_at < ${ts(from + 5 * 60_000)} ORDER BY received_at`,
    );
    const until = new Date(from + shift + 5 * 60_000);
    const lookback = tasks.incremental[0]!.lookbackMs ?? 0;
    const since = new Date(from + shift - lookback);
    let incrementalRowsIn = 0;
    const incPerTask: Record<string, number> = {};
    const [, incrementalSeconds] = await timed(async () => {
      for (const task of tasks.incremental) {
        const window = task.partitioning === 'incremental' ? { since, until } : null;
        const [r, s] = await timed(() => task.run(context(w, state, task, { window })));
        if (task.partitioning === 'incremental') incrementalRowsIn += r.rowsIn;
        incPerTask[task.id] = round(s, 3);
      }
    });
    say(
      `  incremental run: ${round(incrementalSeconds, 2)} s for ${incrementalRowsIn} raw events received in the window`,
    );
    say(
      `    ${Object.entries(incPerTask)
        .map(([k, v]) => `${k} ${v} s`)
        .join(', ')}`,
    );

    const result = {
      at: new Date().toISOString(),
      args,
      machine: { cpus: cpus().length, memGiB: round(totalmem() / 2 ** 30, 1), load1: load1() },
      generated: gen,
      dailyBuildSeconds: round(dailySeconds, 2),
      dailyBuildWithoutArchiveSeconds: round(martsSeconds, 2),
      perTaskSeconds: Object.fromEntries([...perTask].map(([k, v]) => [k, round(v, 3)])),
      incrementalSeconds: round(incrementalSeconds, 3),
      incrementalRawRows: incrementalRowsIn,
      incrementalPerTask: incPerTask,
      baselineSeconds: baselineSeconds === null ? null : round(baselineSeconds, 2),
      ratio: baselineSeconds === null ? null : round(martsSeconds / baselineSeconds, 3),
      rowCounts: counts,
      targets: { dailyBuildSeconds: 60, incrementalSeconds: 5, ratio: 1.5 },
    };
    const out = args.out ?? join(new URL('../../../bench/results/', import.meta.url).pathname);
    mkdirSync(out, { recursive: true });
    const file = join(out, `pipelines-${result.at.replaceAll(':', '-')}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    say(`figures: ${file}`);
  } finally {
    await w.close();
    await state.close();
    if (!args['keep-data']) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
