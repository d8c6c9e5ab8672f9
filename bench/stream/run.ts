/**
 * Stream benchmark (issue 4): events/s through the stream processors and the event → live-counter latency.
 *
 *   npm run bench:stream -- [--events 400000] [--span 4] [--seconds 20] [--rate 10000] [--only processors|load]
 *                           [--scenarios latency,max] [--cpu-prof DIR] [--redis URL]
 *
 * 1. `processors` (in this process, no HTTP): a local log holding --events realistic events (mixed types,
 *    --span seconds of event time: the density of a live stream at events/span per second) is read from the
 *    start by each processor alone on fresh stores, then by all of them at once: events/s each, and the
 *    ratio to the raw-events sink alone (the baseline, measured in the same run). `--redis URL` runs the live
 *    counters on Redis instead of the embedded store.
 * 2. `load` (`plaza up` as a child, driven over HTTP by a separate load process, as bench:ingest):
 *    - `latency`: --rate events/s (batches of 50) for --seconds; the event → live-counter latency p50/p95/p99
 *      from the server's own summary (collector receive time → counters written), and the consumer lag at the
 *      end of the load;
 *    - `max`: the collector at full load (closed loop, batches of 100) for --seconds while every processor
 *      runs: events accepted/s, events/s each consumer group processed during the load, and how long after
 *      the load until every group caught up.
 * Figures go to bench/results/stream-<time>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { driveLoad } from '../ingest/drive.js';
import { removeDataDir, repoRoot, startPlaza, type Target } from '../ingest/targets.js';
import { type ProcessorName, type ProcessorRun, runProcessorBench } from './processors.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '400000' },
    span: { type: 'string', default: '4' },
    listings: { type: 'string', default: '20000' },
    visitors: { type: 'string', default: '100000' },
    runs: { type: 'string', default: 'raw-sink,sessions,aggregator,live,all' },
    seconds: { type: 'string', default: '20' },
    rate: { type: 'string', default: '10000' },
    only: { type: 'string' },
    redis: { type: 'string' },
    'data-dir': { type: 'string', default: tmpdir() },
    out: { type: 'string' },
    'cpu-prof': { type: 'string' },
    scenarios: { type: 'string', default: 'latency,max' },
  },
});

const say = (line: string) => process.stdout.write(`${line}\n`);
const load1 = () => Math.round(loadavg()[0]! * 100) / 100;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

interface Health {
  total_lag: number;
  consumers: { group: string; topic: string; committed: number; lag: number }[];
}

async function health(t: Target): Promise<Health> {
  return (await (await fetch(`${t.url}/v1/health/ingestion`)).json()) as Health;
}

const committedByGroup = (h: Health) => {
  const out: Record<string, number> = {};
  for (const c of h.consumers) out[c.group] = (out[c.group] ?? 0) + c.committed;
  return out;
};
const lagByGroup = (h: Health) => {
  const out: Record<string, number> = {};
  for (const c of h.consumers) out[c.group] = (out[c.group] ?? 0) + c.lag;
  return out;
};

async function waitCaughtUp(t: Target, timeoutMs = 600_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const h = await health(t);
    if (h.total_lag === 0) return (Date.now() - t0) / 1000;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`not caught up after ${timeoutMs} ms: ${JSON.stringify(lagByGroup(h))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Quantiles of a Prometheus summary, in ms. */
async function summaryMs(t: Target, name: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = line.match(new RegExp(`^${name}\\{quantile="([0-9.]+)"\\} (\\S+)`));
    if (m) out[`p${Math.round(Number(m[1]) * 100)}`] = round(Number(m[2]) * 1000, 1);
    const c = line.match(new RegExp(`^${name}_count (\\S+)`));
    if (c) out['count'] = Number(c[1]);
  }
  return out;
}

