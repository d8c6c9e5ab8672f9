/**
 * Analytics API benchmark (issue 6): every dashboard query through the semantic layer (plan, SQL, result
 * shaping; the cache off) against the same figures hand-written in DuckDB SQL, on the same data in the same
 * run. p50/p95 over --iterations runs of each (in turns), and the ratio layer p50 / hand-written p50.
 *
 *   npm run bench:query -- [--events 10000000] [--days 30] [--iterations 50] [--seed 42] [--data-dir DIR]
 *                          [--keep DIR]
 *
 * --keep DIR builds the data into DIR once and reuses it on later runs with the same --events/--days/--seed
 * (a 10 M build takes ~10 minutes; the queries a minute).
 *
 * Data: bench/pipelines' generator (simulated vehicles and stores, replicated to --events), then every daily
 * task for every local day, as bench:pipelines builds it. Figures go to bench/results/query-<time>.json.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PgliteState } from '../../src/adapters/state/pglite.js';
import { DuckDbWarehouse } from '../../src/adapters/warehouse/duckdb/duckdb-warehouse.js';
import { addDays } from '../../src/marts/common/kit.js';
import { warehouseTasks } from '../../src/marts/index.js';
import { createLogger } from '../../src/observability/logger.js';
import type { ProjectInfo, TaskContext, TaskDef } from '../../src/pipelines/types.js';
import type { StateStore } from '../../src/ports/state.js';
import type { Warehouse } from '../../src/ports/warehouse.js';
import { SemanticLayer } from '../../src/semantic/service.js';
import { generateEvents } from '../pipelines/generate.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    days: { type: 'string', default: '30' },
    iterations: { type: 'string', default: '50' },
    seed: { type: 'string', default: '42' },
    'data-dir': { type: 'string', default: tmpdir() },
    keep: { type: 'string' },
  },
});

const say = (line: string) => process.stdout.write(`${line}\n`);
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const DAY = 86_400_000;
const start = Date.UTC(2026, 0, 5);
const zone = 'America/Santo_Domingo';
const projects: ProjectInfo[] = [
  { id: 'okla', timeZone: zone },
  { id: 'tiendi', timeZone: zone },
];
const logger = createLogger('silent');

function context(w: Warehouse, state: StateStore, task: TaskDef, partition: string | null): TaskContext {
  return {
    pipeline: 'bench',
    task: task.id,
    runId: `bench-${task.id}-${partition}`,
    partition,
    window: null,
    warehouse: w,
    state,
    projects,
    signal: new AbortController().signal,
    logger,
    log: () => {},
  };
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};

type Figures = { p50: number; p95: number };

/**
 * Times the layer and the hand-written query in turns, one run of each per round, so that a drift of the
 * machine (another process, a GC) lands on both: the queries take 1–3 ms, less than such noise.
 */
async function measurePair(
  n: number,
  layer: () => Promise<unknown>,
  hand: () => Promise<unknown>,
): Promise<{ layer: Figures; hand: Figures }> {
  await layer(); // warm-up: first reads of the tables, statements prepared
  await hand();
  const ms: [number[], number[]] = [[], []];
  const fns = [layer, hand] as const;
  for (let i = 0; i < n; i++) {
    // Alternating which goes first leaves neither the one that always runs on a warmed cache.
    for (const k of i % 2 === 0 ? [0, 1] : [1, 0]) {
      const t = performance.now();
      await fns[k]!();
      ms[k]!.push(performance.now() - t);
    }
  }
  const figures = (x: number[]) => ({ p50: round(quantile(x, 0.5)), p95: round(quantile(x, 0.95)) });
  return { layer: figures(ms[0]), hand: figures(ms[1]) };
}

