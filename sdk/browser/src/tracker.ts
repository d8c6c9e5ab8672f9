import { backoffMs } from './backoff.js';
import { Identity } from './identity.js';
import { uuid } from './ids.js';
import { pageContext, pageProperties, watchNavigation } from './page.js';
import { EventQueue } from './queue.js';
import { idStore, localStore } from './storage.js';
import { beaconEvents, postBatch } from './transport.js';
import type { NativeEvent, PlazaOptions, Properties } from './types.js';

type Settings = Required<PlazaOptions>;

const defaults = {
  flushAt: 20,
  flushIntervalMs: 5000,
  autoPageViews: true,
  sessionTimeoutMin: 30,
  maxQueue: 1000,
};
const MAX_BATCH = 100;
const RETRY_BASE_MS = 1000;
const RETRY_CAP_MS = 60_000;

type Method = 'track' | 'page' | 'identify' | 'reset';

/**
 * The browser tracker. Delivery is at-least-once with the collector deduplicating by event_id: events stay
 * queued (and in localStorage) until a response acknowledges them; failures back off exponentially with
 * full jitter; when the page goes away, a healthy tracker hands the queue to sendBeacon, while one that is
 * already failing keeps it in storage for the next page load to send.
 */
export class Tracker {
  private cfg: Settings | null = null;
  private url = '';
  private identity!: Identity;
  private queue!: EventQueue;
  private early: [Method, unknown[]][] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Consecutive failed sends; above zero the collector or network is in trouble. */
  private failures = 0;
  private inflight: Promise<boolean> | null = null;
  private referrer = '';
  private pageUrl = '';
  private lastPageKey = '';
  private warned: Record<string, true> = {};

