import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.js';
import { PlazaError } from '../src/core/errors.js';
import { pipelinePartitioning, topologicalOrder, validatePipelines } from '../src/pipelines/dag.js';
import { addDays, daysBetween, parsePartition, yesterday } from '../src/pipelines/partitions.js';
import { backoffDelay, mapLimit } from '../src/pipelines/retry.js';
import { okTask, pipeline } from './helpers/pipelines.js';

const invalid = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof PlazaError);
    assert.equal(e.code, 'pipeline_invalid');
    assert.match(e.message, message);
    return true;
  });

describe('pipeline DAG validation', () => {
  it('orders tasks topologically; among ready tasks, the one declared first goes first', () => {
    const p = pipeline('marts', [
      okTask('report', { dependsOn: ['sales', 'traffic'] }),
      okTask('traffic', { dependsOn: ['stg'] }),
      okTask('stg'),
      okTask('sales', { dependsOn: ['stg'] }),
      okTask('archive'),
    ]);
    assert.deepEqual(
      topologicalOrder(p).map((t) => t.id),
      ['stg', 'traffic', 'sales', 'report', 'archive'],
    );
  });

  it('refuses unknown dependencies, naming the task and the known ones', () => {
    invalid(
      () => topologicalOrder(pipeline('p', [okTask('a'), okTask('b', { dependsOn: ['c'] })])),
      /pipeline "p": task "b" depends on unknown task "c" \(tasks: a, b\)/,
    );
  });

  it('refuses cycles and shows one', () => {
    invalid(
      () =>
        topologicalOrder(
          pipeline('p', [
            okTask('root'),
            okTask('a', { dependsOn: ['root', 'c'] }),
            okTask('b', { dependsOn: ['a'] }),
            okTask('c', { dependsOn: ['b'] }),
          ]),
        ),
      /tasks form a cycle \(upstream → downstream\): (a → b → c → a|b → c → a → b|c → a → b → c)/,
    );
    invalid(() => topologicalOrder(pipeline('p', [okTask('a', { dependsOn: ['a'] })])), /depends on itself/);
  });

  it('refuses duplicate ids, bad ids, empty pipelines and bad schedules', () => {
    invalid(
      () => topologicalOrder(pipeline('p', [okTask('a'), okTask('a')])),
      /task id "a" is declared twice/,
    );
    invalid(
      () => validatePipelines([pipeline('p', [okTask('a')]), pipeline('p', [okTask('b')])]),
      /"p" is declared twice/,
    );
    invalid(() => topologicalOrder(pipeline('Bad Id', [okTask('a')])), /pipeline "Bad Id": ids are/);
    invalid(() => topologicalOrder(pipeline('runs', [okTask('a')])), /not "runs"/);
    invalid(() => topologicalOrder(pipeline('p', [])), /has no tasks/);
    invalid(
      () => topologicalOrder(pipeline('p', [okTask('a')], { schedule: 'every day' })),
      /schedule "every day" is not a cron expression/,
    );
    invalid(
      () => topologicalOrder(pipeline('p', [okTask('a', { dependsOn: ['b', 'b'] }), okTask('b')])),
      /lists a dependency twice/,
    );
    invalid(() => topologicalOrder(pipeline('p', [okTask('a', { timeoutMs: 0 })])), /positive timeoutMs/);
  });

  it('derives a pipeline partitioning from its tasks', () => {
    assert.equal(
      pipelinePartitioning(pipeline('p', [okTask('a', { partitioning: 'none' }), okTask('b')])),
      'daily',
    );
    assert.equal(
      pipelinePartitioning(
        pipeline('p', [okTask('a', { partitioning: 'incremental' }), okTask('b', { partitioning: 'none' })]),
      ),
      'incremental',
    );
    assert.equal(pipelinePartitioning(pipeline('p', [okTask('a', { partitioning: 'none' })])), 'none');
  });
});

describe('retry backoff, partitions, limiter', () => {
  it('doubles the delay per retry, caps it, and jitters within [d/2, d]', () => {
    const policy = { retries: 5, baseDelayMs: 100, maxDelayMs: 500 };
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n, () => 1)),
      [100, 200, 400, 500, 500],
    );
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => backoffDelay(policy, n, () => 0)),
      [50, 100, 200, 250],
    );
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(policy, 2);
      assert.ok(d >= 100 && d <= 200, String(d));
    }
  });

  it('validates days and walks ranges across months and leap days', () => {
    assert.equal(parsePartition('2028-02-29'), '2028-02-29');
    for (const bad of ['2026-02-29', '2026-13-01', '2026-1-01', '20260101', 'yesterday']) {
      assert.throws(() => parsePartition(bad), /must be a day as YYYY-MM-DD/);
    }
    assert.deepEqual(daysBetween('2028-02-27', '2028-03-01'), [
      '2028-02-27',
      '2028-02-28',
      '2028-02-29',
      '2028-03-01',
    ]);
    assert.equal(addDays('2026-12-31', 1), '2027-01-01');
    // 02:00 UTC on the 10th is still the 9th in Santo Domingo (UTC-4): the day that ended is the 8th.
    assert.equal(yesterday('America/Santo_Domingo', new Date('2026-03-10T02:00:00Z')), '2026-03-08');
    assert.equal(yesterday('UTC', new Date('2026-03-10T02:00:00Z')), '2026-03-09');
  });

  it('mapLimit never runs more than the limit at once and keeps order', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 1, 2], 3, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, n * 3));
      active--;
      return n * 10;
    });
    assert.deepEqual(out, [50, 10, 40, 20, 30, 10, 20]);
    assert.equal(peak, 3);
  });
});

describe('pipelines configuration', () => {
  it('has defaults, reads PLAZA_PIPELINES_* and names bad values', () => {
    assert.deepEqual(loadConfig({ env: {} }).pipelines, {
      timeZone: 'America/Santo_Domingo',
      scheduler: true,
      catchUpDays: 31,
      backfillConcurrency: 2,
    });
    const c = loadConfig({
      env: {
        PLAZA_PIPELINES_TIME_ZONE: 'UTC',
        PLAZA_PIPELINES_SCHEDULER: 'false',
        PLAZA_PIPELINES_CATCH_UP_DAYS: '7',
        PLAZA_PIPELINES_BACKFILL_CONCURRENCY: '4',
      },
    });
    assert.deepEqual(c.pipelines, {
      timeZone: 'UTC',
      scheduler: false,
      catchUpDays: 7,
      backfillConcurrency: 4,
    });
    assert.throws(
      () => loadConfig({ env: { PLAZA_PIPELINES_TIME_ZONE: 'Mars/Base' } }),
      /pipelines\.timeZone \[PLAZA_PIPELINES_TIME_ZONE\]: must be an IANA time zone/,
    );
  });
});
