import { newId, newSecret, sha256Hex } from '../core/secrets.js';
import type { StateQueries, StateStore } from '../ports/state.js';
import type { User } from './users.js';

/** The user behind a live session, as the per-request check reads it. */
export type SessionUser = Pick<User, 'id' | 'email' | 'role' | 'seller_id' | 'project_id'>;

export interface IssuedRefreshToken {
  sessionId: string;
  refreshToken: string;
  /** Seconds until the refresh token expires. */
  expiresIn: number;
}

export type RotateResult =
  | ({ ok: true; userId: string } & IssuedRefreshToken)
  | {
      ok: false;
      /**
       * `reused`: the token had already been rotated; someone replayed an old token, so the whole session
       * (token family) is revoked, whoever holds its newest token included. `revoked`: the session ended
       * (logout, reuse, disabled user). `unknown` and `expired` say what they say.
       */
      reason: 'unknown' | 'expired' | 'reused' | 'revoked';
      sessionId?: string;
      userId?: string;
    };

// Refresh tokens are 256 random bits: a plain SHA-256 is enough to make a stolen table useless.
const newRefreshToken = () => newSecret('prt_', 32);

/**
 * Sign-in sessions and their rotating refresh tokens (opaque, stored hashed). Each refresh spends the token
 * it is given and issues the next one of the same session (family); presenting a spent token again revokes
 * the session: either the holder or a thief is replaying it, and the server cannot tell which.
 */
export class Sessions {
  constructor(
    private readonly state: StateStore,
    private readonly refreshDays: number,
  ) {}

  private get lifetimeSeconds(): number {
    return Math.max(1, Math.round(this.refreshDays * 86_400));
  }

  async start(userId: string, from: { ip: string | null; userAgent: string | null }) {
    const sessionId = newId('ses_', 10);
    return this.state.transaction(async (tx) => {
      await tx.query('INSERT INTO auth_sessions (id, user_id, ip, user_agent) VALUES ($1, $2, $3, $4)', [
        sessionId,
        userId,
        from.ip,
        from.userAgent?.slice(0, 500) ?? null,
      ]);
      return this.issue(tx, sessionId);
    });
  }

  private async issue(tx: StateQueries, sessionId: string): Promise<IssuedRefreshToken> {
    const refreshToken = newRefreshToken();
    await tx.query(
      `INSERT INTO refresh_tokens (id, session_id, token_hash, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [newId('rt_', 10), sessionId, sha256Hex(refreshToken), this.lifetimeSeconds],
    );
    return { sessionId, refreshToken, expiresIn: this.lifetimeSeconds };
  }

  /** Spends a refresh token and issues the next one of its session; see RotateResult for the refusals. */
  async rotate(refreshToken: string): Promise<RotateResult> {
    const hash = sha256Hex(refreshToken);
    return this.state.transaction(async (tx): Promise<RotateResult> => {
      // The conditional UPDATE is the claim: of two concurrent refreshes with one token, PostgreSQL lets one
      // update the row and the other finds it already rotated, which is then treated as reuse.
      const spent = await tx.query<{ session_id: string; revoked: boolean; user_id: string }>(
        `UPDATE refresh_tokens t SET rotated_at = now()
         FROM auth_sessions s
         WHERE t.token_hash = $1 AND t.rotated_at IS NULL AND t.expires_at > now() AND s.id = t.session_id
         RETURNING t.session_id, s.user_id, s.revoked_at IS NOT NULL AS revoked`,
        [hash],
      );
      const row = spent[0];
      if (row) {
        if (row.revoked)
          return { ok: false, reason: 'revoked', sessionId: row.session_id, userId: row.user_id };
        return { ok: true, userId: row.user_id, ...(await this.issue(tx, row.session_id)) };
      }
      const known = await tx.query<{
        session_id: string;
        user_id: string;
        rotated: boolean;
        revoked: boolean;
      }>(
        `SELECT t.session_id, s.user_id, t.rotated_at IS NOT NULL AS rotated, s.revoked_at IS NOT NULL AS revoked
         FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id WHERE t.token_hash = $1`,
        [hash],
      );
      const k = known[0];
      if (!k) return { ok: false, reason: 'unknown' };
      const ids = { sessionId: k.session_id, userId: k.user_id };
      if (k.rotated) {
        await this.revokeIn(tx, k.session_id, 'refresh_token_reused');
        return { ok: false, reason: 'reused', ...ids };
      }
      return { ok: false, reason: k.revoked ? 'revoked' : 'expired', ...ids };
    });
  }

  /** Ends a session: its refresh tokens stop working, and so do its access tokens (checked per request). */
  async revoke(sessionId: string, reason: string): Promise<boolean> {
    return this.revokeIn(this.state, sessionId, reason);
  }

  private async revokeIn(q: StateQueries, sessionId: string, reason: string): Promise<boolean> {
    const rows = await q.query(
      `UPDATE auth_sessions SET revoked_at = now(), revoke_reason = $2
       WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
      [sessionId, reason],
    );
    return rows.length > 0;
  }

  /** The session a refresh token belongs to (spent or not), for logout with a refresh token. */
  async sessionOf(refreshToken: string): Promise<{ sessionId: string; userId: string } | null> {
    const rows = await this.state.query<{ session_id: string; user_id: string }>(
      `SELECT t.session_id, s.user_id FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id
       WHERE t.token_hash = $1`,
      [sha256Hex(refreshToken)],
    );
    return rows[0] ? { sessionId: rows[0].session_id, userId: rows[0].user_id } : null;
  }

  /**
   * The user of a session that is still live and whose user is enabled, else null. Every request with an
   * access token asks this (one indexed join), which is what makes logout and disabling immediate.
   */
  async active(sessionId: string): Promise<SessionUser | null> {
    const rows = await this.state.query<SessionUser>(
      `SELECT u.id, u.email, u.role, u.seller_id, u.project_id
       FROM auth_sessions s JOIN users u ON u.id = s.user_id
       WHERE s.id = $1 AND s.revoked_at IS NULL AND u.disabled_at IS NULL`,
      [sessionId],
    );
    return rows[0] ?? null;
  }
}
