/**
 * The load generator, run as its own process (forked by run.ts) so it never shares the server's event loop.
 * It receives one `LoadScenario` over IPC, drives the server over loopback and answers one `LoadResult`.
 *
 * Two ways of driving:
 * - closed: `connections` keep-alive connections, each sending its next request as soon as the previous one
 *   is answered (autocannon): finds the maximum throughput at that concurrency.
 * - paced: an open-loop schedule of `rate` requests per second over at most `connections` keep-alive sockets.
 *   Latency is counted from the scheduled send time, so a stalled server cannot hide its stall by slowing
 *   the sender down (no coordinated omission).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { EventFactory } from './events.js';
import { LatencyRecorder, type LatencySummary, round } from './stats.js';

export interface LoadScenario {
  name: string;
  /** Base URL of the server, e.g. http://127.0.0.1:8080 */
  url: string;
  /** Authorization header value, or null for the baseline. */
  authorization: string | null;
  mode: 'closed' | 'paced';
  /** Events per request; 1 sends the bare event object. */
  batchSize: number;
  connections: number;
  /** Run for this long (closed and paced)... */
  seconds?: number;
  /** ...or, closed only, until this many requests are answered. */
  requests?: number;
  /** Paced only: requests per second. */
  rate?: number;
  /** Prefix of event ids; must differ between scenarios of one server so no id repeats. */
  idPrefix: string;
}

export interface LoadResult {
  name: string;
  mode: LoadScenario['mode'];
  batchSize: number;
  connections: number;
  rate: number | null;
  elapsedSeconds: number;
  /** Answered requests, any status. */
  requests: number;
  ok: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** Connection errors and timeouts. */
  errors: number;
  /** Events in requests that were answered 2xx. */
  eventsSent: number;
  /** Sums of the servers' answers. */
  accepted: number;
  deduplicated: number;
  rejected: number;
  requestsPerSecond: number;
  eventsPerSecond: number;
  latencyMs: LatencySummary;
  /** Worst latency in each second of the run, ms. */
  maxLatencyPerSecondMs: number[];
  meanRequestBytes: number;
  loadCpuSeconds: number;
}

interface Tally {
  ok: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  accepted: number;
  deduplicated: number;
  rejected: number;
  bytes: number;
  bodies: number;
}

const newTally = (): Tally => ({
  ok: 0,
  non2xx: 0,
  statusCodes: {},
  errors: 0,
  accepted: 0,
  deduplicated: 0,
  rejected: 0,
  bytes: 0,
  bodies: 0,
});

/** Adds one answer to the tally; Plaza and the baseline both answer {accepted, deduplicated, rejected}. */
function countAnswer(t: Tally, status: number, body: string): void {
  t.statusCodes[status] = (t.statusCodes[status] ?? 0) + 1;
  if (status < 200 || status >= 300) {
    t.non2xx++;
    if (t.non2xx <= 3) process.stderr.write(`load: HTTP ${status}: ${body.slice(0, 300)}\n`);
    return;
  }
  t.ok++;
  try {
    const a = JSON.parse(body) as { accepted?: number; deduplicated?: number; rejected?: unknown[] };
    t.accepted += a.accepted ?? 0;
    t.deduplicated += a.deduplicated ?? 0;
    t.rejected += a.rejected?.length ?? 0;
  } catch {
    t.errors++;
  }
}

function headers(s: LoadScenario): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'plaza-bench/1',
    ...(s.authorization ? { authorization: s.authorization } : {}),
  };
}

function makeBody(s: LoadScenario, events: EventFactory, t: Tally): string {
  const body = s.batchSize === 1 ? events.single() : events.batch(s.batchSize);
  t.bytes += body.length;
  t.bodies++;
  return body;
}

async function runClosed(s: LoadScenario, lat: LatencyRecorder, t: Tally): Promise<void> {
  const events = new EventFactory(s.idPrefix);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: s.url,
        connections: s.connections,
        ...(s.requests ? { amount: s.requests } : { duration: s.seconds ?? 10 }),
        timeout: 30,
        headers: headers(s),
        requests: [
          {
            method: 'POST',
            path: '/v1/events',
            setupRequest: (req) => ({ ...req, body: makeBody(s, events, t) }),
            onResponse: (status, body) => countAnswer(t, status, body),
          },
        ],
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
    // autocannon's own histogram has whole-millisecond buckets; these are exact.
    instance.on('response', (_client, _status, _bytes, responseTime) => lat.record(responseTime));
  });
  t.errors += result.errors;
}

async function runPaced(s: LoadScenario, lat: LatencyRecorder, t: Tally): Promise<void> {
  const events = new EventFactory(s.idPrefix);
  const target = new URL('/v1/events', s.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: s.connections });
  const rate = s.rate ?? 1000;
  const total = Math.round(rate * (s.seconds ?? 10));
  const hdrs = headers(s);
  let scheduled = 0;
  let settled = 0;

  await new Promise<void>((resolve) => {
    const start = performance.now();
    const done = () => {
      if (++settled === total) resolve();
    };
    const send = (intendedAt: number) => {
      const body = makeBody(s, events, t);
      const req = http.request(
        target,
        { method: 'POST', agent, headers: { ...hdrs, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            lat.record(performance.now() - intendedAt);
            countAnswer(t, res.statusCode ?? 0, Buffer.concat(chunks).toString());
            done();
          });
        },
      );
      req.on('error', (e) => {
        t.errors++;
        if (t.errors <= 3) process.stderr.write(`load: ${e.message}\n`);
        done();
      });
      req.end(body);
    };
    // A 1 ms tick sends whatever the schedule says is due; each request keeps its own scheduled time.
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      while (scheduled < due) send(start + (scheduled++ * 1000) / rate);
      if (scheduled >= total) clearInterval(timer);
    }, 1);
  });
  agent.destroy();
}

export async function runScenario(s: LoadScenario): Promise<LoadResult> {
  const lat = new LatencyRecorder();
  const t = newTally();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (s.mode === 'closed') await runClosed(s, lat, t);
  else await runPaced(s, lat, t);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const eventsSent = t.ok * s.batchSize;
  return {
    name: s.name,
    mode: s.mode,
    batchSize: s.batchSize,
    connections: s.connections,
    rate: s.rate ?? null,
    elapsedSeconds: round(elapsed),
    requests: t.ok + t.non2xx,
    ok: t.ok,
    non2xx: t.non2xx,
    statusCodes: t.statusCodes,
    errors: t.errors,
    eventsSent,
    accepted: t.accepted,
    deduplicated: t.deduplicated,
    rejected: t.rejected,
    requestsPerSecond: Math.round(t.ok / elapsed),
    eventsPerSecond: Math.round(eventsSent / elapsed),
    latencyMs: lat.summary(),
    maxLatencyPerSecondMs: lat.maxPerSecond,
    meanRequestBytes: t.bodies ? Math.round(t.bytes / t.bodies) : 0,
    loadCpuSeconds: round((cpu.user + cpu.system) / 1e6),
  };
}

// Forked by run.ts: one scenario in, one result out, then exit.
if (process.send) {
  process.once('message', (s: LoadScenario) => {
    runScenario(s).then(
      (result) => process.send!({ result }, () => process.exit(0)),
      (e: Error) => process.send!({ error: e.stack ?? e.message }, () => process.exit(1)),
    );
  });
}
