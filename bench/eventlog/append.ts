/**
 * Durable append throughput of the local event log against a baseline without group commit.
 *
 *   node dist/bench/eventlog/append.js [--seconds 5] [--concurrency 32] [--batch 100] [--bytes 500]
 *                                      [--partitions 4] [--dir <parent of the temp data dir>]
 *
 * Local log: `concurrency` callers each append `batch` records of ~`bytes` bytes in a loop, fsync on.
 * Baseline: the same callers write the same bytes with raw fs to one file, one fdatasync per batch (and the
 * same with a single caller, for context).
 * Then one consumer reads everything back (poll throughput).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalEventLog } from '../../src/adapters/event-log/local/index.js';
import type { LogRecord } from '../../src/ports/event-log.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '32' },
    batch: { type: 'string', default: '100' },
    bytes: { type: 'string', default: '500' },
    partitions: { type: 'string', default: '4' },
    dir: { type: 'string', default: tmpdir() },
  },
});
const seconds = Number(args.seconds);
const concurrency = Number(args.concurrency);
const batchSize = Number(args.batch);
const recordBytes = Number(args.bytes);
const partitions = Number(args.partitions);

/** Pre-built batches, so the benchmark measures the log rather than record construction. */
function makeBatches(n: number): LogRecord[][] {
  return Array.from({ length: n }, () =>
    Array.from({ length: batchSize }, () => ({
      key: `user-${Math.floor(Math.random() * 100_000)}`,
      // Hex text, like the JSON envelopes the collector writes: incompressible enough and printable.
      value: new Uint8Array(Buffer.from(randomBytes(recordBytes / 2).toString('hex'))),
    })),
  );
}

interface Run {
  records: number;
  seconds: number;
  latenciesMs: number[];
}

async function drive(
  appendOne: (batch: LogRecord[]) => Promise<unknown>,
  batches: LogRecord[][],
  callers = concurrency,
): Promise<Run> {
  const latenciesMs: number[] = [];
  let records = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      for (let i = c; performance.now() < deadline; i += callers) {
        const batch = batches[i % batches.length]!;
        const t = performance.now();
        await appendOne(batch);
        latenciesMs.push(performance.now() - t);
        records += batch.length;
      }
    }),
  );
  return { records, seconds: (performance.now() - start) / 1000, latenciesMs };
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;

function report(name: string, run: Run): number {
  const rate = run.records / run.seconds;
  const sorted = [...run.latenciesMs].sort((a, b) => a - b);
  console.log(
    `${name.padEnd(34)} ${Math.round(rate).toLocaleString('en').padStart(10)} records/s  ` +
      `${((rate * recordBytes) / 1e6).toFixed(1).padStart(6)} MB/s  ` +
      `append p50 ${percentile(sorted, 0.5).toFixed(1)} ms  p99 ${percentile(sorted, 0.99).toFixed(1)} ms`,
  );
  return rate;
}

const root = await mkdtemp(join(args.dir, 'plaza-bench-log-'));
try {
  console.log(
    `${concurrency} concurrent appenders, batches of ${batchSize} records of ${recordBytes} bytes, ` +
      `${seconds} s each, fsync on, data in ${root}`,
  );
  const batches = makeBatches(256);

  const log = await LocalEventLog.open(join(root, 'log'), { defaultPartitions: partitions });
  await log.ensureTopic('events');
  const logRun = await drive((batch) => log.append('events', batch), batches);
  const logRate = report(`local log (${partitions} partitions)`, logRun);

  const file = await open(join(root, 'baseline.bin'), 'a');
  const encoded = new Map(
    batches.map((b) => [b, Buffer.concat(b.map((r) => Buffer.concat([Buffer.from(r.key), r.value])))]),
  );
  const rawAppend = async (batch: LogRecord[]): Promise<void> => {
    await file.write(encoded.get(batch)!);
    await file.datasync();
  };
  const baseRate = report('baseline (write+fdatasync/batch)', await drive(rawAppend, batches));
  console.log(`ratio local log / baseline: ${(logRate / baseRate).toFixed(2)}x`);
  // For context: the same raw appends one at a time, i.e. with no concurrency for the kernel to coalesce.
  report('baseline, 1 appender', await drive(rawAppend, batches, 1));
  await file.close();

  const consumer = await log.consumer({ group: 'bench', topics: ['events'] });
  const readStart = performance.now();
  let read = 0;
  while (read < logRun.records) {
    const got = await consumer.poll({ maxRecords: 5000, timeoutMs: 1000 });
    if (got.length === 0) break;
    read += got.length;
  }
  const readSeconds = (performance.now() - readStart) / 1000;
  console.log(
    `consumer poll: ${read.toLocaleString('en')} records at ${Math.round(read / readSeconds).toLocaleString('en')} records/s`,
  );
  await consumer.close();
  await log.close();
} finally {
  await rm(root, { recursive: true, force: true });
}
