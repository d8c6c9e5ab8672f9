import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PlazaError } from '../core/errors.js';
import { access, principalOf } from '../http/access.js';
import type { Authentication, ClientInfo } from './authentication.js';
import { userSchema } from './routes.js';
import type { Users } from './users.js';

export interface AuthRouteDeps {
  authentication: Authentication;
  users: Users;
}

const tokenSchema = {
  type: 'object',
  properties: {
    token_type: { type: 'string', enum: ['Bearer'] },
    access_token: { type: 'string', description: 'JWT; send as Authorization: Bearer <access_token>' },
    expires_in: { type: 'integer', description: 'seconds' },
    refresh_token: { type: 'string', description: 'opaque; spend it once at POST /v1/auth/refresh' },
    refresh_expires_in: { type: 'integer', description: 'seconds' },
    user: userSchema,
  },
} as const;

const refreshBody = {
  type: 'object',
  required: ['refresh_token'],
  additionalProperties: false,
  properties: { refresh_token: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

const clientOf = (request: FastifyRequest): ClientInfo => {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua : null, requestId: request.id };
};

// Token answers must not be kept by any cache between the server and the client (RFC 6749 §5.1).
const noStore = (reply: FastifyReply) =>
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');

/**
 * Sign-in for people: password login → a short-lived access token (JWT) and a rotating refresh token;
 * refresh, logout, and who am I. Login and refresh are public (that is how one gets a token); logout accepts
 * a refresh token so that a client whose access token has expired can still end its session.
 */
export function registerAuthRoutes(app: FastifyInstance, deps: AuthRouteDeps): void {
  app.register(async (scope) => {
    scope.post<{ Body: { email: string; password: string } }>(
      '/v1/auth/login',
      {
        config: { access: access.public('signing in is how a principal is made') },
        schema: {
          tags: ['auth'],
          summary: 'Sign in with email and password: an access token (JWT) and a refresh token',
          description:
            'Wrong email or password: 401 invalid_credentials (the same answer whatever was wrong). After 5 failures ' +
            'for one email, or 50 from one address, within 15 minutes: 429 too_many_sign_in_attempts with Retry-After.',
          body: {
            type: 'object',
            required: ['email', 'password'],
            additionalProperties: false,
            properties: {
              email: { type: 'string', minLength: 1, maxLength: 1000 },
              password: { type: 'string', minLength: 1, maxLength: 10_000 },
            },
          },
          response: { 200: tokenSchema },
        },
      },
      async (request, reply) => {
        const answer = await deps.authentication.login(
          request.body.email,
          request.body.password,
          clientOf(request),
        );
        return noStore(reply).send(answer);
      },
    );

    scope.post<{ Body: { refresh_token: string } }>(
      '/v1/auth/refresh',
      {
        config: { access: access.public('the refresh token is the credential') },
        schema: {
          tags: ['auth'],
          summary: 'Spend a refresh token for a new access token and a new refresh token',
          description:
            'Each refresh token works once. Presenting one that was already spent revokes its whole session (401 ' +
            'refresh_token_reused): it means the token was copied. Clients must therefore refresh one request at a time.',
          body: refreshBody,
          response: { 200: tokenSchema },
        },
      },
      async (request, reply) => {
        const answer = await deps.authentication.refresh(request.body.refresh_token, clientOf(request));
        return noStore(reply).send(answer);
      },
    );

    scope.post<{ Body: { refresh_token?: string } | undefined }>(
      '/v1/auth/logout',
      {
        config: {
          access: access.public('ends the session of the refresh token it is given, or of its access token'),
        },
        schema: {
          tags: ['auth'],
          summary: 'End a session: its refresh token and its access tokens stop working at once',
          description:
            'Body {"refresh_token": …} (optional): ends that token\'s session. Without a body, the session of the ' +
            'access token in Authorization: Bearer ends.',
          response: { 204: { type: 'null' } },
        },
      },
      async (request, reply) => {
        // The body is optional, which a body schema cannot say (Fastify validates a missing body as undefined).
        const body: unknown = request.body;
        const given =
          body && typeof body === 'object' ? (body as { refresh_token?: unknown }).refresh_token : undefined;
        if (given !== undefined && (typeof given !== 'string' || given === '' || given.length > 200)) {
          throw new PlazaError('invalid_request', 'refresh_token must be a non-empty string', 400);
        }
        const refreshToken = given;
        const auth = request.headers.authorization ?? '';
        const bearer = /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : '';
        const principal =
          refreshToken === undefined && bearer ? await deps.authentication.authenticate(bearer) : null;
        await deps.authentication.logout({ refreshToken, principal }, clientOf(request));
        return reply.status(204).send();
      },
    );

    scope.get(
      '/v1/auth/me',
      {
        config: { access: access.signedIn },
        schema: {
          tags: ['auth'],
          summary: 'Who the credential belongs to: kind, role, seller and project it is bound to',
          security: [{ bearer: [] }],
          response: {
            200: {
              type: 'object',
              properties: {
                kind: { type: 'string', enum: ['admin-token', 'user', 'service-key'] },
                role: { type: 'string' },
                seller_id: { type: ['string', 'null'] },
                project_id: { type: ['string', 'null'] },
                key_id: { type: ['string', 'null'] },
                session_id: { type: ['string', 'null'] },
                user: { anyOf: [userSchema, { type: 'null' }] },
              },
            },
          },
        },
      },
      async (request) => {
        const p = principalOf(request);
        return {
          kind: p.kind,
          role: p.role,
          seller_id: p.sellerId ?? null,
          project_id: p.projectId ?? null,
          key_id: p.keyId ?? null,
          session_id: p.sessionId ?? null,
          user: p.userId ? await deps.users.get(p.userId) : null,
        };
      },
    );
  });
}
