import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { globToRegExp, MemoryKeyValue } from '../src/adapters/kv/memory.js';
import { RedisKeyValue } from '../src/adapters/kv/redis.js';
import { PlazaError } from '../src/core/errors.js';
import { keyValueContract } from './contracts/key-value.contract.js';
import { closedPort, requireEnv } from './helpers/engines.js';

keyValueContract('memory', () => MemoryKeyValue.open());

describe('memory with a snapshot file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plaza-kv-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  keyValueContract('memory with a snapshot file', () =>
    MemoryKeyValue.open({ snapshotPath: join(dir, 'contract.json'), snapshotIntervalMs: 20 }),
  );

  it('saves every type on close and loads it on open, TTLs included', async () => {
    const path = join(dir, 'roundtrip.json');
    const first = await MemoryKeyValue.open({ snapshotPath: path });
    await first.set('s', 'string value');
    await first.set('s:ttl', 'expiring later', { ttlMs: 60_000 });
    await first.hSet('h', { a: '1', b: 'two' });
    await first.zIncrBy('z', 'x', 2.5);
    await first.zIncrBy('z', 'y', Number.POSITIVE_INFINITY);
    await first.zIncrBy('z', 'w', Number.NEGATIVE_INFINITY);
    await first.incrBy('n', 7);
    await first.close();

    const second = await MemoryKeyValue.open({ snapshotPath: path });
    try {
      assert.equal(await second.get('s'), 'string value');
      assert.equal(await second.get('s:ttl'), 'expiring later');
      const ttl = await second.pttl('s:ttl');
      assert.ok(ttl > 50_000 && ttl <= 60_000, `ttl ${ttl}`);
      assert.equal(await second.pttl('s'), -1);
      assert.deepEqual(await second.hGetAll('h'), { a: '1', b: 'two' });
      assert.deepEqual(await second.zRevRangeWithScores('z', 0, -1), [
        { member: 'y', score: Number.POSITIVE_INFINITY },
        { member: 'x', score: 2.5 },
        { member: 'w', score: Number.NEGATIVE_INFINITY },
      ]);
      assert.equal(await second.incrBy('n', 1), 8);
      assert.deepEqual((await second.keys('*')).sort(), ['h', 'n', 's', 's:ttl', 'z']);
    } finally {
      await second.close();
    }
    // Written atomically: nothing but the snapshot itself is left in the directory.
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('roundtrip')),
      ['roundtrip.json'],
    );
  });

  it('keeps expiring keys while closed and drops the ones that expired', async () => {
    const path = join(dir, 'expiry.json');
    const first = await MemoryKeyValue.open({ snapshotPath: path });
    await first.set('soon', 'x', { ttlMs: 80 });
    await first.set('later', 'y', { ttlMs: 3000 });
    await first.incrBy('window', 1, 3000);
    await first.close();
    await sleep(300);

    const second = await MemoryKeyValue.open({ snapshotPath: path });
    try {
      assert.equal(await second.get('soon'), null);
      assert.equal(await second.get('later'), 'y');
      // The TTL kept running while no process held the data.
      const left = await second.pttl('later');
      assert.ok(left > 0 && left <= 2700, `ttl ${left}`);
      assert.deepEqual((await second.keys('*')).sort(), ['later', 'window']);
      await sleep(left + 50);
      assert.equal(await second.get('later'), null);
      assert.equal(await second.incrBy('window', 1, 60_000), 1);
    } finally {
      await second.close();
    }
  });

  it('saves periodically while open, so a crash loses at most one interval', async () => {
    const path = join(dir, 'periodic.json');
    const writer = await MemoryKeyValue.open({ snapshotPath: path, snapshotIntervalMs: 30 });
    try {
      await writer.set('k', 'v1');
      await writer.hIncrBy('h', 'f', 3);
      // A second instance reads the file the first one is still updating (it never closed); on a loaded
      // machine the first save may take a few intervals.
      const saved = () => existsSync(path) && readFileSync(path, 'utf8').includes('"h"');
      for (const until = Date.now() + 5000; !saved() && Date.now() < until; ) await sleep(20);
      const reader = await MemoryKeyValue.open({ snapshotPath: path });
      assert.equal(await reader.get('k'), 'v1');
      assert.deepEqual(await reader.hGetAll('h'), { f: '3' });
      await reader.close();
    } finally {
      await writer.close();
    }
  });

  it('refuses to start over an unreadable snapshot instead of silently discarding it', async () => {
    const path = join(dir, 'corrupt.json');
    writeFileSync(path, '{"version":1,"entries":[');
    await assert.rejects(
      MemoryKeyValue.open({ snapshotPath: path }),
      (e) => e instanceof PlazaError && e.code === 'kv_snapshot_unreadable' && e.message.includes(path),
    );
    assert.ok(existsSync(path));
  });

  it('starts empty when the snapshot file does not exist yet', async () => {
    const kv = await MemoryKeyValue.open({ snapshotPath: join(dir, 'fresh.json') });
    assert.deepEqual(await kv.keys('*'), []);
    await kv.close();
    assert.ok(existsSync(join(dir, 'fresh.json')));
  });
});