async function main(): Promise<void> {
  const events = Number(args.events);
  const days = Number(args.days);
  const iterations = Number(args.iterations);
  const keep = args.keep;
  const dir = keep ?? mkdtempSync(join(args['data-dir'] as string, 'plaza-bench-query-'));
  const built = join(dir, 'built.json');
  const wanted = JSON.stringify({ events, days, seed: Number(args.seed) });
  const reuse = keep !== undefined && existsSync(built) && readFileSync(built, 'utf8') === wanted;
  if (keep && !reuse) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  say(
    `bench:query  events=${events} days=${days}  cpus=${cpus().length}  mem=${round(totalmem() / 2 ** 30, 1)} GiB`,
  );
  const w = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'), {});
  const state = await PgliteState.open();
  try {
    const firstDay = addDays(new Date(start).toISOString().slice(0, 10), -1);
    let generated: number;
    if (reuse) {
      [{ n: generated }] = (await w.query<{ n: number }>('SELECT count(*)::DOUBLE AS n FROM raw_events')) as [
        { n: number },
      ];
      say(`reusing the data built in ${dir} (${generated} events)`);
    } else {
      const gen = await generateEvents(w, { events, days, start, seed: Number(args.seed) });
      generated = gen.events;
      say(`generated ${gen.events} events`);
      const tasks = warehouseTasks({ dataDir: dir, clock: () => new Date(start + days * DAY) });
      const t0 = performance.now();
      for (let i = 0; i <= days; i++) {
        for (const task of tasks.daily) {
          if (task.id === 'raw_archive' || task.id === 'retention') continue;
          const day = addDays(firstDay, i);
          await task.run(context(w, state, task, task.partitioning === 'daily' ? day : null));
        }
      }
      say(`daily build: ${round((performance.now() - t0) / 1000, 1)} s`);
      if (keep) writeFileSync(built, wanted);
    }
    // Data kept from a build made before the marts were clustered gets sorted now (a no-op otherwise).
    const cluster = warehouseTasks({ dataDir: dir }).daily.find((t) => t.id === 'cluster_marts') as TaskDef;
    const t1 = performance.now();
    const sorted = await cluster.run(context(w, state, cluster, null));
    say(`cluster_marts: ${sorted.rowsOut} rows sorted in ${round((performance.now() - t1) / 1000, 1)} s`);

    const from = firstDay;
    const to = addDays(firstDay, days);
    const [top] = await w.query<{ seller_id: string }>(
      `SELECT seller_id FROM mart_listing_daily WHERE project_id = 'okla' AND seller_id IS NOT NULL
        GROUP BY 1 ORDER BY sum(views) DESC LIMIT 1`,
    );
    const seller = top?.seller_id as string;
    const layer = new SemanticLayer(w, null, 3660);
    const okla = { project: 'okla', sellerId: seller };
    const tiendi = { project: 'tiendi', sellerId: undefined };
    const q = (metrics: string[], dimensions: string[], extra: { limit?: number; order?: string } = {}) => ({
      metrics,
      dimensions,
      filters: [],
      from,
      to,
      grain: 'day' as const,
      order: extra.order ? [{ field: extra.order, direction: 'desc' as const }] : [],
      limit: extra.limit ?? 1000,
    });
    const range = `local_date BETWEEN CAST('${from}' AS DATE) AND CAST('${to}' AS DATE)`;
    const sellerWhere = `project_id = 'okla' AND seller_id = '${seller}' AND ${range}`;
    const both = (a: string, b: string) => async () => Promise.all([w.query(a), w.query(b)]);
    const cases: { name: string; layer: () => Promise<unknown>; hand: () => Promise<unknown> }[] = [
      {
        name: 'seller KPIs (views, leads, conversion)',
        layer: () => layer.query(okla, q(['views', 'leads', 'lead_conversion'], [])),
        hand: () =>
          w.query(
            `SELECT sum(views), sum(leads), sum(leads) / nullif(sum(views), 0) FROM mart_listing_daily WHERE ${sellerWhere}`,
          ),
      },
      {
        name: 'seller leads over time',
        layer: () => layer.query(okla, q(['views', 'leads'], ['date'])),
        hand: both(
          `SELECT local_date, sum(views), sum(leads) FROM mart_listing_daily WHERE ${sellerWhere} GROUP BY 1 ORDER BY 1`,
          `SELECT sum(views), sum(leads) FROM mart_listing_daily WHERE ${sellerWhere}`,
        ),
      },
      {
        name: 'seller top listings',
        layer: () => layer.query(okla, q(['views', 'leads'], ['listing'], { limit: 10, order: 'views' })),
        hand: both(
          `SELECT listing_id, sum(views) AS v, sum(leads) FROM mart_listing_daily WHERE ${sellerWhere} GROUP BY 1 ORDER BY v DESC LIMIT 10`,
          `SELECT sum(views), sum(leads) FROM mart_listing_daily WHERE ${sellerWhere}`,
        ),
      },
      {
        name: 'admin sales over time (GMV, orders, AOV)',
        layer: () => layer.query(tiendi, q(['gmv', 'orders', 'aov'], ['date'])),
        hand: both(
          `SELECT local_date, sum(gmv), sum(orders), sum(gmv) / nullif(sum(orders), 0) FROM mart_sales_daily WHERE project_id = 'tiendi' AND ${range} GROUP BY 1 ORDER BY 1`,
          `SELECT sum(gmv), sum(orders), sum(gmv) / nullif(sum(orders), 0) FROM mart_sales_daily WHERE project_id = 'tiendi' AND ${range}`,
        ),
      },
      {
        name: 'admin platform KPIs (GMV, commission, active sellers, MRR)',
        layer: () => layer.query(tiendi, q(['gmv', 'commission', 'active_sellers', 'mrr'], [])),
        hand: () =>
          w.query(`SELECT * FROM
            (SELECT sum(gmv), sum(commission) FROM mart_sales_daily WHERE project_id = 'tiendi' AND ${range}),
            (SELECT count(DISTINCT seller_id) FILTER (WHERE is_active), sum(mrr) / count(DISTINCT local_date)
               FROM mart_sellers_daily WHERE project_id = 'tiendi' AND ${range})`),
      },
      {
        name: 'admin traffic by device',
        layer: () =>
          layer.query(
            tiendi,
            q(['sessions', 'bounce_rate', 'pages_per_session', 'time_on_site'], ['device']),
          ),
        hand: both(
          `SELECT device_type, sum(sessions) AS s, sum(bounces) / sum(sessions), sum(page_views) / sum(sessions), sum(total_duration_s) / sum(sessions)
             FROM mart_traffic_daily WHERE project_id = 'tiendi' AND ${range} GROUP BY 1 ORDER BY s DESC`,
          `SELECT sum(sessions), sum(bounces) / sum(sessions), sum(page_views) / sum(sessions), sum(total_duration_s) / sum(sessions)
             FROM mart_traffic_daily WHERE project_id = 'tiendi' AND ${range}`,
        ),
      },
      {
        name: 'admin active users by day',
        layer: () => layer.query(tiendi, q(['active_users'], ['date'])),
        // By hand too from the people-per-day rollup the daily pipeline keeps (stg_events took 368 ms): one
        // row per person and day, so a day's rows are its people.
        hand: both(
          `SELECT local_date, count(*) FROM mart_active_people_daily WHERE project_id = 'tiendi' AND ${range} GROUP BY 1 ORDER BY 1`,
          `SELECT count(DISTINCT person_id) FROM mart_active_people_daily WHERE project_id = 'tiendi' AND ${range}`,
        ),
      },
      {
        name: 'admin new users, new sellers, seller churn',
        layer: () => layer.query(tiendi, q(['new_users', 'new_sellers', 'seller_churn_rate'], [])),
        hand: () =>
          w.query(`SELECT * FROM
            (SELECT count(*) FROM mart_people WHERE project_id = 'tiendi'
              AND first_date BETWEEN CAST('${from}' AS DATE) AND CAST('${to}' AS DATE)),
            (SELECT count(*) FROM (SELECT min(local_date) AS f FROM mart_sellers_daily WHERE project_id = 'tiendi' GROUP BY seller_id)
              WHERE f BETWEEN CAST('${from}' AS DATE) AND CAST('${to}' AS DATE)),
            (SELECT count(*) FILTER (WHERE prev AND NOT cur) / nullif(count(*) FILTER (WHERE prev), 0) FROM
              (SELECT seller_id, bool_or(is_active AND local_date < CAST('${from}' AS DATE)) AS prev,
                 bool_or(is_active AND local_date >= CAST('${from}' AS DATE)) AS cur
               FROM mart_sellers_daily WHERE project_id = 'tiendi'
                 AND local_date BETWEEN CAST('${from}' AS DATE) - ${days + 1} AND CAST('${to}' AS DATE) GROUP BY 1))`),
      },
      {
        name: 'seller funnel view → contact (7 days)',
        layer: () =>
          layer.funnel(okla, {
            steps: [
              { event_type: 'listing_viewed', filters: [] },
              { event_type: 'contact_sent', filters: [] },
            ],
            windowMs: 7 * DAY,
            from,
            to,
          }),
        hand: () =>
          w.query(`WITH v AS (SELECT person_id, min("timestamp") AS t0 FROM stg_events
              WHERE project_id = 'okla' AND seller_id = '${seller}' AND NOT is_bot AND event_type = 'listing_viewed' AND ${range} GROUP BY 1),
            c AS (SELECT v.person_id, min(e."timestamp") AS t1 FROM v JOIN stg_events e ON e.person_id = v.person_id
              AND e.project_id = 'okla' AND e.seller_id = '${seller}' AND NOT e.is_bot AND e.event_type = 'contact_sent'
              AND e."timestamp" >= v.t0 AND e."timestamp" <= v.t0 + INTERVAL 7 DAY GROUP BY 1)
            SELECT count(*), count(c.t1), median(epoch(c.t1) - epoch(v.t0)) FROM v LEFT JOIN c USING (person_id)`),
      },
      {
        name: 'admin weekly retention by first purchase',
        layer: () =>
          layer.retention(tiendi, { cohort: 'first_purchase', period: 'week', from, to, periods: 4 }),
        hand: () =>
          w.query(`WITH a AS (SELECT DISTINCT person_id, date_trunc('week', local_date) AS p FROM stg_orders WHERE project_id = 'tiendi'),
            f AS (SELECT person_id, min(p) AS c FROM a GROUP BY 1)
            SELECT c, datediff('week', c, p) AS k, count(*) FROM a JOIN f USING (person_id)
            WHERE c BETWEEN date_trunc('week', CAST('${from}' AS DATE)) AND CAST('${to}' AS DATE) AND datediff('week', c, p) <= 4
            GROUP BY 1, 2 ORDER BY 1, 2`),
      },
    ];
    const results = [];
    say(`${'query'.padEnd(58)} layer p50/p95 ms   hand p50/p95 ms   ratio p50`);
    for (const c of cases) {
      const { layer: l, hand: h } = await measurePair(iterations, c.layer, c.hand);
      const ratio = round(l.p50 / Math.max(h.p50, 0.01));
      results.push({ name: c.name, layer: l, hand: h, ratio });
      say(
        `${c.name.padEnd(58)} ${`${l.p50}/${l.p95}`.padStart(15)}   ${`${h.p50}/${h.p95}`.padStart(15)}   ${ratio}`,
      );
    }
    mkdirSync('bench/results', { recursive: true });
    const out = `bench/results/query-${new Date().toISOString().replaceAll(':', '-')}.json`;
    writeFileSync(
      out,
      JSON.stringify(
        { events: generated, days, iterations, cpus: cpus().length, load: loadavg()[0], results },
        null,
        2,
      ),
    );
    say(`figures: ${out}`);
  } finally {
    await w.close();
    await state.close();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
