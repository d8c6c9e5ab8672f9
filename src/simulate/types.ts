/** Public shapes of the marketplace simulator (see README.md in this folder). */
import type { IdentifyInput, PageInput, TrackInput } from '../../sdk/node/src/types.js';

export type { IdentifyInput, PageInput, TrackInput };

export type Vertical = 'vehicles' | 'stores';

export interface SimulationOptions {
  vertical: Vertical;
  /** Same options => byte-identical event sequence. */
  seed: number;
  /** UTC ms of the first simulated instant (history covers [start, start + days*86400000)). */
  start: number;
  /** Days of history. */
  days: number;
  /** Buyers at the end of history (growth: fewer at the start). */
  users: number;
  /** Dealers + private sellers (vehicles) or stores. */
  sellers: number;
  /** When set, ground truth files are (re)written here. */
  groundTruthDir?: string;
}

/**
 * One call on the Node client. Inputs are the sdk/node types and always carry eventId (a deterministic uuid
 * from the seeded generator) and timestamp (ISO string); buyer events carry sessionId, and their context
 * carries ip, user_agent, page_url, referrer, locale, timezone and utm as the browser tracker would.
 */
export type SimEvent =
  | { call: 'track'; input: TrackInput }
  | { call: 'identify'; input: IdentifyInput }
  | { call: 'page'; input: PageInput };

export interface Simulation {
  /**
   * Infinite, lazily generated, in non-decreasing timestamp order; memory bounded. History is the part with
   * timestamp < start + days*86400000; after that the world keeps going (live mode).
   */
  events(): Iterator<SimEvent>;
  /** Flushes and closes ground-truth files (call once the caller stops consuming). */
  close(): Promise<void>;
}
