import type { Logger } from 'pino';
import { backoffDelay } from '../pipelines/retry.js';
import type { RetryPolicy } from '../pipelines/types.js';
import type { Outbox } from './outbox.js';
import { type Channel, DeliveryError, type Notifier, type OutboxMessage } from './types.js';

export interface DeliveryOptions {
  outbox: Outbox;
  notifiers: readonly Notifier[];
  logger: Logger;
  /** How often due rows are looked for when nothing wakes the loop (default 2 s). */
  intervalMs?: number;
  /** Rows delivered at once (default 10). */
  batch?: number;
  /** How long a claimed row is reserved; a crashed sender's rows are due again after it (default 60 s). */
  leaseMs?: number;
  /** Attempts before a retryable failure becomes `failed` (default 8). */
  maxAttempts?: number;
  /** First retry delay, doubled per attempt up to maxDelayMs, with jitter (default 5 s … 30 min). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface DeliveryLoop {
  /** Looks for due rows now (after an enqueue) instead of at the next tick. */
  wake(): void;
  /** One pass over due rows (claims until none is due); returns how many deliveries were tried. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Delivers the outbox: claims due rows, hands each to the notifier of its channel, and records the outcome
 * (sent; retried later with backoff; or failed, when the error is permanent or attempts ran out). It holds
 * no state of its own: everything is in the outbox rows, so starting it again after a crash continues
 * exactly where the rows say.
 */
export function startDelivery(o: DeliveryOptions): DeliveryLoop {
  const intervalMs = o.intervalMs ?? 2000;
  const batch = o.batch ?? 10;
  const leaseMs = o.leaseMs ?? 60_000;
  const maxAttempts = o.maxAttempts ?? 8;
  const backoff: RetryPolicy = {
    retries: maxAttempts - 1,
    baseDelayMs: o.baseDelayMs ?? 5000,
    maxDelayMs: o.maxDelayMs ?? 30 * 60_000,
  };
  const byChannel = new Map<Channel, Notifier>(o.notifiers.map((n) => [n.channel, n]));

  let stopped = false;
  let running: Promise<number> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;

  async function deliverOne(m: OutboxMessage): Promise<void> {
    const notifier = byChannel.get(m.channel);
    if (!notifier) {
      await o.outbox.markFailed(m.id, `no ${m.channel} notifier is configured`);
      return;
    }
    try {
      await notifier.deliver(m);
      await o.outbox.markSent(m.id);
      o.logger.info(
        { id: m.id, kind: m.kind, channel: m.channel, attempts: m.attempts },
        'notification sent',
      );
    } catch (e) {
      const retryable = e instanceof DeliveryError ? e.retryable : true;
      const message = (e as Error).message ?? String(e);
      if (retryable && m.attempts < maxAttempts) {
        const delay = backoffDelay(backoff, m.attempts);
        await o.outbox.retryLater(m.id, message, delay);
        o.logger.warn(
          { id: m.id, kind: m.kind, attempts: m.attempts, retryInMs: delay, err: message },
          'notification not delivered, will retry',
        );
      } else {
        await o.outbox.markFailed(m.id, message);
        o.logger.error({ id: m.id, kind: m.kind, attempts: m.attempts, err: message }, 'notification failed');
      }
    }
  }

  async function pass(): Promise<number> {
    let tried = 0;
    for (;;) {
      const due = await o.outbox.claim(batch, leaseMs);
      if (due.length === 0) return tried;
      await Promise.all(due.map(deliverOne));
      tried += due.length;
      if (stopped) return tried;
    }
  }

  /** One pass at a time; a wake during a pass runs another right after, so no enqueue waits a tick. */
  function runOnce(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = pass()
      .catch((e) => {
        o.logger.error({ err: e }, 'outbox delivery pass failed');
        return 0;
      })
      .finally(() => {
        running = null;
        if (again && !stopped) {
          again = false;
          void runOnce();
        }
      });
    return running;
  }

  const tick = () => {
    if (stopped) return;
    void runOnce().finally(() => {
      if (!stopped) timer = setTimeout(tick, intervalMs);
    });
  };
  timer = setTimeout(tick, 0);

  return {
    wake() {
      if (!stopped) void runOnce();
    },
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      for (const n of o.notifiers) await n.close?.();
    },
  };
}
