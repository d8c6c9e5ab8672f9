import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config/config.js';
import { runDemo } from '../src/demo/demo.js';
import { readDemoState } from '../src/demo/demo-state.js';
import { createSimulation } from '../src/simulate/index.js';
import { runSimulation } from '../src/simulate/runner.js';
import type { SimEvent, SimulationOptions } from '../src/simulate/types.js';
import { plazaBin, startPlaza, type TestPlaza, tempDir } from './helpers/plaza.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 5);

const small = (vertical: SimulationOptions['vertical']): SimulationOptions => ({
  vertical,
  seed: 7,
  start: START,
  days: 2,
  users: 400,
  sellers: 12,
});

function eventsOf(o: SimulationOptions): Map<string, number> {
  const times = new Map<string, number>();
  const it = createSimulation(o).events();
  for (;;) {
    const e = it.next().value as SimEvent;
    const t = Date.parse(e.input.timestamp as string);
    if (t >= o.start + o.days * DAY) break;
    times.set(e.input.eventId as string, t);
  }
  return times;
}
const idsOf = (o: SimulationOptions) => [...eventsOf(o).keys()];

/** Stored times equal the simulated ones, up to the collector's clock-skew correction (transit time). */
async function assertTimesKept(t: TestPlaza, o: SimulationOptions): Promise<void> {
  const expected = eventsOf(o);
  const rows = await t.plaza.stores.warehouse.query<{ event_id: string; timestamp: Date }>(
    'SELECT event_id, "timestamp" FROM raw_events WHERE project_id = $1',
    [t.projectId],
  );
  let worst = 0;
  for (const r of rows) worst = Math.max(worst, Math.abs(r.timestamp.getTime() - expected.get(r.event_id)!));
  assert.ok(worst < 60_000, `stored times are the simulated ones (worst gap ${worst} ms)`);
}

const digest = (ids: string[]) =>
  createHash('sha256')
    .update([...ids].sort().join('\n'))
    .digest('hex');

async function storedIds(t: TestPlaza): Promise<string[]> {
  await t.plaza.drain(60_000);
  const rows = await t.plaza.stores.warehouse.query<{ event_id: string }>(
    'SELECT event_id FROM raw_events WHERE project_id = ?',
    [t.projectId],
  );
  return rows.map((r) => r.event_id);
}

/** A Plaza that takes the simulator's bursts and keeps its history's event times. */
async function startSimPlaza(): Promise<TestPlaza> {
  const t = await startPlaza({ overrides: { ingest: { rateLimitPerMinute: 1_000_000 } } });
  // The simulated history is older than the 30 days past which event times are clamped by default.
  await t.admin('PATCH', `/v1/admin/projects/${t.projectId}/settings`, { maxPastMs: 3650 * DAY });
  return t;
}

for (const vertical of ['vehicles', 'stores'] as const) {
  describe(`simulator → real Plaza (${vertical})`, () => {
    let t: TestPlaza;
    before(async () => {
      t = await startSimPlaza();
    });
    after(() => t.close(true));

    test('stores exactly the events the simulator reports sending', async () => {
      const o = small(vertical);
      const expected = idsOf(o);
      assert.ok(expected.length > 1000, `a useful sample (${expected.length} events)`);
      const result = await runSimulation({
        simulation: createSimulation(o),
        host: t.url,
        writeKey: t.writeKey,
        historyEnd: o.start + o.days * DAY,
      });
      assert.equal(result.sent, expected.length);
      assert.equal(result.rejected, 0, 'every simulated event is valid');
      assert.equal(result.failed, 0);
      assert.equal(result.accepted, expected.length);
      const stored = await storedIds(t);
      assert.equal(stored.length, expected.length, 'one row per event');
      assert.equal(digest(stored), digest(expected), 'the same event ids');
      await assertTimesKept(t, o);
    });
  });
}

describe('live mode', () => {
  test('after the history the stream goes on, each event sent once its time has come', async () => {
    const t = await startSimPlaza();
    try {
      const o = small('vehicles');
      const history = idsOf(o).length;
      const historyEnd = o.start + o.days * DAY;
      const phases: string[] = [];
      // A wall clock a day past the history: the live events of that day are due at once.
      const result = await runSimulation({
        simulation: createSimulation(o),
        host: t.url,
        writeKey: t.writeKey,
        historyEnd,
        live: true,
        stopAfter: history + 200,
        now: () => historyEnd + DAY,
        onProgress: (p) => {
          if (phases.at(-1) !== p.phase) phases.push(p.phase);
        },
      });
      assert.deepEqual(phases, ['history', 'live']);
      assert.equal(result.history, history);
      assert.equal(result.generated, history + 200);
      assert.equal(result.accepted, history + 200);
      assert.equal((await storedIds(t)).length, history + 200);
    } finally {
      await t.close(true);
    }
  });
});

