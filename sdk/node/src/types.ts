/** Public shapes of the Node client. */

export interface PlazaClientOptions {
  /** Project write key, sent as the HTTP Basic username. */
  writeKey: string;
  /** Collector base URL, e.g. `http://localhost:7070`. */
  host: string;
  /** Start a send as soon as this many events wait (and a send slot is free). */
  flushAt?: number;
  /** Send waiting events at least this often. */
  flushIntervalMs?: number;
  /** Most events in one request; events pile up to this size while every send slot is busy. */
  maxBatchEvents?: number;
  /** Retries of one batch after server or network errors before its events count as failed. */
  maxRetries?: number;
  /** gzip request bodies larger than 1 KiB. */
  gzip?: boolean;
  /** Per-request timeout; a timed-out request is retried (the collector deduplicates by event_id). */
  timeoutMs?: number;
  /** Requests in flight at once (a batch waiting out a retry keeps its slot). */
  maxInFlight?: number;
  /** track() returns false once this many events wait; `await client.waitForCapacity()` then. */
  highWaterMark?: number;
  /** Hard cap on waiting events; beyond it the oldest batch is dropped (counted in stats.dropped). */
  maxQueueEvents?: number;
  /** First retry waits up to this long (full jitter), doubling each retry... */
  retryBaseMs?: number;
  /** ...up to this cap. */
  retryMaxMs?: number;
  /** Longest Retry-After (429/503) honoured as given; longer values are cut to this. */
  maxRetryAfterMs?: number;
  /** Flush when the process is about to exit (`beforeExit`). */
  flushOnExit?: boolean;
  /** Delivery problems: rejected events, failed batches, drops, a bad write key. Default: one warning per kind. */
  onError?: (error: import('./errors.js').PlazaDeliveryError) => void;
}

export type Properties = Record<string, unknown>;

interface Who {
  /** At least one of userId and anonymousId is required. */
  userId?: string;
  anonymousId?: string;
}

interface Common extends Who {
  /** Event time; defaults to now. */
  timestamp?: Date | string | number;
  /** Your own id for the event (uuid), to make a resend idempotent; generated when absent. */
  eventId?: string;
  sessionId?: string;
  sellerId?: string;
  listingId?: string;
  /** Extra context (page_url, user_agent, locale, ip...); library is always set by the client. */
  context?: Properties;
}

export interface TrackInput extends Common {
  eventType: string;
  /** Kept by reference until sent: do not mutate it after track(). */
  properties?: Properties;
}

export interface IdentifyInput extends Common {
  userId: string;
  /** The user's attributes (email, plan...), sent as the event's top-level `traits`. */
  traits?: Properties;
}

export interface PageInput extends Common {
  url?: string;
  path?: string;
  title?: string;
  referrer?: string;
  properties?: Properties;
}

/** The native event of `POST /v1/events`. Every key is always present (undefined ones are not serialised). */
export interface NativeEvent {
  event_id: string;
  event_type: string;
  timestamp: string;
  sent_at: string;
  anonymous_id: string | undefined;
  user_id: string | undefined;
  session_id: string | undefined;
  seller_id: string | undefined;
  listing_id: string | undefined;
  context: Properties;
  properties: Properties;
  /** identify only: the user's attributes. */
  traits: Properties | undefined;
}

/** Counters since the client was created. */
export interface ClientStats {
  /** Events waiting to be sent (not in flight). */
  queued: number;
  /** Batches being sent or waiting out a retry. */
  inFlight: number;
  /** Events the collector answered for with a 2xx (accepted + deduplicated + rejected). */
  sent: number;
  accepted: number;
  /** Events the collector already had (same event_id): harmless, typically after a retry. */
  deduplicated: number;
  /** Events refused one by one (kept by the collector as dead letters); never retried. */
  rejected: number;
  /** Rejected events by the kind of their first error. */
  rejectedByKind: Record<string, number>;
  /** Requests repeated after a server or network error. */
  retried: number;
  /** Events given up: retries exhausted, or the whole request refused (400, 401, 413...). */
  failed: number;
  /** Events dropped because the queue was over maxQueueEvents. */
  dropped: number;
  /** Requests made, and their body bytes as sent (after gzip). */
  requests: number;
  bytes: number;
}

/** What happened to events while a flush() was pending. */
export interface FlushResult {
  sent: number;
  accepted: number;
  deduplicated: number;
  rejected: number;
  failed: number;
  dropped: number;
}
