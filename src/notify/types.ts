/**
 * Notifications: producers (quality gate, daily reports) describe a message once; the outbox stores one row
 * per recipient before anything is sent, and notifiers (one per channel) deliver rows. A notifier knows
 * nothing about the outbox, so a new channel is one small module implementing `Notifier`.
 */
export type Channel = 'webhook' | 'email';

export interface NotificationRequest {
  /** What the message is about: 'quality', 'seller_summary', 'anomaly', … (webhook receivers route on it). */
  kind: string;
  subject: string;
  /** Human-readable body (the e-mail text). */
  text: string;
  /** Structured content (the webhook body's `data`). */
  data: Record<string, unknown>;
  /** E-mail addresses, and whether the configured webhooks get it too. */
  to: { emails?: readonly string[]; webhooks?: boolean };
  /**
   * Identifies the message across re-runs: the outbox keeps one row per (dedupKey, channel, recipient), so
   * asking again to send it (a re-run of a day, a retried task) sends nothing twice. Producers build it from
   * the kind, the day or run, and what the message is about.
   */
  dedupKey: string;
}

/** One outbox row, as a notifier delivers it. */
export interface OutboxMessage {
  id: string;
  kind: string;
  channel: Channel;
  /** A webhook URL or an e-mail address. */
  recipient: string;
  subject: string;
  body: string;
  payload: Record<string, unknown>;
  /** Delivery attempts so far, this one included. */
  attempts: number;
  createdAt: Date;
}

export interface Notifier {
  readonly channel: Channel;
  /** Resolves once the recipient accepted the message; throws a DeliveryError otherwise. */
  deliver(message: OutboxMessage): Promise<void>;
  close?(): Promise<void>;
}

/** A failed delivery; `retryable` says whether trying again later can succeed (network error, 5xx). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DeliveryError';
  }
}
