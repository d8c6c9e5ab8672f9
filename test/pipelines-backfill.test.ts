import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PipelineRun } from '../src/pipelines/history.js';
import { deferred, newRunner, okTask, openStores, pipeline, type Stores } from './helpers/pipelines.js';

describe('pipeline backfill', () => {
  let s: Stores;
  before(async () => {
    s = await openStores();
    await s.warehouse.exec(`CREATE TABLE bf_events (day VARCHAR, seller VARCHAR, amount DOUBLE);
      CREATE TABLE bf_daily (day VARCHAR, seller VARCHAR, orders INTEGER, gmv DOUBLE);
      INSERT INTO bf_events SELECT strftime(DATE '2026-03-01' + (i % 12)::INTEGER, '%Y-%m-%d'), 's' || (i % 5), i
        FROM range(120) t(i)`);
  });
  after(async () => {
    await s.close();
  });

  const failOn = new Set<string>();
  const ran: string[] = [];
  let active = 0;
  let peak = 0;
  // Runs hold until this many ran side by side (5 s at most), so a busy machine cannot hide the overlap.
  let sideBySide = 0;
  const overlap = async () => {
    for (const until = Date.now() + 5000; peak < sideBySide && Date.now() < until; )
      await new Promise((r) => setTimeout(r, 10));
  };
  const hold = new Map<string, Promise<void>>();
  const bf = pipeline('bf', [
    okTask('daily_sales', {
      run: async (ctx) => {
        active++;
        peak = Math.max(peak, active);
        try {
          ran.push(ctx.partition!);
          await (hold.get(ctx.partition!) ??
            (sideBySide > 0 ? overlap() : new Promise((r) => setTimeout(r, 150))));
          if (failOn.has(ctx.partition!)) throw new Error(`source missing for ${ctx.partition}`);
          // The partition is replaced in one transaction: running a day again gives the same rows.
          await ctx.warehouse.exec(`BEGIN TRANSACTION;
            DELETE FROM bf_daily WHERE day = '${ctx.partition}';
            INSERT INTO bf_daily SELECT day, seller, count(*), sum(amount) FROM bf_events
              WHERE day = '${ctx.partition}' GROUP BY day, seller;
            COMMIT;`);
          return { rowsIn: 10, rowsOut: 3 };
        } finally {
          active--;
        }
      },
    }),
  ]);
  const incremental = pipeline('inc', [okTask('x', { partitioning: 'incremental' })]);
  const reset = () => {
    ran.length = 0;
    peak = 0;
  };
  const byDay = (runs: PipelineRun[]) => Object.fromEntries(runs.map((r) => [r.partition, r.status]));
  const snapshot = () => s.warehouse.query('SELECT * FROM bf_daily ORDER BY day, seller');

  it('dry run lists what would run and runs nothing; missing runs every day once, at most `concurrency` at a time', async () => {
    const { runner } = newRunner(s, [bf, incremental], { now: () => new Date('2026-03-20T15:00:00Z') });
    const dry = await runner.backfill('bf', { from: '2026-03-01', to: '2026-03-06', dryRun: true });
    assert.equal(dry.dry_run, true);
    assert.equal(dry.reprocess, 'missing');
    assert.deepEqual(
      dry.plan.map((p) => [p.partition, p.last_status]),
      ['01', '02', '03', '04', '05', '06'].map((d) => [`2026-03-${d}`, null]),
    );
    assert.deepEqual(await dry.done, []);
    assert.deepEqual(await runner.history.listRuns('bf', { limit: 10 }), []);
    assert.deepEqual(ran, []);

    failOn.add('2026-03-03');
    sideBySide = 2;
    const real = await runner.backfill('bf', { from: '2026-03-01', to: '2026-03-06', concurrency: 2 });
    assert.equal(real.runs.length, 6);
    assert.ok(real.runs.every((r) => r.status === 'queued' && r.trigger === 'backfill'));
    const ends = await real.done;
    sideBySide = 0;
    assert.equal(peak, 2, 'two days ran side by side, never more');
    assert.deepEqual(
      [...ran].sort(),
      ['01', '02', '03', '04', '05', '06'].map((d) => `2026-03-${d}`),
    );
    assert.deepEqual(byDay(ends), {
      '2026-03-01': 'succeeded',
      '2026-03-02': 'succeeded',
      '2026-03-03': 'failed',
      '2026-03-04': 'succeeded',
      '2026-03-05': 'succeeded',
      '2026-03-06': 'succeeded',
    });
    await runner.stop();
  });

  it('missing skips succeeded days; failed reruns only failed ones; all reruns everything identically', async () => {
    const { runner } = newRunner(s, [bf], { now: () => new Date('2026-03-20T15:00:00Z') });
    const missing = await runner.backfill('bf', { from: '2026-03-01', to: '2026-03-08', dryRun: true });
    assert.deepEqual(
      missing.plan.map((p) => [p.partition, p.last_status]),
      [
        ['2026-03-03', 'failed'],
        ['2026-03-07', null],
        ['2026-03-08', null],
      ],
    );
    assert.deepEqual(
      missing.skipped.map((p) => [p.partition, p.reason]),
      ['01', '02', '04', '05', '06'].map((d) => [`2026-03-${d}`, 'already_succeeded']),
    );

    const failed = await runner.backfill('bf', {
      from: '2026-03-01',
      to: '2026-03-08',
      reprocess: 'failed',
      dryRun: true,
    });
    assert.deepEqual(
      failed.plan.map((p) => p.partition),
      ['2026-03-03'],
    );
    assert.equal(failed.skipped.find((p) => p.partition === '2026-03-07')?.reason, 'not_failed');

    failOn.clear();
    reset();
    const fixed = await runner.backfill('bf', { from: '2026-03-01', to: '2026-03-08', reprocess: 'failed' });
    assert.deepEqual(byDay(await fixed.done), { '2026-03-03': 'succeeded' });
    assert.deepEqual(ran, ['2026-03-03']);

    // Nothing left to do for 'failed' now, although 03-03 once failed: its latest run succeeded.
    const none = await runner.backfill('bf', { from: '2026-03-01', to: '2026-03-06', reprocess: 'failed' });
    assert.deepEqual(none.plan, []);
    assert.deepEqual(await none.done, []);

    const before = await snapshot();
    assert.equal(before.length, 6 * 5);
    reset();
    sideBySide = 3;
    const all = await runner.backfill('bf', {
      from: '2026-03-01',
      to: '2026-03-06',
      reprocess: 'all',
      concurrency: 3,
    });
    const ends = await all.done;
    sideBySide = 0;
    assert.equal(ends.length, 6);
    assert.ok(ends.every((r) => r.status === 'succeeded'));
    assert.equal(peak, 3);
    assert.deepEqual(await snapshot(), before, 'a whole backfill again yields identical tables');
    await runner.stop();
  });

  it('skips days with an active run and refuses bad ranges precisely', async () => {
    const { runner } = newRunner(s, [bf, incremental], { now: () => new Date('2026-03-20T15:00:00Z') });
    const release = deferred();
    hold.set('2026-03-10', release.promise);
    const held = await runner.start({ pipeline: 'bf', partition: '2026-03-10', trigger: 'manual' });
    const plan = await runner.backfill('bf', { from: '2026-03-09', to: '2026-03-11', dryRun: true });
    assert.deepEqual(
      plan.plan.map((p) => p.partition),
      ['2026-03-09', '2026-03-11'],
    );
    assert.deepEqual(plan.skipped, [{ partition: '2026-03-10', last_status: 'running', reason: 'active' }]);
    release.resolve();
    assert.equal((await held.done).status, 'succeeded');

    const range = { from: '2026-03-05', to: '2026-03-04' };
    await assert.rejects(runner.backfill('bf', range), {
      code: 'invalid_range',
      status: 400,
      message: 'from (2026-03-05) is after to (2026-03-04)',
    });
    await assert.rejects(runner.backfill('bf', { from: '2026-03-01', to: '2026-03-21' }), {
      code: 'partition_in_future',
      message: /to \(2026-03-21\) is after today \(2026-03-20 in America\/Santo_Domingo\)/,
    });
    await assert.rejects(runner.backfill('bf', { from: '2000-01-01', to: '2026-03-01' }), {
      code: 'range_too_large',
    });
    await assert.rejects(runner.backfill('bf', { from: '2026-3-1', to: '2026-03-01' }), {
      code: 'invalid_partition',
      message: 'from must be a day as YYYY-MM-DD (e.g. 2026-11-23), got "2026-3-1"',
    });
    await assert.rejects(runner.backfill('inc', { from: '2026-03-01', to: '2026-03-02' }), {
      code: 'pipeline_not_partitioned',
    });
    await assert.rejects(runner.backfill('nope', { from: '2026-03-01', to: '2026-03-02' }), {
      code: 'unknown_pipeline',
      status: 404,
    });
    await runner.stop();
  });
});
