import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { EventLog, LogRecord, StoredRecord } from '../../src/ports/event-log.js';

/**
 * What every EventLog adapter must do, exercised only through the port.
 *
 * `open` gives a fresh log (its own storage, or unique names on a shared broker), `reopen` a new instance over
 * the same storage, standing in for a process restart. The suite closes `log` before calling `reopen`, closes
 * every log it opened before `cleanup`, and uses unique topic and group names so a shared broker works too.
 */
export interface EventLogFixture {
  log: EventLog;
  reopen: () => Promise<EventLog>;
  cleanup: () => Promise<void>;
}

const TIMEOUT = 30_000;

const unique = (base: string): string => `${base}-${randomUUID().slice(0, 8)}`;
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (v: Uint8Array): string => Buffer.from(v).toString('utf8');
const rec = (key: string, value: string, timestamp?: number): LogRecord =>
  timestamp === undefined ? { key, value: bytes(value) } : { key, value: bytes(value), timestamp };

/** Everything in a topic, partition by partition, through read(). */
async function readAll(log: EventLog, topic: string): Promise<StoredRecord[][]> {
  const ends = await log.endOffsets(topic);
  const out: StoredRecord[][] = [];
  for (let p = 0; p < ends.length; p++) {
    const records: StoredRecord[] = [];
    while (records.length < ends[p]!) {
      const batch = await log.read(topic, p, records.length, 1000);
      assert.ok(batch.length > 0, `read stalled at ${topic}/${p}@${records.length}`);
      records.push(...batch);
    }
    out.push(records);
  }
  return out;
}

/** Polls until `count` records arrived (or fails after a few seconds). */
async function pollCount(
  consumer: { poll: (o: { maxRecords?: number; timeoutMs?: number }) => Promise<StoredRecord[]> },
  count: number,
  maxRecords = 1000,
): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  const deadline = Date.now() + 10_000;
  while (out.length < count && Date.now() < deadline) {
    out.push(...(await consumer.poll({ maxRecords, timeoutMs: 500 })));
  }
  assert.equal(out.length, count, 'records polled');
  return out;
}

const byPartitionOffset = (a: StoredRecord, b: StoredRecord): number =>
  a.partition - b.partition || a.offset - b.offset;

