import { PostgresState } from '../../src/adapters/state/postgres.js';
import { DuckDbWarehouse } from '../../src/adapters/warehouse/duckdb/duckdb-warehouse.js';
import type { PlazaEvent } from '../../src/core/envelope.js';
import type { ProjectInfo, TaskContext, TaskDef, TaskResult } from '../../src/pipelines/types.js';
import type { StateStore } from '../../src/ports/state.js';
import type { Row, Warehouse } from '../../src/ports/warehouse.js';
import { identitiesTable } from '../../src/warehouse/identities-table.js';
import { rawEventsTable, toRawEventRow } from '../../src/warehouse/raw-events-table.js';
import { sessionsTable } from '../../src/warehouse/sessions-table.js';
import { requireEnv } from './engines.js';
import { taskContext as orchestratorContext } from './task-context.js';

/** Building blocks of the warehouse-layer tests: a real DuckDB, hand-made events and a task context. */

export const SD = 'America/Santo_Domingo';

export const openWarehouse = () => DuckDbWarehouse.open(':memory:', { threads: 2 });

/** Runs `fn` on a warehouse of its own, closed afterwards whatever happens. */
export async function withWarehouse<T>(fn: (w: Warehouse) => Promise<T>): Promise<T> {
  const w = await openWarehouse();
  try {
    return await fn(w);
  } finally {
    await w.close();
  }
}

/** Tasks get a state store in their context but never use it (the orchestrator does); PostgreSQL opens fast. */
export const openState = () => PostgresState.open(requireEnv('PLAZA_TEST_PG_URL'), { maxConnections: 1 });

let runs = 0;

/** A task context as the orchestrator builds one for a run. */
export function taskContext(
  warehouse: Warehouse,
  state: StateStore,
  task: TaskDef,
  partition: string | null,
  o: { projects?: ProjectInfo[]; window?: { since: Date | null; until: Date } } = {},
): TaskContext {
  return orchestratorContext({
    warehouse,
    state,
    partition,
    pipeline: 'test',
    task: task.id,
    runId: `run-${++runs}`,
    ...o,
  });
}

/**
 * Runs one task the way the orchestrator would (a fresh context per run). Tasks never touch the state store
 * (the orchestrator keeps watermarks and history), so the state given here is whatever the test opened.
 */
export async function runTask(
  task: TaskDef,
  o: {
    warehouse: Warehouse;
    state: StateStore;
    projects?: ProjectInfo[];
    partition?: string;
    window?: { since: Date | null; until: Date };
  },
): Promise<TaskResult> {
  const ctx = taskContext(o.warehouse, o.state, task, o.partition ?? null, {
    ...(o.projects ? { projects: o.projects } : {}),
    ...(o.window ? { window: o.window } : {}),
  });
  return task.run(ctx);
}

/** Runs tasks in order for one partition (a daily pipeline of one day). */
export async function runDay(
  tasks: readonly TaskDef[],
  o: { warehouse: Warehouse; state: StateStore; projects?: ProjectInfo[]; day: string },
): Promise<void> {
  for (const t of tasks) {
    await runTask(t, {
      ...o,
      partition: t.partitioning === 'daily' ? o.day : undefined,
      window: t.partitioning === 'incremental' ? { since: null, until: new Date('2100-01-01') } : undefined,
    } as Parameters<typeof runTask>[1]);
  }
}

let seq = 0;

/** A PlazaEvent as the collector stores it; `at` is the event time, received 1 s later unless `received`. */
export function ev(
  type: string,
  at: string,
  o: {
    id?: string;
    project?: string;
    anon?: string | null;
    user?: string | null;
    session?: string | null;
    seller?: string | null;
    listing?: string | null;
    props?: Record<string, unknown>;
    traits?: Record<string, unknown> | null;
    received?: string;
    bot?: boolean;
    device?: string;
  } = {},
): PlazaEvent {
  const t = Date.parse(at);
  return {
    event_id: o.id ?? `e${++seq}`,
    project_id: o.project ?? 'okla',
    event_type: type,
    timestamp: new Date(t).toISOString(),
    received_at: o.received ?? new Date(t + 1000).toISOString(),
    sent_at: null,
    original_timestamp: null,
    anonymous_id: o.anon === undefined ? 'a1' : o.anon,
    user_id: o.user ?? null,
    session_id: o.session ?? null,
    seller_id: o.seller ?? null,
    listing_id: o.listing ?? null,
    schema_version: 1,
    source: { shape: 'native', key_id: 'k1', segment_type: null },
    context: {
      ip: null,
      user_agent: null,
      referrer: null,
      referrer_host: null,
      page_url: null,
      page_path: null,
      page_title: null,
      device_type: o.device ?? 'mobile',
      os: null,
      os_version: null,
      browser: null,
      browser_version: null,
      is_bot: o.bot ?? false,
      locale: null,
      timezone: null,
      library: null,
      utm: { source: null, medium: null, campaign: null, term: null, content: null },
      extra: {},
    },
    properties: o.props ?? {},
    traits: o.traits ?? null,
    flags: [],
  };
}

let offsets = 0;

export async function insertRaw(w: Warehouse, events: readonly PlazaEvent[]): Promise<void> {
  await w.ensureTable(rawEventsTable);
  await w.insert(
    'raw_events',
    events.map((e) => toRawEventRow(e, 'events', 0, offsets++)),
  );
}

/** A linked identity (what the stream's identity processor writes). */
export async function link(w: Warehouse, anon: string, user: string, at: string, project = 'okla') {
  await w.ensureTable(identitiesTable);
  await w.insert('identities', [
    {
      project_id: project,
      anonymous_id: anon,
      user_id: user,
      status: 'linked',
      reason: null,
      via: 'identify',
      event_id: `id-${anon}`,
      first_seen: new Date(at),
      identified_at: new Date(at),
    },
  ]);
}

/** A final session row (what the sessionizer writes). */
export async function insertSessions(w: Warehouse, rows: Partial<Row>[]): Promise<void> {
  await w.ensureTable(sessionsTable);
  await w.insert(
    'sessions',
    rows.map((r, i) => ({
      project_id: 'okla',
      session_id: `s${i}`,
      visitor: `v${i}`,
      user_id: null,
      event_user_id: null,
      local_date: '2026-03-02',
      started_at: new Date('2026-03-02T14:00:00Z'),
      ended_at: new Date('2026-03-02T14:05:00Z'),
      duration_s: 300,
      events: 3,
      page_views: 2,
      interactions: 1,
      bounce: false,
      entry_page: '/',
      exit_page: '/',
      source: '(direct)',
      medium: '(none)',
      campaign: null,
      referrer_host: null,
      device_type: 'mobile',
      os: null,
      browser: null,
      country: null,
      province: null,
      first_listing_viewed: null,
      is_final: true,
      state: null,
      ...r,
    })),
  );
}

/** Every row of a table in a stable order, for comparing whole tables. */
export async function tableRows(w: Warehouse, table: string): Promise<Row[]> {
  return w.query(`SELECT * FROM ${table} ORDER BY ALL`);
}
