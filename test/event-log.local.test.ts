import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import { tableCrc32 } from '../src/adapters/event-log/local/crc32.js';
import { LocalEventLog, type LocalEventLogOptions } from '../src/adapters/event-log/local/index.js';
import { isPlazaError } from '../src/core/errors.js';
import type { EventLog, StoredRecord } from '../src/ports/event-log.js';
import { eventLogContract } from './contracts/event-log.contract.js';

const tempDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'plaza-log-'));
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (v: Uint8Array): string => Buffer.from(v).toString('utf8');

eventLogContract('local', async () => {
  const dir = await tempDir();
  return {
    log: await LocalEventLog.open(dir),
    reopen: () => LocalEventLog.open(dir),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

/** Opens a log in a fresh temp dir, runs `body`, closes and removes everything. */
async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function withLog(
  dir: string,
  options: LocalEventLogOptions,
  body: (log: LocalEventLog) => Promise<void>,
): Promise<void> {
  const log = await LocalEventLog.open(dir, options);
  try {
    await body(log);
  } finally {
    await log.close();
  }
}

async function readPartition(log: EventLog, topic: string, partition: number): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  for (;;) {
    const batch = await log.read(topic, partition, out.length, 1000);
    if (batch.length === 0) return out;
    out.push(...batch);
  }
}

const segmentFiles = async (dir: string, topic: string, partition: number): Promise<string[]> =>
  (await readdir(join(dir, 'topics', topic, String(partition)))).filter((n) => n.endsWith('.log')).sort();

describe('local event log', () => {
  it('computes the same CRC-32 without zlib.crc32 (Node 20 before 20.15)', () => {
    const nativeCrc = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
    assert.equal(tableCrc32(bytes('123456789')), 0xcbf43926, 'the standard check value');
    for (const size of [0, 1, 7, 500, 4096]) {
      const data = randomBytes(size);
      if (nativeCrc) assert.equal(tableCrc32(data), nativeCrc(data));
    }
  });

  it('cuts off a torn tail on reopen and keeps appending after it', () =>
    withDir(async (dir) => {
      await withLog(dir, {}, async (log) => {
        await log.ensureTopic('t', { partitions: 1 });
        await log.append(
          't',
          Array.from({ length: 10 }, (_, i) => ({ key: 'k', value: bytes(`v${i}`) })),
        );
      });
      const [segment] = await segmentFiles(dir, 't', 0);
      const path = join(dir, 'topics', 't', '0', segment!);
      const intact = await readFile(path);

      // A record cut off mid-write: a valid-looking prefix of the first record.
      await appendFile(path, intact.subarray(0, 20));
      await withLog(dir, {}, async (log) => {
        assert.deepEqual(await log.endOffsets('t'), [10]);
        assert.equal((await stat(path)).size, intact.length, 'torn bytes removed');
        const [ack] = await log.append('t', [{ key: 'k', value: bytes('after') }]);
        assert.deepEqual(ack, { partition: 0, offset: 10 });
      });

      // Garbage after the last record is cut off.
      const beforeGarbage = (await stat(path)).size;
      await appendFile(path, Buffer.from([0xff, 0x00, 0x13, 0x37, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42]));
      await withLog(dir, {}, async (log) => {
        assert.deepEqual(await log.endOffsets('t'), [11]);
        assert.equal((await stat(path)).size, beforeGarbage, 'garbage removed');
      });

      // A last record whose bytes were damaged fails its checksum and is cut off too.
      const damaged = await readFile(path);
      damaged[damaged.length - 1] = damaged[damaged.length - 1]! ^ 0xff;
      await writeFile(path, damaged);
      await withLog(dir, {}, async (log) => {
        assert.deepEqual(await log.endOffsets('t'), [10], 'record 10 failed its checksum');
        const records = await readPartition(log, 't', 0);
        assert.deepEqual(
          records.map((r) => text(r.value)),
          Array.from({ length: 10 }, (_, i) => `v${i}`),
        );
      });
    }));

  it('rolls segments over, names them by base offset, and reads across them after reopen', () =>
    withDir(async (dir) => {
      const options = { segmentBytes: 2048, defaultPartitions: 1 };
      const value = (i: number) => bytes(`${i}:${'p'.repeat(100)}`);
      await withLog(dir, options, async (log) => {
        await log.ensureTopic('roll');
        for (let b = 0; b < 30; b++) {
          await log.append(
            'roll',
            Array.from({ length: 10 }, (_, i) => ({ key: 'k', value: value(b * 10 + i) })),
          );
        }
      });
      const files = await segmentFiles(dir, 'roll', 0);
      assert.ok(files.length > 10, `${files.length} segments`);
      assert.equal(files[0], `${'0'.repeat(20)}.log`);
      const bases = files.map((f) => Number(f.slice(0, 20)));
      for (const f of files.slice(0, -1)) {
        assert.ok((await stat(join(dir, 'topics', 'roll', '0', f))).size <= 2048, 'segment within its size');
      }

      await withLog(dir, options, async (log) => {
        assert.deepEqual(await log.endOffsets('roll'), [300]);
        // Reading from the middle of early (sealed, not indexed since reopen) segments.
        for (const from of [0, bases[1]!, bases[1]! + 1, 137, 299]) {
          const got = await log.read('roll', 0, from, 25);
          assert.deepEqual(
            got.map((r) => r.offset),
            Array.from({ length: Math.min(25, 300 - from) }, (_, i) => from + i),
          );
          assert.deepEqual(got[0]!.value, value(from));
        }
        const all = await readPartition(log, 'roll', 0);
        assert.equal(all.length, 300);
        assert.ok(all.every((r, i) => r.offset === i && text(r.value) === text(value(i))));
        const [ack] = await log.append('roll', [{ key: 'k', value: value(300) }]);
        assert.equal(ack!.offset, 300);
      });
    }));

  it('lets a consumer keep up with a writer across segment rollovers', () =>
    withDir(async (dir) => {
      await withLog(dir, { segmentBytes: 4096, defaultPartitions: 2 }, async (log) => {
        await log.ensureTopic('live');
        const consumer = await log.consumer({ group: 'g', topics: ['live'] });
        const writer = (async () => {
          for (let b = 0; b < 50; b++) {
            await log.append(
              'live',
              Array.from({ length: 10 }, (_, i) => ({
                key: `k${i % 3}`,
                value: bytes(`${b * 10 + i}:${'x'.repeat(80)}`),
              })),
            );
          }
        })();
        const got: StoredRecord[] = [];
        const deadline = Date.now() + 10_000;
        while (got.length < 500 && Date.now() < deadline)
          got.push(...(await consumer.poll({ maxRecords: 37, timeoutMs: 500 })));
        await writer;
        assert.equal(got.length, 500);
        for (const p of [0, 1]) {
          const offsets = got.filter((r) => r.partition === p).map((r) => r.offset);
          assert.deepEqual(
            offsets,
            offsets.map((_, i) => i),
          );
        }
        assert.deepEqual(
          got.map((r) => Number(text(r.value).split(':')[0])).sort((a, b) => a - b),
          Array.from({ length: 500 }, (_, i) => i),
        );
        assert.ok((await segmentFiles(dir, 'live', 0)).length > 3, 'rolled over while consuming');
        await consumer.close();
      });
    }));

  it('waits for queued appends on close', () =>
    withDir(async (dir) => {
      const log = await LocalEventLog.open(dir);
      await log.ensureTopic('t', { partitions: 2 });
      const appends = Array.from({ length: 20 }, (_, i) =>
        log.append('t', [{ key: `k${i}`, value: bytes(`${i}`) }]),
      );
      await log.close();
      const acks = (await Promise.all(appends)).flat();
      assert.equal(acks.length, 20);
      await assert.rejects(log.append('t', [{ key: 'k', value: bytes('late') }]), {
        code: 'event_log_closed',
      });
      await withLog(dir, {}, async (reopened) => {
        const ends = await reopened.endOffsets('t');
        assert.equal(ends[0]! + ends[1]!, 20);
      });
    }));

  it('rejects bad topic names, unknown topics and bad records with PlazaErrors', () =>
    withDir(async (dir) => {
      await withLog(dir, {}, async (log) => {
        await assert.rejects(log.ensureTopic('../escape'), { code: 'invalid_topic' });
        await assert.rejects(log.append('missing', [{ key: 'k', value: bytes('v') }]), {
          code: 'unknown_topic',
        });
        await log.ensureTopic('t');
        await assert.rejects(log.append('t', [{ key: 'k', value: 'no' as unknown as Uint8Array }]), (e) =>
          isPlazaError(e) ? e.code === 'invalid_record' && e.status === 400 : false,
        );
        await assert.rejects(log.read('t', 9, 0, 1), { code: 'invalid_argument' });
      });
    }));

  it(
    'keeps every acknowledged record, exactly once, when the writer is killed with SIGKILL',
    { timeout: 30_000 },
    () =>
      withDir(async (dir) => {
        const child = spawn(
          process.execPath,
          [new URL('./fixtures/log-append-child.js', import.meta.url).pathname, dir],
          {
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
        });
        child.stderr.setEncoding('utf8').on('data', (d: string) => {
          err += d;
        });
        const exited = new Promise<NodeJS.Signals | null>((resolve) =>
          child.on('exit', (_code, signal) => resolve(signal)),
        );
        const ready = Date.now();
        while (!out.includes('ready\n')) {
          assert.equal(child.exitCode, null, `child died: ${err}`);
          assert.ok(Date.now() - ready < 15_000, 'child ready');
          await new Promise((r) => setTimeout(r, 20));
        }
        // Killed mid-stream once it acked a few batches (a busy machine may take longer than a second).
        const acking = Date.now();
        await new Promise((r) => setTimeout(r, 1000));
        while (out.split('\n').length < 22 && Date.now() - acking < 10_000)
          await new Promise((r) => setTimeout(r, 20));
        child.kill('SIGKILL');
        assert.equal(await exited, 'SIGKILL');
        // 'exit' can come before the last of stdout was read.
        if (!child.stdout.closed) await new Promise((r) => child.stdout.once('close', r));

        // Only complete lines are promises; a half-printed last line is not.
        const lines = out
          .split('\n')
          .slice(0, -1)
          .filter((l) => l !== 'ready');
        assert.ok(lines.length > 10, `child acked ${lines.length} batches`);
        const acked = new Map<string, string>();
        for (const line of lines) {
          const [w, seq, list] = line.split(' ');
          list!.split(',').forEach((pos, i) => {
            acked.set(pos, `${w}-${seq}-${i}`);
          });
        }

        await withLog(dir, {}, async (log) => {
          const seen = new Map<string, string>();
          const partitions = await log.partitions('crash');
          for (let p = 0; p < partitions; p++) {
            const records = await readPartition(log, 'crash', p);
            assert.equal(records.length, (await log.endOffsets('crash'))[p]);
            records.forEach((r, i) => {
              assert.equal(r.offset, i, 'contiguous offsets');
              const id = text(r.value).split('|')[0]!;
              assert.ok(!seen.has(id), `record ${id} stored twice`);
              seen.set(id, `${p}:${r.offset}`);
            });
          }
          for (const [pos, id] of acked) assert.equal(seen.get(id), pos, `acked record ${id} at ${pos}`);
          assert.ok(seen.size >= acked.size);
          // The log keeps working after recovery.
          const [ack] = await log.append('crash', [{ key: 'user-1', value: bytes('after crash') }]);
          assert.ok(ack);
        });
      }),
  );
});
