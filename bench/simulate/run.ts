/**
 * bench/simulate: how fast the simulator generates events, and the end-to-end ingest rate it achieves
 * against a real Plaza (`plaza up` in a child process, embedded stores, fsync on).
 *
 *   npm run bench:simulate [-- --events 1000000 --days 14 --vertical vehicles,stores]
 *
 * Baselines measured in the same run:
 * - generation: JSON.stringify of the same events (the least any client must do per event), so the ratio
 *   says how many times an event costs to invent compared with merely encoding it;
 * - end to end: the same events, pre-generated and pre-encoded, posted as raw batches by a bare HTTP loop to
 *   a second fresh Plaza: the ratio is what the simulator and the Node client cost on top of ingest itself.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSimulation, defaultSellers, defaultUsers } from '../../src/simulate/index.js';
import { type RunResult, runSimulation } from '../../src/simulate/runner.js';
import type { SimEvent, SimulationOptions, Vertical } from '../../src/simulate/types.js';
import { removeDataDir, repoRoot, startPlaza, type Target } from '../ingest/targets.js';

const DAY = 86_400_000;
const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '14' },
    vertical: { type: 'string', default: 'vehicles,stores' },
    seed: { type: 'string', default: '42' },
  },
});

const fmt = (n: number) => new Intl.NumberFormat('en-US').format(Math.round(n));
const options = (vertical: Vertical, days: number): SimulationOptions => ({
  vertical,
  seed: Number(args.seed),
  start: Date.UTC(2026, 0, 1),
  days,
  users: defaultUsers,
  sellers: defaultSellers,
});

function generation(vertical: Vertical, n: number) {
  const it = createSimulation(options(vertical, 3650)).events();
  let genNs = 0n;
  let encodeNs = 0n;
  let bytes = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const e = it.next().value as SimEvent;
    const t1 = process.hrtime.bigint();
    bytes += JSON.stringify(e.input).length;
    const t2 = process.hrtime.bigint();
    genNs += t1 - t0;
    encodeNs += t2 - t1;
    if ((i & 0xffff) === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }
  const genRate = n / (Number(genNs) / 1e9);
  const encodeRate = n / (Number(encodeNs) / 1e9);
  return {
    vertical,
    events: n,
    generatedPerSecond: Math.round(genRate),
    encodedPerSecond: Math.round(encodeRate),
    costVsEncoding: Math.round((encodeRate / genRate) * 100) / 100,
    meanEventBytes: Math.round(bytes / n),
    heapGrowthMb: Math.round((heapPeak - heapBefore) / 2 ** 20),
  };
}

function writeKeyOf(t: Target): string {
  return Buffer.from(t.authorization!.slice('Basic '.length), 'base64').toString().replace(/:$/, '');
}

async function endToEnd(vertical: Vertical, days: number) {
  const o = options(vertical, days);
  const historyEnd = o.start + days * DAY;
  const dataParent = tmpdir();
  // The simulator through the Node client.
  const plaza = await startPlaza({ dataParent });
  let sim: RunResult;
  let simSeconds: number;
  try {
    const t0 = performance.now();
    sim = await runSimulation({
      simulation: createSimulation(o),
      host: plaza.url,
      writeKey: writeKeyOf(plaza),
      historyEnd,
    });
    simSeconds = (performance.now() - t0) / 1000;
  } finally {
    await plaza.stop();
    removeDataDir(plaza);
  }
  // Baseline: the same events, encoded up front, posted in batches of 250 over 8 connections.
  const bodies: string[] = [];
  const it = createSimulation(o).events();
  let batch: unknown[] = [];
  for (;;) {
    const e = it.next().value as SimEvent;
    if (Date.parse(e.input.timestamp as string) >= historyEnd) break;
    batch.push(toNative(e));
    if (batch.length === 250) {
      bodies.push(JSON.stringify({ events: batch }));
      batch = [];
    }
  }
  if (batch.length) bodies.push(JSON.stringify({ events: batch }));
  const target = await startPlaza({ dataParent });
  let rawRate = 0;
  try {
    let next = 0;
    let accepted = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++]!;
          const res = await fetch(`${target.url}/v1/events`, {
            method: 'POST',
            headers: { authorization: target.authorization!, 'content-type': 'application/json' },
            body,
          });
          const r = (await res.json()) as { accepted?: number };
          accepted += r.accepted ?? 0;
        }
      }),
    );
    rawRate = accepted / ((performance.now() - t0) / 1000);
  } finally {
    await target.stop();
    removeDataDir(target);
  }
  const simRate = sim.accepted / simSeconds;
  return {
    vertical,
    days,
    events: sim.sent,
    accepted: sim.accepted,
    rejected: sim.rejected,
    seconds: Math.round(simSeconds * 10) / 10,
    simulatorEventsPerSecond: Math.round(simRate),
    rawPostEventsPerSecond: Math.round(rawRate),
    ratio: Math.round((simRate / rawRate) * 100) / 100,
  };
}

/** The native event the Node client would send (the raw baseline skips the client). */
function toNative(e: SimEvent): Record<string, unknown> {
  const i = e.input as Record<string, unknown>;
  const type =
    e.call === 'identify' ? 'identify' : e.call === 'page' ? 'page_view' : (i['eventType'] as string);
  return {
    event_id: i['eventId'],
    event_type: type,
    timestamp: i['timestamp'],
    anonymous_id: i['anonymousId'],
    user_id: i['userId'],
    session_id: i['sessionId'],
    context: i['context'] ?? {},
    properties: i['properties'] ?? {},
    ...(i['traits'] ? { traits: i['traits'] } : {}),
  };
}

const verticals = args.vertical.split(',') as Vertical[];
const gen = verticals.map((v) => generation(v, Number(args.events)));
console.log('generation (one core, in process):');
for (const g of gen)
  console.log(
    `  ${g.vertical.padEnd(9)} ${fmt(g.generatedPerSecond)} events/s generated, ${fmt(g.encodedPerSecond)}/s JSON-encoded ` +
      `(an event costs ${g.costVsEncoding}× its encoding), ~${g.meanEventBytes} B/event, heap growth ${g.heapGrowthMb} MB over ${fmt(g.events)} events`,
  );
const e2e = [];
for (const v of verticals) e2e.push(await endToEnd(v, Number(args.days)));
console.log('end to end (simulator → Node client → plaza up, durable):');
for (const r of e2e)
  console.log(
    `  ${r.vertical.padEnd(9)} ${fmt(r.events)} events over ${r.days} days in ${r.seconds} s: ${fmt(r.simulatorEventsPerSecond)} events/s ` +
      `(raw batch posting of the same events: ${fmt(r.rawPostEventsPerSecond)}/s, ratio ${r.ratio}); rejected ${r.rejected}`,
  );
const dir = join(repoRoot, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `simulate-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(
  file,
  JSON.stringify({ at: new Date().toISOString(), args, generation: gen, endToEnd: e2e }, null, 2),
);
console.log(`results: ${file}`);
