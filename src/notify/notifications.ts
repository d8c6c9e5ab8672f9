import type { NewOutboxRow, Outbox } from './outbox.js';
import type { NotificationRequest } from './types.js';

export interface NotificationsConfig {
  webhookUrls: readonly string[];
  adminEmails: readonly string[];
  /** False when no SMTP server is configured: e-mail recipients are then skipped, not queued forever. */
  emailEnabled: boolean;
}

/**
 * What producers call: fans a request out to one outbox row per recipient (its dedup key extended with the
 * channel and recipient), then wakes the delivery loop of this process when there is one. Queuing is the
 * commitment; delivery happens in the worker role, now or after a restart.
 */
export class Notifications {
  private waker: (() => void) | null = null;

  constructor(
    private readonly outbox: Outbox,
    readonly config: NotificationsConfig,
  ) {}

  /** Called on every send that queued something (the delivery loop's wake). */
  onQueued(wake: (() => void) | null): void {
    this.waker = wake;
  }

  /** Admins: the configured admin e-mails and the webhooks. */
  get admins(): NotificationRequest['to'] {
    return { emails: this.config.adminEmails, webhooks: true };
  }

  /** Queues the message for each recipient it has not been queued for yet; returns how many rows were new. */
  async send(req: NotificationRequest): Promise<{ queued: number; recipients: number }> {
    const rows: NewOutboxRow[] = [];
    const base = {
      kind: req.kind,
      subject: req.subject,
      body: req.text,
      payload: req.data,
    };
    if (this.config.emailEnabled) {
      for (const email of new Set(req.to.emails ?? [])) {
        rows.push({
          ...base,
          channel: 'email',
          recipient: email,
          dedupKey: `${req.dedupKey}|email|${email.toLowerCase()}`,
        });
      }
    }
    if (req.to.webhooks) {
      for (const url of new Set(this.config.webhookUrls)) {
        rows.push({
          ...base,
          channel: 'webhook',
          recipient: url,
          dedupKey: `${req.dedupKey}|webhook|${url}`,
        });
      }
    }
    const queued = rows.length ? await this.outbox.enqueue(rows) : 0;
    if (queued > 0) this.waker?.();
    return { queued, recipients: rows.length };
  }
}
