import type { Row } from '../../ports/warehouse.js';
import { isUsableId, type RejectReason } from './rules.js';

/**
 * The identity map of the stream: which user each anonymous id belongs to, per project, with the rules of
 * identity stitching.
 *
 * - An identification is any event carrying a usable anonymous_id and a usable user_id (identify, or any
 *   event of a logged-in visitor), and an alias (`properties.previous_id` → user_id).
 * - Ids in `unusableIds` ("null", "guest", "0", …) never take part.
 * - First identification wins: of all identifications of one anonymous id, the one with the earliest event
 *   time (then the smallest event id) is linked; the others are kept as rejected (`anonymous_id_taken`).
 *   Usually the first processed is also the earliest; when an identification from another partition arrives
 *   later with an earlier time, the link moves to it, so replays and restarts end in the same map whatever
 *   order partitions were read in.
 * - A user id is never merged away: an id seen as the user_id of any event is a user, and a link whose
 *   anonymous side is a user is rejected (`anonymous_id_is_user`), also when the id is recognised as a user
 *   only later.
 *
 * Changes are remembered until `takeRelinked` (anonymous ids whose user changed: their sessions must be
 * attributed again) and `takeRows` (rows to write).
 */
export type IdentityVia = 'identify' | 'alias' | 'event';

export interface IdentityAttempt {
  userId: string;
  status: 'linked' | 'rejected';
  reason: RejectReason | null;
  via: IdentityVia;
  eventId: string;
  identifiedAt: number;
  /** Earliest known activity of the anonymous id; kept on the linked attempt only. */
  firstSeen: number | null;
}

interface AnonEntry {
  project: string;
  anon: string;
  attempts: Map<string, IdentityAttempt>;
  linked: IdentityAttempt | null;
}

export interface IdentityInput {
  project_id: string;
  event_id: string;
  event_type: string;
  anonymous_id: string | null;
  user_id: string | null;
  properties?: Record<string, unknown> | null;
}

export type IdentityStats = {
  linked: number;
  conflicts: number;
  relinked: number;
  revoked: number;
  unusableIds: number;
};

const key = (project: string, id: string): string => `${project}\u0000${id}`;

const earlier = (
  a: { identifiedAt: number; eventId: string },
  b: { identifiedAt: number; eventId: string },
) => a.identifiedAt < b.identifiedAt || (a.identifiedAt === b.identifiedAt && a.eventId < b.eventId);

export class IdentityMap {
  private readonly anons = new Map<string, AnonEntry>();
  private readonly users = new Set<string>();
  private readonly dirty = new Set<AnonEntry>();
  private readonly relinked = new Set<AnonEntry>();
  private newUsers: Row[] = [];
  readonly stats: IdentityStats = { linked: 0, conflicts: 0, relinked: 0, revoked: 0, unusableIds: 0 };

  /** Restores the map from the warehouse rows of `identities` and `identity_users`. */
  load(identityRows: Row[], userRows: Row[]): void {
    for (const r of userRows) this.users.add(key(String(r.project_id), String(r.user_id)));
    for (const r of identityRows) {
      const entry = this.entry(String(r.project_id), String(r.anonymous_id));
      const attempt: IdentityAttempt = {
        userId: String(r.user_id),
        status: r.status === 'linked' ? 'linked' : 'rejected',
        reason: (r.reason as RejectReason | null) ?? null,
        via: r.via as IdentityVia,
        eventId: String(r.event_id),
        identifiedAt: toMs(r.identified_at) ?? 0,
        firstSeen: toMs(r.first_seen),
      };
      entry.attempts.set(attempt.userId, attempt);
      if (attempt.status === 'linked') entry.linked = attempt;
    }
  }

  get size(): number {
    return this.anons.size;
  }

  /** The user an anonymous id is linked to, or null. */
  userOf(project: string, anon: string): string | null {
    return this.anons.get(key(project, anon))?.linked?.userId ?? null;
  }

  isUser(project: string, id: string): boolean {
    return this.users.has(key(project, id));
  }

  /** Applies one event, at event time `t` (ms). */
  observe(e: IdentityInput, t: number): void {
    const user = e.user_id;
    if (user !== null && user !== undefined) {
      if (isUsableId(user)) this.markUser(e.project_id, user);
      else this.stats.unusableIds++;
    }
    if (e.event_type === 'alias') {
      const previous = e.properties?.previous_id;
      if (typeof previous === 'string') this.identify(e, previous, 'alias', t);
    }
    if (e.anonymous_id !== null && e.anonymous_id !== undefined) {
      this.identify(
        e,
        e.anonymous_id,
        e.event_type === 'identify' ? 'identify' : e.event_type === 'alias' ? 'alias' : 'event',
        t,
      );
    }
  }

