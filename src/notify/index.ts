import type { Logger } from 'pino';
import type { StateStore } from '../ports/state.js';
import { type DeliveryLoop, type DeliveryOptions, startDelivery } from './delivery.js';
import { createEmailNotifier } from './email.js';
import { Notifications } from './notifications.js';
import { Outbox } from './outbox.js';
import type { Notifier } from './types.js';
import { createWebhookNotifier } from './webhook.js';

export { Notifications } from './notifications.js';
export { notifyMigrations, Outbox } from './outbox.js';
export type { NotificationRequest } from './types.js';

/** The `notify` section of the configuration. */
export interface NotifyConfig {
  webhookUrls: string[];
  webhookSecret?: string | undefined;
  smtpUrl?: string | undefined;
  from: string;
  adminEmails: string[];
}

export interface Notify {
  outbox: Outbox;
  notifications: Notifications;
  /** Starts delivering the outbox in this process (the worker role); the loop is woken by every send. */
  startDelivery(logger: Logger, options?: Partial<DeliveryOptions>): DeliveryLoop;
}

/** Builds the notifiers the configuration names, the outbox and the service producers send through. */
export function createNotify(state: StateStore, config: NotifyConfig): Notify {
  const outbox = new Outbox(state);
  const notifications = new Notifications(outbox, {
    webhookUrls: config.webhookSecret ? config.webhookUrls : [],
    adminEmails: config.adminEmails,
    emailEnabled: config.smtpUrl !== undefined,
  });
  return {
    outbox,
    notifications,
    startDelivery(logger, options = {}) {
      const notifiers: Notifier[] = [];
      if (config.webhookSecret) notifiers.push(createWebhookNotifier({ secret: config.webhookSecret }));
      if (config.smtpUrl) notifiers.push(createEmailNotifier({ smtpUrl: config.smtpUrl, from: config.from }));
      const loop = startDelivery({ outbox, notifiers, logger, ...options });
      notifications.onQueued(() => loop.wake());
      return {
        ...loop,
        async stop() {
          notifications.onQueued(null);
          await loop.stop();
        },
      };
    },
  };
}
