import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { PgliteState } from '../src/adapters/state/pglite.js';
import { loadConfig } from '../src/config/config.js';
import { isPlazaError } from '../src/core/errors.js';
import { migrate } from '../src/core/migrate.js';
import { createNotify, notifyMigrations } from '../src/notify/index.js';
import { createLogger } from '../src/observability/logger.js';
import { tempDir } from './helpers/plaza.js';
import { WebhookReceiver } from './helpers/webhook-receiver.js';

const secret = 'outbox-test-secret-123';
const logger = createLogger('silent');

const request = (dedupKey: string, emails: string[] = [], kind = 'quality') => ({
  kind,
  subject: `alert ${dedupKey}`,
  text: 'a check failed',
  data: { n: dedupKey },
  to: { emails, webhooks: true },
  dedupKey,
});

describe('the outbox', () => {
  let receiver: WebhookReceiver;
  /** The store as the restarted process has it (PGlite takes seconds to open: one store serves every test). */
  let state: PgliteState;
  const dir = tempDir('plaza-outbox-');
  const config = (over: Record<string, unknown> = {}) => ({
    webhookUrls: [receiver.url],
    webhookSecret: secret,
    from: 'plaza@localhost',
    adminEmails: [],
    ...over,
  });

  before(async () => {
    receiver = await WebhookReceiver.start(secret);
  });
  after(async () => {
    await state?.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('survives a crash: queued rows, and a row claimed by a process that died, are delivered after a restart', async () => {
    // Process 1 queues two notifications, takes one for delivery (a lease of 3 s) and dies before sending.
    state = await PgliteState.open(dir);
    await migrate(state, notifyMigrations);
    const first = createNotify(state, config());
    await first.notifications.send(request('crash-1'));
    await first.notifications.send(request('crash-2'));
    // Read before claiming: the lease runs from the store's clock at the claim, which is not earlier.
    const claimedAt = Date.now();
    const [taken] = await first.outbox.claim(1, 3000);
    assert.ok(taken);
    await state.close();
    assert.equal(receiver.received.length, 0);

    // Process 2 opens the same store and starts delivering.
    state = await PgliteState.open(dir);
    const second = createNotify(state, config());
    const loop = second.startDelivery(logger, { intervalMs: 50 });
    try {
      await receiver.waitFor(() => receiver.accepted().length === 2, 'both notifications');
    } finally {
      await loop.stop();
    }
    const bySubject = new Map(receiver.accepted().map((r) => [r.body.subject, r]));
    assert.deepEqual([...bySubject.keys()].sort(), ['alert crash-1', 'alert crash-2']);
    const late = bySubject.get(taken.subject)!;
    assert.ok(late.at - claimedAt >= 2990, 'the claimed row waits for its lease to end, then goes out');
    const rows = await second.outbox.list({ kind: 'quality' });
    assert.deepEqual(
      rows.map((r) => [r.subject, r.status, r.attempts]).sort(),
      [
        ['alert crash-1', 'sent', taken.subject === 'alert crash-1' ? 2 : 1],
        ['alert crash-2', 'sent', taken.subject === 'alert crash-2' ? 2 : 1],
      ],
      'the attempt cut short by the crash counts',
    );
  });

  it('queues a message once per recipient, however often it is sent', async () => {
    const { notifications, outbox } = createNotify(state, config({ smtpUrl: 'smtp://127.0.0.1:1' }));
    const to = ['Ventas@Dealer.do', 'ventas@dealer.do', 'ops@okla.do'];
    const a = await notifications.send(request('day-1', to, 'summary'));
    assert.deepEqual(a, { queued: 3, recipients: 4 }, 'the same address in another case is one recipient');
    const b = await notifications.send(request('day-1', ['ops@okla.do', 'new@okla.do'], 'summary'));
    assert.deepEqual(b, { queued: 1, recipients: 3 });
    const rows = await outbox.list({ kind: 'summary' });
    assert.deepEqual(
      rows.map((r) => `${r.channel}:${r.recipient}`).sort(),
      [`webhook:${receiver.url}`, 'email:Ventas@Dealer.do', 'email:new@okla.do', 'email:ops@okla.do'].sort(),
    );
    assert.ok(rows.every((r) => r.status === 'pending' && r.attempts === 0));

    // Without an SMTP server, e-mail recipients are skipped rather than queued to fail.
    const noSmtp = createNotify(state, config());
    assert.deepEqual(await noSmtp.notifications.send(request('day-2', ['ops@okla.do'], 'summary')), {
      queued: 1,
      recipients: 1,
    });
  });

  it('is configured from PLAZA_NOTIFY_* variables; webhooks need a secret', () => {
    const c = loadConfig({
      env: {
        PLAZA_NOTIFY_WEBHOOK_URLS: 'https://a.example/hook, https://b.example/hook',
        PLAZA_NOTIFY_WEBHOOK_SECRET: secret,
        PLAZA_NOTIFY_SMTP_URL: 'smtp://user:pass@mail.example:587',
        PLAZA_NOTIFY_FROM: 'Plaza <plaza@okla.do>',
        PLAZA_NOTIFY_ADMIN_EMAILS: 'ops@okla.do,data@okla.do',
      },
      cwd: dir,
    });
    assert.deepEqual(c.notify, {
      webhookUrls: ['https://a.example/hook', 'https://b.example/hook'],
      webhookSecret: secret,
      smtpUrl: 'smtp://user:pass@mail.example:587',
      from: 'Plaza <plaza@okla.do>',
      adminEmails: ['ops@okla.do', 'data@okla.do'],
    });
    assert.deepEqual(loadConfig({ env: {}, cwd: dir }).notify, {
      webhookUrls: [],
      from: 'Plaza <plaza@localhost>',
      adminEmails: [],
    });
    const refused = (env: Record<string, string>, message: RegExp) =>
      assert.throws(
        () => loadConfig({ env, cwd: dir }),
        (e: unknown) => isPlazaError(e) && e.code === 'config_invalid' && message.test(e.message),
      );
    refused({ PLAZA_NOTIFY_WEBHOOK_URLS: 'https://a.example/hook' }, /webhookUrls need a webhookSecret/);
    refused({ PLAZA_NOTIFY_SMTP_URL: 'mail.example:25' }, /PLAZA_NOTIFY_SMTP_URL.*smtp:\/\//);
    refused(
      { PLAZA_NOTIFY_WEBHOOK_URLS: 'ftp://x', PLAZA_NOTIFY_WEBHOOK_SECRET: secret },
      /http:\/\/ or https:\/\//,
    );
    refused({ PLAZA_NOTIFY_ADMIN_EMAILS: 'not-an-address' }, /e-mail addresses/);
  });
});
