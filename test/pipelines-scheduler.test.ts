import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PostgresState } from '../src/adapters/state/postgres.js';
import { migrate } from '../src/core/migrate.js';
import { SchedulerLease } from '../src/pipelines/lease.js';
import { pipelineMigrations } from '../src/pipelines/migrations.js';
import type { PipelineRunner } from '../src/pipelines/runner.js';
import { PipelineScheduler } from '../src/pipelines/scheduler.js';
import type { PipelineDef } from '../src/pipelines/types.js';
import { createTestDatabase, type TestDatabase } from './helpers/engines.js';
import {
  deferred,
  newRunner,
  okTask,
  openStores,
  pipeline,
  type Stores,
  silent,
} from './helpers/pipelines.js';

const tz = 'America/Santo_Domingo'; // UTC-4 all year: local midnight is 04:00Z

/** A clock the test moves by hand. */
class Clock {
  constructor(public t: Date) {}
  readonly now = () => this.t;
  set(iso: string) {
    this.t = new Date(iso);
  }
}

function scheduler(runner: PipelineRunner, lease: SchedulerLease, clock: Clock, catchUpDays = 31) {
  return new PipelineScheduler({ runner, lease, timeZone: tz, catchUpDays, logger: silent, now: clock.now });
}

/** A daily pipeline and an incremental one that note what they processed. */
function seedPipelines(prefix: string, seen: { pipeline: string; partition: string | null }[]) {
  /** Most runs of each pipeline in flight at once. */
  const stats: Record<string, { active: number; peak: number }> = {};
  const note =
    (id: string) =>
    async (ctx: { partition: string | null }): Promise<{ rowsIn: number; rowsOut: number }> => {
      stats[id] ??= { active: 0, peak: 0 };
      const st = stats[id]!;
      st.active++;
      st.peak = Math.max(st.peak, st.active);
      await new Promise((r) => setTimeout(r, 10));
      seen.push({ pipeline: id, partition: ctx.partition });
      st.active--;
      return { rowsIn: 1, rowsOut: 1 };
    };
  const daily: PipelineDef = pipeline(
    `${prefix}_daily`,
    [okTask('build', { run: note(`${prefix}_daily`) })],
    {
      schedule: '0 0 * * *',
    },
  );
  const inc: PipelineDef = pipeline(
    `${prefix}_inc`,
    [okTask('load', { partitioning: 'incremental', lookbackMs: 60_000, run: note(`${prefix}_inc`) })],
    { schedule: '*/5 * * * *' },
  );
  return { daily, inc, stats };
}

