import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { deriveStreamTables } from '../bench/pipelines/generate.js';
import { loadRawEvents, simulatedEvents } from '../bench/pipelines/simulated.js';
import { PostgresState } from '../src/adapters/state/postgres.js';
import type { PlazaEvent } from '../src/core/envelope.js';
import { warehouseTables, warehouseTasks } from '../src/marts/index.js';
import type { ProjectInfo, TaskDef } from '../src/pipelines/types.js';
import type { StateStore } from '../src/ports/state.js';
import type { Row, Warehouse } from '../src/ports/warehouse.js';
import { createQualityGate } from '../src/quality/index.js';
import { createTestDatabase } from './helpers/engines.js';
import {
  openState,
  openWarehouse,
  runTask,
  SD,
  tableRows,
  taskContext,
  withWarehouse,
} from './helpers/marts.js';
import { tempDir } from './helpers/plaza.js';

/**
 * The Merger pattern on realistic data: three days of both simulated marketplaces, staged by the daily
 * catch-up and then built day by day; then a day built again, the whole range built again backwards, and
 * the same days built from the incremental loads instead of the daily catch-up. Every table must come out
 * identical. (Built while days are still arriving, a past day's marts can differ: orders of the day
 * cancelled later, for instance. These runs all see the same events.)
 */
const projects: ProjectInfo[] = [
  { id: 'okla', timeZone: SD },
  { id: 'tiendi', timeZone: SD },
];
const start = Date.UTC(2026, 2, 2, 4);
const days = ['2026-03-02', '2026-03-03', '2026-03-04'];
let state: StateStore;

/** Simulated once (the simulator and the collector's steps cost more than loading), loaded per warehouse. */
let simulated: PlazaEvent[] | null = null;

async function loadMarketplaces(w: Warehouse): Promise<void> {
  if (!simulated) {
    simulated = [];
    for (const [vertical, project] of [
      ['vehicles', 'okla'],
      ['stores', 'tiendi'],
    ] as const) {
      const o = { vertical, seed: 5, start, days: days.length, users: 200, sellers: 15 };
      for (const e of simulatedEvents(o, project)) simulated.push(e);
    }
  }
  await loadRawEvents(w, simulated);
  await deriveStreamTables(w);
}

async function buildDay(w: Warehouse, daily: readonly TaskDef[], day: string): Promise<void> {
  for (const t of daily) {
    await runTask(t, {
      warehouse: w,
      state,
      projects,
      partition: t.partitioning === 'daily' ? day : undefined,
    });
  }
}

async function snapshot(w: Warehouse): Promise<Map<string, Row[]>> {
  const out = new Map<string, Row[]>();
  for (const t of warehouseTables) out.set(t.name, await tableRows(w, t.name));
  return out;
}

function assertSame(a: Map<string, Row[]>, b: Map<string, Row[]>, what: string): void {
  for (const [table, rows] of a) assert.deepEqual(b.get(table), rows, `${table}: ${what}`);
}

describe('re-running days yields identical tables', () => {
  let w: Warehouse;
  let built: Map<string, Row[]>;
  const dataDir = tempDir();
  const { daily, incremental } = warehouseTasks({ dataDir, clock: () => new Date('2026-03-06') });
  const marts = daily.filter((t) => t.id.startsWith('mart_'));

  before(async () => {
    state = await openState();
    w = await openWarehouse();
    await loadMarketplaces(w);
    const staging = daily.filter((t) => !t.id.startsWith('mart_'));
    for (const day of days) await buildDay(w, staging, day);
    for (const day of days) await buildDay(w, marts, day);
    built = await snapshot(w);
  });
  after(async () => {
    await w.close();
    await state.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('builds every table with rows from both marketplaces', () => {
    for (const table of ['stg_events', 'stg_orders', 'dim_listings', 'dim_sellers', 'dim_users']) {
      assert.ok((built.get(table)?.length ?? 0) > 0, `${table} has rows`);
    }
    for (const [table, rows] of built) {
      if (table.startsWith('mart_')) assert.ok(rows.length > 0, `${table} has rows`);
    }
    const listings = built.get('mart_listing_daily')!;
    assert.ok(listings.some((r) => r.kind === 'vehicle') && listings.some((r) => r.kind === 'product'));
  });

  it("passes its own error-severity quality checks, as the orchestrator's gate runs them", async () => {
    const db = await createTestDatabase();
    const qualityState = await PostgresState.open(db.url, { maxConnections: 2 });
    try {
      const gate = createQualityGate({ now: () => new Date('2026-03-05T05:00:00Z') });
      const failed: string[] = [];
      for (const task of daily) {
        const ctx = taskContext(w, qualityState, task, task.partitioning === 'daily' ? days[1]! : null, {
          projects,
        });
        for (const o of await gate.run(ctx, task.checks ?? [])) {
          if (!o.passed && o.check.severity === 'error') failed.push(`${o.check.id}: ${o.message}`);
        }
      }
      assert.deepEqual(failed, []);
    } finally {
      await qualityState.close();
      await db.drop();
    }
    assertSame(built, await snapshot(w), 'after the checks (nothing quarantined)');
  });

  it('re-running one day changes nothing', async () => {
    await buildDay(w, daily, days[1]!);
    assertSame(built, await snapshot(w), 'after re-running a day');
  });

  it('a backfill of every day, newest first, changes nothing', async () => {
    for (const day of [...days].reverse()) await buildDay(w, daily, day);
    assertSame(built, await snapshot(w), 'after a backwards backfill');
  });

  it('building from the incremental loads gives the same tables as the daily catch-up', async () => {
    await withWarehouse(async (w2) => {
      await loadMarketplaces(w2);
      // Five-minute windows would only repeat the same statements more often; whole days keep it fast.
      const step = 24 * 3_600_000;
      for (let t = start - step; t < start + days.length * 86_400_000 + step; t += step) {
        for (const task of incremental) {
          const window =
            task.partitioning === 'incremental'
              ? { since: new Date(t), until: new Date(t + step) }
              : undefined;
          await runTask(task, { warehouse: w2, state, projects, window });
        }
      }
      for (const day of days) await buildDay(w2, marts, day);
      assertSame(built, await snapshot(w2), 'built from incremental loads');
    });
  });
});
