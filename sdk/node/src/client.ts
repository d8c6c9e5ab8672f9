import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DeliveryErrorKind, PlazaDeliveryError, type RejectedEvent } from './errors.js';
import { backoffMs } from './retry.js';
import { type Outcome, Transport } from './transport.js';
import type {
  ClientStats,
  FlushResult,
  IdentifyInput,
  NativeEvent,
  PageInput,
  PlazaClientOptions,
  Properties,
  TrackInput,
} from './types.js';

export const VERSION = '0.1.0';
const LIBRARY = { name: 'plaza-node', version: VERSION } as const;

type Settings = Required<Omit<PlazaClientOptions, 'onError'>> & Pick<PlazaClientOptions, 'onError'>;

const defaults = {
  flushAt: 100,
  flushIntervalMs: 1000,
  maxBatchEvents: 500,
  maxRetries: 8,
  gzip: true,
  timeoutMs: 10_000,
  maxInFlight: 4,
  highWaterMark: 20_000,
  maxQueueEvents: 100_000,
  retryBaseMs: 200,
  retryMaxMs: 30_000,
  maxRetryAfterMs: 5 * 60_000,
  flushOnExit: true,
};

type Counters = Omit<ClientStats, 'queued' | 'inFlight' | 'rejectedByKind'>;

/**
 * Server-side client for Plaza's native API. Events are batched, gzipped, sent over a bounded number of
 * concurrent requests and retried on server or network errors; events the collector rejects one by one are
 * never retried (it keeps them as dead letters).
 *
 * Backpressure: track() never blocks and returns false once `highWaterMark` events wait, like
 * `stream.write`; producers that can wait do `if (!client.track(e)) await client.waitForCapacity()`.
 * Producers that ignore it are protected by `maxQueueEvents`: beyond it the oldest waiting batch is
 * dropped and counted (stats.dropped, onError 'dropped').
 *
 * Efficiency: an event is one object (the shared context object is reused when none is given), batches are
 * built by appending to an array that is sent whole, and each request body is serialised and compressed
 * once per attempt.
 */
export class PlazaClient {
  private readonly cfg: Settings;
  private readonly transport: Transport;
  private readonly sharedContext = { library: LIBRARY };
  /** The batch being filled, and full batches waiting for a send slot (oldest first). */
  private open: NativeEvent[] = [];
  private sealed: NativeEvent[][] = [];
  private queued = 0;
  private inFlight = 0;
  /** The interval elapsed while every slot was busy: send the open batch at the next free slot. */
  private due = false;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  private capacityWaiters: (() => void)[] = [];
  private closed = false;
  private readonly counters: Counters = {
    sent: 0,
    accepted: 0,
    deduplicated: 0,
    rejected: 0,
    retried: 0,
    failed: 0,
    dropped: 0,
    requests: 0,
    bytes: 0,
  };
  /** Counters when the last flush() resolved. */
  private mark: Counters = { ...this.counters };
  private readonly rejectedByKind: Record<string, number> = {};
  private readonly warned = new Set<DeliveryErrorKind>();
  private readonly onBeforeExit = () => {
    if (this.queued > 0) void this.flush();
  };

  constructor(options: PlazaClientOptions) {
    if (!options?.writeKey) throw new TypeError('PlazaClient: writeKey is required');
    if (!options.host) throw new TypeError('PlazaClient: host is required');
    this.cfg = { ...defaults, ...options };
    this.transport = new Transport(
      this.cfg.host,
      this.cfg.writeKey,
      this.cfg.gzip,
      this.cfg.timeoutMs,
      `plaza-node/${VERSION} node/${process.versions.node}`,
    );
    if (this.cfg.flushOnExit) process.on('beforeExit', this.onBeforeExit);
  }

  /** Queues an event; returns false when the caller should `await waitForCapacity()` before more. */
  track(input: TrackInput): boolean {
    if (typeof input?.eventType !== 'string' || input.eventType === '') {
      throw new TypeError('track: eventType must be a non-empty string');
    }
    return this.enqueue(input, input.eventType, input.properties ?? {});
  }

  /**
   * An `identify` event: ties anonymousId (if given) to userId. Traits travel in the envelope's top-level
   * `traits`, where Plaza keeps user attributes; its properties stay empty.
   */
  identify(input: IdentifyInput): boolean {
    if (!input?.userId) throw new TypeError('identify: userId is required');
    return this.enqueue(input, 'identify', {}, input.traits ?? {});
  }

