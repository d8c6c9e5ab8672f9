import { randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { PlazaError } from '../core/errors.js';
import type { User } from './users.js';

/** What an access token says about its holder; checked against the session on every request. */
export interface AccessClaims {
  userId: string;
  sessionId: string;
  role: User['role'];
  sellerId: string | null;
  projectId: string | null;
  expiresAt: Date;
}

const issuer = 'plaza';
const audience = 'plaza-api';
// One algorithm, pinned on both sides: a token cannot pick a weaker one ("alg": "none" or a key confusion).
const alg = 'HS256';

/** Whether a Bearer credential is shaped like a JWT (three base64url parts, a JSON header). */
export const looksLikeJwt = (token: string): boolean =>
  token.startsWith('eyJ') && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);

/**
 * Short-lived JWT access tokens (HS256, `jose`). The key is the configured `auth.jwtSecret` or the one
 * generated into the data directory; every process of a deployment must share it. Lifetimes are whole
 * seconds (at least one), because that is the precision of `exp`.
 */
export class AccessTokens {
  private readonly key: Uint8Array;
  readonly lifetimeSeconds: number;

  constructor(secret: string, lifetimeMinutes: number) {
    this.key = new TextEncoder().encode(secret);
    this.lifetimeSeconds = Math.max(1, Math.round(lifetimeMinutes * 60));
  }

  async sign(user: Pick<User, 'id' | 'role' | 'seller_id' | 'project_id'>, sessionId: string) {
    const nowMs = Date.now();
    const now = Math.floor(nowMs / 1000);
    const token = await new SignJWT({
      sid: sessionId,
      role: user.role,
      ...(user.seller_id === null ? {} : { seller_id: user.seller_id }),
      ...(user.project_id === null ? {} : { project_id: user.project_id }),
    })
      .setProtectedHeader({ alg, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(user.id)
      .setJti(randomBytes(12).toString('base64url'))
      .setIssuedAt(now)
      // Rounded up: `exp` is whole seconds, and a token must live its whole lifetime, not end with the second.
      .setExpirationTime(Math.ceil(nowMs / 1000) + this.lifetimeSeconds)
      .sign(this.key);
    return { token, expiresIn: this.lifetimeSeconds };
  }

  /** The claims of a valid token; 401 `token_expired` or `invalid_token` otherwise. */
  async verify(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer, audience, algorithms: [alg] });
      const { sub, sid, role, seller_id, project_id, exp } = payload;
      if (typeof sub !== 'string' || typeof sid !== 'string' || typeof role !== 'string' || !exp) {
        throw new PlazaError('invalid_token', 'the access token lacks required claims; sign in again', 401);
      }
      return {
        userId: sub,
        sessionId: sid,
        role: role as User['role'],
        sellerId: typeof seller_id === 'string' ? seller_id : null,
        projectId: typeof project_id === 'string' ? project_id : null,
        expiresAt: new Date(exp * 1000),
      };
    } catch (e) {
      if (e instanceof PlazaError) throw e;
      if (e instanceof errors.JWTExpired) {
        throw new PlazaError(
          'token_expired',
          'the access token has expired; get a new one from POST /v1/auth/refresh with your refresh token',
          401,
        );
      }
      throw new PlazaError(
        'invalid_token',
        'the access token is not valid (bad signature, issuer or format); sign in again',
        401,
      );
    }
  }
}
