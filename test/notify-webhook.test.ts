import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PgliteState } from '../src/adapters/state/pglite.js';
import { migrate } from '../src/core/migrate.js';
import { startDelivery } from '../src/notify/delivery.js';
import { Notifications, notifyMigrations, Outbox } from '../src/notify/index.js';
import { createWebhookNotifier, verifyWebhook } from '../src/notify/webhook.js';
import { createLogger } from '../src/observability/logger.js';
import { closedPort } from './helpers/engines.js';
import { WebhookReceiver } from './helpers/webhook-receiver.js';

const secret = 'a-shared-webhook-secret';
const logger = createLogger('silent');

describe('signed webhooks', () => {
  let state: PgliteState;
  let outbox: Outbox;
  let receiver: WebhookReceiver;

  before(async () => {
    state = await PgliteState.open();
    await migrate(state, notifyMigrations);
    outbox = new Outbox(state);
    receiver = await WebhookReceiver.start(secret);
  });
  after(async () => {
    await receiver.close();
    await state.close();
  });

  /** A delivery loop with fast retries: first delay 40 ms (20-40 with jitter), doubling. */
  const deliver = (urls: string[], o: { maxAttempts?: number } = {}) => {
    const notifications = new Notifications(outbox, {
      webhookUrls: urls,
      adminEmails: [],
      emailEnabled: false,
    });
    const loop = startDelivery({
      outbox,
      notifiers: [createWebhookNotifier({ secret, timeoutMs: 2000 })],
      logger,
      intervalMs: 10,
      baseDelayMs: 40,
      maxDelayMs: 1000,
      ...o,
    });
    notifications.onQueued(() => loop.wake());
    return { notifications, loop };
  };

  const message = (dedupKey: string) => ({
    kind: 'anomaly',
    subject: 'Views spiked on okla',
    text: 'seller dealer-7: views 400 (spike)',
    data: { project_id: 'okla', anomalies: [{ entity_id: 'dealer-7', value: 400 }] },
    to: { webhooks: true },
    dedupKey,
  });

  it('signs each request and retries with growing delays after two 503s, then is accepted', async () => {
    receiver.failNext(503, 503);
    const { notifications, loop } = deliver([receiver.url]);
    try {
      assert.deepEqual(await notifications.send(message('m-503')), { queued: 1, recipients: 1 });
      await receiver.waitFor(() => receiver.accepted().length === 1, 'the third attempt');
    } finally {
      await loop.stop();
    }
    const attempts = receiver.received;
    assert.deepEqual(
      attempts.map((r) => r.status),
      [503, 503, 200],
    );
    for (const r of attempts) {
      assert.equal(r.signatureValid, true, 'HMAC-SHA256 of "<timestamp>.<body>" with the shared secret');
      assert.match(String(r.headers['x-plaza-signature']), /^sha256=[0-9a-f]{64}$/);
      assert.ok(Math.abs(Number(r.headers['x-plaza-timestamp']) - Date.now() / 1000) < 60);
      assert.equal(r.headers['content-type'], 'application/json');
    }
    const ids = new Set(attempts.map((r) => r.headers['x-plaza-delivery']));
    assert.equal(ids.size, 1, 'every attempt carries the same delivery id, for receivers to dedupe');
    // Equal jitter: retry n waits between half and all of 40·2^(n-1) ms.
    assert.ok(attempts[1]!.at - attempts[0]!.at >= 20, 'first retry after at least 20 ms');
    assert.ok(attempts[2]!.at - attempts[1]!.at >= 40, 'second retry after at least 40 ms');

    const body = attempts[2]!.body;
    assert.deepEqual(
      { kind: body.kind, subject: body.subject, text: body.text, data: body.data },
      {
        kind: 'anomaly',
        subject: 'Views spiked on okla',
        text: 'seller dealer-7: views 400 (spike)',
        data: { project_id: 'okla', anomalies: [{ entity_id: 'dealer-7', value: 400 }] },
      },
    );
    assert.equal(body.id, attempts[2]!.headers['x-plaza-delivery']);
    assert.equal(
      verifyWebhook(
        secret,
        {
          signature: attempts[2]!.headers['x-plaza-signature'] as string,
          timestamp: attempts[2]!.headers['x-plaza-timestamp'] as string,
        },
        attempts[2]!.raw,
      ),
      true,
    );
    assert.equal(verifyWebhook('another-secret', { signature: 'sha256=00', timestamp: '1' }, '{}'), false);

    const [row] = await outbox.list({ recipient: receiver.url });
    assert.equal(row!.status, 'sent');
    assert.equal(row!.attempts, 3);
    assert.equal(row!.last_error, null);
    assert.ok(row!.sent_at);
  });

  it('does not retry a 4xx answer', async () => {
    receiver.received.length = 0;
    receiver.failNext(400);
    const { notifications, loop } = deliver([receiver.url]);
    try {
      await notifications.send(message('m-400'));
      await receiver.waitFor(() => receiver.received.length === 1, 'the first attempt');
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await loop.stop();
    }
    assert.equal(receiver.received.length, 1);
    const [row] = await outbox.list({ recipient: receiver.url, status: 'failed' });
    assert.equal(row!.attempts, 1);
    assert.match(row!.last_error!, /HTTP 400 try again/);
  });

  it('retries network errors until the attempts run out', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/hook`;
    const { notifications, loop } = deliver([url], { maxAttempts: 3 });
    try {
      await notifications.send(message('m-down'));
      const deadline = Date.now() + 10_000;
      while ((await outbox.list({ recipient: url, status: 'failed' })).length === 0) {
        assert.ok(Date.now() < deadline, 'the message fails after 3 attempts');
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await loop.stop();
    }
    const [row] = await outbox.list({ recipient: url });
    assert.equal(row!.attempts, 3);
    assert.match(row!.last_error!, /ECONNREFUSED/);
  });
});
