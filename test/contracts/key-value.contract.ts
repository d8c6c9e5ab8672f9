import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KeyValue } from '../../src/ports/key-value.js';
import { uniqueName } from '../helpers/engines.js';

const sortedKeys = (keys: string[]) => [...keys].sort();

/**
 * The key-value port's contract (Redis semantics), run unchanged against every adapter. The store is opened once
 * per suite; each case uses keys under its own random prefix, so suites can share a server and run concurrently.
 * Short TTLs only ever check that something expired; "has a TTL" checks use long ones, so a slow machine cannot
 * make them flaky.
 */
export function keyValueContract(name: string, open: () => Promise<KeyValue>): void {
  describe(`key-value contract: ${name}`, () => {
    let kv: KeyValue;
    before(async () => {
      kv = await open();
    });
    after(async () => {
      await kv?.close();
    });

    it('names its kind', () => {
      assert.equal(typeof kv.kind, 'string');
      assert.ok(kv.kind.length > 0);
    });

    it('gets and sets strings', async () => {
      const p = uniqueName('kv');
      assert.equal(await kv.get(`${p}:a`), null);
      assert.equal(await kv.set(`${p}:a`, 'one'), true);
      assert.equal(await kv.get(`${p}:a`), 'one');
      assert.equal(await kv.set(`${p}:a`, 'two'), true);
      assert.equal(await kv.get(`${p}:a`), 'two');
      await kv.set(`${p}:empty`, '');
      assert.equal(await kv.get(`${p}:empty`), '');
      await kv.set(`${p}:unicode`, 'žluťoučký 🐎 {"json":true}');
      assert.equal(await kv.get(`${p}:unicode`), 'žluťoučký 🐎 {"json":true}');
    });

    it('mget returns values in order, null for missing keys', async () => {
      const p = uniqueName('kv');
      await kv.set(`${p}:a`, '1');
      await kv.set(`${p}:c`, '3');
      await kv.hSet(`${p}:h`, { f: 'v' });
      assert.deepEqual(await kv.mget([`${p}:a`, `${p}:b`, `${p}:c`, `${p}:a`]), ['1', null, '3', '1']);
      // Like Redis MGET: a key holding another type reads as missing rather than failing the batch.
      assert.deepEqual(await kv.mget([`${p}:h`]), [null]);
      assert.deepEqual(await kv.mget([]), []);
    });

    it('set with onlyIfAbsent (NX) writes only missing keys', async () => {
      const p = uniqueName('kv');
      assert.equal(await kv.set(`${p}:a`, 'first', { onlyIfAbsent: true }), true);
      assert.equal(await kv.set(`${p}:a`, 'second', { onlyIfAbsent: true }), false);
      assert.equal(await kv.get(`${p}:a`), 'first');
      assert.equal(await kv.set(`${p}:b`, 'x', { onlyIfAbsent: true, ttlMs: 60_000 }), true);
      const ttl = await kv.pttl(`${p}:b`);
      assert.ok(ttl > 0 && ttl <= 60_000, `ttl ${ttl}`);
      // A key that expired counts as absent.
      await kv.set(`${p}:c`, 'old', { ttlMs: 50 });
      await sleep(120);
      assert.equal(await kv.set(`${p}:c`, 'new', { onlyIfAbsent: true }), true);
      assert.equal(await kv.get(`${p}:c`), 'new');
    });

    it('expires keys set with a TTL', async () => {
      const p = uniqueName('kv');
      await kv.set(`${p}:short`, 'x', { ttlMs: 60 });
      await kv.set(`${p}:long`, 'y', { ttlMs: 60_000 });
      const ttl = await kv.pttl(`${p}:long`);
      assert.ok(ttl > 59_000 && ttl <= 60_000, `ttl ${ttl}`);
      await sleep(150);
      assert.equal(await kv.get(`${p}:short`), null);
      assert.equal(await kv.pttl(`${p}:short`), -2);
      assert.deepEqual(await kv.mget([`${p}:short`, `${p}:long`]), [null, 'y']);
      assert.deepEqual(await kv.keys(`${p}:*`), [`${p}:long`]);
      assert.equal(await kv.del([`${p}:short`]), 0);
    });

    it('a plain set clears the TTL; pttl reports -1 without one and -2 for missing keys', async () => {
      const p = uniqueName('kv');
      assert.equal(await kv.pttl(`${p}:missing`), -2);
      await kv.set(`${p}:a`, 'x', { ttlMs: 60_000 });
      await kv.set(`${p}:a`, 'y');
      assert.equal(await kv.pttl(`${p}:a`), -1);
    });

    it('rejects a TTL that is not a positive whole number of milliseconds', async () => {
      const p = uniqueName('kv');
      await assert.rejects(kv.set(`${p}:a`, 'x', { ttlMs: 0 }));
      await assert.rejects(kv.set(`${p}:a`, 'x', { ttlMs: 1.5 }));
      await assert.rejects(kv.incrBy(`${p}:n`, 1, 0));
      await assert.rejects(kv.incrBy(`${p}:n`, 1, -5));
      assert.deepEqual(await kv.mget([`${p}:a`, `${p}:n`]), [null, null]);
    });

    it('del removes existing keys of any type and counts them', async () => {
      const p = uniqueName('kv');
      await kv.set(`${p}:a`, '1');
      await kv.hSet(`${p}:h`, { f: '1' });
      await kv.zIncrBy(`${p}:z`, 'm', 1);
      assert.equal(await kv.del([`${p}:a`, `${p}:h`, `${p}:z`, `${p}:missing`]), 3);
      assert.equal(await kv.del([`${p}:a`]), 0);
      assert.equal(await kv.del([]), 0);
      assert.deepEqual(await kv.keys(`${p}:*`), []);
    });

    it('incrBy counts from zero and keeps integers', async () => {
      const p = uniqueName('kv');
      assert.equal(await kv.incrBy(`${p}:n`, 1), 1);
      assert.equal(await kv.incrBy(`${p}:n`, 41), 42);
      assert.equal(await kv.incrBy(`${p}:n`, -50), -8);
      assert.equal(await kv.get(`${p}:n`), '-8');
      assert.equal(await kv.pttl(`${p}:n`), -1);
      await kv.set(`${p}:s`, '10');
      assert.equal(await kv.incrBy(`${p}:s`, 5), 15);
      await kv.set(`${p}:text`, 'ten');
      await assert.rejects(kv.incrBy(`${p}:text`, 1), /not an integer/);
      await assert.rejects(kv.incrBy(`${p}:n`, 1.5));
      assert.equal(await kv.get(`${p}:n`), '-8');
    });

    it('incrBy sets the TTL only when it creates the counter', async () => {
      const p = uniqueName('kv');
      assert.equal(await kv.incrBy(`${p}:n`, 1, 5_000), 1);
      assert.equal(await kv.incrBy(`${p}:n`, 1, 600_000), 2);
      const ttl = await kv.pttl(`${p}:n`);
      assert.ok(ttl > 0 && ttl <= 5_000, `the second increment must not extend the TTL (ttl ${ttl})`);
      // A counter without a TTL does not get one from a later increment.
      await kv.incrBy(`${p}:plain`, 3);
      await kv.incrBy(`${p}:plain`, 1, 60_000);
      assert.equal(await kv.pttl(`${p}:plain`), -1);
      // Once expired, the next increment starts a fresh window with a fresh TTL.
      await kv.incrBy(`${p}:w`, 5, 50);
      await sleep(120);
      assert.equal(await kv.get(`${p}:w`), null);
      assert.equal(await kv.incrBy(`${p}:w`, 2, 60_000), 2);
      const fresh = await kv.pttl(`${p}:w`);
      assert.ok(fresh > 59_000, `ttl ${fresh}`);
    });

    it('incrBy is atomic under concurrency', async () => {
      const p = uniqueName('kv');
      const results = await Promise.all(Array.from({ length: 50 }, () => kv.incrBy(`${p}:n`, 1, 60_000)));
      assert.deepEqual(
        [...results].sort((a, b) => a - b),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      assert.equal(await kv.get(`${p}:n`), '50');
    });

    it('expire sets a TTL on existing keys of any type only', async () => {
      const p = uniqueName('kv');
      assert.equal(await kv.expire(`${p}:missing`, 1000), false);
      assert.equal(await kv.pttl(`${p}:missing`), -2);
      await kv.set(`${p}:a`, 'x');
      await kv.hSet(`${p}:h`, { f: 'v' });
      await kv.zIncrBy(`${p}:z`, 'm', 1);
      for (const k of [`${p}:a`, `${p}:h`, `${p}:z`]) {
        assert.equal(await kv.expire(k, 60_000), true);
        const ttl = await kv.pttl(k);
        assert.ok(ttl > 59_000 && ttl <= 60_000, `${k}: ttl ${ttl}`);
      }
      // Updating a hash, a sorted set or a counter keeps its TTL.
      await kv.hSet(`${p}:h`, { g: 'w' });
      await kv.hIncrBy(`${p}:h`, 'c', 1);
      await kv.zIncrBy(`${p}:z`, 'm', 1);
      await kv.set(`${p}:n`, '1');
      await kv.expire(`${p}:n`, 60_000);
      await kv.incrBy(`${p}:n`, 1);
      for (const k of [`${p}:h`, `${p}:z`, `${p}:n`]) assert.ok((await kv.pttl(k)) > 0, k);
      for (const k of [`${p}:a`, `${p}:h`, `${p}:z`]) await kv.expire(k, 50);
      await sleep(120);
      assert.equal(await kv.get(`${p}:a`), null);
      assert.deepEqual(await kv.hGetAll(`${p}:h`), {});
      assert.deepEqual(await kv.zRevRangeWithScores(`${p}:z`, 0, -1), []);
      assert.deepEqual(await kv.keys(`${p}:*`), [`${p}:n`]);
    });

    it('hashes: hSet merges fields, hIncrBy counts, hGetAll reads all', async () => {
      const p = uniqueName('kv');
      assert.deepEqual(await kv.hGetAll(`${p}:h`), {});
      await kv.hSet(`${p}:h`, { a: '1', b: 'two' });
      await kv.hSet(`${p}:h`, { b: 'deux', c: '' });
      assert.deepEqual(await kv.hGetAll(`${p}:h`), { a: '1', b: 'deux', c: '' });
      assert.equal(await kv.hIncrBy(`${p}:h`, 'a', 9), 10);
      assert.equal(await kv.hIncrBy(`${p}:h`, 'new', -3), -3);
      assert.equal(await kv.hIncrBy(`${p}:counts`, 'x', 2), 2);
      assert.deepEqual(await kv.hGetAll(`${p}:counts`), { x: '2' });
      await assert.rejects(kv.hIncrBy(`${p}:h`, 'b', 1), /not an integer/);
      assert.deepEqual(await kv.hGetAll(`${p}:h`), { a: '10', b: 'deux', c: '', new: '-3' });
      // Writing no fields is a no-op, not an error, and creates nothing.
      await kv.hSet(`${p}:none`, {});
      assert.equal(await kv.pttl(`${p}:none`), -2);
    });

    it('rejects operations on a key holding another type; set replaces any type', async () => {
      const p = uniqueName('kv');
      await kv.hSet(`${p}:h`, { f: 'v' });
      await kv.set(`${p}:s`, 'x');
      await kv.zIncrBy(`${p}:z`, 'm', 1);
      await assert.rejects(kv.get(`${p}:h`), /WRONGTYPE/);
      await assert.rejects(kv.incrBy(`${p}:h`, 1), /WRONGTYPE/);
      await assert.rejects(kv.hGetAll(`${p}:s`), /WRONGTYPE/);
      await assert.rejects(kv.hIncrBy(`${p}:z`, 'f', 1), /WRONGTYPE/);
      await assert.rejects(kv.zIncrBy(`${p}:h`, 'm', 1), /WRONGTYPE/);
      await assert.rejects(kv.zRevRangeWithScores(`${p}:s`, 0, -1), /WRONGTYPE/);
      assert.equal(await kv.set(`${p}:h`, 'now a string'), true);
      assert.equal(await kv.get(`${p}:h`), 'now a string');
    });

    it('sorted sets: zIncrBy returns the new score; ranks are by descending score, ties by member', async () => {
      const p = uniqueName('kv');
      const z = `${p}:z`;
      assert.equal(await kv.zIncrBy(z, 'a', 1.5), 1.5);
      assert.equal(await kv.zIncrBy(z, 'a', 2.25), 3.75);
      assert.equal(await kv.zIncrBy(z, 'b', 10), 10);
      assert.equal(await kv.zIncrBy(z, 'c', -2), -2);
      assert.equal(await kv.zIncrBy(z, 'd', 3.75), 3.75);
      assert.equal(await kv.zIncrBy(z, 'e', 0.1), 0.1);
      assert.equal(await kv.zIncrBy(z, 'e', 0.2), 0.1 + 0.2);
      // Equal scores come in reverse member order, as in Redis ZREVRANGE.
      const all = [
        { member: 'b', score: 10 },
        { member: 'd', score: 3.75 },
        { member: 'a', score: 3.75 },
        { member: 'e', score: 0.1 + 0.2 },
        { member: 'c', score: -2 },
      ];
      assert.deepEqual(await kv.zRevRangeWithScores(z, 0, -1), all);
      assert.deepEqual(await kv.zRevRangeWithScores(z, 0, 1), all.slice(0, 2));
      assert.deepEqual(await kv.zRevRangeWithScores(z, 1, 3), all.slice(1, 4));
      assert.deepEqual(await kv.zRevRangeWithScores(z, -2, -1), all.slice(3));
      assert.deepEqual(await kv.zRevRangeWithScores(z, -100, 1), all.slice(0, 2));
      assert.deepEqual(await kv.zRevRangeWithScores(z, 3, 100), all.slice(3));
      assert.deepEqual(await kv.zRevRangeWithScores(z, 5, 10), []);
      assert.deepEqual(await kv.zRevRangeWithScores(z, 3, 1), []);
      assert.deepEqual(await kv.zRevRangeWithScores(`${p}:missing`, 0, -1), []);
      // Moving a member re-ranks it.
      assert.equal(await kv.zIncrBy(z, 'c', 20), 18);
      assert.deepEqual(await kv.zRevRangeWithScores(z, 0, 0), [{ member: 'c', score: 18 }]);
    });

    it('sorted sets keep their order across many increments', async () => {
      const z = `${uniqueName('kv')}:z`;
      const expected = new Map<string, number>();
      for (let i = 0; i < 300; i++) {
        const member = `m${(i * 7) % 40}`;
        const by = (i % 5) - 1;
        expected.set(member, (expected.get(member) ?? 0) + by);
        await kv.zIncrBy(z, member, by);
      }
      const want = [...expected]
        .map(([member, score]) => ({ member, score }))
        .sort((a, b) => b.score - a.score || (a.member < b.member ? 1 : -1));
      assert.deepEqual(await kv.zRevRangeWithScores(z, 0, -1), want);
      assert.deepEqual(await kv.zRevRangeWithScores(z, 35, 37), want.slice(35, 38));
    });

    it('zRemRangeByScore removes an inclusive score range and drops an emptied set', async () => {
      const p = uniqueName('kv');
      const z = `${p}:z`;
      for (const [m, s] of [
        ['a', 1],
        ['b', 2],
        ['c', 3],
        ['d', 4],
        ['e', 5],
      ] as const) {
        await kv.zIncrBy(z, m, s);
      }
      assert.equal(await kv.zRemRangeByScore(z, 2, 4), 3);
      assert.deepEqual(await kv.zRevRangeWithScores(z, 0, -1), [
        { member: 'e', score: 5 },
        { member: 'a', score: 1 },
      ]);
      assert.equal(await kv.zRemRangeByScore(z, 10, 20), 0);
      assert.equal(await kv.zRemRangeByScore(z, 4, 2), 0);
      assert.equal(await kv.zRemRangeByScore(`${p}:missing`, 0, 10), 0);
      assert.equal(await kv.zRemRangeByScore(z, Number.NEGATIVE_INFINITY, 1), 1);
      assert.equal(await kv.zRemRangeByScore(z, 0, Number.POSITIVE_INFINITY), 1);
      assert.equal(await kv.pttl(z), -2);
      assert.deepEqual(await kv.keys(`${p}:*`), []);
    });

    it('keys matches Redis glob patterns across all types', async () => {
      const p = uniqueName('kv');
      await kv.set(`${p}:user:1`, 'x');
      await kv.set(`${p}:user:2`, 'x');
      await kv.set(`${p}:user:10`, 'x');
      await kv.hSet(`${p}:user:1:profile`, { a: 'b' });
      await kv.zIncrBy(`${p}:top`, 'm', 1);
      await kv.set(`${p}:a*b`, 'x');
      assert.deepEqual(
        sortedKeys(await kv.keys(`${p}:*`)),
        sortedKeys([
          `${p}:user:1`,
          `${p}:user:2`,
          `${p}:user:10`,
          `${p}:user:1:profile`,
          `${p}:top`,
          `${p}:a*b`,
        ]),
      );
      assert.deepEqual(sortedKeys(await kv.keys(`${p}:user:?`)), sortedKeys([`${p}:user:1`, `${p}:user:2`]));
      assert.deepEqual(
        sortedKeys(await kv.keys(`${p}:user:[12]`)),
        sortedKeys([`${p}:user:1`, `${p}:user:2`]),
      );
      assert.deepEqual(await kv.keys(`${p}:user:[^1]`), [`${p}:user:2`]);
      assert.deepEqual(await kv.keys(`${p}:user:1*:profile`), [`${p}:user:1:profile`]);
      assert.deepEqual(await kv.keys(`${p}:a\\*b`), [`${p}:a*b`]);
      assert.deepEqual(await kv.keys(`${p}:user`), []);
      assert.deepEqual(await kv.keys(`${uniqueName('none')}:*`), []);
    });
  });
}