const serverOptions = (name: string) => ({
  dataParent: args['data-dir'],
  ...(args['cpu-prof']
    ? { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${join(args['cpu-prof'], name)}`] }
    : {}),
});
const scenarios = args.scenarios.split(',');

async function loadBench(seconds: number, rate: number) {
  const out: Record<string, unknown> = {};
  // Latency at a steady rate.
  if (scenarios.includes('latency')) {
    const t = await startPlaza(serverOptions('latency'));
    try {
      say(`\nlatency: ${rate} events/s for ${seconds} s (batches of 50) ...`);
      const r = await driveLoad({
        name: 'latency',
        url: t.url,
        authorization: t.authorization,
        mode: 'paced',
        batchSize: 50,
        connections: 16,
        rate: rate / 50,
        seconds,
        idPrefix: 'lat',
      });
      const lagAtEnd = lagByGroup(await health(t));
      const latency = await summaryMs(t, 'plaza_live_counter_latency_seconds');
      const caughtUp = await waitCaughtUp(t);
      out['latency'] = {
        eventsPerSecond: r.eventsPerSecond,
        accepted: r.accepted,
        ingestLatencyMs: r.latencyMs,
        liveCounterLatencyMs: latency,
        lagAtEnd,
        caughtUpAfterSeconds: caughtUp,
        loadAvg: load1(),
      };
      say(
        `  sent ${r.eventsPerSecond} events/s; event → live counter p50 ${latency['p50']} ms, p95 ${latency['p95']} ms, ` +
          `p99 ${latency['p99']} ms (${latency['count']} samples); lag at the end ${JSON.stringify(lagAtEnd)}`,
      );
    } finally {
      await t.stop();
      removeDataDir(t);
    }
  }
  // Full load on the collector while every processor runs.
  if (scenarios.includes('max')) {
    const t = await startPlaza(serverOptions('max'));
    try {
      say(`\nmax: the collector at full load for ${seconds} s with every processor running ...`);
      const before = committedByGroup(await health(t));
      const t0 = Date.now();
      const r = await driveLoad({
        name: 'max',
        url: t.url,
        authorization: t.authorization,
        mode: 'closed',
        batchSize: 100,
        connections: 32,
        seconds,
        idPrefix: 'max',
      });
      const loadSeconds = (Date.now() - t0) / 1000;
      const during = committedByGroup(await health(t));
      const drainSeconds = await waitCaughtUp(t);
      const total = (Date.now() - t0) / 1000;
      const perGroup: Record<string, number> = {};
      for (const [g, c] of Object.entries(during))
        perGroup[g] = Math.round((c - (before[g] ?? 0)) / loadSeconds);
      const latency = await summaryMs(t, 'plaza_live_counter_latency_seconds');
      out['max'] = {
        acceptedPerSecond: Math.round(r.accepted / loadSeconds),
        processedPerSecondDuringLoad: perGroup,
        drainSecondsAfterLoad: drainSeconds,
        throughAllPerSecond: Math.round(r.accepted / total),
        liveCounterLatencyMs: latency,
        loadAvg: load1(),
      };
      say(
        `  accepted ${Math.round(r.accepted / loadSeconds)} events/s; processed during the load (events/s): ` +
          `${JSON.stringify(perGroup)}; all caught up ${round(drainSeconds, 1)} s after the load ` +
          `(${Math.round(r.accepted / total)} events/s end to end through every processor)`,
      );
    } finally {
      await t.stop();
      removeDataDir(t);
    }
  }
  return out;
}

const report: Record<string, unknown> = {
  at: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memGb: round(totalmem() / 2 ** 30, 1) },
  args,
};

if (!args.only || args.only === 'processors') {
  say(`processors: loadavg ${load1()}`);
  const runs = await runProcessorBench({
    events: Number(args.events),
    spanSeconds: Number(args.span),
    listings: Number(args.listings),
    visitors: Number(args.visitors),
    runs: args.runs.split(',').filter(Boolean) as ProcessorName[],
    dataParent: args['data-dir'],
    ...(args.redis ? { redisUrl: args.redis } : {}),
    log: say,
  });
  const base = runs.find((r: ProcessorRun) => r.name === 'raw-sink');
  if (base) {
    say('\nratio to the raw-events sink alone (same log, same run):');
    for (const r of runs) say(`  ${r.name.padEnd(10)} ${round(r.eventsPerSecond / base.eventsPerSecond)}x`);
  }
  report['processors'] = { runs, loadAvg: load1() };
}
if (!args.only || args.only === 'load') {
  report['load'] = await loadBench(Number(args.seconds), Number(args.rate));
}

const resultsDir = join(repoRoot, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const file = args.out ?? join(resultsDir, `stream-${new Date().toISOString().replaceAll(':', '-')}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
say(`\nwritten to ${file}`);