  /** A `page_view` sent from the server (server-rendered pages, proxies). */
  page(input: PageInput): boolean {
    const props: Properties = { ...input.properties };
    if (input.url !== undefined) props['url'] = input.url;
    if (input.path !== undefined) props['path'] = input.path;
    if (input.title !== undefined) props['title'] = input.title;
    if (input.referrer !== undefined) props['referrer'] = input.referrer;
    const context: Properties = { ...input.context };
    if (input.url !== undefined) context['page_url'] = input.url;
    if (input.title !== undefined) context['page_title'] = input.title;
    if (input.referrer !== undefined) context['referrer'] = input.referrer;
    return this.enqueue({ ...input, context }, 'page_view', props);
  }

  /**
   * Resolves when nothing waits or is in flight: every event sent, rejected or definitively failed. The
   * result counts the events settled since the previous flush() resolved (or since the client was created),
   * so `track… await flush()` rounds each get their own totals.
   */
  flush(): Promise<FlushResult> {
    return new Promise<void>((resolve) => {
      this.idleWaiters.push(resolve);
      this.pump();
      this.settle();
    }).then(() => {
      const c = this.counters;
      const m = this.mark;
      this.mark = { ...c };
      return {
        sent: c.sent - m.sent,
        accepted: c.accepted - m.accepted,
        deduplicated: c.deduplicated - m.deduplicated,
        rejected: c.rejected - m.rejected,
        failed: c.failed - m.failed,
        dropped: c.dropped - m.dropped,
      };
    });
  }

  /** Flushes, stops the timer and the exit hook; track() throws afterwards. */
  async close(): Promise<FlushResult> {
    this.closed = true;
    process.off('beforeExit', this.onBeforeExit);
    const result = await this.flush();
    clearTimeout(this.timer);
    this.timer = undefined;
    return result;
  }

  /** Resolves once fewer than highWaterMark events wait (at once when that is already so). */
  waitForCapacity(): Promise<void> {
    if (this.queued < this.cfg.highWaterMark) return Promise.resolve();
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }

  get stats(): ClientStats {
    return {
      queued: this.queued,
      inFlight: this.inFlight,
      ...this.counters,
      rejectedByKind: { ...this.rejectedByKind },
    };
  }

