import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditLog } from '../accounts/audit.js';
import { type Principal, principalId } from '../accounts/principal.js';
import { PlazaError } from '../core/errors.js';
import { type AccessPolicy, access, isAdminOnly, type Locator, scopeProject, scopeSeller } from './access.js';
import { type PolicySource, resolvePolicy } from './access-rules.js';
import type { RateLimiter } from './rate-limit.js';

export interface AccessControlDeps {
  /** Bearer credential → principal; null when it is not one; throws 401 for a bad or revoked access token. */
  authenticate(bearer: string): Promise<Principal | null>;
  /** Requests per minute per user and per service key (the admin token is not limited). */
  rateLimiter: RateLimiter;
  audit: AuditLog;
}

/** One row of the route table: what `GET /docs` lists, with the policy each route is served under. */
export interface RouteAccess {
  method: string;
  url: string;
  /** Undefined: a /v1/ route that declares nothing (served to admins only). */
  policy: AccessPolicy | undefined;
  source: PolicySource;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with its access policy, for tests and reviews. */
    routeAccess: readonly RouteAccess[];
  }
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
const secretField = /pass|secret|token|hash/i;
const maxAuditedBody = 4000;

/** A request body as the audit log keeps it: secrets replaced, and only the field names when it is large. */
function auditedBody(body: unknown): unknown {
  if (body === undefined || body === null) return undefined;
  const json = JSON.stringify(body, (k, v) => (k && secretField.test(k) ? '[redacted]' : v));
  if (json.length <= maxAuditedBody) return JSON.parse(json);
  return typeof body === 'object' && !Array.isArray(body)
    ? { truncated: true, fields: Object.keys(body as object) }
    : { truncated: true };
}

/**
 * The single request-authentication hook and what hangs off it. Must be registered right after the HTTP
 * server is created: the onRoute hook has to see every route, and onRequest hooks added here run before any
 * route module's own hooks.
 *
 * - onRoute: resolves each route's policy (access-rules.ts) into its config, refuses to start on a policy that
 *   admits sellers without saying where their seller id is, and records the route table.
 * - onRequest: public and write-key routes pass untouched (collection authenticates its own keys). Others
 *   resolve `Authorization: Bearer …` to a principal (401 without one), count it against the per-principal
 *   rate limit (429 with Retry-After), and check its role (403).
 * - preHandler (after validation, so ids are parsed): forces the seller and project a policy locates to the
 *   principal's own (403 for another; filled in when omitted from the query or body).
 * - onSend: every state-changing request to an admin-only route is written to the audit log before its
 *   answer leaves, whatever the outcome (a denied attempt is as interesting as a granted one).
 */
export function registerAccessControl(app: FastifyInstance, deps: AccessControlDeps): void {
  const table: RouteAccess[] = [];
  app.decorate('routeAccess', table);
  app.decorateRequest('principal', null);

  app.addHook('onRoute', (route) => {
    const { policy, source } = resolvePolicy(route.url, route.config?.access);
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (policy?.kind === 'roles' && policy.roles.includes('seller') && !policy.seller) {
      throw new Error(
        `route ${methods.join(',')} ${route.url} admits sellers but its access policy does not say where the ` +
          'seller id is (seller: { in, name }); without it a seller could read every seller',
      );
    }
    // Fail closed: an undeclared /v1/ route is served to admins only.
    route.config = { ...route.config, access: policy ?? access.admin };
    for (const method of methods) table.push({ method, url: route.url, policy, source });
  });

  app.addHook('onRequest', async (request) => {
    const policy = request.routeOptions.config?.access;
    if (!policy || policy.kind === 'public' || policy.kind === 'write-key') return;
    const principal = await principalFrom(request, policy, deps);
    // Set before the checks below, so that the audit log names who was refused.
    request.principal = principal;
    if (principal.kind !== 'admin-token')
      await deps.rateLimiter.hit(`${principal.kind}:${principalId(principal)}`);
    if (policy.kind === 'roles' && !policy.roles.includes(principal.role)) {
      throw new PlazaError(
        'forbidden',
        `${request.method} ${request.routeOptions.url} needs role ${policy.roles.join(' or ')}; this ${principal.kind} has role ${principal.role}`,
        403,
      );
    }
  });

  app.addHook('preHandler', async (request) => {
    const policy = request.routeOptions.config?.access;
    const principal = request.principal;
    if (!principal || policy?.kind !== 'roles') return;
    if (policy.project) force(request, policy.project, (asked) => scopeProject(principal, asked));
    if (policy.seller) force(request, policy.seller, (asked) => scopeSeller(principal, asked));
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const route = request.routeOptions.url;
    const policy = request.routeOptions.config?.access;
    if (!route || safeMethods.has(request.method)) return payload;
    if (!route.startsWith('/v1/admin/') && !(policy && isAdminOnly(policy))) return payload;
    try {
      await deps.audit.record({
        action: 'admin_request',
        outcome: reply.statusCode < 400 ? 'success' : 'failure',
        principal: request.principal,
        method: request.method,
        route,
        params: request.params,
        status: reply.statusCode,
        ip: request.ip ?? null,
        userAgent: request.headers['user-agent'] ?? null,
        requestId: request.id,
        details: { query: request.query, body: auditedBody(request.body) },
      });
    } catch (e) {
      // The action has happened; failing its answer now would only make the client retry it.
      request.log.error({ err: e }, 'could not write the audit log entry of an admin request');
    }
    return payload;
  });
}

async function principalFrom(
  request: FastifyRequest,
  policy: AccessPolicy,
  deps: AccessControlDeps,
): Promise<Principal> {
  const header = request.headers.authorization ?? '';
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  if (scheme === 'basic') {
    throw new PlazaError(
      'write_key_not_allowed',
      'this API needs Authorization: Bearer <access token | service key | admin token>; a write key only sends events',
      403,
    );
  }
  const bearer = scheme === 'bearer' ? header.slice(space + 1).trim() : '';
  const principal = bearer ? await deps.authenticate(bearer) : null;
  if (principal) return principal;
  if (isAdminOnly(policy)) {
    throw new PlazaError(
      'admin_auth_required',
      'admin API: send Authorization: Bearer <admin token> (see the admin-token file in the data directory) ' +
        'or the access token of an admin user',
      401,
    );
  }
  throw new PlazaError(
    'auth_required',
    'send Authorization: Bearer <access token> (POST /v1/auth/login), a service key, or the admin token',
    401,
  );
}

/** Checks, and when omitted fills in, the seller or project id a policy locates in the request. */
function force(
  request: FastifyRequest,
  at: Locator,
  scope: (asked: string | undefined) => string | undefined,
) {
  if (at.in === 'body' && (request.body === undefined || request.body === null)) request.body = {};
  const holder = (at.in === 'params' ? request.params : at.in === 'query' ? request.query : request.body) as
    | Record<string, unknown>
    | undefined;
  if (typeof holder !== 'object' || holder === null) {
    throw new PlazaError('invalid_request', `expected a JSON object carrying "${at.name}"`, 400);
  }
  const value = holder[at.name];
  const asked = value === undefined || value === null ? undefined : String(value);
  const scoped = scope(asked);
  if (scoped !== undefined && scoped !== asked) holder[at.name] = scoped;
}
