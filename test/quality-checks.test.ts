import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PgliteState } from '../src/adapters/state/pglite.js';
import { DuckDbWarehouse } from '../src/adapters/warehouse/duckdb/duckdb-warehouse.js';
import { migrate } from '../src/core/migrate.js';
import type { QualityCheck } from '../src/pipelines/types.js';
import type { Row, TableDef } from '../src/ports/warehouse.js';
import { createQualityGate, QualityResults, Quarantine, qualityMigrations } from '../src/quality/index.js';
import { taskContext } from './helpers/task-context.js';

const day = '2024-03-10';
/** Santo Domingo is UTC-4 all year; Madrid is UTC+1 until the end of March 2024. */
const projects = [
  { id: 'okla', timeZone: 'America/Santo_Domingo' },
  { id: 'tienda', timeZone: 'Europe/Madrid' },
];
/** Midday of the partition day in okla's zone. */
const noon = (h = 16, m = 0) => new Date(Date.UTC(2024, 2, 10, h, m));

let wh: DuckDbWarehouse;
let state: PgliteState;
let tables = 0;

before(async () => {
  wh = await DuckDbWarehouse.open(':memory:', { threads: 1 });
  state = await PgliteState.open();
  await migrate(state, qualityMigrations);
});
after(async () => {
  await wh.close();
  await state.close();
});

/** A fresh `orders`-like table with the given rows (unset columns are null). */
async function ordersTable(rows: Partial<Row>[]): Promise<string> {
  const name = `orders_${++tables}`;
  const def: TableDef = {
    name,
    columns: [
      { name: 'project_id', type: 'string' },
      { name: 'order_id', type: 'string', nullable: true },
      { name: 'seller_id', type: 'string', nullable: true },
      { name: 'status', type: 'string', nullable: true },
      { name: 'total', type: 'float64', nullable: true },
      { name: 'created_at', type: 'timestamp' },
    ],
  };
  await wh.ensureTable(def);
  await wh.insert(
    name,
    rows.map((r, i) => ({
      project_id: 'okla',
      order_id: `o${i}`,
      seller_id: 's1',
      status: 'paid',
      total: 100,
      created_at: noon(),
      ...r,
    })),
  );
  return name;
}

