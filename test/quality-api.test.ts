import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Plaza } from '../src/app/compose.js';
import type { ConfigInput } from '../src/config/config.js';
import type { DeliveryLoop } from '../src/notify/delivery.js';
import { createLogger } from '../src/observability/logger.js';
import type { QualityCheck } from '../src/pipelines/types.js';
import { createQualityGate } from '../src/quality/index.js';
import { callApi, startPipelineApp } from './helpers/pipelines-app.js';
import { plazaBin, tempDir } from './helpers/plaza.js';
import { taskContext } from './helpers/task-context.js';
import { WebhookReceiver } from './helpers/webhook-receiver.js';

const secret = 'test-webhook-secret-0123456789';
const day = '2024-05-02';

describe('quality API, CLI and alerts', () => {
  let plaza: Plaza;
  let url: string;
  let receiver: WebhookReceiver;
  let delivery: DeliveryLoop;
  const dataDir = tempDir();

  const api = (method: string, path: string, body?: unknown, token = plaza.adminToken) =>
    callApi(url, method, path, body, token);
  // Asynchronous: the server the CLI talks to runs in this process, so a spawnSync would deadlock it.
  const cli = async (...args: string[]) => {
    const r = await promisify(execFile)(process.execPath, [plazaBin, '--data-dir', dataDir, ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    return r.stdout;
  };

  before(async () => {
    receiver = await WebhookReceiver.start(secret);
    // No worker role (its stream processors cost seconds to start): the delivery loop the worker role runs
    // is started directly, from the same configuration.
    ({ plaza, url } = await startPipelineApp({
      dataDir,
      roles: [],
      pipelines: [],
      overrides: {
        notify: { webhookUrls: [receiver.url], webhookSecret: secret, adminEmails: ['ops@okla.do'] },
      } as ConfigInput,
    }));
    delivery = plaza.notify.startDelivery(createLogger('silent'));
  });
  after(async () => {
    await delivery.stop();
    await plaza.close();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a failing check quarantines rows, alerts the webhook, and shows in /v1/quality; rows are released', async () => {
    const { warehouse, state } = plaza.stores;
    await warehouse.ensureTable({
      name: 'listings_daily',
      columns: [
        { name: 'project_id', type: 'string' },
        { name: 'day', type: 'date' },
        { name: 'listing_id', type: 'string' },
        { name: 'price', type: 'float64', nullable: true },
        { name: 'attrs', type: 'json', nullable: true },
        { name: 'seen_at', type: 'timestamp' },
      ],
    });
    const seenAt = new Date('2024-05-02T15:30:00.250Z');
    await warehouse.insert(
      'listings_daily',
      ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({
        project_id: 'okla',
        day,
        listing_id: id,
        price: i < 2 ? -1 : 1000 * i,
        attrs: { make: 'Toyota', tags: [id, i] },
        seen_at: seenAt,
      })),
    );
    const checks: QualityCheck[] = [
      {
        id: 'listings_daily.price.range',
        table: 'listings_daily',
        severity: 'error',
        kind: 'range',
        column: 'price',
        params: { min: 0 },
        partitionColumn: 'day',
      },
      {
        id: 'listings_daily.price.not_null',
        table: 'listings_daily',
        severity: 'warn',
        kind: 'not_null',
        column: 'price',
        partitionColumn: 'day',
      },
    ];
    const gate = createQualityGate({ notifications: plaza.notify.notifications });
    const ctx = taskContext({
      warehouse,
      state,
      partition: day,
      pipeline: 'daily',
      task: 'listings',
      runId: 'run-77',
    });
    const outcomes = await gate.run(ctx, checks);
    assert.deepEqual(
      outcomes.map((o) => [o.passed, o.quarantined]),
      [
        [false, 2],
        [true, 0],
      ],
    );
    assert.ok(ctx.lines.some((l) => l.startsWith('quality listings_daily.price.range: FAILED (error)')));

    // The alert goes out through the outbox and the delivery loop, signed.
    await receiver.waitFor(() => receiver.accepted().length === 1, 'the quality alert');
    const [alert] = receiver.accepted();
    assert.equal(alert!.signatureValid, true);
    assert.equal(alert!.headers['x-plaza-kind'], 'quality');
    assert.equal(alert!.body.kind, 'quality');
    assert.match(alert!.body.subject, /1 data-quality check failed in daily\/listings \(2024-05-02\)/);
    assert.equal(alert!.body.data.run_id, 'run-77');
    assert.equal(alert!.body.data.blocking, true);
    assert.equal(alert!.body.data.failures[0].check_id, 'listings_daily.price.range');
    assert.match(alert!.body.text, /Downstream tasks are blocked/);
    const [email] = await plaza.notify.outbox.list({ kind: 'quality', recipient: 'ops@okla.do' });
    assert.equal(email, undefined, 'no SMTP server configured: admin e-mails are not queued');

    const results = await api('GET', '/v1/quality?table=listings_daily');
    assert.equal(results.status, 200);
    assert.deepEqual(
      results.body.results
        .map((r: any) => [r.check_id, r.passed, r.checked, r.failed, r.quarantined, r.partition])
        .sort(),
      [
        ['listings_daily.price.not_null', true, 3, 0, 0, day],
        ['listings_daily.price.range', false, 5, 2, 2, day],
      ],
    );
    const failed = await api('GET', '/v1/quality?status=failed');
    assert.deepEqual(
      failed.body.results.map((r: any) => r.check_id),
      ['listings_daily.price.range'],
    );

    const held = await api('GET', '/v1/quality/quarantine?table=listings_daily');
    assert.equal(held.status, 200);
    assert.equal(held.body.rows.length, 2);
    const first = held.body.rows.find((r: any) => r.row.listing_id === 'a');
    assert.equal(first.reason, 'price = -1.0 is outside [0, ∞]');
    assert.equal(first.check_id, 'listings_daily.price.range');
    assert.equal(first.run_id, 'run-77');
    assert.deepEqual(first.row.attrs, { make: 'Toyota', tags: ['a', 0] });

    const one = await api('POST', '/v1/quality/quarantine/release', { ids: [first.id] });
    assert.deepEqual(one.body, { released: 1, tables: { listings_daily: 1 } });
    // The row is back exactly as it was, JSON and timestamp included.
    const back = await warehouse.query<Record<string, unknown>>(
      `SELECT * FROM listings_daily WHERE listing_id = 'a'`,
    );
    assert.deepEqual(back, [
      {
        project_id: 'okla',
        day,
        listing_id: 'a',
        price: -1,
        attrs: { make: 'Toyota', tags: ['a', 0] },
        seen_at: seenAt,
      },
    ]);
    const again = await api('POST', '/v1/quality/quarantine/release', { ids: [first.id] });
    assert.equal(again.body.released, 0, 'a released row is not released twice');
    const released = await api('GET', '/v1/quality/quarantine?status=released');
    assert.equal(released.body.rows[0].id, first.id);
    assert.ok(released.body.rows[0].released_at);

    // Through the CLI, against the running server.
    const table = await cli('quality', '--failed');
    assert.match(table, /listings_daily\.price\.range/);
    assert.doesNotMatch(table, /price\.not_null/);
    const listed = JSON.parse(await cli('--json', 'quality', 'quarantine', '--table', 'listings_daily'));
    assert.deepEqual(
      listed.map((r: any) => r.row.listing_id),
      ['b'],
    );
    assert.equal(
      (
        await cli('quality', 'release', '--table', 'listings_daily', '--check', 'listings_daily.price.range')
      ).trim(),
      'released 1 row (listings_daily: 1)',
    );
    assert.equal(
      Number((await warehouse.query<{ n: number }>('SELECT count(*) AS n FROM listings_daily'))[0]!.n),
      5,
    );
  });

  it('refuses bad requests and requests without the admin token', async () => {
    assert.equal((await api('GET', '/v1/quality', undefined, 'wrong-token-wrong-token')).status, 401);
    const neither = await api('POST', '/v1/quality/quarantine/release', { table: 'x' });
    assert.equal(neither.status, 400);
    assert.equal(neither.body.error.code, 'invalid_release');
    const both = await api('POST', '/v1/quality/quarantine/release', { ids: ['q'], table: 'x', check: 'c' });
    assert.equal(both.body.error.code, 'invalid_release');
    const since = await api('GET', '/v1/quality?since=yesterday');
    assert.equal(since.body.error.code, 'invalid_since');
    assert.equal((await api('GET', '/v1/quality?status=bogus')).status, 400);
  });
});
