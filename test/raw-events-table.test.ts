import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuckDbWarehouse } from '../src/adapters/warehouse/duckdb/duckdb-warehouse.js';
import { encodeEvent } from '../src/collector/collector.js';
import type { PlazaEvent } from '../src/core/envelope.js';
import { rawEventLine, rawEventsLoadSql } from '../src/warehouse/raw-events-load.js';
import { fromRawEventRow, rawEventsTable, toRawEventRow } from '../src/warehouse/raw-events-table.js';

const listingViewed: PlazaEvent = {
  event_id: '0b6f2a4e-8a1c-4c1e-9f3e-2d4b5c6a7e81',
  project_id: 'autos-rd',
  event_type: 'listing_viewed',
  timestamp: '2024-05-01T14:03:22.120Z',
  received_at: '2024-05-01T14:03:22.480Z',
  sent_at: '2024-05-01T14:03:22.300Z',
  original_timestamp: '2024-05-01T14:03:21.900Z',
  anonymous_id: 'anon-5f1c',
  user_id: 'user-881',
  session_id: 'sess-1714572000-ab12',
  seller_id: 'dealer-77',
  listing_id: 'lst-90311',
  schema_version: 3,
  source: { shape: 'native', key_id: 'wk_live_01', segment_type: null },
  context: {
    ip: '181.36.12.0',
    user_agent:
      'Mozilla/5.0 (Linux; Android 13; SM-A135F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
    referrer: 'https://www.google.com/search?q=corolla+2019',
    referrer_host: 'www.google.com',
    page_url: 'https://autos.example.do/vehiculos/90311?utm_source=google&utm_medium=cpc',
    page_path: '/vehiculos/90311',
    page_title: 'Toyota Corolla 2019 — "Como nuevo" · Santo Domingo',
    device_type: 'mobile',
    os: 'Android',
    os_version: '13',
    browser: 'Chrome',
    browser_version: '124.0.0.0',
    is_bot: false,
    locale: 'es-DO',
    timezone: 'America/Santo_Domingo',
    library: { name: 'plaza-js', version: '0.3.1' },
    utm: { source: 'google', medium: 'cpc', campaign: 'primavera', term: 'corolla 2019', content: null },
    extra: { screen: { width: 412, height: 915, density: 2.6 }, network: { cellular: true } },
  },
  properties: {
    price: { amount: 1250000, currency: 'DOP' },
    make: 'Toyota',
    model: 'Corolla',
    year: 2019,
    photos: 14,
    position: 3,
    badges: ['certificado', 'financiamiento'],
  },
  traits: null,
  flags: ['timestamp_clamped_future'],
};

const segmentIdentify: PlazaEvent = {
  event_id: 'seg-msg-0001',
  project_id: 'autos-rd',
  event_type: 'identify',
  timestamp: '2024-05-02T00:00:00.000Z',
  received_at: '2024-05-02T00:00:01.000Z',
  sent_at: null,
  original_timestamp: null,
  anonymous_id: null,
  user_id: 'user-881',
  session_id: null,
  seller_id: null,
  listing_id: null,
  schema_version: null,
  source: { shape: 'segment', key_id: 'wk_server_02', segment_type: 'identify' },
  context: {
    ip: null,
    user_agent: null,
    referrer: null,
    referrer_host: null,
    page_url: null,
    page_path: null,
    page_title: null,
    device_type: null,
    os: null,
    os_version: null,
    browser: null,
    browser_version: null,
    is_bot: true,
    locale: null,
    timezone: null,
    library: { name: 'analytics-node', version: null },
    utm: { source: null, medium: null, campaign: null, term: null, content: null },
    extra: {},
  },
  properties: {},
  traits: { email: 'ana@example.do', plan: 'dealer-pro', created_at: '2023-11-02T09:00:00Z' },
  flags: [],
};

const noLibrary: PlazaEvent = {
  ...segmentIdentify,
  event_id: 'seg-msg-0002',
  event_type: 'page_viewed',
  context: { ...segmentIdentify.context, library: null },
  traits: {},
};

