import { createHmac, timingSafeEqual } from 'node:crypto';
import { DeliveryError, type Notifier, type OutboxMessage } from './types.js';

export const signatureHeader = 'x-plaza-signature';
export const timestampHeader = 'x-plaza-timestamp';
export const deliveryHeader = 'x-plaza-delivery';
export const kindHeader = 'x-plaza-kind';

/**
 * The signature covers `<timestamp>.<body>`, not the body alone: a receiver that also checks the timestamp is
 * recent cannot be fed a captured request again later, since changing the timestamp breaks the signature.
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** For receivers (and tests): true when the signature matches and the timestamp is within `toleranceSec`. */
export function verifyWebhook(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  body: string,
  o: { toleranceSec?: number; nowMs?: number } = {},
): boolean {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d+$/.test(timestamp)) return false;
  const age = Math.abs((o.nowMs ?? Date.now()) / 1000 - Number(timestamp));
  if (age > (o.toleranceSec ?? 300)) return false;
  const want = Buffer.from(signWebhook(secret, timestamp, body));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

export interface WebhookNotifierOptions {
  secret: string;
  /** Per request (default 10 s): a receiver that hangs counts as a network error, retried later. */
  timeoutMs?: number;
}

/** What a webhook receiver gets, as JSON. */
export interface WebhookBody {
  id: string;
  kind: string;
  subject: string;
  text: string;
  data: Record<string, unknown>;
  created_at: string;
}

/**
 * Signed webhooks: POST of a JSON body to the message's recipient URL. Retry decisions are the delivery
 * loop's, from `retryable`: network errors, timeouts, 5xx, 408 and 429 can succeed later; any other 4xx says
 * the request itself is refused, and sending it again would be refused again.
 */
export function createWebhookNotifier(o: WebhookNotifierOptions): Notifier {
  const timeoutMs = o.timeoutMs ?? 10_000;
  return {
    channel: 'webhook',
    async deliver(m: OutboxMessage): Promise<void> {
      const body: WebhookBody = {
        id: m.id,
        kind: m.kind,
        subject: m.subject,
        text: m.body,
        data: m.payload,
        created_at: m.createdAt.toISOString(),
      };
      const text = JSON.stringify(body);
      const timestamp = String(Math.floor(Date.now() / 1000));
      let res: Response;
      try {
        res = await fetch(m.recipient, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Plaza-Webhooks/1',
            [deliveryHeader]: m.id,
            [kindHeader]: m.kind,
            [timestampHeader]: timestamp,
            [signatureHeader]: signWebhook(o.secret, timestamp, text),
          },
          body: text,
          signal: AbortSignal.timeout(timeoutMs),
          redirect: 'error',
        });
      } catch (e) {
        const cause = (e as { cause?: { code?: string } }).cause;
        throw new DeliveryError(
          `webhook ${m.recipient}: ${(e as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause?.code ?? (e as Error).message)}`,
          true,
          { cause: e },
        );
      }
      // The body is read (and capped) so the connection is released either way.
      const answer = (await res.text().catch(() => '')).slice(0, 300);
      if (res.ok) return;
      const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
      throw new DeliveryError(
        `webhook ${m.recipient}: HTTP ${res.status}${answer ? ` ${answer}` : ''}`,
        retryable,
      );
    },
  };
}
