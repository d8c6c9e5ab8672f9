import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dimensions, metrics, tableDimensions, tables } from '../src/semantic/catalogue.js';
import { call, createUser, login } from './helpers/auth.js';
import { nativeEvent, post, startPlaza, type TestPlaza } from './helpers/plaza.js';
import { DAY, simulateAndBuild } from './helpers/semantic.js';

const START = Date.UTC(2026, 0, 5, 4); // midnight in Santo Domingo (UTC−4)
const DAYS = ['2026-01-05', '2026-01-06'];
const range = { from: DAYS[0] as string, to: DAYS[1] as string };
const ODD_MAKE = 'Land "Rover", Ltd';

/** RFC 4180 records (quoted fields, doubled quotes, CRLF), to read the answers independently of the writer. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  assert.equal(field + record.join(''), '', 'the CSV ends with CRLF');
  return records;
}

/** The JSON rows as the CSV must show them: dimension ids then metric ids, null as empty. */
const asRecords = (rows: Record<string, unknown>[], columns: string[]) => [
  columns,
  ...rows.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? '' : String(r[c])))),
];

describe('semantic catalogue and CSV export', () => {
  let t: TestPlaza;
  let store: string;
  let other: string;
  let token: string;

  const sql = <T = any>(text: string, params: unknown[] = []) =>
    t.plaza.stores.warehouse.query<T>(text, params);
  const asSeller = (method: string, path: string, body?: unknown) => call(t.url, method, path, token, body);
  const adminCall = (method: string, path: string, body?: unknown) =>
    call(t.url, method, path, t.plaza.adminToken, body);

  before(async () => {
    t = await startPlaza({ overrides: { ingest: { rateLimitPerMinute: 1_000_000 } } });
    await t.admin('PATCH', `/v1/admin/projects/${t.projectId}/settings`, { maxPastMs: 3650 * DAY });
    // A make holding a comma and quotes, for the CSV quoting: two views on the first day.
    const odd = [1, 2].map((i) =>
      nativeEvent({
        timestamp: new Date(START + 10 * 3_600_000 + i * 60_000).toISOString(),
        anonymous_id: `odd-${i}`,
        properties: { listing_id: 'odd-1', seller_id: 'odd-seller', make: ODD_MAKE, model: 'X', price: 10 },
      }),
    );
    const sent = await post(t.url, '/v1/events', { events: odd }, { writeKey: t.writeKey });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    await simulateAndBuild(t, {
      vertical: 'stores',
      seed: 5,
      start: START,
      days: DAYS,
      // Enough buyers that several stores sell on both days.
      users: 400,
      sellers: 5,
    });
    const stores = await sql<{ store_id: string }>(
      `SELECT store_id FROM mart_sales_daily WHERE project_id = $1 GROUP BY 1 ORDER BY sum(orders) DESC, 1 LIMIT 2`,
      [t.projectId],
    );
    assert.equal(stores.length, 2, 'two stores with orders');
    [store, other] = stores.map((s) => s.store_id) as [string, string];
    const user = await createUser(t, 'store@example.com', 'seller', { sellerId: store });
    token = (await login(t.url, user.email, user.password)).access_token;
  });
  after(async () => t?.close(true));

  it('lists every metric and dimension of the catalogue, with the dimensions each metric supports', async () => {
    const r = await adminCall('GET', '/v1/semantic/catalogue');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.seller_scoped, false);
    assert.deepEqual(
      r.body.dimensions,
      dimensions.map((d) => ({ id: d.id, label: d.label, description: d.description, type: d.type })),
    );
    assert.deepEqual(
      r.body.metrics.map((m: any) => m.id),
      metrics.map((m) => m.id),
    );
    for (const m of metrics) {
      const got = r.body.metrics.find((x: any) => x.id === m.id);
      const sets = m.sources.map((s) => tableDimensions(tables[s.table]!));
      assert.deepEqual(
        { label: got.label, unit: got.unit, audience: got.audience, description: got.description },
        { label: m.label, unit: m.unit, audience: m.audience, description: m.description },
      );
      assert.deepEqual(got.breakdowns, sets, m.id);
      assert.deepEqual(new Set(got.dimensions), new Set(sets.flat()), m.id);
    }
    assert.ok(r.body.filter_ops.includes('in') && r.body.grains.includes('week'));
    // Each metric really breaks down by the last dimension it lists.
    for (const m of r.body.metrics) {
      const dim = m.dimensions[m.dimensions.length - 1];
      const q = await adminCall('POST', '/v1/query', {
        project: t.projectId,
        metrics: [m.id],
        dimensions: [dim],
        time_range: range,
      });
      assert.equal(q.status, 200, `${m.id} by ${dim}: ${JSON.stringify(q.body)}`);
    }
  });

  it('shows a seller exactly the metrics the planner answers for one seller', async () => {
    const r = await asSeller('GET', '/v1/semantic/catalogue');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.seller_scoped, true);
    const ids = new Set<string>(r.body.metrics.map((m: any) => m.id));
    // Platform-wide (no seller column in any of their tables): what the planner refuses to a seller.
    for (const id of ['bounce_rate', 'sessions', 'page_views', 'ltv', 'new_customers'])
      assert.ok(!ids.has(id), id);
    for (const id of ['gmv', 'orders', 'views']) assert.ok(ids.has(id), id);
    for (const m of r.body.metrics) {
      assert.ok(!m.dimensions.includes('medium'), `${m.id}: only platform-wide traffic has a medium`);
    }
    for (const m of metrics) {
      const q = await asSeller('POST', '/v1/query', {
        project: t.projectId,
        metrics: [m.id],
        time_range: range,
      });
      assert.equal(q.status, ids.has(m.id) ? 200 : 400, `${m.id}: ${JSON.stringify(q.body)}`);
    }
    assert.equal((await call(t.url, 'GET', '/v1/semantic/catalogue', null)).status, 401);
  });

  it('answers a query as CSV with the same rows as its JSON answer', async () => {
    const body = {
      project: t.projectId,
      metrics: ['gmv', 'orders', 'aov'],
      dimensions: ['date', 'seller'],
      time_range: range,
    };
    const json = await adminCall('POST', '/v1/query', body);
    assert.equal(json.status, 200, JSON.stringify(json.body));
    assert.ok(json.body.rows.length >= 4, 'rows for several stores and days');
    const csv = await adminCall('POST', '/v1/query', { ...body, format: 'csv' });
    assert.equal(csv.status, 200, String(csv.body));
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(
      csv.headers.get('content-disposition') ?? '',
      /^attachment; filename="plaza-query-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    assert.deepEqual(
      parseCsv(String(csv.body)),
      asRecords(json.body.rows, ['date', 'seller', 'gmv', 'orders', 'aov']),
    );
    // No dimensions: one row, the totals.
    const totals = await adminCall('POST', '/v1/query', { ...body, dimensions: [], format: 'csv' });
    assert.deepEqual(parseCsv(String(totals.body)), [
      ['gmv', 'orders', 'aov'],
      [json.body.totals.gmv, json.body.totals.orders, json.body.totals.aov].map(String),
    ]);
  });

  it('quotes values holding a comma or quotes (RFC 4180)', async () => {
    const csv = await adminCall('POST', '/v1/query', {
      project: t.projectId,
      metrics: ['views'],
      dimensions: ['make'],
      filters: [{ dimension: 'make', op: 'eq', value: ODD_MAKE }],
      time_range: range,
      format: 'csv',
    });
    assert.equal(csv.status, 200, String(csv.body));
    assert.equal(csv.body, 'make,views\r\n"Land ""Rover"", Ltd",2\r\n');
  });

  it("forces a seller's CSV to their own store, and refuses another's", async () => {
    const body = {
      project: t.projectId,
      metrics: ['gmv', 'orders'],
      dimensions: ['seller', 'date'],
      time_range: range,
      format: 'csv',
    };
    const own = await asSeller('POST', '/v1/query', body);
    assert.equal(own.status, 200, String(own.body));
    const records = parseCsv(String(own.body));
    assert.ok(records.length > 1, 'the store has rows');
    assert.deepEqual([...new Set(records.slice(1).map((r) => r[0]))], [store]);
    const asAdmin = await adminCall('POST', '/v1/query', { ...body, seller_id: store });
    assert.equal(own.body, asAdmin.body);
    const refused = await asSeller('POST', '/v1/query', { ...body, seller_id: other });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'seller_forbidden');
    // A platform-wide metric is refused to the seller in CSV as in JSON.
    const platform = await asSeller('POST', '/v1/query', { ...body, metrics: ['sessions'] });
    assert.equal(platform.status, 400);
    assert.match(platform.body.error.message, /platform-wide/);
  });

  it('answers a bad CSV query with a JSON error naming the valid choices', async () => {
    const r = await adminCall('POST', '/v1/query', {
      project: t.projectId,
      metrics: ['gmv', 'nope'],
      time_range: range,
      format: 'csv',
    });
    assert.equal(r.status, 400);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(r.body.error.code, 'unknown_metric');
    assert.match(r.body.error.message, /valid: .*gmv/);
    const format = await adminCall('POST', '/v1/query', {
      project: t.projectId,
      metrics: ['gmv'],
      time_range: range,
      format: 'xlsx',
    });
    assert.equal(format.status, 400);
    assert.match(JSON.stringify(format.body), /format/);
  });
});
