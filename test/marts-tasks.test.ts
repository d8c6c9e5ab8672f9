import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { warehouseTasks } from '../src/marts/index.js';
import { topologicalOrder } from '../src/pipelines/dag.js';
import { parseCheck } from '../src/quality/index.js';

/** The tasks as the lead assembles them: valid DAGs for the orchestrator, checks the gate can read. */
describe('warehouseTasks', () => {
  const { incremental, daily } = warehouseTasks({ dataDir: '/tmp/plaza-data' });
  const pipeline = (id: string, tasks: typeof daily) => ({
    id,
    version: '1',
    schedule: '0 0 * * *',
    description: id,
    tasks,
  });

  it('gives the 5-minute pipeline staging then the syncs, all incremental with a lookback', () => {
    const order = topologicalOrder(pipeline('incremental', incremental)).map((t) => t.id);
    assert.deepEqual(order, ['stg_events', 'dim_listings', 'dim_sellers', 'dim_users', 'stg_orders']);
    for (const t of incremental) {
      assert.equal(t.partitioning, 'incremental', t.id);
      assert.equal(t.lookbackMs, 15 * 60_000, t.id);
    }
  });

  it('orders the daily pipeline: staging, syncs, marts, archive, clustering, and retention last', () => {
    const tasks = topologicalOrder(pipeline('daily', daily));
    const ids = tasks.map((t) => t.id);
    assert.deepEqual(ids, [
      'stg_events_day',
      'dim_listings',
      'dim_sellers',
      'dim_users',
      'stg_orders',
      'mart_sales',
      'mart_listing_performance',
      'mart_customers',
      'mart_traffic',
      'mart_sellers',
      'mart_vehicle_score',
      'mart_user_interest',
      'mart_active_people',
      'mart_market_trends',
      'raw_archive',
      'cluster_marts',
      'retention',
    ]);
    const retention = tasks.at(-1)!;
    assert.deepEqual([...(retention.dependsOn ?? [])].sort(), ids.slice(0, -1).sort());
    const partitioning = Object.fromEntries(tasks.map((t) => [t.id, t.partitioning]));
    for (const id of ids) {
      const expected =
        id.startsWith('dim_') || ['stg_orders', 'cluster_marts', 'retention'].includes(id) ? 'none' : 'daily';
      assert.equal(partitioning[id], expected, id);
    }
  });

  it('declares checks the quality gate reads, with ids unique per task', () => {
    let count = 0;
    for (const t of [...incremental, ...daily]) {
      const ids = (t.checks ?? []).map((c) => c.id);
      assert.equal(new Set(ids).size, ids.length, `${t.id} has duplicate check ids`);
      for (const c of t.checks ?? []) {
        parseCheck(c);
        count++;
      }
    }
    assert.ok(count > 40, `${count} checks`);
    const kinds = new Set(daily.flatMap((t) => (t.checks ?? []).map((c) => c.kind)));
    assert.deepEqual([...kinds].sort(), [
      'accepted_values',
      'not_null',
      'range',
      'relationship',
      'row_count',
      'unique',
    ]);
  });

  it('takes the retention tiers as options and refuses bad ones', () => {
    assert.throws(
      () => warehouseTasks({ dataDir: '/tmp/x', retention: { processedYears: -1 } }),
      /whole number/,
    );
    const { daily: custom } = warehouseTasks({ dataDir: '/tmp/x', retention: { analyticsYears: 2 } });
    assert.match(custom.at(-1)!.description ?? '', /analytics 2 y/);
  });
});