export function eventLogContract(name: string, open: () => Promise<EventLogFixture>): void {
  /** Runs `body` with a fresh log; closes whatever it opened and cleans up, also on failure. */
  async function withLog(
    body: (f: EventLogFixture & { reopened: () => Promise<EventLog> }) => Promise<void>,
  ) {
    const fixture = await open();
    const opened: EventLog[] = [fixture.log];
    const reopened = async (): Promise<EventLog> => {
      await Promise.all(opened.map((l) => l.close()));
      const log = await fixture.reopen();
      opened.push(log);
      return log;
    };
    try {
      await body({ ...fixture, reopened });
    } finally {
      await Promise.allSettled(opened.map((l) => l.close()));
      await fixture.cleanup();
    }
  }

  describe(`EventLog contract: ${name}`, { timeout: 120_000 }, () => {
    it('creates topics with a partition count and keeps it', { timeout: TIMEOUT }, () =>
      withLog(async ({ log }) => {
        const topic = unique('topics');
        await log.ensureTopic(topic, { partitions: 3 });
        assert.equal(await log.partitions(topic), 3);
        await log.ensureTopic(topic, { partitions: 5 });
        assert.equal(await log.partitions(topic), 3);
        assert.deepEqual(await log.endOffsets(topic), [0, 0, 0]);
      }),
    );

    it('acknowledges an empty batch with no acks', { timeout: TIMEOUT }, () =>
      withLog(async ({ log }) => {
        const topic = unique('empty');
        await log.ensureTopic(topic, { partitions: 2 });
        assert.deepEqual(await log.append(topic, []), []);
        assert.deepEqual(await log.endOffsets(topic), [0, 0]);
      }),
    );

    it(
      'acks in input order with contiguous offsets per partition, same key same partition',
      { timeout: TIMEOUT },
      () =>
        withLog(async ({ log }) => {
          const topic = unique('acks');
          await log.ensureTopic(topic, { partitions: 4 });
          const records = Array.from({ length: 200 }, (_, i) => rec(`user-${i % 17}`, `v${i}`));
          const acks = await log.append(topic, records);
          assert.equal(acks.length, records.length);

          const partitionOfKey = new Map<string, number>();
          const offsetsByPartition = new Map<number, number[]>();
          acks.forEach((ack, i) => {
            const key = records[i]!.key;
            assert.equal(
              partitionOfKey.get(key) ?? ack.partition,
              ack.partition,
              `key ${key} changed partition`,
            );
            partitionOfKey.set(key, ack.partition);
            offsetsByPartition.set(ack.partition, [
              ...(offsetsByPartition.get(ack.partition) ?? []),
              ack.offset,
            ]);
          });
          const ends = await log.endOffsets(topic);
          for (const [p, offsets] of offsetsByPartition) {
            assert.deepEqual(
              offsets,
              offsets.map((_, i) => i),
              `partition ${p} offsets in input order`,
            );
            assert.equal(ends[p], offsets.length);
          }
          assert.ok(offsetsByPartition.size > 1, '17 keys spread over more than one partition');

          const stored = await readAll(log, topic);
          acks.forEach((ack, i) => {
            const r = stored[ack.partition]![ack.offset]!;
            assert.equal(r.key, records[i]!.key);
            assert.equal(text(r.value), `v${i}`);
            assert.equal(r.topic, topic);
            assert.equal(r.partition, ack.partition);
            assert.equal(r.offset, ack.offset);
          });
        }),
    );

    it('keeps the order of records with the same key across batches', { timeout: TIMEOUT }, () =>
      withLog(async ({ log }) => {
        const topic = unique('order');
        await log.ensureTopic(topic, { partitions: 4 });
        for (let b = 0; b < 5; b++) {
          await log.append(
            topic,
            Array.from({ length: 10 }, (_, i) => rec(i % 2 === 0 ? 'alice' : 'bob', `${b}:${i}`)),
          );
        }
        const all = (await readAll(log, topic)).flat();
        for (const key of ['alice', 'bob']) {
          const values = all.filter((r) => r.key === key).map((r) => text(r.value));
          const expected: string[] = [];
          for (let b = 0; b < 5; b++)
            for (let i = key === 'alice' ? 0 : 1; i < 10; i += 2) expected.push(`${b}:${i}`);
          assert.deepEqual(values, expected);
        }
      }),
    );

    it('reads ranges of a partition without a group', { timeout: TIMEOUT }, () =>
      withLog(async ({ log }) => {
        const topic = unique('read');
        await log.ensureTopic(topic, { partitions: 2 });
        const acks = await log.append(
          topic,
          Array.from({ length: 50 }, (_, i) => rec('same-key', `r${i}`, 1_700_000_000_000 + i)),
        );
        const p = acks[0]!.partition;
        assert.deepEqual(
          acks.map((a) => a.offset),
          acks.map((_, i) => i),
        );

        const range = await log.read(topic, p, 10, 5);
        assert.deepEqual(
          range.map((r) => r.offset),
          [10, 11, 12, 13, 14],
        );
        assert.deepEqual(
          range.map((r) => text(r.value)),
          ['r10', 'r11', 'r12', 'r13', 'r14'],
        );
        assert.deepEqual(
          range.map((r) => r.timestamp),
          [10, 11, 12, 13, 14].map((i) => 1_700_000_000_000 + i),
        );
        assert.ok(range.every((r) => r.key === 'same-key' && r.topic === topic && r.partition === p));

        const tail = await log.read(topic, p, 45, 100);
        assert.deepEqual(
          tail.map((r) => r.offset),
          [45, 46, 47, 48, 49],
        );
        assert.deepEqual(await log.read(topic, p, 50, 10), []);
        assert.deepEqual(await log.read(topic, 1 - p, 0, 10), []);

        const before = Date.now();
        const [unstamped] = await log.append(topic, [rec('same-key', 'now')]);
        const [stored] = await log.read(topic, unstamped!.partition, unstamped!.offset, 1);
        assert.ok(
          stored!.timestamp >= before - 1000 && stored!.timestamp <= Date.now() + 1000,
          'append time',
        );
      }),
    );

    it('reports end offsets and committed offsets', { timeout: TIMEOUT }, () =>
      withLog(async ({ log }) => {
        const topic = unique('offsets');
        const group = unique('group');
        await log.ensureTopic(topic, { partitions: 3 });
        assert.deepEqual(await log.committedOffsets(group, topic), [0, 0, 0]);
        const acks = await log.append(
          topic,
          Array.from({ length: 30 }, (_, i) => rec(`k${i}`, `${i}`)),
        );
        const expected = [0, 0, 0];
        for (const a of acks) expected[a.partition]!++;
        assert.deepEqual(await log.endOffsets(topic), expected);

        const consumer = await log.consumer({ group, topics: [topic] });
        await consumer.commit([{ topic, partition: 1, offset: 2 }]);
        assert.deepEqual(await log.committedOffsets(group, topic), [0, 2, 0]);
        await consumer.commit([
          { topic, partition: 0, offset: 1 },
          { topic, partition: 1, offset: 3 },
        ]);
        assert.deepEqual(await log.committedOffsets(group, topic), [1, 3, 0]);
        await consumer.close();
      }),
    );

    it(
      'polls every partition of its topics in offset order; groups are independent',
      { timeout: TIMEOUT },
      () =>
        withLog(async ({ log }) => {
          const a = unique('poll-a');
          const b = unique('poll-b');
          await log.ensureTopic(a, { partitions: 3 });
          await log.ensureTopic(b, { partitions: 2 });
          await log.append(
            a,
            Array.from({ length: 40 }, (_, i) => rec(`k${i % 7}`, `a${i}`)),
          );
          await log.append(
            b,
            Array.from({ length: 10 }, (_, i) => rec(`k${i}`, `b${i}`)),
          );

          const first = await log.consumer({ group: unique('g1'), topics: [a, b] });
          const got = await pollCount(first, 50, 7);
          const keyOf = (r: StoredRecord) => `${r.topic}/${r.partition}/${r.offset}`;
          assert.equal(new Set(got.map(keyOf)).size, 50, 'no record twice');
          for (const t of [a, b]) {
            const mine = got.filter((r) => r.topic === t);
            for (const p of new Set(mine.map((r) => r.partition))) {
              const offsets = mine.filter((r) => r.partition === p).map((r) => r.offset);
              assert.deepEqual(
                offsets,
                offsets.map((_, i) => i),
                `${t}/${p} in order from 0`,
              );
            }
          }
          assert.deepEqual(await first.poll({ timeoutMs: 0 }), []);

          await first.commit([{ topic: a, partition: 0, offset: 5 }]);
          const second = await log.consumer({ group: unique('g2'), topics: [a] });
          assert.equal((await pollCount(second, 40)).length, 40, 'another group starts from the beginning');
          await first.close();
          await second.close();
        }),
    );

    it('respects maxRecords', { timeout: TIMEOUT }, () =>
      withLog(async ({ log }) => {
        const topic = unique('max');
        await log.ensureTopic(topic, { partitions: 1 });
        await log.append(
          topic,
          Array.from({ length: 25 }, (_, i) => rec('k', `${i}`)),
        );
        const consumer = await log.consumer({ group: unique('g'), topics: [topic] });
        const seen: number[] = [];
        while (seen.length < 25) {
          const batch = await consumer.poll({ maxRecords: 10, timeoutMs: 2000 });
          assert.ok(batch.length > 0 && batch.length <= 10, `batch of ${batch.length}`);
          seen.push(...batch.map((r) => r.offset));
        }
        assert.deepEqual(
          seen,
          seen.map((_, i) => i),
        );
        await consumer.close();
      }),
    );

    it('resumes a group from its committed offsets after a restart', { timeout: TIMEOUT }, () =>
      withLog(async ({ log, reopened }) => {
        const topic = unique('resume');
        const group = unique('group');
        await log.ensureTopic(topic, { partitions: 2 });
        await log.append(
          topic,
          Array.from({ length: 20 }, (_, i) => rec(`k${i}`, `${i}`)),
        );
        const consumer = await log.consumer({ group, topics: [topic] });
        const got = (await pollCount(consumer, 20)).sort(byPartitionOffset);
        // Commit "processed the first 3 of each partition" (fewer if a partition got fewer).
        const committed = [0, 1].map((p) => Math.min(3, got.filter((r) => r.partition === p).length));
        await consumer.commit(committed.map((offset, partition) => ({ topic, partition, offset })));
        await consumer.close();

        const log2 = await reopened();
        assert.deepEqual(await log2.committedOffsets(group, topic), committed);
        const ends = await log2.endOffsets(topic);
        assert.equal(ends[0]! + ends[1]!, 20);
        const resumed = await log2.consumer({ group, topics: [topic] });
        const expected = got.filter((r) => r.offset >= committed[r.partition]!);
        const rest = (await pollCount(resumed, expected.length)).sort(byPartitionOffset);
        assert.deepEqual(
          rest.map((r) => [r.partition, r.offset, text(r.value)]),
          expected.map((r) => [r.partition, r.offset, text(r.value)]),
        );
        await resumed.close();
      }),
    );

    it("starts a group without commits at the end with from: 'latest'", { timeout: TIMEOUT }, () =>
      withLog(async ({ log }) => {
        const topic = unique('latest');
        await log.ensureTopic(topic, { partitions: 2 });
        await log.append(topic, [rec('a', 'old'), rec('b', 'old')]);
        const consumer = await log.consumer({ group: unique('g'), topics: [topic], from: 'latest' });
        assert.deepEqual(await consumer.poll({ timeoutMs: 100 }), []);
        await log.append(topic, [rec('a', 'new')]);
        const got = await pollCount(consumer, 1);
        assert.equal(text(got[0]!.value), 'new');
        await consumer.close();
      }),
    );

    it('seeks to an offset', { timeout: TIMEOUT }, () =>
      withLog(async ({ log }) => {
        const topic = unique('seek');
        await log.ensureTopic(topic, { partitions: 1 });
        await log.append(
          topic,
          Array.from({ length: 10 }, (_, i) => rec('k', `${i}`)),
        );
        const consumer = await log.consumer({ group: unique('g'), topics: [topic] });
        await pollCount(consumer, 10);
        consumer.seek({ topic, partition: 0, offset: 7 });
        assert.deepEqual(
          (await pollCount(consumer, 3)).map((r) => text(r.value)),
          ['7', '8', '9'],
        );
        consumer.seek({ topic, partition: 0, offset: 2 });
        const again = await consumer.poll({ maxRecords: 2, timeoutMs: 2000 });
        assert.deepEqual(
          again.map((r) => r.offset),
          [2, 3],
        );
        await consumer.close();
      }),
    );

    it('returns an empty poll after the timeout, and wakes up for an append', { timeout: TIMEOUT }, () =>
      withLog(async ({ log }) => {
        const topic = unique('wait');
        await log.ensureTopic(topic, { partitions: 2 });
        const consumer = await log.consumer({ group: unique('g'), topics: [topic] });
        let started = Date.now();
        assert.deepEqual(await consumer.poll({ timeoutMs: 300 }), []);
        const waited = Date.now() - started;
        assert.ok(waited >= 250, `waited ${waited} ms`);

        started = Date.now();
        const polled = consumer.poll({ timeoutMs: 10_000 });
        await new Promise((r) => setTimeout(r, 100));
        await log.append(topic, [rec('k', 'wake')]);
        const got = await polled;
        const latency = Date.now() - started;
        assert.deepEqual(
          got.map((r) => text(r.value)),
          ['wake'],
        );
        assert.ok(latency < 5000, `woke after ${latency} ms`);
        await consumer.close();
      }),
    );

    it('acks concurrent appends from many callers with unique contiguous offsets', { timeout: TIMEOUT }, () =>
      withLog(async ({ log }) => {
        const topic = unique('concurrent');
        await log.ensureTopic(topic, { partitions: 3 });
        const callers = 40;
        const perCall = 25;
        const results = await Promise.all(
          Array.from({ length: callers }, (_, c) =>
            log.append(
              topic,
              Array.from({ length: perCall }, (_, i) => rec(`user-${(c * 31 + i) % 23}`, `${c}:${i}`)),
            ),
          ),
        );
        const stored = await readAll(log, topic);
        assert.equal(stored.flat().length, callers * perCall);
        const seen = new Set<string>();
        results.forEach((acks, c) => {
          assert.equal(acks.length, perCall);
          acks.forEach((ack, i) => {
            const id = `${ack.partition}/${ack.offset}`;
            assert.ok(!seen.has(id), `offset ${id} acked twice`);
            seen.add(id);
            assert.equal(text(stored[ack.partition]![ack.offset]!.value), `${c}:${i}`);
          });
          // Within one call, records of a partition keep their input order.
          for (let i = 1; i < acks.length; i++) {
            for (let j = 0; j < i; j++) {
              if (acks[j]!.partition === acks[i]!.partition) assert.ok(acks[j]!.offset < acks[i]!.offset);
            }
          }
        });
        stored.forEach((records, p) => {
          assert.deepEqual(
            records.map((r) => r.offset),
            records.map((_, i) => i),
            `partition ${p} contiguous`,
          );
        });
      }),
    );

    it('stores and returns large values (100 KB) intact', { timeout: TIMEOUT }, () =>
      withLog(async ({ log }) => {
        const topic = unique('large');
        await log.ensureTopic(topic, { partitions: 2 });
        const values = Array.from({ length: 6 }, () => randomBytes(100 * 1024));
        const acks = await log.append(
          topic,
          values.map((value, i) => ({ key: `k${i % 3}`, value: new Uint8Array(value) })),
        );
        for (const [i, ack] of acks.entries()) {
          const [r] = await log.read(topic, ack.partition, ack.offset, 1);
          assert.ok(Buffer.from(r!.value).equals(values[i]!), `value ${i} read back`);
        }
        const consumer = await log.consumer({ group: unique('g'), topics: [topic] });
        const polled = await pollCount(consumer, 6);
        for (const r of polled) {
          const i = acks.findIndex((a) => a.partition === r.partition && a.offset === r.offset);
          assert.ok(Buffer.from(r.value).equals(values[i]!), `value ${i} polled`);
        }
        await consumer.close();
      }),
    );
  });
}
