/**
 * Ingest benchmark: Plaza against a bare Fastify baseline, both driven over loopback by a separate load
 * process. Prints events/s, latency and resident memory per scenario, the Plaza/baseline ratios and whether
 * the targets are met; writes everything to bench/results/ingest-<time>.json.
 *
 *   npm run bench:ingest -- [--seconds 20] [--events 10000000] [--only plaza|baseline] [--cpu-prof DIR]
 *
 * Scenarios per server: `batch` (closed loop, batches of --batch-size events at --batch-concurrency),
 * `single-rate` (single events paced at --single-rate req/s over --single-concurrency connections),
 * `single-max` (single events, closed loop at --single-concurrency), and with --events N, `soak` on Plaza
 * (N events in batches, as fast as it goes; resident memory at the end). See docs/benchmarks.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { driveLoad } from './drive.js';
import { meanEventBytes } from './events.js';
import type { LoadResult, LoadScenario } from './load.js';
import { cpuSeconds, hwmMb, machineBusySeconds, RssSampler, rssMb } from './proc.js';
import { round } from './stats.js';
import {
  type MemoryBreakdown,
  removeDataDir,
  repoRoot,
  type StartOptions,
  startBaseline,
  startPlaza,
  type Target,
} from './targets.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    events: { type: 'string' },
    only: { type: 'string' },
    scenarios: { type: 'string', default: 'batch,single-rate,single-max' },
    'batch-size': { type: 'string', default: '100' },
    'batch-concurrency': { type: 'string', default: '32' },
    'single-concurrency': { type: 'string', default: '32' },
    'single-rate': { type: 'string', default: '2000' },
    'drain-timeout': { type: 'string', default: '600' },
    'data-dir': { type: 'string', default: tmpdir() },
    'keep-data': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    out: { type: 'string' },
  },
});

const seconds = Number(args.seconds);
const batchSize = Number(args['batch-size']);
const batchConcurrency = Number(args['batch-concurrency']);
const singleConcurrency = Number(args['single-concurrency']);
const singleRate = Number(args['single-rate']);
const soakEvents = args.events ? Number(args.events) : 0;
const scenarioNames = args.scenarios.split(',').filter(Boolean);
const targets = (args.only ? [args.only] : ['baseline', 'plaza']) as Target['name'][];
for (const t of targets)
  if (t !== 'plaza' && t !== 'baseline') throw new Error(`--only: plaza or baseline, not ${t}`);

export interface ScenarioReport {
  target: Target['name'];
  load: LoadResult;
  serverCpuPercent: number;
  peakRssMb: number;
  rssAtEndMb: number;
  /** Seconds after the load stopped until every consumer group had read everything (Plaza). */
  drainSeconds: number | null;
  rssAfterDrainMb: number | null;
  /** Plaza's heap and external memory when the load stopped (from its /metrics). */
  memoryAtEnd: MemoryBreakdown | null;
  /** Events the server counted as accepted during the scenario (Plaza's /metrics). */
  serverAccepted: number | null;
  accountingOk: boolean;
  accountingNote: string;
  /** CPU used by everything but the server and the load generator (100 = one core): other work skews figures. */
  otherCpuPercent: number;
}

export interface ServerReport {
  /** Resident memory once up, before any load. */
  idleRssMb: number;
  /** Peak resident memory over the whole run (VmHWM). */
  hwmMb: number;
  /** How long SIGTERM took to stop it. */
  stopSeconds: number;
}