  private enqueue(
    input: TrackInput | IdentifyInput | PageInput,
    eventType: string,
    properties: Properties,
    traits?: Properties,
  ) {
    if (this.closed) throw new Error('PlazaClient is closed');
    if (!input.userId && !input.anonymousId)
      throw new TypeError(`${eventType}: userId or anonymousId is required`);
    const ts = input.timestamp;
    const event: NativeEvent = {
      event_id: input.eventId ?? randomUUID(),
      event_type: eventType,
      timestamp:
        ts === undefined
          ? new Date().toISOString()
          : typeof ts === 'string'
            ? ts
            : (ts instanceof Date ? ts : new Date(ts)).toISOString(),
      sent_at: '',
      anonymous_id: input.anonymousId,
      user_id: input.userId,
      session_id: input.sessionId,
      seller_id: input.sellerId,
      listing_id: input.listingId,
      context: input.context ? { ...input.context, library: LIBRARY } : this.sharedContext,
      properties,
      traits,
    };
    const cfg = this.cfg;
    this.open.push(event);
    this.queued++;
    if (this.open.length >= cfg.maxBatchEvents) {
      this.sealed.push(this.open);
      this.open = [];
    }
    if (this.queued > cfg.maxQueueEvents) this.dropOldest();
    if (this.queued >= cfg.flushAt) this.pump();
    if (this.open.length > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.due = true;
        this.pump();
      }, cfg.flushIntervalMs);
      // The interval alone must not keep a process alive; beforeExit flushes what is left.
      this.timer.unref();
    }
    return this.queued < cfg.highWaterMark;
  }

  private dropOldest(): void {
    const batch = this.sealed.shift() ?? this.open.splice(0, this.open.length);
    this.queued -= batch.length;
    this.counters.dropped += batch.length;
    this.report(
      'dropped',
      `queue over maxQueueEvents (${this.cfg.maxQueueEvents}): dropped the oldest ${batch.length} events; ` +
        'await client.waitForCapacity() when track() returns false',
      { events: batch.length },
    );
  }

  /** Starts as many sends as there are free slots and batches ready to go. */
  private pump(): void {
    const cfg = this.cfg;
    while (this.inFlight < cfg.maxInFlight) {
      let batch = this.sealed.shift();
      if (!batch) {
        const force = this.due || this.idleWaiters.length > 0;
        if (this.open.length === 0 || (!force && this.open.length < cfg.flushAt)) break;
        batch = this.open;
        this.open = [];
        this.due = false;
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      this.queued -= batch.length;
      this.inFlight++;
      void this.deliver(batch).then(() => {
        this.inFlight--;
        this.pump();
        this.settle();
      });
    }
    if (this.capacityWaiters.length > 0 && this.queued < cfg.highWaterMark) {
      for (const w of this.capacityWaiters.splice(0)) w();
    }
  }

  private settle(): void {
    if (this.queued === 0 && this.inFlight === 0 && this.idleWaiters.length > 0) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Sends one batch until it is acknowledged, refused, or out of retries. Never throws. */
  private async deliver(batch: NativeEvent[]): Promise<void> {
    const cfg = this.cfg;
    for (let attempt = 0; ; attempt++) {
      let outcome: Outcome;
      try {
        const r = await this.transport.send(batch);
        outcome = r.outcome;
        this.counters.requests++;
        this.counters.bytes += r.bytes;
      } catch (e) {
        outcome = { kind: 'retry', status: 0, afterMs: null, message: (e as Error).message };
      }
      if (outcome.kind === 'ok') return this.acknowledge(batch, outcome);
      if (outcome.kind === 'refused') {
        // A batch too large for this collector is split rather than lost; single events are refused as they are.
        if (outcome.status === 413 && batch.length > 1) {
          const half = Math.ceil(batch.length / 2);
          await this.deliver(batch.slice(0, half));
          await this.deliver(batch.slice(half));
          return;
        }
        return this.fail(
          batch,
          outcome.status === 401 || outcome.status === 403 ? 'unauthorized' : 'failed',
          {
            status: outcome.status,
            message: `request refused, not retried: ${outcome.message}`,
          },
        );
      }
      if (attempt >= cfg.maxRetries) {
        return this.fail(batch, 'failed', {
          status: outcome.status,
          message: `gave up after ${attempt + 1} attempts: ${outcome.message}`,
        });
      }
      this.counters.retried++;
      const wait =
        outcome.afterMs !== null
          ? Math.min(outcome.afterMs, cfg.maxRetryAfterMs)
          : backoffMs(attempt, cfg.retryBaseMs, cfg.retryMaxMs);
      // A referenced timer: a process exiting with a batch in backoff waits for it instead of losing it.
      await sleep(wait);
    }
  }

  private acknowledge(batch: NativeEvent[], o: Extract<Outcome, { kind: 'ok' }>): void {
    const c = this.counters;
    c.sent += batch.length;
    c.accepted += o.accepted;
    c.deduplicated += o.deduplicated;
    if (o.rejected.length === 0) return;
    c.rejected += o.rejected.length;
    const rejections: RejectedEvent[] = o.rejected.map((r) => {
      const kind = r.errors?.[0]?.kind ?? 'unknown';
      this.rejectedByKind[kind] = (this.rejectedByKind[kind] ?? 0) + 1;
      const e = batch[r.index];
      return { index: r.index, eventId: e?.event_id, eventType: e?.event_type, errors: r.errors ?? [] };
    });
    const first = rejections[0]!;
    this.report(
      'rejected',
      `${rejections.length} of ${batch.length} events rejected (kept by the collector as dead letters); first: ` +
        `${first.eventType} ${first.errors.map((e) => `${e.pointer || '/'} ${e.message}`).join('; ')}`,
      { status: o.status, events: rejections.length, rejections },
    );
  }

  private fail(batch: NativeEvent[], kind: DeliveryErrorKind, d: { status: number; message: string }): void {
    this.counters.failed += batch.length;
    this.report(kind, `${batch.length} events not delivered: ${d.message}`, {
      status: d.status,
      events: batch.length,
    });
  }

  private report(kind: DeliveryErrorKind, message: string, details: PlazaDeliveryError['details']): void {
    const err = new PlazaDeliveryError(kind, message, details);
    if (this.cfg.onError) {
      try {
        this.cfg.onError(err);
      } catch {
        // a throwing handler must not break delivery
      }
      return;
    }
    // Without a handler, say it once per kind: stats carry the running counts.
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    process.emitWarning(message, { type: 'PlazaWarning', code: `PLAZA_${kind.toUpperCase()}` });
  }
}