  init(options: PlazaOptions): void {
    if (this.cfg) return;
    if (!options?.writeKey || !options.host) throw new Error('plaza.init: writeKey and host are required');
    const cfg: Settings = { ...defaults, debug: false, ...options };
    this.cfg = cfg;
    this.url = `${cfg.host.replace(/\/+$/, '')}/v1/events`;
    const local = localStore();
    this.identity = new Identity(idStore(local), cfg.sessionTimeoutMin * 60_000);
    this.queue = new EventQueue(local, cfg.maxQueue);
    const adopted = this.queue.adoptOrphans();
    this.referrer = document.referrer;

    addEventListener('pagehide', () => this.leave());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this.leave();
    });
    addEventListener('online', () => {
      this.failures = 0;
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      void this.flush();
    });

    if (cfg.autoPageViews) {
      this.page();
      watchNavigation(() => {
        if (location.pathname + location.search !== this.lastPageKey) this.page();
      });
    }
    for (const [m, args] of this.early.splice(0)) (this[m] as (...a: unknown[]) => void)(...args);
    // Events adopted from an earlier page load go out now rather than wait for the interval.
    if (adopted > 0) void this.flush();
  }

  track(eventType: string, properties?: Properties): void {
    if (!this.cfg) {
      this.early.push(['track', [eventType, properties]]);
      return;
    }
    if (typeof eventType !== 'string' || eventType === '') {
      this.warn('type', 'track: eventType must be a non-empty string');
      return;
    }
    this.record(eventType, properties);
  }

  private record(eventType: string, properties?: Properties, traits?: Properties): void {
    const cfg = this.cfg!;
    const now = Date.now();
    const e: NativeEvent = {
      event_id: uuid(),
      event_type: eventType,
      timestamp: new Date(now).toISOString(),
      anonymous_id: this.identity.anonymousId,
      session_id: this.identity.touchSession(now),
      context: pageContext(this.referrer),
      properties: { ...properties },
    };
    if (this.identity.userId !== null) e.user_id = this.identity.userId;
    if (traits) e.traits = { ...traits };
    this.queue.push(e);
    if (this.queue.size >= cfg.flushAt) this.kick();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, cfg.flushIntervalMs);
    }
  }

  /** A page_view of the current location; in a single-page app the previous URL becomes the referrer. */
  page(properties?: Properties): void {
    if (!this.cfg) {
      this.early.push(['page', [properties]]);
      return;
    }
    if (this.pageUrl && this.pageUrl !== location.href) this.referrer = this.pageUrl;
    this.pageUrl = location.href;
    this.lastPageKey = location.pathname + location.search;
    this.track('page_view', pageProperties(this.referrer, properties));
  }

  /**
   * Ties this visitor to a known user; this and later events carry user_id. Traits travel in the envelope's
   * top-level `traits` (where Plaza keeps user attributes), not in properties.
   */
  identify(userId: string, traits?: Properties): void {
    if (!this.cfg) {
      this.early.push(['identify', [userId, traits]]);
      return;
    }
    if (userId === undefined || userId === null || userId === '') {
      this.warn('uid', 'identify: userId is required');
      return;
    }
    this.identity.setUser(String(userId));
    this.record('identify', undefined, traits ?? {});
  }

  /** Logout: forgets the user id and starts a new anonymous visitor and session. */
  reset(): void {
    if (!this.cfg) {
      this.early.push(['reset', []]);
      return;
    }
    this.identity.reset();
  }

  /** Sends everything queued; resolves when the queue is empty or a send failed (a retry is then scheduled). */
  async flush(): Promise<void> {
    if (!this.cfg) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.size > 0) {
      if (!(await this.sendOnce())) return;
    }
  }

  getAnonymousId(): string | null {
    return this.cfg ? this.identity.anonymousId : null;
  }

  getUserId(): string | null {
    return this.cfg ? this.identity.userId : null;
  }

  // Threshold and interval sends wait out a pending backoff; an explicit flush() does not.
  private kick(): void {
    if (this.retryTimer === undefined) void this.flush();
  }

  // Concurrent flushes share the one request in flight, so batches go out in order, one at a time.
  private sendOnce(): Promise<boolean> {
    if (!this.inflight) {
      this.inflight = this.sendBatch().then(
        (ok) => {
          this.inflight = null;
          return ok;
        },
        () => {
          this.inflight = null;
          return false;
        },
      );
    }
    return this.inflight;
  }

  private async sendBatch(): Promise<boolean> {
    const cfg = this.cfg!;
    const batch = this.queue.peek(MAX_BATCH);
    if (batch.length === 0) return true;
    const r = await postBatch(this.url, cfg.writeKey, batch);
    if (r.kind === 'retry') {
      this.failures++;
      if (this.retryTimer === undefined) {
        this.retryTimer = setTimeout(
          () => {
            this.retryTimer = undefined;
            void this.flush();
          },
          r.afterMs ?? backoffMs(this.failures - 1, RETRY_BASE_MS, RETRY_CAP_MS),
        );
      }
      return false;
    }
    this.failures = 0;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (r.kind === 'drop') {
      if (r.status === 401)
        this.warn('401', 'write key rejected (401): check plaza.init({ writeKey })', true);
      else this.warn(String(r.status), `batch refused by the collector (${r.status})`);
    } else if (r.rejected > 0) {
      // Rejected events are kept by the collector as dead letters; sending them again would only repeat that.
      this.warn('rej', `${r.rejected} event(s) rejected by the collector (kept there as dead letters)`);
    }
    this.queue.remove(batch);
    return true;
  }

  private leave(): void {
    if (!this.cfg) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.failures === 0 && navigator.onLine !== false && this.queue.size > 0) {
      this.queue.remove(beaconEvents(this.url, this.cfg.writeKey, this.queue.all()));
    }
    this.queue.persist();
  }

  // Once per kind and page: a misconfigured key must be visible without flooding the console.
  private warn(key: string, message: string, always = false): void {
    if (!(always || this.cfg?.debug) || this.warned[key]) return;
    this.warned[key] = true;
    console.warn(`[plaza] ${message}`);
  }
}
