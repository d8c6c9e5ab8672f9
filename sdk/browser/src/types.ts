/** Shapes of the browser tracker: its options and the native events it sends to `POST /v1/events`. */

export interface PlazaOptions {
  /** Project write key (public by design: it only allows sending events). */
  writeKey: string;
  /** Collector base URL, e.g. `https://collect.example.com`. */
  host: string;
  /** Send as soon as this many events are queued. */
  flushAt?: number;
  /** Send queued events at least this often. */
  flushIntervalMs?: number;
  /** Send a page_view on load and on every SPA navigation (pushState, popstate). */
  autoPageViews?: boolean;
  /** A visitor inactive for this long starts a new session. */
  sessionTimeoutMin?: number;
  /** Most events kept waiting for delivery (memory and localStorage); the oldest are dropped beyond it. */
  maxQueue?: number;
  /** Log delivery problems to the console. */
  debug?: boolean;
}

export interface EventContext {
  user_agent?: string;
  page_url: string;
  referrer: string;
  page_title: string;
  locale: string;
  timezone: string;
  library: { name: 'plaza-browser'; version: string };
  screen: { width: number; height: number };
}

export interface NativeEvent {
  event_id: string;
  event_type: string;
  timestamp: string;
  /** Set on every send attempt so the collector can correct the client's clock skew. */
  sent_at?: string;
  anonymous_id: string;
  user_id?: string;
  session_id: string;
  context: EventContext;
  properties: Record<string, unknown>;
  /** identify only: the user's attributes (email, plan...). */
  traits?: Record<string, unknown>;
}

export type Properties = Record<string, unknown>;
