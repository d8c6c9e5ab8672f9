import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isPlazaError } from '../src/core/errors.js';
import { martTables } from '../src/marts/analytics/marts.task.js';
import { archiveDir, rawArchiveTask } from '../src/marts/raw/archive.js';
import { retentionTask } from '../src/marts/raw/retention.js';
import { stgEventsTable } from '../src/marts/staging/stg-events.js';
import type { StateStore } from '../src/ports/state.js';
import type { Row, TableDef, Warehouse } from '../src/ports/warehouse.js';
import { rawEventsTable } from '../src/warehouse/raw-events-table.js';
import { sessionsTable } from '../src/warehouse/sessions-table.js';
import {
  ev,
  insertRaw,
  insertSessions,
  openState,
  openWarehouse,
  runTask,
  SD,
  withWarehouse,
} from './helpers/marts.js';
import { tempDir } from './helpers/plaza.js';

const projects = [
  { id: 'okla', timeZone: SD },
  { id: 'tiendi', timeZone: SD },
];
let state: StateStore;
before(async () => {
  state = await openState();
});
after(() => state.close());

/** Files under a directory, relative, sorted. */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('raw archive', () => {
  let w: Warehouse;
  let dataDir: string;
  const readBack = (date: string) =>
    w.query(
      `SELECT project_id, "date", event_id, event_type, "timestamp", properties
       FROM read_parquet('${archiveDir(dataDir)}/*/*/*.parquet', hive_partitioning = true)
       WHERE "date" = DATE '${date}' ORDER BY project_id, "timestamp", event_id`,
    );

  before(async () => {
    w = await openWarehouse();
    dataDir = tempDir();
    await insertRaw(w, [
      // 02:00 UTC on 2 March is still 1 March in Santo Domingo.
      ev('page_view', '2026-03-02T02:00:00Z', { id: 'prev-day' }),
      ev('listing_viewed', '2026-03-02T12:00:00Z', { id: 'o1', listing: 'l1', props: { make: 'Toyota' } }),
      ev('page_view', '2026-03-03T03:59:59Z', { id: 'o2' }),
      ev('add_to_cart', '2026-03-02T15:00:00Z', { id: 't1', project: 'tiendi', props: { quantity: 2 } }),
      ev('page_view', '2026-03-03T12:00:00Z', { id: 'o3' }),
    ]);
  });
  after(async () => {
    await w.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const archive = (day: string) =>
    runTask(rawArchiveTask({ dataDir }), { warehouse: w, state, projects, partition: day });

  it('writes the local day as Parquet, hive-partitioned by project and date, readable with hive_partitioning', async () => {
    assert.deepEqual(await archive('2026-03-02'), {
      rowsIn: 3,
      rowsOut: 3,
      details: { dir: archiveDir(dataDir) },
    });
    assert.deepEqual(files(archiveDir(dataDir)), [
      'project_id=okla/date=2026-03-02/raw_events_0.parquet',
      'project_id=tiendi/date=2026-03-02/raw_events_0.parquet',
    ]);
    assert.deepEqual(await readBack('2026-03-02'), [
      {
        project_id: 'okla',
        date: '2026-03-02',
        event_id: 'o1',
        event_type: 'listing_viewed',
        timestamp: new Date('2026-03-02T12:00:00Z'),
        properties: { make: 'Toyota' },
      },
      {
        project_id: 'okla',
        date: '2026-03-02',
        event_id: 'o2',
        event_type: 'page_view',
        timestamp: new Date('2026-03-03T03:59:59Z'),
        properties: {},
      },
      {
        project_id: 'tiendi',
        date: '2026-03-02',
        event_id: 't1',
        event_type: 'add_to_cart',
        timestamp: new Date('2026-03-02T15:00:00Z'),
        properties: { quantity: 2 },
      },
    ]);
    // Every raw_events column is kept (the partition columns in the path).
    const [described] = await w.query<{ n: number }>(
      `SELECT count(*) AS n FROM (DESCRIBE SELECT * FROM read_parquet('${archiveDir(dataDir)}/*/*/*.parquet',
         hive_partitioning = true))`,
    );
    assert.equal(described?.n, rawEventsTable.columns.length + 1);
  });

  it('archives a day again in place: same files, same rows, a late event included', async () => {
    const first = await readBack('2026-03-02');
    await archive('2026-03-02');
    assert.deepEqual(await readBack('2026-03-02'), first);
    await insertRaw(w, [ev('page_view', '2026-03-02T20:00:00Z', { id: 'late' })]);
    await archive('2026-03-02');
    assert.deepEqual(
      (await readBack('2026-03-02')).map((r) => r.event_id),
      ['o1', 'late', 'o2', 't1'],
    );
    assert.deepEqual(files(archiveDir(dataDir)), [
      'project_id=okla/date=2026-03-02/raw_events_0.parquet',
      'project_id=tiendi/date=2026-03-02/raw_events_0.parquet',
    ]);
    assert.deepEqual(
      readdirSync(archiveDir(dataDir)).filter((n) => n.startsWith('.')),
      [],
      'no staging left behind',
    );
  });

  it('keeps what the archive holds for a project whose raw rows are gone', async () => {
    await archive('2026-03-03');
    assert.ok(existsSync(join(archiveDir(dataDir), 'project_id=okla', 'date=2026-03-03')));
    await w.exec(`DELETE FROM raw_events WHERE event_id = 'o3'`);
    assert.deepEqual(await archive('2026-03-03'), { rowsIn: 0, rowsOut: 0 });
    assert.deepEqual(
      (await readBack('2026-03-03')).map((r) => r.event_id),
      ['o3'],
    );
  });
});

/** A row of `table` with every NOT NULL column filled, and `over` on top. */
function rowOf(table: TableDef, over: Row): Row {
  const row: Row = {};
  for (const c of table.columns) {
    if (c.nullable) continue;
    row[c.name] = {
      string: 'x',
      int64: 0,
      float64: 0,
      bool: false,
      timestamp: new Date('2026-01-01'),
      date: '2026-01-01',
      json: {},
    }[c.type];
  }
  return { ...row, ...over };
}

describe('retention', () => {
  let w: Warehouse;
  let dataDir: string;
  const now = new Date('2027-06-15T12:00:00Z');
  const sales = martTables.find((t) => t.name === 'mart_sales_daily')!;
  const interest = martTables.find((t) => t.name === 'mart_user_interest')!;
  const ids = async (table: string, column: string) =>
    (await w.query(`SELECT project_id, ${column} AS v FROM ${table} ORDER BY ALL`)).map(
      (r) => `${r.project_id} ${r.v instanceof Date ? r.v.toISOString() : r.v}`,
    );

  before(async () => {
    w = await openWarehouse();
    dataDir = tempDir();
    await insertRaw(w, [
      // Raw: 7 years, so Santo Domingo keeps 15 June 2020 (from 04:00 UTC) on.
      ev('page_view', '2020-06-15T03:59:59Z', { id: 'raw-old' }),
      ev('page_view', '2020-06-15T04:00:00Z', { id: 'raw-kept' }),
      // A project no longer registered: the default zone (also Santo Domingo).
      ev('page_view', '2020-06-15T03:00:00Z', { id: 'gone-old', project: 'gone' }),
    ]);
    await w.ensureTable(stgEventsTable);
    await w.insert('stg_events', [
      rowOf(stgEventsTable, { project_id: 'okla', event_id: 's-old', local_date: '2024-06-14' }),
      rowOf(stgEventsTable, { project_id: 'okla', event_id: 's-kept', local_date: '2024-06-15' }),
    ]);
    await insertSessions(w, [{ local_date: '2024-06-14' }, { local_date: '2024-06-15' }]);
    for (const t of [sales, interest]) await w.ensureTable(t);
    await w.insert('mart_sales_daily', [
      rowOf(sales, { project_id: 'okla', local_date: '2026-06-14' }),
      rowOf(sales, { project_id: 'okla', local_date: '2026-06-15' }),
      rowOf(sales, { project_id: 'tiendi', local_date: '2025-06-15' }),
    ]);
    await w.insert('mart_user_interest', [
      rowOf(interest, { project_id: 'okla', person_id: 'p-old', as_of_date: '2026-06-14' }),
      rowOf(interest, { project_id: 'okla', person_id: 'p-kept', as_of_date: '2026-06-15' }),
    ]);
    for (const day of ['2020-06-14', '2020-06-15']) {
      const dir = join(archiveDir(dataDir), 'project_id=okla', `date=${day}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'raw_events_0.parquet'), 'test');
    }
  });
  after(async () => {
    await w.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('deletes only what is past its tier (raw 7, processed 3, analytics 1 years)', async () => {
    const task = retentionTask({ dataDir, clock: () => now });
    const r = await runTask(task, { warehouse: w, state, projects });
    assert.deepEqual(r.details?.deleted, {
      raw_events: 2,
      stg_events: 1,
      sessions: 1,
      mart_sales_daily: 2,
      mart_user_interest: 1,
    });
    assert.equal(r.details?.archiveDaysRemoved, 1);
    assert.deepEqual(await ids('raw_events', 'event_id'), ['okla raw-kept']);
    assert.deepEqual(await ids('stg_events', 'local_date'), ['okla 2024-06-15']);
    assert.deepEqual(await ids('sessions', 'local_date'), ['okla 2024-06-15']);
    assert.deepEqual(await ids('mart_sales_daily', 'local_date'), ['okla 2026-06-15']);
    assert.deepEqual(await ids('mart_user_interest', 'person_id'), ['okla p-kept']);
    assert.deepEqual(files(archiveDir(dataDir)), ['project_id=okla/date=2020-06-15/raw_events_0.parquet']);
    // Nothing more to do on a second run.
    const again = await runTask(task, { warehouse: w, state, projects });
    assert.deepEqual([again.rowsOut, again.details?.archiveDaysRemoved], [0, 0]);
  });

  it('takes the tiers as parameters, and refuses nonsense', async () => {
    await w.insert('mart_sales_daily', [rowOf(sales, { project_id: 'okla', local_date: '2025-07-01' })]);
    const twoYears = retentionTask({ dataDir, clock: () => now, tiers: { analyticsYears: 2 } });
    assert.equal((await runTask(twoYears, { warehouse: w, state, projects })).rowsOut, 0);
    assert.deepEqual(await ids('mart_sales_daily', 'local_date'), ['okla 2025-07-01', 'okla 2026-06-15']);
    assert.throws(
      () => retentionTask({ dataDir, tiers: { rawYears: 0 } }),
      (e) => isPlazaError(e) && e.code === 'retention_invalid',
    );
  });

  it('leaves tables that do not exist alone', async () => {
    await withWarehouse(async (fresh) => {
      const r = await runTask(retentionTask({ dataDir: tempDir(), clock: () => now }), {
        warehouse: fresh,
        state,
        projects,
      });
      assert.deepEqual(r.details?.deleted, {});
      assert.equal(
        (
          await fresh.query(
            `SELECT count(*) AS n FROM information_schema.tables WHERE table_name = '${sessionsTable.name}'`,
          )
        )[0]?.n,
        0,
      );
    });
  });
});
