/**
 * kill -9 of the windowed aggregator mid-stream: run as a child over a log and a warehouse file, killed at
 * random moments and restarted, it must end with the same agg_minute / agg_hour as a batch recount.
 * This file is also the child: with PLAZA_WINDOWS_CHILD set it runs the aggregator to the end and exits.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { appendEvents, makeEvents, rng } from '../bench/stream/events.js';
import { aggRows, diffRows, recountRows } from '../bench/stream/recount.js';
import { LocalEventLog } from '../src/adapters/event-log/local/local-event-log.js';
import { DuckDbWarehouse } from '../src/adapters/warehouse/duckdb/duckdb-warehouse.js';
import { eventTopics } from '../src/collector/topics.js';
import { createLogger } from '../src/observability/logger.js';
import { startRawEventsSink } from '../src/sink/raw-events-sink.js';
import { startWindowAggregator } from '../src/stream/windows/aggregator.js';
import { tempDir } from './helpers/plaza.js';

const childDir = process.env['PLAZA_WINDOWS_CHILD'];
const lateness = 10 * 60_000;

async function openStores(dir: string) {
  const log = await LocalEventLog.open(join(dir, 'log'), { defaultPartitions: 4, fsync: true });
  const warehouse = await DuckDbWarehouse.open(join(dir, 'warehouse.duckdb'), { threads: 1 });
  return { log, warehouse };
}

if (childDir) {
  const { log, warehouse } = await openStores(childDir);
  const agg = await startWindowAggregator({
    log,
    warehouse,
    logger: createLogger('silent'),
    allowedLatenessMs: lateness,
    lingerMs: 0,
    maxRecords: 400,
  });
  process.stdout.write('started\n');
  await agg.drain(300_000);
  process.stdout.write('done\n');
  process.exit(0);
}

/** Runs the child; kills it with SIGKILL after `killAfterMs` (unless it finishes first). */
function runChild(dir: string, killAfterMs: number | null): Promise<'done' | 'killed'> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    env: { ...process.env, PLAZA_WINDOWS_CHILD: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (killAfterMs !== null && out.includes('started') && !child.killed) {
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.on('exit', (code, signal) => {
      if (out.includes('done') && code === 0) resolve('done');
      else if (signal === 'SIGKILL') resolve('killed');
      else reject(new Error(`child exited with ${code ?? signal}: ${out}`));
    });
  });
}

describe('windowed aggregator under kill -9', () => {
  const dir = tempDir('plaza-windows-kill-');
  after(() => rm(dir, { recursive: true, force: true }));

  it('gives the batch recount after being killed mid-stream and restarted', {
    timeout: 600_000,
  }, async () => {
    const r = rng(7);
    {
      const { log, warehouse } = await openStores(dir);
      for (const t of eventTopics) await log.ensureTopic(t);
      const events = makeEvents({
        projectId: 'shop',
        count: 30_000,
        startMs: Date.UTC(2026, 10, 23, 9, 0, 0),
        stepMs: 300,
        visitors: 800,
        listings: 200,
        sellers: 20,
        lateShare: 0.05,
        maxLateMs: 20 * 60_000,
      });
      await appendEvents(log, events, 1000);
      await log.close();
      await warehouse.close();
    }
    let kills = 0;
    for (let i = 0; i < 8; i++) {
      if ((await runChild(dir, 150 + Math.floor(r() * 900))) === 'done') break;
      kills++;
    }
    assert.equal(await runChild(dir, null), 'done');
    assert.ok(kills > 0, 'the child was never killed mid-stream');

    const { log, warehouse } = await openStores(dir);
    try {
      const sink = await startRawEventsSink(log, warehouse, createLogger('silent'));
      await sink.drain(120_000);
      await sink.stop();
      const expected = await recountRows(warehouse, lateness);
      const actual = await aggRows(warehouse);
      assert.ok(expected.rows.size > 1000);
      assert.deepEqual(diffRows(actual, expected.rows), []);
    } finally {
      await warehouse.close();
      await log.close();
    }
  });
});
