import { timingSafeEqual } from 'node:crypto';
import { PlazaError } from '../core/errors.js';
import { type AccessTokens, looksLikeJwt } from './access-tokens.js';
import type { AuditLog } from './audit.js';
import type { LoginGuard } from './login-guard.js';
import type { Principal } from './principal.js';
import { type ServiceKeys, serviceKeyPrefix } from './service-keys.js';
import type { Sessions } from './sessions.js';
import type { User, Users } from './users.js';

/** Where a request came from, for sessions, brute-force counts and the audit log. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
  requestId?: string | undefined;
}

/** The answer of login and refresh (OAuth 2 token response field names, which clients already know). */
export interface TokenAnswer {
  token_type: 'Bearer';
  access_token: string;
  /** Seconds. */
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
  user: User;
}

export interface AuthenticationDeps {
  users: Users;
  sessions: Sessions;
  tokens: AccessTokens;
  serviceKeys: ServiceKeys;
  guard: LoginGuard;
  audit: AuditLog;
  adminToken: string;
}

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const userPrincipal = (u: Pick<User, 'id' | 'email' | 'role' | 'seller_id' | 'project_id'>, sid: string) =>
  ({
    kind: 'user',
    role: u.role,
    userId: u.id,
    sessionId: sid,
    email: u.email,
    ...(u.seller_id === null ? {} : { sellerId: u.seller_id }),
    ...(u.project_id === null ? {} : { projectId: u.project_id }),
  }) satisfies Principal;

const refusal: Record<'unknown' | 'expired' | 'reused' | 'revoked', [string, string]> = {
  unknown: ['invalid_refresh_token', 'the refresh token is not valid; sign in again'],
  expired: ['refresh_token_expired', 'the refresh token has expired; sign in again'],
  reused: [
    'refresh_token_reused',
    'this refresh token was already used once; its session has been revoked in case it was stolen: sign in again',
  ],
  revoked: ['session_revoked', 'the session has ended (signed out, or revoked); sign in again'],
};

/** Password sign-in, token refresh and sign-out, and the resolution of a Bearer credential to a Principal. */
export class Authentication {
  constructor(private readonly d: AuthenticationDeps) {}

  async login(email: string, password: string, client: ClientInfo): Promise<TokenAnswer> {
    const audit = {
      action: 'sign_in',
      ip: client.ip,
      userAgent: client.userAgent,
      requestId: client.requestId,
    } as const;
    try {
      await this.d.guard.check(email, client.ip);
    } catch (e) {
      await this.d.audit.record({ ...audit, outcome: 'failure', email, details: { reason: 'locked' } });
      throw e;
    }
    const check = await this.d.users.verifyPassword(email, password);
    if (!check.ok) {
      await this.d.guard.failed(email, client.ip);
      await this.d.audit.record({ ...audit, outcome: 'failure', email, details: { reason: check.reason } });
      // One answer for every reason: telling "disabled" or "unknown email" apart would reveal accounts.
      throw new PlazaError('invalid_credentials', 'wrong email or password', 401);
    }
    await this.d.guard.succeeded(email);
    const user = await this.d.users.recordLogin(check.user.id);
    const session = await this.d.sessions.start(user.id, client);
    const answer = await this.answer(user, session);
    await this.d.audit.record({
      ...audit,
      outcome: 'success',
      principal: userPrincipal(user, session.sessionId),
      details: { session_id: session.sessionId },
    });
    return answer;
  }

  async refresh(refreshToken: string, client: ClientInfo): Promise<TokenAnswer> {
    const r = await this.d.sessions.rotate(refreshToken);
    if (!r.ok) {
      if (r.reason === 'reused') {
        const user = r.userId ? await this.d.users.find(r.userId) : null;
        await this.d.audit.record({
          action: 'refresh_reuse',
          outcome: 'failure',
          userId: r.userId,
          email: user?.email,
          ip: client.ip,
          userAgent: client.userAgent,
          requestId: client.requestId,
          details: { session_id: r.sessionId, session_revoked: true },
        });
      }
      const [code, message] = refusal[r.reason];
      throw new PlazaError(code, message, 401);
    }
    const user = await this.d.users.find(r.userId);
    if (!user || user.disabled_at) {
      // Disabling revokes sessions already; this covers a disable that raced with the refresh.
      await this.d.sessions.revoke(r.sessionId, 'user_disabled');
      throw new PlazaError(...refusal.revoked, 401);
    }
    return this.answer(user, r);
  }

  /**
   * Ends the session of a refresh token, or else of the access token's principal. An unknown refresh token is
   * not an error: the caller wanted it dead, and it is.
   */
  async logout(o: { refreshToken?: string | undefined; principal?: Principal | null }, client: ClientInfo) {
    const s = o.refreshToken
      ? await this.d.sessions.sessionOf(o.refreshToken)
      : o.principal?.sessionId && o.principal.userId
        ? { sessionId: o.principal.sessionId, userId: o.principal.userId }
        : null;
    if (!o.refreshToken && !s) {
      throw new PlazaError(
        'nothing_to_revoke',
        'send {"refresh_token": …}, or an access token (Authorization: Bearer) of a signed-in user',
        400,
      );
    }
    if (s && (await this.d.sessions.revoke(s.sessionId, 'logout'))) {
      const user = await this.d.users.find(s.userId);
      await this.d.audit.record({
        action: 'sign_out',
        outcome: 'success',
        userId: s.userId,
        email: user?.email,
        ip: client.ip,
        userAgent: client.userAgent,
        requestId: client.requestId,
        details: { session_id: s.sessionId },
      });
    }
  }

  /**
   * The principal of a Bearer credential: the admin token, a service key (`psk_…`) or an access token (JWT).
   * Null when it is none of them (the caller answers 401). An access token that is expired, forged, or whose
   * session was revoked or user disabled throws 401 at once, so a revoked session ends immediately rather
   * than when its access token expires.
   */
  async authenticate(bearer: string): Promise<Principal | null> {
    if (sameSecret(bearer, this.d.adminToken)) return { kind: 'admin-token', role: 'admin' };
    if (bearer.startsWith(serviceKeyPrefix)) return this.d.serviceKeys.authenticate(bearer);
    if (!looksLikeJwt(bearer)) return null;
    const claims = await this.d.tokens.verify(bearer);
    const user = await this.d.sessions.active(claims.sessionId);
    if (!user || user.id !== claims.userId) {
      throw new PlazaError(
        'session_revoked',
        'the session of this access token has ended (signed out, revoked, or the user was disabled); sign in again',
        401,
      );
    }
    // Role and seller come from the store, not the token: they are current even within a token's lifetime.
    return userPrincipal(user, claims.sessionId);
  }

  private async answer(
    user: User,
    session: { sessionId: string; refreshToken: string; expiresIn: number },
  ): Promise<TokenAnswer> {
    const access = await this.d.tokens.sign(user, session.sessionId);
    return {
      token_type: 'Bearer',
      access_token: access.token,
      expires_in: access.expiresIn,
      refresh_token: session.refreshToken,
      refresh_expires_in: session.expiresIn,
      user,
    };
  }
}
