/** The internal event envelope: native and Segment-shaped events both normalise into this. Times are UTC ISO-8601. */
export interface EventContext {
  /** Already anonymised (or null) before anything is stored. */
  ip: string | null;
  user_agent: string | null;
  referrer: string | null;
  referrer_host: string | null;
  page_url: string | null;
  page_path: string | null;
  page_title: string | null;
  device_type: string | null;
  os: string | null;
  os_version: string | null;
  browser: string | null;
  browser_version: string | null;
  is_bot: boolean;
  locale: string | null;
  timezone: string | null;
  library: { name: string; version: string | null } | null;
  utm: {
    source: string | null;
    medium: string | null;
    campaign: string | null;
    term: string | null;
    content: string | null;
  };
  /** Anything else the sender put in its context (screen, app, network...), kept as received. */
  extra: Record<string, unknown>;
}

export type EventShape = 'native' | 'segment';

export interface PlazaEvent {
  event_id: string;
  project_id: string;
  event_type: string;
  /** Event time after clock-skew correction and clamping. */
  timestamp: string;
  received_at: string;
  sent_at: string | null;
  original_timestamp: string | null;
  anonymous_id: string | null;
  user_id: string | null;
  session_id: string | null;
  seller_id: string | null;
  listing_id: string | null;
  /** Schema version the event was validated against; null for accepted custom (unregistered) types. */
  schema_version: number | null;
  source: { shape: EventShape; key_id: string; segment_type: string | null };
  context: EventContext;
  properties: Record<string, unknown>;
  /** identify/group traits */
  traits: Record<string, unknown> | null;
  /** Things Plaza changed or noticed: timestamp_clamped_future, timestamp_clamped_past, ... */
  flags: string[];
}