  /**
   * Records activity of an anonymous id at `t` (a session start): the linked attempt's first_seen is the
   * earliest activity known.
   */
  noteActivity(project: string, anon: string, t: number): void {
    const entry = this.anons.get(key(project, anon));
    const linked = entry?.linked;
    if (!entry || !linked) return;
    if (linked.firstSeen === null || t < linked.firstSeen) {
      linked.firstSeen = t;
      this.dirty.add(entry);
    }
  }

  /**
   * Anonymous ids whose linked user changed since the last call (linked, moved or revoked): their sessions
   * must be attributed again. Call before `takeRows`, since re-attributing notes activity.
   */
  takeRelinked(): { project: string; anon: string }[] {
    const relinked = [...this.relinked].map((e) => ({ project: e.project, anon: e.anon }));
    this.relinked.clear();
    return relinked;
  }

  /** Rows of `identities` and `identity_users` changed since the last call. */
  takeRows(): { identityRows: Row[]; userRows: Row[] } {
    const identityRows: Row[] = [];
    for (const entry of this.dirty) {
      for (const a of entry.attempts.values()) identityRows.push(attemptRow(entry, a));
    }
    const userRows = this.newUsers;
    this.dirty.clear();
    this.newUsers = [];
    return { identityRows, userRows };
  }

  private identify(e: IdentityInput, anon: string, via: IdentityVia, t: number): void {
    const user = e.user_id;
    if (user === null || user === undefined || anon === user) return;
    if (!isUsableId(anon) || !isUsableId(user)) {
      this.stats.unusableIds++;
      return;
    }
    const entry = this.entry(e.project_id, anon);
    const existing = entry.attempts.get(user);
    if (existing) {
      if (!earlier({ identifiedAt: t, eventId: e.event_id }, existing)) return;
      existing.identifiedAt = t;
      existing.eventId = e.event_id;
      existing.via = via;
      // first_seen = min(identification, activity) whatever the order they were read in.
      if (existing === entry.linked && (existing.firstSeen === null || t < existing.firstSeen))
        existing.firstSeen = t;
      this.dirty.add(entry);
      this.decide(entry);
    } else {
      const attempt: IdentityAttempt = {
        userId: user,
        status: 'rejected',
        reason: null,
        via,
        eventId: e.event_id,
        identifiedAt: t,
        firstSeen: null,
      };
      entry.attempts.set(user, attempt);
      this.dirty.add(entry);
      this.decide(entry);
      if (attempt.status === 'rejected') this.stats.conflicts++;
    }
  }

  private markUser(project: string, user: string): void {
    const k = key(project, user);
    if (this.users.has(k)) return;
    this.users.add(k);
    this.newUsers.push({ project_id: project, user_id: user });
    // An id used so far as an anonymous id turns out to be a user: its links are revoked.
    const entry = this.anons.get(k);
    if (entry) {
      if (entry.linked) this.stats.revoked++;
      this.decide(entry);
      this.dirty.add(entry);
    }
  }

  /** Sets every attempt's status from the rules. */
  private decide(entry: AnonEntry): void {
    const before = entry.linked;
    let winner: IdentityAttempt | null = null;
    const anonIsUser = this.users.has(key(entry.project, entry.anon));
    if (!anonIsUser) for (const a of entry.attempts.values()) if (!winner || earlier(a, winner)) winner = a;
    for (const a of entry.attempts.values()) {
      if (a === winner) {
        a.status = 'linked';
        a.reason = null;
      } else {
        a.status = 'rejected';
        a.reason = anonIsUser ? 'anonymous_id_is_user' : 'anonymous_id_taken';
        a.firstSeen = null;
      }
    }
    entry.linked = winner;
    if (winner !== before) {
      this.relinked.add(entry);
      if (winner) {
        winner.firstSeen = winner.identifiedAt;
        if (before) this.stats.relinked++;
        else this.stats.linked++;
      }
    }
  }

  private entry(project: string, anon: string): AnonEntry {
    const k = key(project, anon);
    let entry = this.anons.get(k);
    if (!entry) {
      entry = { project, anon, attempts: new Map(), linked: null };
      this.anons.set(k, entry);
    }
    return entry;
  }
}

function attemptRow(entry: AnonEntry, a: IdentityAttempt): Row {
  return {
    project_id: entry.project,
    anonymous_id: entry.anon,
    user_id: a.userId,
    status: a.status,
    reason: a.reason,
    via: a.via,
    event_id: a.eventId,
    first_seen: a.status === 'linked' && a.firstSeen !== null ? a.firstSeen : null,
    identified_at: a.identifiedAt,
  };
}

function toMs(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  return Date.parse(String(v));
}
