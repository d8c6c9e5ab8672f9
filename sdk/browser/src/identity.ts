import { uuid } from './ids.js';
import type { KeyValue } from './storage.js';

const AID = 'plaza_aid';
const UID = 'plaza_uid';
const SESSION = 'plaza_session';

interface StoredSession {
  id: string;
  /** Time of the last event, ms since epoch. */
  last: number;
}

/**
 * Who is browsing: a persistent anonymous id, the user id once identified, and a session id that rotates
 * after a period of inactivity. The session lives in storage (not memory) so reloads and other tabs of the
 * same site continue it.
 */
export class Identity {
  anonymousId: string;
  userId: string | null;

  constructor(
    private readonly store: KeyValue,
    private readonly timeoutMs: number,
  ) {
    this.anonymousId = this.read(AID) ?? this.write(AID, uuid());
    this.userId = this.read(UID);
  }

  /** The current session id, extended to `now`; a new one when the previous went idle. */
  touchSession(now: number): string {
    let s: StoredSession | null = null;
    try {
      s = JSON.parse(this.read(SESSION) ?? 'null') as StoredSession | null;
    } catch {
      s = null;
    }
    // A clock that went backwards (last in the future) also starts a new session rather than extend a bogus one.
    if (!s || typeof s.id !== 'string' || now - s.last > this.timeoutMs || now < s.last - 60_000) {
      s = { id: uuid(), last: now };
    } else {
      s.last = now;
    }
    this.write(SESSION, JSON.stringify(s));
    return s.id;
  }

  setUser(userId: string): void {
    this.userId = this.write(UID, userId);
  }

  /** Logout: forget the user, start a new anonymous visitor and a new session. */
  reset(): void {
    this.userId = null;
    this.remove(UID);
    this.remove(SESSION);
    this.anonymousId = this.write(AID, uuid());
  }

  private read(k: string): string | null {
    try {
      return this.store.get(k);
    } catch {
      return null;
    }
  }

  private write(k: string, v: string): string {
    try {
      this.store.set(k, v);
    } catch {
      // storage full or revoked: the value still holds for this page
    }
    return v;
  }

  private remove(k: string): void {
    try {
      this.store.remove(k);
    } catch {
      // ignore
    }
  }
}
