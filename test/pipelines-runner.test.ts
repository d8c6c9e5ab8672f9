import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TaskContext } from '../src/pipelines/types.js';
import {
  deferred,
  metricValue,
  newRunner,
  okTask,
  openStores,
  pipeline,
  SqlCountGate,
  type Stores,
  wait,
} from './helpers/pipelines.js';

const fast = { retries: 0, baseDelayMs: 0, maxDelayMs: 0 };

describe('pipeline runner', () => {
  let s: Stores;
  before(async () => {
    s = await openStores();
  });
  after(async () => {
    await s.close();
  });

  it('retries a failing task with growing, jittered delays, then succeeds; history keeps every attempt', async () => {
    const at: number[] = [];
    const p = pipeline('retry_ok', [
      okTask('flaky', {
        retry: { retries: 3, baseDelayMs: 40, maxDelayMs: 60 },
        run: async (ctx) => {
          at.push(performance.now());
          ctx.log('attempting', { n: at.length });
          if (at.length < 3) throw new Error(`engine busy (${at.length})`);
          return { rowsIn: 10, rowsOut: 7, details: { tables: { t: 7 } } };
        },
      }),
    ]);
    const { runner, registry } = newRunner(s, [p]);
    const run = await runner.run({ pipeline: 'retry_ok', partition: '2026-03-01' });
    await runner.stop();
    assert.equal(run.status, 'succeeded', run.error ?? '');
    assert.equal(run.version, 'v1');
    assert.equal(run.trigger, 'manual');
    assert.equal(run.partition, '2026-03-01');
    assert.equal(run.rows_in, 10);
    assert.equal(run.rows_out, 7);
    // First retry waits base·[0.5, 1] = 20..40 ms, the second min(80, cap 60)·[0.5, 1] = 30..60 ms.
    assert.ok(at[1]! - at[0]! >= 19, `first gap ${at[1]! - at[0]!}`);
    assert.ok(at[2]! - at[1]! >= 29, `second gap ${at[2]! - at[1]!}`);
    const [task] = await runner.history.taskRuns(run.id);
    assert.equal(task!.status, 'succeeded');
    assert.equal(task!.attempts, 3);
    assert.deepEqual(
      (task!.details['failed_attempts'] as { error: string }[]).map((f) => f.error),
      ['engine busy (1)', 'engine busy (2)'],
    );
    assert.deepEqual(task!.details['tables'], { t: 7 });
    const logs = await runner.history.logs(run.id);
    assert.deepEqual(
      logs.filter((l) => l.message === 'attempting').map((l) => l.fields),
      [{ n: 1 }, { n: 2 }, { n: 3 }],
    );
    assert.ok(
      logs.some(
        (l) =>
          l.level === 'warn' && /attempt 1 failed: engine busy \(1\); retrying in \d+ ms/.test(l.message),
      ),
    );
    assert.deepEqual(
      logs.map((l) => l.seq),
      logs.map((_, i) => i + 1),
    );
    assert.equal(
      await metricValue(registry, 'pipeline_rows_processed', { task: 'flaky', direction: 'in' }),
      10,
    );
    assert.equal(
      await metricValue(registry, 'pipeline_rows_processed', { task: 'flaky', direction: 'out' }),
      7,
    );
    assert.equal(
      await metricValue(
        registry,
        'pipeline_execution_time_seconds',
        { task: 'flaky', status: 'succeeded' },
        '_count',
      ),
      1,
    );
    assert.equal(
      await metricValue(
        registry,
        'pipeline_execution_time_seconds',
        { pipeline: 'retry_ok', task: '', status: 'succeeded' },
        '_count',
      ),
      1,
    );
  });

  it('fails the task once its retries are exhausted, and counts the failure', async () => {
    let attempts = 0;
    const p = pipeline('retry_fail', [
      okTask('broken', {
        retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 5 },
        run: async () => {
          attempts++;
          throw new Error('table locked');
        },
      }),
    ]);
    const { runner, registry } = newRunner(s, [p]);
    const run = await runner.run({ pipeline: 'retry_fail', partition: '2026-03-01' });
    await runner.stop();
    assert.equal(attempts, 3);
    assert.equal(run.status, 'failed');
    assert.equal(run.error, 'task "broken" failed: table locked');
    const [task] = await runner.history.taskRuns(run.id);
    assert.equal(task!.attempts, 3);
    assert.equal(task!.error, 'table locked');
    assert.equal(
      await metricValue(registry, 'pipeline_failures_total', { pipeline: 'retry_fail', task: 'broken' }),
      1,
    );
  });

  it('times out an attempt (aborting ctx.signal) even when the task ignores the signal; the retry can succeed', async () => {
    const signals: AbortSignal[] = [];
    const p = pipeline('timeouts', [
      okTask('stuck', {
        timeoutMs: 150,
        run: async (ctx) => {
          signals.push(ctx.signal);
          await new Promise((r) => setTimeout(r, 4000)); // ignores the signal
          return { rowsIn: 0, rowsOut: 0 };
        },
      }),
      okTask('slow_once', {
        timeoutMs: 150,
        retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 1 },
        run: async (ctx) => {
          signals.push(ctx.signal);
          if (signals.length === 2) await wait(5000, ctx.signal);
          return { rowsIn: 1, rowsOut: 1 };
        },
      }),
    ]);
    const { runner } = newRunner(s, [p]);
    const started = performance.now();
    const run = await runner.run({ pipeline: 'timeouts', partition: '2026-03-01' });
    await runner.stop();
    assert.ok(performance.now() - started < 3000, 'the stuck task is not awaited past its timeout');
    const tasks = await runner.history.taskRuns(run.id);
    assert.equal(tasks[0]!.status, 'failed');
    assert.equal(tasks[0]!.error, 'timed out after 150 ms');
    assert.equal(signals[0]!.aborted, true);
    assert.equal(tasks[1]!.status, 'succeeded');
    assert.equal(tasks[1]!.attempts, 2);
    assert.equal(signals[1]!.aborted, true);
    assert.equal(signals[2]!.aborted, false);
    assert.equal(run.status, 'failed');
  });

  it('a failure skips everything downstream while independent branches still run', async () => {
    const ran: string[] = [];
    const t = (id: string, dependsOn: string[] = [], fail = false) =>
      okTask(id, {
        dependsOn,
        retry: fast,
        run: async () => {
          ran.push(id);
          if (fail) throw new Error(`${id} exploded`);
          return { rowsIn: 1, rowsOut: 1 };
        },
      });
    const p = pipeline('branches', [
      t('extract'),
      t('stage', ['extract'], true),
      t('mart', ['stage']),
      t('report', ['mart', 'side']),
      t('side'),
      t('side_mart', ['side']),
    ]);
    const { runner } = newRunner(s, [p]);
    const run = await runner.run({ pipeline: 'branches', partition: '2026-03-01' });
    await runner.stop();
    assert.deepEqual(ran, ['extract', 'stage', 'side', 'side_mart']);
    const status = Object.fromEntries((await runner.history.taskRuns(run.id)).map((x) => [x.task, x]));
    assert.equal(status['extract']!.status, 'succeeded');
    assert.equal(status['stage']!.status, 'failed');
    assert.equal(status['mart']!.status, 'skipped');
    assert.deepEqual(status['mart']!.details, { reason: 'upstream_failed', upstream: 'stage' });
    assert.equal(status['report']!.status, 'skipped');
    assert.equal(status['report']!.error, 'upstream task "mart" skipped');
    assert.equal(status['side']!.status, 'succeeded');
    assert.equal(status['side_mart']!.status, 'succeeded');
    assert.equal(run.status, 'failed');
    assert.match(run.error!, /task "stage" failed: stage exploded/);
  });

  it('a failing error-severity check fails the task as failed_quality (no retries) and blocks downstream; warn continues', async () => {
    await s.warehouse.exec(`CREATE TABLE q_orders (day VARCHAR, order_id VARCHAR, amount DOUBLE)`);
    let loads = 0;
    const gate = new SqlCountGate();
    const load = (withNulls: boolean) =>
      okTask('load', {
        retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 1 },
        checks: [
          {
            id: 'q_orders.order_id.not_null',
            table: 'q_orders',
            kind: 'not_null',
            column: 'order_id',
            severity: 'error',
            partitionColumn: 'day',
          },
          {
            id: 'q_orders.amount.range',
            table: 'q_orders',
            kind: 'range',
            column: 'amount',
            severity: 'warn',
            params: { min: 0, max: 1000 },
            partitionColumn: 'day',
          },
        ],
        run: async (ctx) => {
          loads++;
          await ctx.warehouse.exec(
            `BEGIN TRANSACTION; DELETE FROM q_orders WHERE day = '${ctx.partition}';
             INSERT INTO q_orders VALUES ('${ctx.partition}', 'o1', 10), ('${ctx.partition}', ${withNulls ? 'NULL' : "'o2'"}, 5000),
               ('${ctx.partition}', 'o3', 20); COMMIT;`,
          );
          return { rowsIn: 3, rowsOut: 3 };
        },
      });
    let published = 0;
    const publish = okTask('publish', {
      dependsOn: ['load'],
      run: async () => {
        published++;
        return { rowsIn: 3, rowsOut: 3 };
      },
    });
    const bad = newRunner(s, [pipeline('quality', [load(true), publish])], { gate });
    const failed = await bad.runner.run({ pipeline: 'quality', partition: '2026-03-02' });
    await bad.runner.stop();
    assert.equal(loads, 1, 'a failed check is not retried');
    assert.equal(published, 0);
    const [l, pub] = await bad.runner.history.taskRuns(failed.id);
    assert.equal(l!.status, 'failed_quality');
    assert.match(
      l!.error!,
      /blocking quality check\(s\) failed: q_orders\.order_id\.not_null \(1 of 3 rows violate not_null on order_id\)/,
    );
    const checks = l!.details['checks'] as { id: string; passed: boolean; failed: number; checked: number }[];
    assert.deepEqual(
      checks.map((c) => [c.id, c.passed, c.failed, c.checked]),
      [
        ['q_orders.order_id.not_null', false, 1, 3],
        ['q_orders.amount.range', false, 1, 3],
      ],
    );
    assert.equal(pub!.status, 'skipped');
    assert.equal(failed.status, 'failed');
    assert.equal(
      await metricValue(bad.registry, 'pipeline_failures_total', { task: 'load', status: 'failed_quality' }),
      1,
    );

    const good = newRunner(s, [pipeline('quality', [load(false), publish])], { gate });
    const ok = await good.runner.run({ pipeline: 'quality', partition: '2026-03-02' });
    await good.runner.stop();
    assert.equal(ok.status, 'succeeded');
    assert.equal(ok.warnings, 1, 'the warn check failure is recorded');
    assert.equal(published, 1);
    const logs = await good.runner.history.logs(ok.id);
    assert.ok(logs.some((x) => x.level === 'warn' && /check q_orders\.amount\.range failed/.test(x.message)));

    // Without a gate, declared checks are not run.
    const callsBefore = gate.calls;
    const noGate = newRunner(s, [pipeline('quality', [load(true), publish])]);
    const unchecked = await noGate.runner.run({ pipeline: 'quality', partition: '2026-03-03' });
    await noGate.runner.stop();
    assert.equal(unchecked.status, 'succeeded');
    assert.equal(gate.calls, callsBefore);
    assert.equal((await noGate.runner.history.taskRuns(unchecked.id))[0]!.details['checks'], undefined);
  });

  it('incremental: processes what arrived since the watermark minus the lookback; late rows are caught', async () => {
    await s.warehouse.exec(`CREATE TABLE inc_src (id VARCHAR, received_at TIMESTAMP);
      CREATE TABLE inc_dst (id VARCHAR, received_at TIMESTAMP)`);
    const t0 = Date.parse('2026-03-05T12:00:00Z');
    const min = (n: number) => new Date(t0 + n * 60_000);
    let clock = min(10);
    let fail = false;
    const windows: TaskContext['window'][] = [];
    const copy = okTask('copy', {
      partitioning: 'incremental',
      lookbackMs: 5 * 60_000,
      run: async (ctx) => {
        windows.push(ctx.window);
        if (fail) throw new Error('source unavailable');
        const since = ctx.window!.since?.toISOString() ?? '1970-01-01T00:00:00Z';
        const until = ctx.window!.until.toISOString();
        const where = `received_at >= '${since}'::TIMESTAMPTZ AND received_at < '${until}'::TIMESTAMPTZ`;
        const [inWindow] = await ctx.warehouse.query<{ n: number }>(
          `SELECT count(*)::INTEGER AS n FROM inc_src WHERE ${where}`,
        );
        const [before] = await ctx.warehouse.query<{ n: number }>(
          `SELECT count(*)::INTEGER AS n FROM inc_dst`,
        );
        // Rows already copied in an earlier window are skipped: re-reading the lookback is harmless.
        await ctx.warehouse.exec(
          `INSERT INTO inc_dst SELECT * FROM inc_src WHERE ${where} AND id NOT IN (SELECT id FROM inc_dst)`,
        );
        const [afterCopy] = await ctx.warehouse.query<{ n: number }>(
          `SELECT count(*)::INTEGER AS n FROM inc_dst`,
        );
        return { rowsIn: inWindow!.n, rowsOut: afterCopy!.n - before!.n };
      },
    });
    const p = pipeline('incremental', [copy], { schedule: '*/5 * * * *' });
    const { runner } = newRunner(s, [p], { now: () => clock });
    const insert = (id: string, at: Date) => s.warehouse.insert('inc_src', [{ id, received_at: at }]);
    const dst = async () =>
      (await s.warehouse.query<{ id: string }>('SELECT id FROM inc_dst ORDER BY id')).map((r) => r.id);

    await insert('a', min(1));
    await insert('b', min(2));
    const r1 = await runner.run({ pipeline: 'incremental' });
    assert.equal(r1.status, 'succeeded');
    assert.equal(r1.partition, null);
    assert.deepEqual(windows[0], { since: null, until: min(10) });
    assert.deepEqual(await dst(), ['a', 'b']);
    assert.deepEqual(await runner.history.watermark('incremental', 'copy'), min(10));

    // 'late' was received at minute 8 but reached the warehouse after the first run had read it.
    await insert('late', min(8));
    await insert('c', min(12));
    clock = min(20);
    const r2 = await runner.run({ pipeline: 'incremental' });
    assert.deepEqual(windows[1], { since: min(5), until: min(20) });
    assert.deepEqual(await dst(), ['a', 'b', 'c', 'late']);
    assert.equal(r2.rows_in, 2);
    assert.equal(r2.rows_out, 2);
    const [task2] = await runner.history.taskRuns(r2.id);
    assert.deepEqual(task2!.window, { since: min(5).toISOString(), until: min(20).toISOString() });

    // A failed run leaves the watermark where it was, so the next one covers the same rows again.
    await insert('d', min(22));
    clock = min(30);
    fail = true;
    const r3 = await runner.run({ pipeline: 'incremental' });
    assert.equal(r3.status, 'failed');
    assert.deepEqual(await runner.history.watermark('incremental', 'copy'), min(20));
    fail = false;
    clock = min(31);
    const r4 = await runner.run({ pipeline: 'incremental' });
    assert.deepEqual(windows[3], { since: min(15), until: min(31) });
    assert.equal(r4.rows_out, 1);
    // Later than the lookback: not caught (this is what the lookback bounds).
    await insert('too_late', min(3));
    clock = min(40);
    await runner.run({ pipeline: 'incremental' });
    await runner.stop();
    assert.deepEqual(await dst(), ['a', 'b', 'c', 'd', 'late']);
  });

  it('re-running a day replaces its partition atomically: the table is identical', async () => {
    await s.warehouse.exec(`CREATE TABLE idem_events (day VARCHAR, seller VARCHAR, amount DOUBLE);
      CREATE TABLE idem_daily (day VARCHAR, seller VARCHAR, orders INTEGER, gmv DOUBLE);
      INSERT INTO idem_events VALUES ('2026-03-01', 's1', 10), ('2026-03-01', 's1', 5), ('2026-03-01', 's2', 7),
        ('2026-03-02', 's1', 3)`);
    const build = okTask('daily_sales', {
      run: async (ctx) => {
        const [n] = await ctx.warehouse.query<{ n: number }>(
          'SELECT count(*)::INTEGER AS n FROM idem_events WHERE day = $1',
          [ctx.partition],
        );
        await ctx.warehouse.exec(`BEGIN TRANSACTION;
          DELETE FROM idem_daily WHERE day = '${ctx.partition}';
          INSERT INTO idem_daily SELECT day, seller, count(*), sum(amount) FROM idem_events
            WHERE day = '${ctx.partition}' GROUP BY day, seller;
          COMMIT;`);
        const [out] = await ctx.warehouse.query<{ n: number }>(
          'SELECT count(*)::INTEGER AS n FROM idem_daily WHERE day = $1',
          [ctx.partition],
        );
        return { rowsIn: n!.n, rowsOut: out!.n };
      },
    });
    const { runner } = newRunner(s, [pipeline('idem', [build])]);
    const snapshot = () => s.warehouse.query('SELECT * FROM idem_daily ORDER BY day, seller');
    await runner.run({ pipeline: 'idem', partition: '2026-03-01' });
    await runner.run({ pipeline: 'idem', partition: '2026-03-02' });
    const first = await snapshot();
    assert.equal(first.length, 3);
    const again = await runner.run({ pipeline: 'idem', partition: '2026-03-01' });
    assert.equal(again.status, 'succeeded');
    assert.deepEqual(await snapshot(), first);
    await runner.run({ pipeline: 'idem', partition: '2026-03-02' });
    await runner.stop();
    assert.deepEqual(await snapshot(), first);
  });

  it('a failure outside the tasks fails the run and leaves no task pending', async () => {
    const { runner } = newRunner(
      s,
      [pipeline('no_registry', [okTask('a'), okTask('b', { dependsOn: ['a'] })])],
      {
        projects: async () => {
          throw new Error('registry unavailable');
        },
      },
    );
    const run = await runner.run({ pipeline: 'no_registry', partition: '2026-03-01' });
    await runner.stop();
    assert.equal(run.status, 'failed');
    assert.equal(run.error, 'registry unavailable');
    assert.deepEqual(
      (await runner.history.taskRuns(run.id)).map((t) => t.status),
      ['skipped', 'skipped'],
    );
  });

  it('refuses bad partitions, unknown pipelines and a second active run of the same partition', async () => {
    const gateOpen = deferred();
    const p = pipeline('single', [
      okTask('hold', { run: () => gateOpen.promise.then(() => ({ rowsIn: 0, rowsOut: 0 })) }),
    ]);
    const inc = pipeline('inc_only', [okTask('x', { partitioning: 'incremental' })]);
    const { runner } = newRunner(s, [p, inc], { now: () => new Date('2026-03-10T15:00:00Z') });
    await assert.rejects(runner.start({ pipeline: 'nope', trigger: 'manual' }), {
      code: 'unknown_pipeline',
      status: 404,
      message: 'unknown pipeline "nope"; known: single, inc_only',
    });
    await assert.rejects(runner.start({ pipeline: 'single', partition: '2026-02-30', trigger: 'manual' }), {
      code: 'invalid_partition',
    });
    await assert.rejects(runner.start({ pipeline: 'single', partition: '2026-03-11', trigger: 'manual' }), {
      code: 'partition_in_future',
      message: /partition 2026-03-11 is after today \(2026-03-10 in America\/Santo_Domingo\)/,
    });
    await assert.rejects(runner.start({ pipeline: 'inc_only', partition: '2026-03-01', trigger: 'manual' }), {
      code: 'pipeline_not_partitioned',
    });
    const first = await runner.start({ pipeline: 'single', trigger: 'manual' });
    assert.equal(first.run.partition, '2026-03-09', 'default: the day that ended last');
    await assert.rejects(runner.start({ pipeline: 'single', partition: '2026-03-09', trigger: 'manual' }), {
      code: 'pipeline_run_active',
      status: 409,
    });
    const other = await runner.start({ pipeline: 'single', partition: '2026-03-08', trigger: 'manual' });
    gateOpen.resolve();
    assert.equal((await first.done).status, 'succeeded');
    assert.equal((await other.done).status, 'succeeded');
    await runner.stop();
  });

  it('stop() aborts active runs and marks them interrupted; a restart marks runs a crashed process left', async () => {
    const started = deferred();
    let sawAbort = false;
    const p = pipeline('long', [
      okTask('work', {
        run: async (ctx) => {
          started.resolve();
          try {
            await wait(10_000, ctx.signal);
          } catch (e) {
            sawAbort = true;
            throw e;
          }
          return { rowsIn: 0, rowsOut: 0 };
        },
      }),
      okTask('after', { dependsOn: ['work'] }),
    ]);
    const { runner } = newRunner(s, [p]);
    const { run, done } = await runner.start({
      pipeline: 'long',
      partition: '2026-03-01',
      trigger: 'manual',
    });
    await started.promise;
    await runner.stop(2000);
    const end = await done;
    assert.ok(sawAbort);
    assert.equal(end.status, 'interrupted');
    assert.deepEqual(
      (await runner.history.taskRuns(run.id)).map((t) => [t.task, t.status]),
      [
        ['work', 'interrupted'],
        ['after', 'interrupted'],
      ],
    );
    await assert.rejects(runner.start({ pipeline: 'long', partition: '2026-03-02', trigger: 'manual' }), {
      code: 'pipelines_stopping',
    });
  });

  it('a run left running by a process that died is marked interrupted by the next runner on the store', async () => {
    const hang = deferred();
    const p = pipeline('crashy', [
      okTask('hang', { run: () => hang.promise.then(() => ({ rowsIn: 0, rowsOut: 0 })) }),
      okTask('next', { dependsOn: ['hang'] }),
    ]);
    const crashed = newRunner(s, [p], { exclusiveStore: true });
    const { run, done: deadRun } = await crashed.runner.start({
      pipeline: 'crashy',
      partition: '2026-03-01',
      trigger: 'manual',
    });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await crashed.runner.history.getRun(run.id))!.status, 'running');
    // The process "dies": nothing of it runs any more. The next one to open the (embedded, so exclusive)
    // store finds the run it left.
    const next = newRunner(s, [p], { exclusiveStore: true });
    assert.deepEqual(await next.runner.recover(), [run.id]);
    const after = (await next.runner.history.getRun(run.id))!;
    assert.equal(after.status, 'interrupted');
    assert.match(after.error!, /stopped before it finished/);
    assert.deepEqual(
      (await next.runner.history.taskRuns(run.id)).map((t) => t.status),
      ['interrupted', 'interrupted'],
    );
    // The partition is free again.
    const rerun = await next.runner.start({ pipeline: 'crashy', partition: '2026-03-01', trigger: 'manual' });
    hang.resolve();
    assert.equal((await rerun.done).status, 'succeeded');
    await next.runner.stop();
    // The dead runner was only frozen: when it wakes up, its late writes cannot resurrect its run.
    await deadRun;
    await crashed.runner.stop(10);
    assert.equal((await next.runner.history.getRun(run.id))!.status, 'interrupted');
    assert.deepEqual(
      (await next.runner.history.taskRuns(run.id)).map((t) => t.status),
      ['interrupted', 'interrupted'],
    );
  });
});