describe('pipeline scheduler (PGlite state)', () => {
  let s: Stores;
  before(async () => {
    s = await openStores();
  });
  after(async () => {
    await s.close();
  });

  it('after downtime catches up every missed day in order, then fires on the cron schedule in its time zone', async () => {
    const seen: { pipeline: string; partition: string | null }[] = [];
    const { daily, inc, stats } = seedPipelines('cu', seen);
    const clock = new Clock(new Date('2026-03-05T16:00:00Z'));
    const { runner } = newRunner(s, [daily, inc], { now: clock.now });
    // History before the downtime: 03-04 built, the incremental load ran at 12:00 local on 03-05.
    assert.equal((await runner.run({ pipeline: 'cu_daily', partition: '2026-03-04' })).status, 'succeeded');
    assert.equal((await runner.run({ pipeline: 'cu_inc' })).status, 'succeeded');
    seen.length = 0;

    // The process comes back at 05:00 local on 03-09.
    clock.set('2026-03-09T09:00:00Z');
    const sched = scheduler(runner, new SchedulerLease(s.state, 'a', 30_000, 'catchup'), clock);
    const first = await sched.tick();
    assert.equal(first.leader, true);
    const caughtUp = await first.done;
    assert.deepEqual(
      caughtUp.map((r) => [r.pipeline, r.partition, r.trigger, r.status]),
      [
        ['cu_daily', '2026-03-05', 'catchup', 'succeeded'],
        ['cu_daily', '2026-03-06', 'catchup', 'succeeded'],
        ['cu_daily', '2026-03-07', 'catchup', 'succeeded'],
        ['cu_daily', '2026-03-08', 'catchup', 'succeeded'],
        ['cu_inc', null, 'catchup', 'succeeded'],
      ],
    );
    assert.deepEqual(
      seen.filter((x) => x.pipeline === 'cu_daily').map((x) => x.partition),
      ['2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08'],
      'oldest first',
    );
    assert.equal(stats['cu_daily']!.peak, 1, 'catch-up days ran one at a time');

    // Nothing is due within the same minute.
    assert.deepEqual((await sched.tick()).runs, []);
    assert.deepEqual(Object.fromEntries([...sched.nextRuns()].map(([k, v]) => [k, v.toISOString()])), {
      cu_daily: '2026-03-10T04:00:00.000Z',
      cu_inc: '2026-03-09T09:05:00.000Z',
    });

    // 00:00:30 local on 03-10: the daily run processes the day that just ended; the 5-minute one is due too.
    clock.set('2026-03-10T04:00:30Z');
    const midnight = await sched.tick();
    assert.deepEqual(
      (await midnight.done).map((r) => [r.pipeline, r.partition, r.trigger]),
      [
        ['cu_daily', '2026-03-09', 'schedule'],
        ['cu_inc', null, 'schedule'],
      ],
    );
    assert.deepEqual(Object.fromEntries([...sched.nextRuns()].map(([k, v]) => [k, v.toISOString()])), {
      cu_daily: '2026-03-11T04:00:00.000Z',
      cu_inc: '2026-03-10T04:05:00.000Z',
    });
    await sched.stop();
    await runner.stop();
  });

  it('catches up at most catchUpDays back, and nothing for a pipeline that never succeeded', async () => {
    const seen: { pipeline: string; partition: string | null }[] = [];
    const bounded = seedPipelines('bd', seen);
    const fresh = seedPipelines('fr', seen);
    const clock = new Clock(new Date('2026-01-11T16:00:00Z'));
    const { runner } = newRunner(s, [bounded.daily, fresh.daily], { now: clock.now });
    await runner.run({ pipeline: 'bd_daily', partition: '2026-01-10' });
    clock.set('2026-03-09T09:00:00Z');
    const sched = scheduler(runner, new SchedulerLease(s.state, 'a', 30_000, 'bounded'), clock, 3);
    const tick = await sched.tick();
    assert.deepEqual(
      (await tick.done).map((r) => [r.pipeline, r.partition]),
      [
        ['bd_daily', '2026-03-06'],
        ['bd_daily', '2026-03-07'],
        ['bd_daily', '2026-03-08'],
      ],
    );
    await sched.stop();
    await runner.stop();
  });

  it('only the lease holder fires; a release hands over at once, an expired lease after its TTL', async () => {
    const ranBy: string[] = [];
    const clock = new Clock(new Date('2026-03-09T14:02:00Z'));
    const make = (name: string) =>
      newRunner(
        s,
        [
          pipeline(
            'leased',
            [
              okTask('load', {
                partitioning: 'incremental',
                run: async () => {
                  ranBy.push(name);
                  return { rowsIn: 0, rowsOut: 0 };
                },
              }),
            ],
            { schedule: '*/5 * * * *' },
          ),
        ],
        { now: clock.now },
      ).runner;
    const [ra, rb] = [make('a'), make('b')];
    const leaseA = new SchedulerLease(s.state, 'holder-a', 30_000, 'shared');
    const a = scheduler(ra, leaseA, clock);
    const b = scheduler(rb, new SchedulerLease(s.state, 'holder-b', 30_000, 'shared'), clock);
    assert.equal((await a.tick()).leader, true);
    assert.equal((await b.tick()).leader, false);
    assert.equal((await leaseA.current())?.holder, 'holder-a');

    clock.set('2026-03-09T14:05:30Z');
    const [ta, tb] = [await a.tick(), await b.tick()];
    await ta.done;
    assert.equal(ta.runs.length, 1);
    assert.deepEqual(tb, { leader: false, runs: [], done: tb.done });
    assert.deepEqual(ranBy, ['a']);

    await a.stop();
    const takeover = await b.tick();
    assert.equal(takeover.leader, true);
    assert.deepEqual(takeover.runs, [], 'nothing missed: a ran the 14:05 occurrence');
    clock.set('2026-03-09T14:10:30Z');
    await (await b.tick()).done;
    assert.deepEqual(ranBy, ['a', 'b']);
    await b.stop();

    // A holder that stops renewing (a frozen or dead process) loses the lease once it expires.
    const c = scheduler(ra, new SchedulerLease(s.state, 'holder-c', 1000, 'expiring'), clock);
    const d = scheduler(rb, new SchedulerLease(s.state, 'holder-d', 1000, 'expiring'), clock);
    assert.equal((await c.tick()).leader, true);
    assert.equal((await d.tick()).leader, false);
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal((await d.tick()).leader, true);
    assert.equal((await c.tick()).leader, false, 'the old holder notices it lost the lease');
    assert.equal(c.isLeader, false);
    await c.stop();
    await d.stop();
    await ra.stop();
    await rb.stop();
  });
});

