import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { LocalEventLog } from '../src/adapters/event-log/local/local-event-log.js';
import { DuckDbWarehouse } from '../src/adapters/warehouse/duckdb/duckdb-warehouse.js';
import { dataPaths } from '../src/app/data-dir.js';
import type { Row, Warehouse } from '../src/ports/warehouse.js';
import { resetSessionizer, sessionizerGroup, startSessionizer } from '../src/stream/sessions/processor.js';
import {
  expectedIdentities,
  expectedSessions,
  expectedUsers,
  fixtureChunks,
  fixtureTimeZone,
  type Snapshot,
  snapshot,
} from './fixtures/stream/sessions-fixture.js';
import { post, startPlaza, type TestPlaza } from './helpers/plaza.js';

const iso = (v: unknown): string | null => (v === null ? null : new Date(v as Date).toISOString());

async function sessionsAsFixture(w: Warehouse): Promise<unknown[]> {
  const rows = await w.query(`SELECT * FROM sessions WHERE project_id = 'shop' ORDER BY started_at, visitor`);
  return rows.map((r) => ({
    visitor: r.visitor,
    user_id: r.user_id,
    event_user_id: r.event_user_id,
    local_date: r.local_date,
    started_at: iso(r.started_at),
    ended_at: iso(r.ended_at),
    duration_s: r.duration_s,
    events: r.events,
    page_views: r.page_views,
    interactions: r.interactions,
    bounce: r.bounce,
    entry_page: r.entry_page,
    exit_page: r.exit_page,
    source: r.source,
    medium: r.medium,
    campaign: r.campaign,
    referrer_host: r.referrer_host,
    device_type: r.device_type,
    os: r.os,
    browser: r.browser,
    country: r.country,
    province: r.province,
    first_listing_viewed: r.first_listing_viewed,
    is_final: r.is_final,
  }));
}

async function identitiesAsFixture(w: Warehouse): Promise<unknown[]> {
  const rows = await w.query(
    `SELECT * FROM identities WHERE project_id = 'shop' ORDER BY anonymous_id, user_id`,
  );
  return rows.map((r) => ({
    anonymous_id: r.anonymous_id,
    user_id: r.user_id,
    status: r.status,
    reason: r.reason,
    via: r.via,
    first_seen: iso(r.first_seen),
    identified_at: iso(r.identified_at),
  }));
}

/** One log partition, so the whole fixture shares one watermark (as the fixture's walk-through assumes). */
async function fixturePlaza(o: { dataDir?: string; writeKey?: string } = {}): Promise<TestPlaza> {
  const t = await startPlaza({ ...o, overrides: { eventLog: { partitions: 1 } } });
  if (!o.writeKey) {
    const s = await t.admin('PATCH', `/v1/admin/projects/${t.projectId}/settings`, {
      timeZone: fixtureTimeZone,
      maxPastMs: 20 * 365 * 86_400_000,
    });
    assert.equal(s.status, 200, JSON.stringify(s.body));
  }
  return t;
}

async function sendChunks(t: TestPlaza, chunks: Record<string, unknown>[][], writeKey = t.writeKey) {
  for (const chunk of chunks) {
    const r = await post(t.url, '/v1/events', { events: chunk }, { writeKey });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.accepted, chunk.length, JSON.stringify(r.body));
    await t.plaza.drain();
  }
}

/** Everything the uninterrupted fixture run wrote (set by the first test). */
let reference: Snapshot | undefined;

