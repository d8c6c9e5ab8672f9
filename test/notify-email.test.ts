import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PgliteState } from '../src/adapters/state/pglite.js';
import { migrate } from '../src/core/migrate.js';
import { startDelivery } from '../src/notify/delivery.js';
import { createEmailNotifier } from '../src/notify/email.js';
import { Notifications, notifyMigrations, Outbox } from '../src/notify/index.js';
import { createLogger } from '../src/observability/logger.js';
import { SmtpReceiver } from './helpers/smtp-receiver.js';

describe('e-mail over SMTP', () => {
  let state: PgliteState;
  let outbox: Outbox;
  let smtp: SmtpReceiver;

  before(async () => {
    state = await PgliteState.open();
    await migrate(state, notifyMigrations);
    outbox = new Outbox(state);
    smtp = await SmtpReceiver.start();
  });
  after(async () => {
    await smtp.close();
    await state.close();
  });

  const run = async (fn: (n: Notifications) => Promise<void>, smtpUrl = smtp.url) => {
    const notifications = new Notifications(outbox, { webhookUrls: [], adminEmails: [], emailEnabled: true });
    const loop = startDelivery({
      outbox,
      notifiers: [createEmailNotifier({ smtpUrl, from: 'Plaza <plaza@okla.do>', timeoutMs: 3000 })],
      logger: createLogger('silent'),
      intervalMs: 10,
      baseDelayMs: 20,
    });
    notifications.onQueued(() => loop.wake());
    try {
      await fn(notifications);
    } finally {
      await loop.stop();
    }
  };

  const mail = (dedupKey: string, to: string[]) => ({
    kind: 'seller_summary',
    subject: 'Your day on okla: 120 views',
    text: 'Views 120\nLeads 4',
    data: { views: 120 },
    to: { emails: to },
    dedupKey,
  });

  const waitForStatus = async (recipient: string, status: string) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [row] = await outbox.list({ recipient });
      if (row?.status === status) return row;
      assert.ok(Date.now() < deadline, `${recipient} never became ${status} (now ${row?.status})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('sends a plain-text message, authenticated, with the outbox id as Message-ID', async () => {
    await run(async (n) => {
      await n.send(mail('summary-1', ['ventas@dealer7.do']));
      await smtp.waitFor(1);
    });
    const [m] = smtp.mails;
    assert.equal(m!.user, 'plaza');
    assert.equal(m!.from, 'plaza@okla.do');
    assert.deepEqual(m!.to, ['ventas@dealer7.do']);
    assert.match(m!.raw, /^Subject: Your day on okla: 120 views\r$/m);
    assert.match(m!.raw, /^From: Plaza <plaza@okla\.do>\r$/m);
    assert.match(m!.raw, /^X-Plaza-Kind: seller_summary\r$/m);
    assert.match(m!.raw, /\r\n\r\nViews 120\r\nLeads 4/);
    const row = await waitForStatus('ventas@dealer7.do', 'sent');
    assert.match(m!.raw, new RegExp(`^Message-ID: <${row.id}@okla\\.do>\\r$`, 'm'));
  });

  it('retries a transient refusal (451) and gives up at once on a permanent one (550)', async () => {
    smtp.mails.length = 0;
    smtp.refuseNext(451);
    await run(async (n) => {
      await n.send(mail('summary-2', ['later@dealer.do']));
      await waitForStatus('later@dealer.do', 'sent');
    });
    assert.equal((await outbox.list({ recipient: 'later@dealer.do' }))[0]!.attempts, 2);
    assert.deepEqual(smtp.mails[0]!.to, ['later@dealer.do']);

    smtp.refuseNext(550);
    await run(async (n) => {
      await n.send(mail('summary-3', ['nobody@dealer.do']));
      const row = await waitForStatus('nobody@dealer.do', 'failed');
      assert.equal(row.attempts, 1);
      assert.match(row.last_error!, /550/);
    });
  });

  it('wrong credentials are retried (the server may be fixed), not lost', async () => {
    await run(
      async (n) => {
        await n.send(mail('summary-4', ['x@dealer.do']));
        const deadline = Date.now() + 10_000;
        for (;;) {
          const [row] = await outbox.list({ recipient: 'x@dealer.do' });
          if (row && row.attempts >= 2) {
            assert.equal(row.status, 'pending');
            assert.match(row.last_error!, /EAUTH|535|Invalid/i);
            break;
          }
          assert.ok(Date.now() < deadline);
          await new Promise((r) => setTimeout(r, 20));
        }
      },
      smtp.url.replace('smtp-secret', 'wrong-password'),
    );
  });
});
