import assert from 'node:assert/strict';
import { createSimulation } from '../../src/simulate/index.js';
import { runSimulation } from '../../src/simulate/runner.js';
import { eventually, startPlaza, type TestPlaza } from './plaza.js';

export const DAY = 86_400_000;

/** Runs a pipeline through the API and waits for it; it must succeed. */
export async function runAndWait(t: TestPlaza, pipeline: string, partition?: string): Promise<any> {
  const r = await t.admin('POST', `/v1/pipelines/${pipeline}/run`, partition ? { partition } : {});
  assert.equal(r.status, 202, JSON.stringify(r.body));
  const run = await eventually(async () => {
    const x = await t.admin('GET', `/v1/pipelines/runs/${r.body.run.id}`);
    return ['queued', 'running'].includes(x.body.status) ? null : x.body;
  }, 120_000);
  assert.equal(
    run.status,
    'succeeded',
    JSON.stringify(run.tasks?.filter((x: any) => x.status !== 'succeeded')),
  );
  return run;
}

/**
 * A simulated marketplace sent through the public API, then the warehouse built as an operator would: every
 * local day in order (customers are a snapshot as of the latest day).
 */
export async function simulateAndBuild(
  t: TestPlaza,
  o: {
    vertical: 'stores' | 'vehicles';
    seed: number;
    start: number;
    days: string[];
    users: number;
    sellers: number;
  },
): Promise<void> {
  await t.admin('PATCH', `/v1/admin/projects/${t.projectId}/settings`, { maxPastMs: 3650 * DAY });
  const sim = {
    vertical: o.vertical,
    seed: o.seed,
    start: o.start,
    days: o.days.length,
    users: o.users,
    sellers: o.sellers,
  };
  const result = await runSimulation({
    simulation: createSimulation(sim),
    host: t.url,
    writeKey: t.writeKey,
    historyEnd: o.start + o.days.length * DAY,
  });
  assert.equal(result.rejected, 0);
  await t.plaza.drain(120_000);
  // The daily pipeline stages its own days; the 5-minute one is not needed to build them.
  for (const day of o.days) await runAndWait(t, 'daily', day);
}

/** A Plaza (embedded stores) holding a simulated marketplace with its warehouse built, stores by default. */
export async function startBuiltPlaza(
  sim: Omit<Parameters<typeof simulateAndBuild>[1], 'vertical'> & { vertical?: 'stores' | 'vehicles' },
): Promise<TestPlaza> {
  const t = await startPlaza({ overrides: { ingest: { rateLimitPerMinute: 1_000_000 } } });
  await simulateAndBuild(t, { vertical: 'stores', ...sim });
  return t;
}

/** The local day of a raw timestamp in Santo Domingo (UTC−4 all year, no daylight saving time). */
export const santoDomingoDay = (column: string) => `CAST(${column} - INTERVAL 4 HOUR AS DATE)`;

export function close(a: unknown, b: unknown, what: string): void {
  const x = Number(a);
  const y = Number(b);
  assert.ok(Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(y)), `${what}: ${x} ≠ ${y}`);
}