describe('sessionizer', () => {
  it('computes the hand-computed fixture: gaps, midnight split, late events, bounce, sources, stitching', async () => {
    const t = await fixturePlaza();
    try {
      await sendChunks(t, fixtureChunks);
      const w = t.plaza.stores.warehouse;
      reference = await snapshot(w);
      assert.deepEqual(await sessionsAsFixture(w), expectedSessions);
      assert.deepEqual(await identitiesAsFixture(w), expectedIdentities);
      const users = await w.query(`SELECT user_id FROM identity_users WHERE project_id = 'shop' ORDER BY 1`);
      assert.deepEqual(
        users.map((u) => u.user_id),
        expectedUsers,
      );
      // Session ids are unique and deterministic per (project, visitor, opening event).
      const ids = await w.query('SELECT count(DISTINCT session_id) AS n, count(*) AS m FROM sessions');
      assert.equal(ids[0]!.n, ids[0]!.m);
      // The stored positions cover the whole topic, with the partition's watermark.
      const [offset] = await w.query<Row>(
        `SELECT next_offset, watermark FROM stream_offsets WHERE consumer_group = '${sessionizerGroup}'`,
      );
      const total = fixtureChunks.reduce((n, c) => n + c.length, 0);
      assert.equal(offset!.next_offset, total);
      assert.equal(iso(offset!.watermark), '2026-03-11T12:00:00.000Z');
    } finally {
      await t.close(true);
    }
  });

  it('gives the same rows when stopped half-way and restarted, and when replayed from offset 0', async () => {
    if (!reference) {
      const t = await fixturePlaza();
      try {
        await sendChunks(t, fixtureChunks);
        reference = await snapshot(t.plaza.stores.warehouse);
      } finally {
        await t.close(true);
      }
    }
    const expected = reference;

    // Half, stop, restart on the same data directory, the rest.
    const first = await fixturePlaza();
    await sendChunks(first, fixtureChunks.slice(0, 3));
    await first.close();
    const second = await fixturePlaza({ dataDir: first.dataDir, writeKey: first.writeKey });
    try {
      await sendChunks(second, fixtureChunks.slice(3), first.writeKey);
      assert.deepEqual(await snapshot(second.plaza.stores.warehouse), expected);
      assert.deepEqual(await sessionsAsFixture(second.plaza.stores.warehouse), expectedSessions);
    } finally {
      await second.close();
    }

    // Replay from offset 0 on the adapters directly: forget what the group wrote, run it again.
    const paths = dataPaths(first.dataDir);
    const log = await LocalEventLog.open(paths.eventLog);
    const warehouse = await DuckDbWarehouse.open(paths.warehouse);
    try {
      const deps = {
        log,
        warehouse,
        logger: pino({ level: 'silent' }),
        timeZoneOf: async () => fixtureTimeZone,
        sessionTimeoutMinutes: 30,
      };
      // The log's committed offset does not matter: the positions stored with the rows decide.
      const c = await log.consumer({ group: sessionizerGroup, topics: ['user-events'] });
      await c.commit([{ topic: 'user-events', partition: 0, offset: 0 }]);
      await c.close();
      let loop = await startSessionizer(deps);
      await loop.drain();
      await loop.stop();
      assert.deepEqual(
        await snapshot(warehouse),
        expected,
        'a restart with the log offset at 0 changes nothing',
      );

      await resetSessionizer(warehouse);
      assert.equal((await warehouse.query('SELECT * FROM sessions')).length, 0);
      loop = await startSessionizer({ ...deps, maxRecords: 3 });
      await loop.drain();
      await loop.stop();
      assert.deepEqual(await snapshot(warehouse), expected, 'replayed from offset 0 in batches of 3');

      // Again, writing after every batch, with the third write failing: the group reloads its state from the
      // warehouse and reads those records again.
      await resetSessionizer(warehouse);
      let writes = 0;
      const flaky: Warehouse = Object.assign(Object.create(warehouse) as Warehouse, {
        async replaceRows(r: Parameters<Warehouse['replaceRows']>[0]) {
          if (++writes === 3) throw new Error('disk full');
          return warehouse.replaceRows(r);
        },
      });
      loop = await startSessionizer({ ...deps, warehouse: flaky, maxRecords: 4, flushIntervalMs: 0 });
      await loop.drain(60_000);
      await loop.stop();
      assert.ok(writes > 5, `${writes} writes`);
      assert.deepEqual(await snapshot(warehouse), expected, 'after a failed write');
    } finally {
      await warehouse.close();
      await log.close();
    }
  });
});
