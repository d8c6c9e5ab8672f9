/** The simulator is a pure function of its options: same seed, same bytes; another seed, another world. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createSimulation, type SimulationOptions } from '../src/simulate/index.js';

const base: SimulationOptions = {
  vertical: 'vehicles',
  seed: 2026,
  start: Date.UTC(2026, 0, 5),
  days: 30,
  users: 1500,
  sellers: 150,
};

/** sha-256 of the first `n` events as JSON. */
function digest(options: SimulationOptions, n: number): string {
  const sim = createSimulation(options);
  const it = sim.events();
  const hash = createHash('sha256');
  for (let i = 0; i < n; i++) hash.update(JSON.stringify(it.next().value));
  return hash.digest('hex');
}

async function truthDigests(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    out[name] = createHash('sha256')
      .update(await readFile(join(dir, name)))
      .digest('hex');
  }
  return out;
}

describe('simulation determinism', () => {
  test('the same options give the same events', () => {
    assert.equal(digest(base, 60_000), digest(base, 60_000));
  });

  test('another seed gives other events', () => {
    assert.notEqual(digest(base, 20_000), digest({ ...base, seed: base.seed + 1 }, 20_000));
  });

  test('the same options give the same ground truth files', async () => {
    const dirs = [
      await mkdtemp(join(tmpdir(), 'plaza-sim-a-')),
      await mkdtemp(join(tmpdir(), 'plaza-sim-b-')),
    ];
    try {
      for (const dir of dirs) {
        const sim = createSimulation({ ...base, groundTruthDir: dir });
        const it = sim.events();
        for (let i = 0; i < 40_000; i++) it.next();
        await sim.close();
      }
      const [a, b] = await Promise.all(dirs.map(truthDigests));
      assert.ok(Object.keys(a ?? {}).length >= 5, `ground truth files: ${Object.keys(a ?? {})}`);
      assert.deepEqual(a, b);
    } finally {
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    }
  });

  test('events() hands out the one iterator of the simulation', () => {
    const sim = createSimulation(base);
    const first = sim.events().next().value;
    const second = sim.events().next().value;
    assert.notDeepEqual(first, second);
  });

  test('bad options are refused with a clear message', () => {
    assert.throws(() => createSimulation({ ...base, days: 0 }), /days must be a positive number/);
    assert.throws(() => createSimulation({ ...base, seed: 1.5 }), /seed must be an integer/);
    assert.throws(() => createSimulation({ ...base, vertical: 'boats' as 'vehicles' }), /unknown vertical/);
  });
});
