/**
 * Stream processors on their own, in this process, without HTTP: a local event log is filled once with N
 * realistic events, then each processor (and then all of them at once) reads it from the start on fresh
 * stores, and its time to drain gives events/s. The raw-events sink alone is the baseline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LocalEventLog } from '../../src/adapters/event-log/local/local-event-log.js';
import { MemoryKeyValue } from '../../src/adapters/kv/memory.js';
import { RedisKeyValue } from '../../src/adapters/kv/redis.js';
import { DuckDbWarehouse } from '../../src/adapters/warehouse/duckdb/duckdb-warehouse.js';
import { eventTopics } from '../../src/collector/topics.js';
import { startLiveCounters } from '../../src/live/counters.js';
import { createLogger } from '../../src/observability/logger.js';
import type { KeyValue } from '../../src/ports/key-value.js';
import type { Warehouse } from '../../src/ports/warehouse.js';
import { startRawEventsSink } from '../../src/sink/raw-events-sink.js';
import type { ConsumerLoop } from '../../src/stream/consumer-loop.js';
import { startSessionizer } from '../../src/stream/sessions/processor.js';
import { startWindowAggregator } from '../../src/stream/windows/aggregator.js';
import { cpuSeconds } from '../ingest/proc.js';
import { appendEvents, makeEvents } from './events.js';

export type ProcessorName = 'raw-sink' | 'sessions' | 'aggregator' | 'live' | 'all';

export interface ProcessorRun {
  name: ProcessorName;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** CPU seconds of this process (all threads, DuckDB's included) during the run. */
  cpuSeconds: number;
  detail?: Record<string, object>;
}

export interface ProcessorBenchOptions {
  events: number;
  /** Event time covered by the events: their density is events / spanSeconds per second. */
  spanSeconds: number;
  listings: number;
  visitors: number;
  runs: ProcessorName[];
  dataParent: string;
  redisUrl?: string;
  log: (line: string) => void;
}

const logger = createLogger('warn');

type Starter = (ctx: {
  log: LocalEventLog;
  warehouse: Warehouse;
  kv: KeyValue;
  group: string;
}) => Promise<ConsumerLoop & { stats?: () => object }>;

const starters: Record<Exclude<ProcessorName, 'all'>, Starter> = {
  'raw-sink': ({ log, warehouse }) => startRawEventsSink(log, warehouse, logger),
  sessions: ({ log, warehouse }) =>
    startSessionizer({
      log,
      warehouse,
      logger,
      timeZoneOf: async () => 'America/Santo_Domingo',
      sessionTimeoutMinutes: 30,
    }),
  aggregator: ({ log, warehouse, group }) =>
    startWindowAggregator({ log, warehouse, logger, group: `${group}-agg` }),
  live: ({ log, kv, group }) =>
    startLiveCounters({
      log,
      kv,
      logger,
      timeZoneOf: async () => 'America/Santo_Domingo',
      group: `${group}-live`,
      lingerMs: 50,
    }),
};

async function resetGroup(log: LocalEventLog, group: string): Promise<void> {
  const c = await log.consumer({ group, topics: [...eventTopics] });
  const zeros = [];
  for (const topic of eventTopics) {
    const n = await log.partitions(topic);
    for (let partition = 0; partition < n; partition++) zeros.push({ topic, partition, offset: 0 });
  }
  await c.commit(zeros);
  await c.close();
}

export async function runProcessorBench(o: ProcessorBenchOptions): Promise<ProcessorRun[]> {
  const dir = mkdtempSync(join(o.dataParent, 'plaza-bench-stream-'));
  const results: ProcessorRun[] = [];
  try {
    const log = await LocalEventLog.open(join(dir, 'log'), { defaultPartitions: 4, fsync: false });
    for (const t of eventTopics) await log.ensureTopic(t);
    const now = Date.now();
    o.log(`filling the log with ${o.events} events (${o.spanSeconds} s of event time)...`);
    for (let done = 0; done < o.events; done += 100_000) {
      const n = Math.min(100_000, o.events - done);
      const share = (n / o.events) * o.spanSeconds * 1000;
      const startMs = now - o.spanSeconds * 1000 + (done / o.events) * o.spanSeconds * 1000;
      await appendEvents(
        log,
        makeEvents({
          projectId: 'bench',
          count: n,
          startMs,
          stepMs: share / n,
          listings: o.listings,
          visitors: o.visitors,
          sellers: Math.max(10, Math.round(o.listings / 20)),
          seed: done + 1,
          idPrefix: `b${done}`,
        }),
      );
    }
    for (const name of o.runs) {
      const names = name === 'all' ? (['raw-sink', 'sessions', 'aggregator', 'live'] as const) : [name];
      const warehouse = await DuckDbWarehouse.open(join(dir, `wh-${name}.duckdb`), { memoryLimit: '512MB' });
      const kv: KeyValue = o.redisUrl ? await RedisKeyValue.open(o.redisUrl) : await MemoryKeyValue.open();
      const group = `bench-${name}-${Date.now()}`;
      // Processors with a fixed group name: make the log forget their previous run's commits.
      for (const fixed of ['raw-events-sink', 'sessionizer']) await resetGroup(log, fixed);
      const cpu0 = cpuSeconds(process.pid);
      const t0 = performance.now();
      const loops = await Promise.all(names.map((n) => starters[n]({ log, warehouse, kv, group })));
      await Promise.all(loops.map((l) => l.drain(1_800_000)));
      const seconds = (performance.now() - t0) / 1000;
      const cpu = cpuSeconds(process.pid) - cpu0;
      const detail: Record<string, object> = {};
      for (const [i, l] of loops.entries()) if (l.stats) detail[names[i]!] = l.stats();
      for (const l of loops) await l.stop();
      await warehouse.close();
      await kv.close();
      const run: ProcessorRun = {
        name,
        events: o.events,
        seconds: Math.round(seconds * 100) / 100,
        eventsPerSecond: Math.round(o.events / seconds),
        cpuSeconds: Math.round(cpu * 10) / 10,
        detail,
      };
      results.push(run);
      o.log(
        `${name.padEnd(10)} ${String(run.eventsPerSecond).padStart(8)} events/s  (${run.seconds} s, ${run.cpuSeconds} CPU s)`,
      );
    }
    await log.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