describe('raw_events table', () => {
  let w: DuckDbWarehouse;
  before(async () => {
    w = await DuckDbWarehouse.open(':memory:', { threads: 1 });
    await w.ensureTable(rawEventsTable);
  });
  after(() => w.close());

  it('has a flat or JSON column for every envelope field, keyed for analytics', () => {
    const names = rawEventsTable.columns.map((c) => c.name);
    assert.equal(new Set(names).size, names.length, 'no duplicate columns');
    const row = toRawEventRow(listingViewed, 'user-events', 0, 0);
    assert.deepEqual(Object.keys(row).sort(), [...names].sort(), 'the row and the table agree');
    assert.deepEqual(rawEventsTable.orderBy, ['project_id', 'event_type', 'timestamp']);
    assert.equal(rawEventsTable.partitionByDay, 'timestamp');
    const type = (n: string) => rawEventsTable.columns.find((c) => c.name === n)?.type;
    assert.equal(type('timestamp'), 'timestamp');
    assert.equal(type('properties'), 'json');
    assert.equal(type('log_offset'), 'int64');
  });

  it('round-trips realistic events through insert and query', async () => {
    const input = [listingViewed, segmentIdentify, noLibrary];
    await w.insert(
      rawEventsTable.name,
      input.map((e, i) => toRawEventRow(e, i === 0 ? 'user-events' : 'dealer-events', 2, 100 + i)),
    );
    const rows = await w.query('SELECT * FROM raw_events ORDER BY log_offset');
    assert.deepEqual(rows.map(fromRawEventRow), input);
    assert.deepEqual(
      rows.map((r) => [r.log_topic, r.log_partition, r.log_offset]),
      [
        ['user-events', 2, 100],
        ['dealer-events', 2, 101],
        ['dealer-events', 2, 102],
      ],
    );
  });

  it('answers analytic filters on flat columns and JSON properties', async () => {
    const [r] = await w.query<{ n: number; make: string; day: string }>(
      `SELECT count(*) AS n, any_value(properties->>'$.make') AS make, any_value(CAST("timestamp" AS DATE)) AS day
       FROM raw_events
       WHERE project_id = $1 AND event_type = $2 AND "timestamp" >= $3 AND NOT is_bot AND utm_source = $4`,
      ['autos-rd', 'listing_viewed', new Date('2024-05-01T00:00:00Z'), 'google'],
    );
    assert.deepEqual({ ...r }, { n: 1, make: 'Toyota', day: '2024-05-01' });
  });

  it('gives a sink its resume point per topic partition', async () => {
    await w.insert(rawEventsTable.name, [
      toRawEventRow({ ...listingViewed, event_id: 'e-2' }, 'user-events', 0, 41),
      toRawEventRow({ ...listingViewed, event_id: 'e-3' }, 'user-events', 0, 42),
    ]);
    const resume = await w.query<{ log_topic: string; log_partition: number; next: number }>(
      `SELECT log_topic, log_partition, max(log_offset) + 1 AS next FROM raw_events
       GROUP BY log_topic, log_partition ORDER BY log_topic, log_partition`,
    );
    assert.deepEqual(
      resume.map((r) => ({ ...r })),
      [
        { log_topic: 'dealer-events', log_partition: 2, next: 103 },
        { log_topic: 'user-events', log_partition: 0, next: 43 },
        { log_topic: 'user-events', log_partition: 2, next: 101 },
      ],
    );
  });
});

describe('raw_events bulk load from log JSON', () => {
  it('loads exactly the rows the row mapping produces, for every column', async () => {
    const viaRows = await DuckDbWarehouse.open(':memory:');
    const viaJson = await DuckDbWarehouse.open(':memory:');
    try {
      const events = [listingViewed, segmentIdentify, noLibrary];
      await viaRows.ensureTable(rawEventsTable);
      await viaJson.ensureTable(rawEventsTable);
      await viaRows.insert(
        'raw_events',
        events.map((e, i) => toRawEventRow(e, 'user-events', 1, 100 + i)),
      );
      await viaJson.loadJsonLines(
        events.map((e, i) => rawEventLine('user-events', 1, 100 + i, encodeEvent(e))),
        rawEventsLoadSql(viaJson.dialect),
      );
      const sql = 'SELECT * FROM raw_events ORDER BY log_offset';
      const [a, b] = [await viaRows.query(sql), await viaJson.query(sql)];
      assert.equal(b.length, 3);
      assert.deepEqual(b, a);
      assert.deepEqual(b.map(fromRawEventRow), events);
    } finally {
      await viaRows.close();
      await viaJson.close();
    }
  });

  it('loads all lines or none', async () => {
    const wh = await DuckDbWarehouse.open(':memory:');
    try {
      await wh.ensureTable(rawEventsTable);
      const good = rawEventLine('user-events', 0, 1, encodeEvent(listingViewed));
      const broken = rawEventLine('user-events', 0, 2, new TextEncoder().encode('{"event_id": '));
      await assert.rejects(wh.loadJsonLines([good, broken], rawEventsLoadSql(wh.dialect)));
      assert.equal((await wh.query<{ n: number }>('SELECT count(*) AS n FROM raw_events'))[0]!.n, 0);
    } finally {
      await wh.close();
    }
  });
});
