import { setTimeout as sleep } from 'node:timers/promises';
import { PlazaClient, type PlazaDeliveryError } from '../../sdk/node/src/index.js';
import { PlazaError } from '../core/errors.js';
import type { SimEvent, Simulation } from './types.js';

export interface DeliveryTotals {
  /** Events handed to the client (sent, or waiting to be). */
  sent: number;
  accepted: number;
  deduplicated: number;
  rejected: number;
  failed: number;
  dropped: number;
}

export interface Progress extends DeliveryTotals {
  phase: 'history' | 'live';
  /** Simulated time of the last event handed over (UTC ms). */
  simTime: number;
  /** Events skipped because an earlier run had already delivered them. */
  skipped: number;
  /** Events handed over per second since the run started. */
  rate: number;
}

export interface RunOptions {
  simulation: Simulation;
  /** Collector base URL and write key: the simulator is a client like any other. */
  host: string;
  writeKey: string;
  /** Events with a timestamp before this are history, sent as fast as Plaza takes them. */
  historyEnd: number;
  /** Keep going after history, sending each event when the wall clock reaches its timestamp. */
  live?: boolean;
  /** Most events per second (history and live); unlimited when absent. */
  maxRate?: number;
  /** Events an earlier run delivered (see `onCheckpoint`): generated again, not sent. */
  skip?: number;
  /** Settle deliveries and report a checkpoint every this many events. */
  checkpointEvery?: number;
  /** Called with the number of events (from the very first) whose delivery is settled. */
  onCheckpoint?: (settled: number) => Promise<void> | void;
  onProgress?: (p: Progress) => void;
  /** Stop once this many events (counted from the very first, skipped ones included) are generated. */
  stopAfter?: number;
  signal?: AbortSignal;
  /** Wall clock, replaceable in tests. */
  now?: () => number;
}

export interface RunResult extends DeliveryTotals {
  /** Events generated in total, including skipped ones. */
  generated: number;
  skipped: number;
  history: number;
}

const timestampOf = (e: SimEvent): number => Date.parse(e.input.timestamp as string);

function send(client: PlazaClient, e: SimEvent): boolean {
  switch (e.call) {
    case 'track':
      return client.track(e.input);
    case 'identify':
      return client.identify(e.input);
    case 'page':
      return client.page(e.input);
  }
}

/**
 * Feeds a simulation to a Plaza collector through the Node client. History goes as fast as the collector
 * answers (the client's high-water mark is the back-pressure); live events wait for their time.
 * Deliveries settle at every checkpoint, so a run stopped at any point resumes from the last checkpoint
 * with `skip`: the simulation is deterministic, and events resent after it are deduplicated by event id.
 */
export async function runSimulation(o: RunOptions): Promise<RunResult> {
  const now = o.now ?? Date.now;
  let lastError: PlazaDeliveryError | undefined;
  const client = new PlazaClient({
    host: o.host,
    writeKey: o.writeKey,
    // Loopback or LAN: gzip would cost more CPU on both sides than it saves.
    gzip: false,
    maxBatchEvents: 300,
    flushAt: 300,
    // One request at a time keeps the log in event-time order: history is compressed, so a few thousand
    // events in flight at once would span hours of simulated time and reach stream processors as late data.
    maxInFlight: 1,
    highWaterMark: 5000,
    flushIntervalMs: 200,
    flushOnExit: false,
    onError: (e) => {
      lastError ??= e;
    },
  });
  const skip = o.skip ?? 0;
  const every = o.checkpointEvery ?? 50_000;
  const started = now();
  const it = o.simulation.events();
  let generated = 0;
  let history = 0;
  let simTime = 0;
  let sinceCheckpoint = 0;
  let lastReport = 0;
  let handed = 0;
  const progress = (phase: Progress['phase']): Progress => {
    const s = client.stats;
    return {
      phase,
      simTime,
      skipped: Math.min(generated, skip),
      sent: handed,
      accepted: s.accepted,
      deduplicated: s.deduplicated,
      rejected: s.rejected,
      failed: s.failed,
      dropped: s.dropped,
      rate: handed / Math.max(0.001, (now() - started) / 1000),
    };
  };
  let phase: Progress['phase'] = 'history';
  try {
    while (!o.signal?.aborted && generated < (o.stopAfter ?? Number.POSITIVE_INFINITY)) {
      const next = it.next();
      if (next.done) break;
      const e = next.value;
      const ts = timestampOf(e);
      if (ts >= o.historyEnd) {
        if (!o.live) break;
        if (phase === 'history') {
          phase = 'live';
          await settle();
        }
      }
      generated++;
      simTime = ts;
      if (ts < o.historyEnd) history++;
      if (generated <= skip) continue;
      if (phase === 'live') {
        const wait = ts - now();
        if (wait > 0) {
          // Events due later than the flush interval would sit in the open batch: send what is there.
          if (wait > 200) void client.flush();
          await sleep(wait, undefined, { signal: o.signal }).catch(() => undefined);
          if (o.signal?.aborted) {
            generated--;
            break;
          }
        }
      }
      if (o.maxRate !== undefined) {
        const due = started + ((handed + 1) / o.maxRate) * 1000;
        const wait = due - now();
        if (wait > 0) await sleep(wait);
      }
      handed++;
      if (!send(client, e)) await client.waitForCapacity();
      if (++sinceCheckpoint >= every) await settle();
      if (o.onProgress && now() - lastReport >= 250) {
        lastReport = now();
        o.onProgress(progress(phase));
      }
    }
    await settle();
  } finally {
    await client.close();
  }
  o.onProgress?.(progress(phase));
  const s = client.stats;
  return {
    generated,
    skipped: Math.min(generated, skip),
    history,
    sent: handed,
    accepted: s.accepted,
    deduplicated: s.deduplicated,
    rejected: s.rejected,
    failed: s.failed,
    dropped: s.dropped,
  };

  async function settle(): Promise<void> {
    await client.flush();
    sinceCheckpoint = 0;
    // Failed or dropped events were not delivered: stop before a checkpoint passes them, so a rerun
    // resumes from the last checkpoint and sends them again.
    const s = client.stats;
    if (s.failed > 0 || s.dropped > 0)
      throw new PlazaError(
        'simulation_delivery_failed',
        `${s.failed + s.dropped} events could not be delivered to ${o.host}: ${lastError?.message ?? 'unknown error'}. ` +
          'Fix the cause and run again: the run resumes from its last checkpoint.',
        502,
      );
    await o.onCheckpoint?.(generated);
  }
}
