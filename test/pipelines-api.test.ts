import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Plaza } from '../src/app/compose.js';
import { yesterday } from '../src/pipelines/partitions.js';
import { deferred } from './helpers/pipelines.js';
import { appPipelines, callApi, startPipelineApp } from './helpers/pipelines-app.js';
import { eventually } from './helpers/plaza.js';

describe('pipelines API', () => {
  let plaza: Plaza;
  let url: string;
  let dataDir: string;
  const { defs, slowGate } = appPipelines();

  const api = (method: string, path: string, body?: unknown, token: string | null = plaza.adminToken) =>
    callApi(url, method, path, body, token);
  const expectError = async (
    r: Promise<{ status: number; body: any }>,
    status: number,
    code: string,
    message?: RegExp,
  ) => {
    const { status: s, body } = await r;
    assert.equal(s, status, JSON.stringify(body));
    assert.equal(body.error.code, code, body.error.message);
    if (message) assert.match(body.error.message, message);
    return body;
  };
  const finished = (runId: string) =>
    eventually(async () => {
      const r = await api('GET', `/v1/pipelines/runs/${runId}`);
      return r.body.status !== 'queued' && r.body.status !== 'running' ? r.body : null;
    }, 15_000);

  before(async () => {
    ({ plaza, url, dataDir } = await startPipelineApp({ pipelines: defs }));
  });
  after(async () => {
    await plaza.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('needs the admin token', async () => {
    await expectError(api('GET', '/v1/pipelines', undefined, null), 401, 'admin_auth_required');
    await expectError(
      api('POST', '/v1/pipelines/sales_daily/run', {}, 'x'.repeat(40)),
      401,
      'admin_auth_required',
    );
  });

  it('lists definitions with tasks, schedule, next run, last run and the scheduler lease', async () => {
    const r = await eventually(async () => {
      const x = await api('GET', '/v1/pipelines');
      return x.body.scheduler.leader ? x : null;
    });
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.pipelines.map((p: any) => [p.id, p.partitioning]),
      [
        ['sales_daily', 'daily'],
        ['events_inc', 'incremental'],
        ['broken', 'daily'],
        ['slow', 'daily'],
      ],
    );
    const sales = r.body.pipelines[0];
    assert.equal(sales.version, 'v7');
    assert.equal(sales.schedule, '0 0 * * *');
    assert.equal(sales.time_zone, 'America/Santo_Domingo');
    assert.equal(sales.last_run, null);
    assert.match(sales.next_run_at, /T04:00:00\.000Z$/, 'local midnight in Santo Domingo');
    assert.deepEqual(
      sales.tasks.map((t: any) => [t.id, t.depends_on]),
      [
        ['stage', []],
        ['mart', ['stage']],
      ],
    );
    assert.equal(r.body.scheduler.enabled, true);
    assert.ok(r.body.scheduler.lease.holder);
  });

  it('runs a pipeline in the background and shows the run with task runs and log lines', async () => {
    const started = await api('POST', '/v1/pipelines/sales_daily/run', { partition: '2026-03-01' });
    assert.equal(started.status, 202);
    assert.equal(started.body.run.status, 'queued');
    assert.equal(started.body.run.partition, '2026-03-01');
    assert.equal(started.body.run.trigger, 'manual');
    const run = await finished(started.body.run.id);
    assert.equal(run.status, 'succeeded');
    assert.equal(run.version, 'v7');
    assert.equal(run.rows_in, 43);
    assert.equal(run.rows_out, 2);
    assert.deepEqual(
      run.tasks.map((t: any) => [t.task, t.status, t.attempts, t.rows_in, t.rows_out]),
      [
        ['stage', 'succeeded', 1, 42, 1],
        ['mart', 'succeeded', 1, 1, 1],
      ],
    );
    const staging = run.logs.find((l: any) => l.message === 'staging');
    assert.deepEqual([staging.task, staging.level, staging.fields], ['stage', 'info', { day: '2026-03-01' }]);
    assert.ok(run.logs.at(-1).message.startsWith('run succeeded in'));

    // Without a body: the day that ended last in the pipelines time zone.
    const dflt = await api('POST', '/v1/pipelines/sales_daily/run');
    assert.equal(dflt.status, 202, JSON.stringify(dflt.body));
    assert.equal(dflt.body.run.partition, yesterday('America/Santo_Domingo', new Date()));
    await finished(dflt.body.run.id);

    const list = await api(
      'GET',
      '/v1/pipelines/sales_daily/runs?status=succeeded&partition=2026-03-01&limit=5',
    );
    assert.deepEqual(
      list.body.runs.map((r: any) => r.id),
      [run.id],
    );
    const last = await api('GET', '/v1/pipelines');
    assert.equal(last.body.pipelines[0].last_run.id, dflt.body.run.id);
  });

  it('answers precise errors', async () => {
    const unknown = await expectError(
      api('POST', '/v1/pipelines/nope/run', {}),
      404,
      'unknown_pipeline',
      /unknown pipeline "nope"; known: sales_daily, events_inc, broken, slow/,
    );
    assert.deepEqual(unknown.error.details.known, ['sales_daily', 'events_inc', 'broken', 'slow']);
    await expectError(api('GET', '/v1/pipelines/nope/runs'), 404, 'unknown_pipeline');
    await expectError(api('GET', '/v1/pipelines/runs/run_nope'), 404, 'unknown_run');
    await expectError(
      api('POST', '/v1/pipelines/sales_daily/run', { partition: '2026-02-30' }),
      400,
      'invalid_partition',
      /partition must be a day as YYYY-MM-DD/,
    );
    await expectError(
      api('POST', '/v1/pipelines/sales_daily/run', { partition: '2999-01-01' }),
      400,
      'partition_in_future',
    );
    await expectError(
      api('POST', '/v1/pipelines/sales_daily/run', { day: '2026-03-01' }),
      400,
      'invalid_request',
    );
    await expectError(
      api('POST', '/v1/pipelines/events_inc/run', { partition: '2026-03-01' }),
      400,
      'pipeline_not_partitioned',
    );
    await expectError(api('GET', '/v1/pipelines/sales_daily/runs?status=done'), 400, 'invalid_request');
    await expectError(api('GET', '/v1/pipelines/sales_daily/runs?limit=0'), 400, 'invalid_request');
    const range = { from: '2026-03-05', to: '2026-03-01' };
    await expectError(
      api('POST', '/v1/pipelines/sales_daily/backfill', range),
      400,
      'invalid_range',
      /from \(2026-03-05\) is after to \(2026-03-01\)/,
    );
    await expectError(
      api('POST', '/v1/pipelines/sales_daily/backfill', { from: '2026-03-05' }),
      400,
      'invalid_request',
    );
    await expectError(
      api('POST', '/v1/pipelines/sales_daily/backfill', { ...range, reprocess: 'some' }),
      400,
      'invalid_request',
    );
    await expectError(
      api('POST', '/v1/pipelines/events_inc/backfill', { from: '2026-03-01', to: '2026-03-02' }),
      400,
      'pipeline_not_partitioned',
    );
  });

  it('refuses a second active run of the same partition with 409', async () => {
    slowGate.current = deferred();
    const first = await api('POST', '/v1/pipelines/slow/run', { partition: '2026-03-01' });
    assert.equal(first.status, 202);
    const second = await expectError(
      api('POST', '/v1/pipelines/slow/run', { partition: '2026-03-01' }),
      409,
      'pipeline_run_active',
    );
    assert.equal(second.error.details.run_id, first.body.run.id);
    slowGate.current.resolve();
    assert.equal((await finished(first.body.run.id)).status, 'succeeded');
  });

  it('backfills: the dry run returns the plan, the real one 202 with the runs', async () => {
    const body = { from: '2026-02-26', to: '2026-03-02' };
    const dry = await api('POST', '/v1/pipelines/sales_daily/backfill', { ...body, dry_run: true });
    assert.equal(dry.status, 200);
    assert.equal(dry.body.dry_run, true);
    assert.deepEqual(
      dry.body.plan.map((p: any) => p.partition),
      ['2026-02-26', '2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02'].filter(
        (d) => d !== '2026-03-01',
      ),
    );
    assert.deepEqual(dry.body.skipped, [
      { partition: '2026-03-01', last_status: 'succeeded', reason: 'already_succeeded' },
    ]);
    assert.deepEqual(dry.body.runs, []);

    const real = await api('POST', '/v1/pipelines/sales_daily/backfill', { ...body, concurrency: 2 });
    assert.equal(real.status, 202);
    assert.equal(real.body.runs.length, 4);
    for (const r of real.body.runs) {
      assert.equal(r.trigger, 'backfill');
      assert.equal((await finished(r.id)).status, 'succeeded');
    }
    const again = await api('POST', '/v1/pipelines/sales_daily/backfill', { ...body, dry_run: true });
    assert.deepEqual(again.body.plan, []);
  });

  it('documents the routes in the OpenAPI description', async () => {
    const doc = await (await fetch(`${url}/openapi.json`)).json();
    for (const path of [
      '/v1/pipelines',
      '/v1/pipelines/{id}/runs',
      '/v1/pipelines/runs/{runId}',
      '/v1/pipelines/{id}/run',
      '/v1/pipelines/{id}/backfill',
    ]) {
      assert.ok(doc.paths[path], path);
    }
  });

  it('exposes the pipeline metrics', async () => {
    const broken = await api('POST', '/v1/pipelines/broken/run', { partition: '2026-03-01' });
    const end = await finished(broken.body.run.id);
    assert.equal(end.status, 'failed');
    assert.match(end.error, /task "explode" failed: source table missing/);
    const text = await (await fetch(`${url}/metrics`)).text();
    assert.match(
      text,
      /pipeline_execution_time_seconds_count\{pipeline="sales_daily",task="stage",status="succeeded"\} [1-9]/,
    );
    assert.match(text, /pipeline_rows_processed\{pipeline="sales_daily",task="stage",direction="in"\} \d+/);
    assert.match(text, /pipeline_failures_total\{pipeline="broken",task="explode",status="failed"\} 1/);
  });

  it('closing aborts an active run; it shows as interrupted after a restart', async () => {
    slowGate.current = deferred();
    const started = await api('POST', '/v1/pipelines/slow/run', { partition: '2026-03-02' });
    await eventually(
      async () => (await api('GET', `/v1/pipelines/runs/${started.body.run.id}`)).body.status === 'running',
    );
    await plaza.close();
    ({ plaza, url } = await startPipelineApp({ dataDir, pipelines: defs, roles: [] }));
    const run = (await api('GET', `/v1/pipelines/runs/${started.body.run.id}`)).body;
    assert.equal(run.status, 'interrupted');
    assert.equal(run.tasks[0].status, 'interrupted');
  });
});