const count = async (table: string, where = 'TRUE') =>
  Number((await wh.query<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`))[0]!.n);

const check = (table: string, over: Partial<QualityCheck>): QualityCheck => ({
  id: `${table}.${over.column ?? 'x'}.${over.kind}`,
  table,
  severity: 'error',
  kind: 'not_null',
  partitionColumn: 'created_at',
  ...over,
});

const run = (checks: QualityCheck[], o: { partition?: string | null; runId?: string; now?: Date } = {}) =>
  createQualityGate({ now: () => o.now ?? new Date('2024-03-12T00:00:00Z') }).run(
    taskContext({
      warehouse: wh,
      state,
      partition: o.partition === undefined ? day : o.partition,
      projects,
      ...(o.runId ? { runId: o.runId } : {}),
    }),
    checks,
  );

describe('quality checks', () => {
  it('not_null: failures within a count tolerance pass and stay; beyond it an error check quarantines them', async () => {
    const t = await ordersTable([{}, {}, {}, {}, {}, {}, {}, {}, { seller_id: null }, { seller_id: null }]);
    const [ok] = await run([check(t, { kind: 'not_null', column: 'seller_id', tolerance: { count: 2 } })]);
    assert.deepEqual([ok!.passed, ok!.checked, ok!.failed, ok!.quarantined], [true, 10, 2, 0]);
    assert.match(ok!.message, /2 of 10 rows have a null seller_id \(tolerated: up to 2\)/);
    assert.equal(await count(t), 10);

    const [bad] = await run([check(t, { kind: 'not_null', column: 'seller_id', tolerance: { count: 1 } })]);
    assert.deepEqual([bad!.passed, bad!.checked, bad!.failed, bad!.quarantined], [false, 10, 2, 2]);
    assert.equal(await count(t), 8);
    assert.equal(await count(t, 'seller_id IS NULL'), 0, 'downstream reads only clean rows');
    const held = await new Quarantine(wh).list({ table: t });
    assert.deepEqual(held.map((r) => r.row['order_id']).sort(), ['o8', 'o9']);
    assert.ok(
      held.every((r) => r.reason === 'seller_id is null' && r.partition === day && r.status === 'held'),
    );
  });

  it('tolerance as a share; a failing warn check records but keeps every row', async () => {
    const t = await ordersTable([
      { status: null },
      { status: null },
      { status: null },
      {},
      {},
      {},
      {},
      {},
      {},
      {},
    ]);
    const [warn] = await run([
      check(t, { kind: 'not_null', column: 'status', severity: 'warn', tolerance: { share: 0.2 } }),
    ]);
    assert.deepEqual([warn!.passed, warn!.failed, warn!.quarantined], [false, 3, 0]);
    assert.match(warn!.message, /more than the 2 tolerated/);
    assert.equal(await count(t), 10);
    const [ok] = await run([check(t, { kind: 'not_null', column: 'status', tolerance: { share: 0.3 } })]);
    assert.equal(ok!.passed, true);
    assert.equal(await count(t), 10);
  });

  it('unique: every copy after the first of a key is quarantined, one row per key stays', async () => {
    const t = await ordersTable([
      { order_id: 'a', total: 1 },
      { order_id: 'a', total: 2 },
      { order_id: 'a', total: 3 },
      { order_id: 'b' },
      { order_id: 'b' },
      { order_id: 'c' },
      { order_id: null },
      { order_id: null },
    ]);
    const [o] = await run([check(t, { kind: 'unique', column: 'order_id' })]);
    assert.deepEqual([o!.passed, o!.checked, o!.failed, o!.quarantined], [false, 8, 3, 3]);
    const left = await wh.query<{ order_id: string | null; n: number }>(
      `SELECT order_id, count(*) AS n FROM ${t} GROUP BY order_id ORDER BY order_id NULLS LAST`,
    );
    assert.deepEqual(
      left.map((r) => [r.order_id, r.n]),
      [
        ['a', 1],
        ['b', 1],
        ['c', 1],
        [null, 2],
      ],
      'nulls are not keys',
    );
    const reasons = (await new Quarantine(wh).list({ table: t })).map((r) => r.reason).sort();
    assert.deepEqual(reasons, [
      'duplicate key order_id = a',
      'duplicate key order_id = a',
      'duplicate key order_id = b',
    ]);
    // A composite key: (seller_id, status) repeats everywhere but for one row.
    const t2 = await ordersTable([{}, {}, { status: 'refunded' }]);
    const [c] = await run([
      check(t2, { id: 'k', kind: 'unique', params: { columns: ['seller_id', 'status'] }, severity: 'warn' }),
    ]);
    assert.deepEqual([c!.passed, c!.failed], [false, 1]);
  });

  it('accepted_values and range: out-of-set and out-of-bounds values fail, nulls do not', async () => {
    const t = await ordersTable([
      { status: 'bogus', total: -5 },
      { status: null, total: 5000 },
      { status: 'refunded', total: null },
      { total: 0 },
      { total: 1000 },
    ]);
    const [values, range] = await run([
      check(t, {
        kind: 'accepted_values',
        column: 'status',
        params: { values: ['paid', 'refunded'] },
        severity: 'warn',
      }),
      check(t, { kind: 'range', column: 'total', params: { min: 0, max: 1000 } }),
    ]);
    assert.deepEqual([values!.passed, values!.failed, values!.quarantined], [false, 1, 0]);
    assert.deepEqual([range!.passed, range!.failed, range!.quarantined], [false, 2, 2]);
    const reasons = (await new Quarantine(wh).list({ table: t })).map((r) => r.reason).sort();
    assert.deepEqual(reasons, ['total = -5.0 is outside [0, 1000]', 'total = 5000.0 is outside [0, 1000]']);
    assert.equal(await count(t), 3);
    const [minOnly] = await run([
      check(t, { kind: 'range', column: 'total', params: { min: 1 }, severity: 'warn' }),
    ]);
    assert.equal(minOnly!.failed, 1, 'total 0 is below 1');
  });

  it('relationship: rows whose key has no match in the referenced table fail', async () => {
    await wh.ensureTable({
      name: 'sellers_ref',
      columns: [{ name: 'id', type: 'string' }],
    });
    await wh.insert('sellers_ref', [{ id: 's1' }, { id: 's2' }]);
    const t = await ordersTable([
      { seller_id: 's1' },
      { seller_id: 's2' },
      { seller_id: 's3' },
      { seller_id: null },
    ]);
    const [o] = await run([
      check(t, { kind: 'relationship', column: 'seller_id', params: { table: 'sellers_ref', column: 'id' } }),
    ]);
    assert.deepEqual([o!.passed, o!.checked, o!.failed, o!.quarantined], [false, 4, 1, 1]);
    const [held] = await new Quarantine(wh).list({ table: t });
    assert.equal(held!.reason, 'seller_id = s3 has no match in sellers_ref.id');
    assert.equal(held!.row['seller_id'], 's3');
  });

  it('freshness: a partition must reach near its local end; the whole table near now', async () => {
    // okla's day ends 2024-03-11T04:00Z; 03:30Z is 30 minutes before it.
    const fresh = await ordersTable([
      { created_at: noon(10) },
      { created_at: new Date('2024-03-11T03:30:00Z') },
    ]);
    const stale = await ordersTable([{ created_at: noon(10) }, { created_at: noon(20) }]);
    const freshness = (t: string, over: Partial<QualityCheck> = {}) =>
      check(t, { kind: 'freshness', column: 'created_at', params: { maxAgeMinutes: 60 }, ...over });
    const [a, b] = await run([freshness(fresh), freshness(stale)]);
    assert.equal(a!.passed, true, a!.message);
    assert.equal(b!.passed, false);
    assert.match(b!.message, /okla: latest created_at is 480 min old \(max 60 min\)/);
    assert.equal(b!.quarantined, 0);

    const whole = (now: string) =>
      run([freshness(stale, { partitionColumn: undefined })], { now: new Date(now), partition: null });
    assert.equal((await whole('2024-03-10T20:10:00Z'))[0]!.passed, true);
    assert.equal((await whole('2024-03-10T22:00:00Z'))[0]!.passed, false);

    const [empty] = await run([freshness(fresh)], { partition: '2024-03-01' });
    assert.deepEqual([empty!.passed, empty!.message], [false, 'no rows to judge freshness by']);
  });

  it('row_count: the partition against the average of its trailing days, below and above', async () => {
    const name = `daily_${++tables}`;
    await wh.ensureTable({
      name,
      columns: [
        { name: 'day', type: 'date' },
        { name: 'v', type: 'int64' },
      ],
    });
    const rows: Row[] = [];
    for (let d = 3; d <= 9; d++) {
      for (let i = 0; i < (d === 5 ? 80 : 100); i++) rows.push({ day: `2024-03-0${d}`, v: i });
    }
    for (let i = 0; i < 30; i++) rows.push({ day: day, v: i });
    await wh.insert(name, rows);
    const rowCount = (params: Record<string, unknown>) =>
      check(name, { id: 'rc', kind: 'row_count', partitionColumn: 'day', params, severity: 'warn' });

    const [low] = await run([rowCount({ days: 7, minShare: 0.5 })]);
    assert.equal(low!.passed, false);
    assert.equal(low!.checked, 30);
    assert.match(low!.message, /30 rows, 31% of the 7-day average 97\.1/);
    const [fine] = await run([rowCount({ days: 7, minShare: 0.25 })]);
    assert.equal(fine!.passed, true);

    await wh.insert(
      name,
      Array.from({ length: 200 }, (_, i) => ({ day, v: i })),
    );
    const [high] = await run([rowCount({ minShare: 0.5, maxShare: 2 })]);
    assert.equal(high!.passed, false, 'default 7 days; 230 rows is more than twice 97');
    const [noHistory] = await run([rowCount({ days: 3 })], { partition: '2024-03-03' });
    assert.equal(noHistory!.passed, true);
    assert.match(noHistory!.message, /no rows in the previous 3 days/);
  });

  it('runs per partition: the local day of each project, unknown projects in the default zone', async () => {
    const t = await ordersTable([
      // 2024-03-10T02:00Z is still the 9th in Santo Domingo (22:00) but the 10th in Madrid (03:00).
      {
        project_id: 'okla',
        order_id: 'okla-before',
        seller_id: null,
        created_at: new Date('2024-03-10T02:00:00Z'),
      },
      {
        project_id: 'tienda',
        order_id: 'tienda-in',
        seller_id: null,
        created_at: new Date('2024-03-10T02:00:00Z'),
      },
      // 23:00 on the 10th in Santo Domingo, 00:30 on the 11th in Madrid.
      {
        project_id: 'okla',
        order_id: 'okla-in',
        seller_id: null,
        created_at: new Date('2024-03-11T03:00:00Z'),
      },
      {
        project_id: 'tienda',
        order_id: 'tienda-after',
        seller_id: null,
        created_at: new Date('2024-03-10T23:30:00Z'),
      },
      { project_id: 'other', order_id: 'other-in', seller_id: null, created_at: noon() },
      { project_id: 'okla', order_id: 'clean', created_at: noon() },
    ]);
    const [o] = await run([check(t, { kind: 'not_null', column: 'seller_id' })]);
    assert.deepEqual([o!.checked, o!.failed, o!.quarantined], [4, 3, 3]);
    const held = await new Quarantine(wh).list({ table: t });
    assert.deepEqual(held.map((r) => r.row['order_id']).sort(), ['okla-in', 'other-in', 'tienda-in']);
    const left = await wh.query<{ order_id: string }>(`SELECT order_id FROM ${t} ORDER BY order_id`);
    assert.deepEqual(
      left.map((r) => r.order_id),
      ['clean', 'okla-before', 'tienda-after'],
    );
  });

  it('stores every result; the latest per check and partition decides its status', async () => {
    const t = await ordersTable([{ status: 'bogus' }, {}]);
    const values = check(t, {
      id: 'st',
      kind: 'accepted_values',
      column: 'status',
      params: { values: ['paid'] },
    });
    const first = await run([values], { runId: 'r-1' });
    assert.equal(first[0]!.passed, false);
    const second = await run([values], { runId: 'r-2' });
    assert.equal(second[0]!.passed, true, 'the failing row was quarantined by the first run');

    const results = new QualityResults(state);
    const latest = await results.list({ table: t });
    assert.equal(latest.length, 1);
    assert.deepEqual(
      [latest[0]!.run_id, latest[0]!.passed, latest[0]!.partition, latest[0]!.severity, latest[0]!.kind],
      ['r-2', true, day, 'error', 'accepted_values'],
    );
    assert.deepEqual(await results.list({ table: t, status: 'failed' }), []);
    const all = await results.list({ table: t, latest: false });
    assert.deepEqual(
      all.map((r) => [r.run_id, r.passed, r.checked, r.failed, r.quarantined]),
      [
        ['r-2', true, 1, 0, 0],
        ['r-1', false, 2, 1, 1],
      ],
    );
    assert.deepEqual(await results.list({ table: t, since: new Date(Date.now() + 60_000) }), []);
  });

  it('a check that cannot run fails (and so blocks when it is an error check)', async () => {
    const t = await ordersTable([{}]);
    const outcomes = await run([
      check(t, { id: 'a', kind: 'not_null', column: 'nope' }),
      check('no_such_table', { id: 'b', kind: 'not_null', column: 'x' }),
      check(t, { id: 'c', kind: 'accepted_values', column: 'status', params: { values: [] } }),
      check(t, { id: 'd', kind: 'not_null', column: 'status' }),
      check(t, { id: 'd', kind: 'not_null', column: 'order_id' }),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.passed),
      [false, false, false, true, false],
    );
    assert.match(outcomes[4]!.message, /another check of build has the id d/);
    assert.match(outcomes[0]!.message, /has no column nope/);
    assert.match(outcomes[1]!.message, /table no_such_table does not exist/);
    assert.match(outcomes[2]!.message, /params\.values must be a non-empty array/);
  });

  it("a re-run of a partition supersedes the earlier run's held rows", async () => {
    const t = await ordersTable([{ order_id: 'bad', seller_id: null }, {}]);
    const nn = check(t, { id: 'nn', kind: 'not_null', column: 'seller_id' });
    await run([nn], { runId: 'first' });
    // The task writes the partition again from its source: the bad row is back.
    await wh.insert(t, [{ project_id: 'okla', order_id: 'bad', seller_id: null, created_at: noon() }]);
    await run([nn], { runId: 'second' });
    const all = await new Quarantine(wh).list({ table: t, status: 'all' });
    assert.deepEqual(all.map((r) => [r.run_id, r.status]).sort(), [
      ['first', 'superseded'],
      ['second', 'held'],
    ]);
  });
});
