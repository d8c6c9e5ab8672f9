/** Shared types of the collection path (HTTP routes → normalise → validate → enrich → dedup → append). */

export type IpMode = 'truncate' | 'drop' | 'keep';
export type UnknownEventPolicy = 'accept' | 'reject';

/** Per-project collection settings (stored in the state store, editable through the admin API). */
export interface ProjectSettings {
  /** truncate: zero the last octet (IPv4) / last 80 bits (IPv6); drop: store null; keep: as received. */
  ipMode: IpMode;
  unknownEventPolicy: UnknownEventPolicy;
  /** Events stamped further in the future than this (after skew correction) are clamped to received_at. */
  maxFutureMs: number;
  /** Events older than this are clamped to received_at − maxPastMs. */
  maxPastMs: number;
  /** IANA time zone of the marketplace (sessions, daily partitions). */
  timeZone: string;
}

export const defaultProjectSettings: ProjectSettings = {
  ipMode: 'truncate',
  unknownEventPolicy: 'accept',
  maxFutureMs: 60 * 60 * 1000,
  maxPastMs: 30 * 24 * 60 * 60 * 1000,
  timeZone: 'America/Santo_Domingo',
};

/** What the HTTP layer knows about one request, handed to every step. */
export interface IngestContext {
  projectId: string;
  keyId: string;
  receivedAt: Date;
  /** Client address as seen by the server (after trusted proxies); used when the event has no context.ip. */
  requestIp: string | null;
  requestUserAgent: string | null;
  /** Batch-level sentAt (Segment) when the item has none. */
  sentAt: string | null;
  settings: ProjectSettings;
}

/** Segment HTTP API call types. */
export type SegmentType = 'track' | 'identify' | 'page' | 'screen' | 'group' | 'alias';
