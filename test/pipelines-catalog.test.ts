import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSimulation } from '../src/simulate/index.js';
import { runSimulation } from '../src/simulate/runner.js';
import { eventually, startPlaza, type TestPlaza } from './helpers/plaza.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 5, 4); // midnight in Santo Domingo (UTC−4), the projects' default zone

/**
 * The shipped catalogue end to end: simulated events through the collector and the stream, then the seeds'
 * two pipelines over the API, as an operator would run them.
 */
describe('the pipeline catalogue on simulated data', () => {
  let t: TestPlaza;

  async function runAndWait(pipeline: string, partition?: string): Promise<any> {
    const r = await t.admin('POST', `/v1/pipelines/${pipeline}/run`, partition ? { partition } : {});
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return eventually(async () => {
      const run = await t.admin('GET', `/v1/pipelines/runs/${r.body.run.id}`);
      return ['queued', 'running'].includes(run.body.status) ? null : run.body;
    }, 120_000);
  }

  async function marts(): Promise<Record<string, unknown[]>> {
    const out: Record<string, unknown[]> = {};
    const tables = await t.plaza.stores.warehouse.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_name LIKE 'mart_%' OR table_name LIKE 'dim_%' OR table_name LIKE 'stg_%' ORDER BY 1",
    );
    for (const { name } of tables) {
      const rows = await t.plaza.stores.warehouse.query(`SELECT * FROM ${name} ORDER BY ALL`);
      // Build times differ between runs; everything else must not.
      out[name] = JSON.parse(
        JSON.stringify(rows, (k, v) =>
          ['built_at', 'loaded_at', 'updated_at', 'staged_at', 'run_id'].includes(k)
            ? undefined
            : typeof v === 'bigint'
              ? Number(v)
              : v,
        ),
      );
    }
    return out;
  }

  before(async () => {
    t = await startPlaza({ overrides: { ingest: { rateLimitPerMinute: 1_000_000 } } });
    await t.admin('PATCH', `/v1/admin/projects/${t.projectId}/settings`, { maxPastMs: 3650 * DAY });
    const o = { vertical: 'vehicles' as const, seed: 11, start: START, days: 3, users: 400, sellers: 12 };
    const result = await runSimulation({
      simulation: createSimulation(o),
      host: t.url,
      writeKey: t.writeKey,
      historyEnd: o.start + o.days * DAY,
    });
    assert.equal(result.rejected, 0);
    await t.plaza.drain(120_000);
  });
  after(async () => t?.close(true));

  it('lists both pipelines with their schedules', async () => {
    const r = await t.admin('GET', '/v1/pipelines');
    assert.equal(r.status, 200);
    const byId = new Map(r.body.pipelines.map((p: { id: string }) => [p.id, p]));
    assert.equal((byId.get('incremental') as any)?.schedule, '*/5 * * * *');
    assert.equal((byId.get('daily') as any)?.schedule, '0 0 * * *');
  });

  it('builds a day: every task succeeds, the marts hold the day, and a re-run leaves identical tables', async () => {
    const incremental = await runAndWait('incremental');
    assert.equal(incremental.status, 'succeeded', JSON.stringify(incremental.tasks));

    const day = '2026-01-06';
    const run = await runAndWait('daily', day);
    assert.equal(
      run.status,
      'succeeded',
      JSON.stringify(run.tasks.filter((x: any) => x.status !== 'succeeded')),
    );
    assert.ok(run.tasks.length >= 10, `the daily pipeline has its tasks (${run.tasks.length})`);
    const w = t.plaza.stores.warehouse;
    const [traffic] = await w.query<{ n: number }>(
      'SELECT count(*) AS n FROM mart_traffic_daily WHERE local_date = $1',
      [day],
    );
    assert.ok(Number(traffic?.n) > 0, 'traffic of the day');
    const [scores] = await w.query<{ n: number }>('SELECT count(*) AS n FROM mart_vehicle_score');
    assert.ok(Number(scores?.n) > 0, 'vehicle performance scores');
    const [views] = await w.query<{ views: number }>(
      'SELECT sum(views) AS views FROM mart_listing_daily WHERE local_date = $1',
      [day],
    );
    const [raw] = await w.query<{ n: number }>(
      `SELECT count(*) AS n FROM raw_events WHERE event_type = 'listing_viewed' AND NOT is_bot
         AND CAST(timezone('America/Santo_Domingo', timestamp) AS DATE) = $1`,
      [day],
    );
    assert.ok(Number(views?.views) > 0, 'views of the day');
    assert.ok(Number(views?.views) <= Number(raw?.n), 'no more views than raw listing views');

    const first = await marts();
    const again = await runAndWait('daily', day);
    assert.equal(again.status, 'succeeded');
    assert.deepEqual(await marts(), first, 're-running the day changes nothing');
  });
});