describe('memory', () => {
  it('reclaims expired keys without being asked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plaza-kv-sweep-'));
    try {
      const path = join(dir, 'sweep.json');
      const kv = await MemoryKeyValue.open({ snapshotPath: path, sweepIntervalMs: 20 });
      for (let i = 0; i < 100; i++) await kv.set(`k${i}`, 'x', { ttlMs: 30 });
      await kv.set('stay', 'x');
      await sleep(150);
      // Nothing read the keys; the snapshot holds only what survived the sweep.
      await kv.snapshot();
      const saved = JSON.parse(readFileSync(path, 'utf8')) as { entries: [string, unknown][] };
      assert.deepEqual(
        saved.entries.map(([k]) => k),
        ['stay'],
      );
      await kv.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps a large sorted set in order under many increments', async () => {
    const kv = await MemoryKeyValue.open();
    try {
      const expected = new Map<string, number>();
      for (let i = 0; i < 50_000; i++) {
        const member = `m${i % 20_000}`;
        const by = (i % 13) + 1;
        expected.set(member, (expected.get(member) ?? 0) + by);
        await kv.zIncrBy('big', member, by);
      }
      const top = await kv.zRevRangeWithScores('big', 0, 9);
      const want = [...expected].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1)).slice(0, 10);
      assert.deepEqual(
        top.map((t) => t.score),
        want.map(([, score]) => score),
      );
    } finally {
      await kv.close();
    }
  });

  it('fails with kv_unavailable after close', async () => {
    const kv = await MemoryKeyValue.open();
    await kv.close();
    await assert.rejects(kv.get('k'), (e) => e instanceof PlazaError && e.code === 'kv_unavailable');
  });

  it('translates Redis glob patterns', () => {
    const cases: [string, string, boolean][] = [
      ['a*', 'a:b/c', true],
      ['a?c', 'abc', true],
      ['a?c', 'ac', false],
      ['[a-c]x', 'bx', true],
      ['[a-c]x', 'dx', false],
      ['[^a]x', 'ax', false],
      ['a.b', 'aXb', false],
      ['a\\?', 'a?', true],
      ['a\\?', 'ab', false],
      ['(x)+', '(x)+', true],
      ['[unclosed', '[unclosed', true],
    ];
    for (const [pattern, key, expected] of cases) {
      assert.equal(globToRegExp(pattern).test(key), expected, `${pattern} vs ${key}`);
    }
  });
});

describe('redis', () => {
  keyValueContract('redis', () => RedisKeyValue.open(requireEnv('PLAZA_TEST_REDIS_URL')));

  it('reports an unreachable server as kv_unavailable (503)', async () => {
    const port = await closedPort();
    await assert.rejects(
      RedisKeyValue.open(`redis://:secret@127.0.0.1:${port}`, { connectTimeoutMs: 1000 }),
      (e) =>
        e instanceof PlazaError &&
        e.code === 'kv_unavailable' &&
        e.status === 503 &&
        e.message.includes(`127.0.0.1:${port}`) &&
        !e.message.includes('secret'),
    );
  });

  it('fails commands with kv_unavailable once closed', async () => {
    const kv = await RedisKeyValue.open(requireEnv('PLAZA_TEST_REDIS_URL'));
    await kv.close();
    await assert.rejects(kv.get('k'), (e) => e instanceof PlazaError && e.code === 'kv_unavailable');
  });
});