describe('pipeline scheduler lease and abandoned runs (PostgreSQL, two processes)', () => {
  let db: TestDatabase;
  let p1: PostgresState;
  let p2: PostgresState;
  before(async () => {
    db = await createTestDatabase();
    p1 = await PostgresState.open(db.url);
    p2 = await PostgresState.open(db.url);
    await migrate(p1, pipelineMigrations);
  });
  after(async () => {
    await p1.close();
    await p2.close();
    await db.drop();
  });

  it('two schedulers racing for the lease: exactly one wins every time', async () => {
    const s1 = await openStores(p1);
    const s2 = await openStores(p2);
    const clock = new Clock(new Date('2026-03-09T14:02:00Z'));
    const defs = [
      pipeline('pg_leased', [okTask('x', { partitioning: 'incremental' })], { schedule: '*/5 * * * *' }),
    ];
    const r1 = newRunner(s1, defs, { now: clock.now }).runner;
    const r2 = newRunner(s2, defs, { now: clock.now }).runner;
    for (let i = 0; i < 10; i++) {
      const a = scheduler(r1, new SchedulerLease(p1, 'one', 30_000, `race-${i}`), clock);
      const b = scheduler(r2, new SchedulerLease(p2, 'two', 30_000, `race-${i}`), clock);
      const [ta, tb] = await Promise.all([a.tick(), b.tick()]);
      assert.equal(Number(ta.leader) + Number(tb.leader), 1, `round ${i}: one leader`);
      const winner = ta.leader ? a : b;
      const loser = ta.leader ? b : a;
      assert.equal((await loser.tick()).leader, false);
      await winner.stop();
      assert.equal((await loser.tick()).leader, true, 'a released lease is taken at once');
      await loser.stop();
    }
    await r1.stop();
    await r2.stop();
    await s1.close();
    await s2.close();
  });

  it('a run whose process stopped heartbeating is marked interrupted by another process; a live one is not', async () => {
    const s1 = await openStores(p1);
    const s2 = await openStores(p2);
    const hold = deferred();
    const defs = [
      pipeline('pg_held', [
        okTask('wait', { run: () => hold.promise.then(() => ({ rowsIn: 0, rowsOut: 0 })) }),
      ]),
    ];
    // `frozen` heartbeats far too rarely: to the others it looks like a dead process. `alive` heartbeats.
    const frozen = newRunner(s1, defs, { heartbeatMs: 60_000 }).runner;
    const alive = newRunner(s1, defs, { heartbeatMs: 50 }).runner;
    const other = newRunner(s2, defs, { staleAfterMs: 1000 }).runner;
    const lost = await frozen.start({ pipeline: 'pg_held', partition: '2026-03-01', trigger: 'manual' });
    const live = await alive.start({ pipeline: 'pg_held', partition: '2026-03-02', trigger: 'manual' });
    assert.deepEqual(await other.recover(), []);
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(await other.recover(), [lost.run.id]);
    assert.equal((await other.history.getRun(live.run.id))!.status, 'running');
    hold.resolve();
    assert.equal((await live.done).status, 'succeeded');
    assert.equal((await lost.done).status, 'interrupted', 'its late end does not overwrite the verdict');
    for (const r of [frozen, alive, other]) await r.stop();
    await s1.close();
    await s2.close();
  });
});