async function waitForDrain(t: Target): Promise<number | null> {
  const t0 = Date.now();
  const deadline = t0 + Number(args['drain-timeout']) * 1000;
  for (;;) {
    const lag = await t.lag().catch(() => null);
    if (lag === null) return null;
    if (lag === 0) return round((Date.now() - t0) / 1000, 1);
    if (Date.now() > deadline) {
      console.log(`  drain: still ${lag} events behind after ${args['drain-timeout']} s; going on`);
      return -1;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Every answered event accepted exactly once, nothing failed; the server's own count agrees. */
function checkAccounting(load: LoadResult, serverAccepted: number | null): { ok: boolean; note: string } {
  const problems: string[] = [];
  if (load.errors) problems.push(`${load.errors} connection errors`);
  if (load.non2xx) problems.push(`${load.non2xx} non-2xx answers ${JSON.stringify(load.statusCodes)}`);
  if (load.rejected) problems.push(`${load.rejected} rejected`);
  if (load.deduplicated) problems.push(`${load.deduplicated} deduplicated`);
  if (load.accepted !== load.eventsSent)
    problems.push(`answers accepted ${load.accepted} of ${load.eventsSent} sent`);
  if (serverAccepted !== null) {
    // A timed closed-loop run stops with up to one request per connection in flight: the server may have
    // stored those events though their answers were never read.
    const inFlight = load.mode === 'closed' ? load.connections * load.batchSize : 0;
    if (serverAccepted < load.accepted || serverAccepted > load.accepted + inFlight) {
      problems.push(
        `server counted ${serverAccepted} accepted, answers say ${load.accepted} (+≤${inFlight} in flight)`,
      );
    }
  }
  return problems.length
    ? { ok: false, note: problems.join('; ') }
    : {
        ok: true,
        note: `${load.accepted} accepted = sent${serverAccepted !== null ? `; server counter ${serverAccepted}` : ''}`,
      };
}

async function measure(t: Target, rss: RssSampler, s: LoadScenario, drain: boolean): Promise<ScenarioReport> {
  const accepted0 = await t.acceptedCounter();
  const startedAt = (Date.now() - t.startedAt) / 1000;
  rss.reset();
  const cpu0 = cpuSeconds(t.pid);
  const machine0 = machineBusySeconds();
  const progress =
    s.name === 'soak'
      ? setInterval(() => {
          void Promise.all([t.acceptedCounter(), t.lag()]).then(([n, lag]) =>
            console.log(
              `  soak: ${fmt(n)} events accepted, ${fmt(lag)} not yet consumed, RSS ${rss.last.toFixed(0)} MB`,
            ),
          );
        }, 15_000)
      : null;
  const load = await driveLoad(s);
  if (progress) clearInterval(progress);
  if (args['cpu-prof']) {
    console.log(
      `  profile window of ${s.name}: --from ${startedAt.toFixed(1)} --to ${((Date.now() - t.startedAt) / 1000).toFixed(1)}`,
    );
  }
  const cpu = cpuSeconds(t.pid) - cpu0;
  const other = machineBusySeconds() - machine0 - cpu - load.loadCpuSeconds;
  const peakRssMb = round(rss.peakMb(), 1);
  const rssAtEndMb = round(rss.last, 1);
  const memoryAtEnd = await t.memory().catch(() => null);
  const drainSeconds = drain ? await waitForDrain(t) : null;
  const rssAfterDrainMb = drainSeconds !== null ? round(rssMb(t.pid), 1) : null;
  const accepted1 = await t.acceptedCounter();
  const serverAccepted = accepted0 !== null && accepted1 !== null ? accepted1 - accepted0 : null;
  const { ok, note } = checkAccounting(load, serverAccepted);
  return {
    target: t.name,
    load,
    serverCpuPercent: Math.round((cpu / load.elapsedSeconds) * 100),
    peakRssMb,
    rssAtEndMb,
    drainSeconds,
    rssAfterDrainMb,
    memoryAtEnd,
    serverAccepted,
    accountingOk: ok,
    accountingNote: note,
    otherCpuPercent: Math.max(0, Math.round((other / load.elapsedSeconds) * 100)),
  };
}

function scenario(t: Target, name: string, prefix: string): LoadScenario | null {
  const base = {
    url: t.url,
    authorization: t.authorization,
    idPrefix: `${prefix}-${name}-${Date.now().toString(36)}`,
  };
  switch (name) {
    case 'warmup':
      return {
        ...base,
        name,
        mode: 'closed',
        batchSize,
        connections: batchConcurrency,
        seconds: Number(args.warmup),
      };
    case 'batch':
      return { ...base, name, mode: 'closed', batchSize, connections: batchConcurrency, seconds };
    case 'single-rate':
      return {
        ...base,
        name,
        mode: 'paced',
        batchSize: 1,
        connections: singleConcurrency,
        rate: singleRate,
        seconds,
      };
    case 'single-max':
      return { ...base, name, mode: 'closed', batchSize: 1, connections: singleConcurrency, seconds };
    case 'soak':
      return {
        ...base,
        name,
        mode: 'closed',
        batchSize,
        connections: batchConcurrency,
        requests: Math.ceil(soakEvents / batchSize),
      };
    default:
      throw new Error(`unknown scenario ${name}`);
  }
}

function fmt(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined) return '–';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function printRow(r: ScenarioReport): void {
  const l = r.load;
  console.log(
    [
      r.target.padEnd(8),
      l.name.padEnd(11),
      fmt(l.requestsPerSecond).padStart(9),
      fmt(l.eventsPerSecond).padStart(10),
      fmt(l.latencyMs.p50, 2).padStart(8),
      fmt(l.latencyMs.p99, 2).padStart(8),
      fmt(l.latencyMs.p999, 2).padStart(8),
      `${r.serverCpuPercent}%`.padStart(6),
      `${fmt((l.loadCpuSeconds / l.elapsedSeconds) * 100)}%`.padStart(6),
      fmt(r.peakRssMb).padStart(7),
      (r.drainSeconds === null ? '–' : r.drainSeconds < 0 ? '>timeout' : `${r.drainSeconds}`).padStart(8),
      `${r.otherCpuPercent}%`.padStart(6),
      r.accountingOk ? 'ok' : `FAILED: ${r.accountingNote}`,
    ].join(' '),
  );
}

const header = [
  'server'.padEnd(8),
  'scenario'.padEnd(11),
  'req/s'.padStart(9),
  'events/s'.padStart(10),
  'p50 ms'.padStart(8),
  'p99 ms'.padStart(8),
  'p99.9'.padStart(8),
  'srvCPU'.padStart(6),
  'genCPU'.padStart(6),
  'RSS MB'.padStart(7),
  'drain s'.padStart(8),
  'other'.padStart(6),
  'accounting',
].join(' ');

async function benchTarget(name: Target['name'], reports: ScenarioReport[]): Promise<ServerReport> {
  const opts: StartOptions = {
    dataParent: args['data-dir'],
    nodeFlags: args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', join(args['cpu-prof'], name)] : [],
  };
  const t = name === 'plaza' ? await startPlaza(opts) : await startBaseline(opts);
  console.log(`\n${name} up at ${t.url} (pid ${t.pid}${t.dataDir ? `, data ${t.dataDir}` : ''})`);
  const rss = new RssSampler(t.pid);
  const idleRssMb = round(rss.last, 1);
  const drain = name === 'plaza';
  let hwm = 0;
  let stopSeconds = 0;
  try {
    if (Number(args.warmup) > 0) {
      const w = await measure(t, rss, scenario(t, 'warmup', name)!, drain);
      console.log(
        `  warm-up: ${fmt(w.load.eventsPerSecond)} events/s, drained in ${w.drainSeconds ?? '–'} s`,
      );
    }
    const names = [...scenarioNames.filter((n) => n !== 'soak')];
    if (soakEvents > 0 && (name === 'plaza' || args.only === 'baseline')) names.push('soak');
    for (const n of names) {
      const r = await measure(t, rss, scenario(t, n, name)!, drain);
      reports.push(r);
      printRow(r);
    }
    hwm = round(hwmMb(t.pid), 1);
  } finally {
    rss.stop();
    const stopped = await t.stop();
    stopSeconds = stopped.seconds;
    if (!args['keep-data']) removeDataDir(t);
  }
  return { idleRssMb, hwmMb: hwm, stopSeconds };
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  return a !== undefined && b ? round(a / b, 2) : null;
}

async function main(): Promise<void> {
  const reports: ScenarioReport[] = [];
  const servers: Record<string, ServerReport> = {};
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? '?',
    memoryGb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    eventBytes: meanEventBytes(),
  };
  console.log(
    `ingest bench: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}; events ~${machine.eventBytes} B; ` +
      `${seconds} s per scenario; batches of ${batchSize} at concurrency ${batchConcurrency}; ` +
      `single events at concurrency ${singleConcurrency} (paced at ${singleRate} req/s, then unthrottled)` +
      (soakEvents ? `; soak of ${fmt(soakEvents)} events` : ''),
  );
  for (const name of targets) {
    servers[name] = await benchTarget(name, reports);
    console.log(
      `  ${name}: RSS ${servers[name]!.idleRssMb} MB idle after start, peak (VmHWM) ${servers[name]!.hwmMb} MB; stopped in ${servers[name]!.stopSeconds} s`,
    );
  }

  console.log(`\n${header}`);
  for (const r of reports) printRow(r);

  const get = (target: string, scen: string) =>
    reports.find((r) => r.target === target && r.load.name === scen);
  const ratios = {
    batchEventsPerSecond: ratio(
      get('plaza', 'batch')?.load.eventsPerSecond,
      get('baseline', 'batch')?.load.eventsPerSecond,
    ),
    singleMaxRequestsPerSecond: ratio(
      get('plaza', 'single-max')?.load.requestsPerSecond,
      get('baseline', 'single-max')?.load.requestsPerSecond,
    ),
  };
  if (ratios.batchEventsPerSecond !== null || ratios.singleMaxRequestsPerSecond !== null) {
    console.log(
      `\nPlaza/baseline: batches ${ratios.batchEventsPerSecond ?? '–'} (events/s), single events ${ratios.singleMaxRequestsPerSecond ?? '–'} (req/s)`,
    );
  }

  const batch = get('plaza', 'batch');
  const paced = get('plaza', 'single-rate');
  const soak = get('plaza', 'soak');
  const targetsMet = {
    batchAtLeast100kEventsPerSecond: batch ? batch.load.eventsPerSecond >= 100_000 : null,
    singleP99Under10msAt2000: paced
      ? paced.load.latencyMs.p99 < 10 && paced.load.requestsPerSecond >= singleRate * 0.98
      : null,
    plazaAtLeastHalfOfBaseline:
      ratios.batchEventsPerSecond !== null ? ratios.batchEventsPerSecond >= 0.5 : null,
    rssUnder500MbAfter10M:
      soak && soakEvents >= 10_000_000 ? Math.max(soak.rssAtEndMb, soak.rssAfterDrainMb ?? 0) < 500 : null,
    accounting: reports.every((r) => r.accountingOk),
  };
  console.log('\ntargets:');
  const line = (label: string, v: boolean | null, detail: string) =>
    console.log(
      `  ${v === null ? 'not run' : v ? 'met    ' : 'MISSED '}  ${label}${detail ? ` (${detail})` : ''}`,
    );
  line(
    '≥ 100,000 events/s with batches, durable',
    targetsMet.batchAtLeast100kEventsPerSecond,
    batch ? `${fmt(batch.load.eventsPerSecond)}` : '',
  );
  line(
    `single-event p99 < 10 ms at ${singleRate} req/s`,
    targetsMet.singleP99Under10msAt2000,
    paced ? `p99 ${paced.load.latencyMs.p99} ms at ${fmt(paced.load.requestsPerSecond)} req/s` : '',
  );
  line(
    'Plaza ≥ 50 % of the baseline (batch events/s)',
    targetsMet.plazaAtLeastHalfOfBaseline,
    `${ratios.batchEventsPerSecond ?? ''}`,
  );
  line(
    'RSS < 500 MB after 10 million events',
    targetsMet.rssUnder500MbAfter10M,
    soak
      ? `${soak.rssAtEndMb} MB at the end, ${soak.rssAfterDrainMb ?? '–'} MB after drain, peak ${soak.peakRssMb} MB` +
          (soak.memoryAtEnd
            ? `; at the end V8 heap ${soak.memoryAtEnd.heapTotalMb} MB, external ${soak.memoryAtEnd.externalMb} MB`
            : '')
      : '',
  );
  line('accounting: every event sent accepted once, no errors', targetsMet.accounting, '');

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = args.out ?? join(repoRoot, 'bench', 'results', `ingest-${stamp}.json`);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ at: new Date().toISOString(), machine, args, reports, servers, ratios, targetsMet }, null, 2)}\n`,
  );
  console.log(`\nresults: ${out}`);
  if (!targetsMet.accounting) process.exitCode = 1;
}

await main();
