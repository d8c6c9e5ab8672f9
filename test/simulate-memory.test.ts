/**
 * Memory stays bounded however long the simulation runs: nothing accumulates per event (sold listings,
 * finished sessions and departed buyers are dropped). 300k events, mostly in live mode after a short
 * history, must not grow the heap by more than the slowly growing population accounts for.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createSimulation } from '../src/simulate/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test('300k events keep the heap bounded', () => {
  const sim = createSimulation({
    vertical: 'vehicles',
    seed: 5,
    start: Date.UTC(2026, 4, 1),
    days: 20,
    users: 1200,
    sellers: 120,
  });
  const it = sim.events();
  for (let i = 0; i < 100_000; i++) it.next();
  const early = heapAfterGc();
  for (let i = 0; i < 200_000; i++) it.next();
  const late = heapAfterGc();
  const grownMb = (late - early) / 1e6;
  assert.ok(grownMb < 25, `heap grew by ${grownMb.toFixed(1)} MB between 100k and 300k events`);
});