describe('plaza simulate (the command)', () => {
  test('sends a simulated store marketplace and reports what was accepted', async () => {
    const t = await startPlaza({ overrides: { ingest: { rateLimitPerMinute: 1_000_000 } } });
    try {
      const run = promisify(execFile);
      await run(process.execPath, [
        plazaBin,
        '--data-dir',
        t.dataDir,
        'projects',
        'settings',
        t.projectId,
        '--max-past-days',
        '4000',
      ]);
      const args = ['--vertical', 'stores', '--days', '1', '--start', '2026-01-05', '--users', '80'];
      const { stdout } = await run(process.execPath, [
        plazaBin,
        '--data-dir',
        t.dataDir,
        '--json',
        'simulate',
        '--url',
        t.url,
        '--write-key',
        t.writeKey,
        '--sellers',
        '8',
        ...args,
      ]);
      const result = JSON.parse(stdout) as { sent: number; accepted: number; rejected: number };
      const sent = { ...small('stores'), days: 1, users: 80, sellers: 8, seed: 42 };
      const expected = idsOf(sent);
      assert.equal(result.sent, expected.length);
      assert.equal(result.accepted, expected.length);
      assert.equal(digest(await storedIds(t)), digest(expected));
      await assertTimesKept(t, sent);
      assert.ok(readdirSync(join(t.dataDir, 'ground-truth', 'stores-42')).length > 0, 'ground truth written');
    } finally {
      await t.close(true);
    }
  });
});

describe('plaza demo', () => {
  const dataDir = tempDir('plaza-demo-test-');
  after(() => import('node:fs').then((fs) => fs.rmSync(dataDir, { recursive: true, force: true })));
  const config = loadConfig({
    env: {},
    overrides: { dataDir, port: 0, host: '127.0.0.1', logLevel: 'silent' },
  });
  const opts = { days: 2, users: 150, sellers: 12, live: false, now: () => START + 2 * DAY + 3_600_000 };

  test('an interrupted run resumes, and ends with the same events as an uninterrupted one', async () => {
    const total = idsOf(simOptionsOf({ vertical: 'vehicles', seed: 42, start: START, ...opts })).length;
    const first = await runDemo(config, {
      ...opts,
      stopAfter: Math.floor(total / 2),
      out: devNull(),
    });
    assert.ok(first.result.sent < total, `stopped part way (${first.result.sent} of ${total})`);
    const state = readDemoState(dataDir)!;
    assert.equal(state.historyLoaded, false);
    assert.equal(state.logins.length, 2);
    assert.ok(
      state.logins.find((l) => l.role === 'seller')?.sellerId,
      'the seller login is bound to a seller',
    );

    const second = await runDemo(config, { ...opts, out: devNull() });
    assert.equal(second.result.skipped, state.settled, 'skips what the first run delivered');
    assert.ok(readDemoState(dataDir)!.historyLoaded);
    assert.ok(
      existsSync(join(dataDir, 'ground-truth')) && readdirSync(join(dataDir, 'ground-truth')).length > 0,
    );

    const t = await startPlaza({ dataDir, writeKey: state.writeKey, projectId: state.project });
    try {
      const stored = await storedIds(t);
      const expected = idsOf(simOptionsOf(state));
      assert.equal(stored.length, expected.length, 'no event lost or stored twice across the restart');
      assert.equal(digest(stored), digest(expected));
      await assertTimesKept(t, simOptionsOf(state));
      // The demo built the warehouse marts of every simulated local day (Santo Domingo: 3 days touched).
      const runs = await t.admin('GET', '/v1/pipelines/daily/runs');
      assert.deepEqual(
        runs.body.runs.map((r: { partition: string; status: string }) => `${r.partition} ${r.status}`).sort(),
        ['2026-01-04 succeeded', '2026-01-05 succeeded', '2026-01-06 succeeded'],
      );
      const [traffic] = await t.plaza.stores.warehouse.query<{ n: number }>(
        'SELECT count(*) AS n FROM mart_traffic_daily',
      );
      assert.ok(Number(traffic?.n) > 0, 'the traffic mart holds the simulated days');
    } finally {
      await t.close();
    }
  });

  test('refuses changed options without --reset, and --reset starts over', async () => {
    await assert.rejects(runDemo(config, { ...opts, vertical: 'stores', out: devNull() }), {
      code: 'demo_options_changed',
    });
    const fresh = await runDemo(config, { ...opts, vertical: 'stores', reset: true, out: devNull() });
    assert.equal(fresh.state.vertical, 'stores');
    assert.equal(fresh.result.skipped, 0);
  });
});

const simOptionsOf = (s: {
  vertical: SimulationOptions['vertical'];
  seed: number;
  start: number;
  days: number;
  users: number;
  sellers: number;
}): SimulationOptions => ({
  vertical: s.vertical,
  seed: s.seed,
  start: s.start,
  days: s.days,
  users: s.users,
  sellers: s.sellers,
});

function devNull(): NodeJS.WriteStream {
  return { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;
}
