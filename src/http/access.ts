/**
 * Access control for the HTTP API: who may call a route, and whose data they may read through it.
 *
 * Every route declares an access policy, in its options (`config: { access: … }`) or, for modules that
 * predate this file, in the rule table of access-rules.ts. The request-authentication hook
 * (access-control.ts) resolves `Authorization: Bearer <access token | service key | admin token>` to a
 * `Principal` before any route hook runs, refuses principals whose role the policy does not admit, and, where
 * the policy names the request's seller or project, refuses another seller's or project's id and fills in the
 * principal's own when it is left out. Handlers then read `principalOf(request)` and call `scopeSeller` /
 * `scopeProject` for ids they take from anywhere else.
 *
 * For a new endpoint that serves per-seller data (the analytics API of issue 6, say):
 *
 * ```ts
 * scope.post('/v1/query', {
 *   config: { access: access.roles(['admin', 'analyst', 'seller'], {
 *     seller: { in: 'body', name: 'seller_id' },   // where the request names a seller
 *     project: { in: 'body', name: 'project' },
 *   }) },
 * }, async (request) => {
 *   const principal = principalOf(request);
 *   // A seller: always their own id (403 for another one). Admin, analyst: what was asked, or undefined = all.
 *   const sellerId = scopeSeller(principal, request.body.seller_id);
 *   …every query below filters on sellerId when it is defined…
 * });
 * ```
 *
 * A policy that admits sellers must say where the seller id is; otherwise the app refuses to start. A route
 * under /v1/ with no policy at all is served to admins only, and test/auth-routes.test.ts fails on it.
 */
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../accounts/principal.js';
import type { Role } from '../accounts/users.js';
import { PlazaError } from '../core/errors.js';

export type { Principal, PrincipalKind } from '../accounts/principal.js';
export type { Role } from '../accounts/users.js';

/** Where a request names a seller or a project: a path parameter, a query parameter, or a body field. */
export interface Locator {
  in: 'params' | 'query' | 'body';
  name: string;
}

export type AccessPolicy =
  /** No credentials: health probes, documentation, sign-in. `why` is for reviewers. */
  | { kind: 'public'; why: string }
  /** Event collection: the route authenticates the project's write key itself. */
  | { kind: 'write-key' }
  /** Any principal; the handler only ever serves the caller's own data (`/v1/auth/me`). */
  | { kind: 'signed-in' }
  /** Principals with one of these roles. */
  | {
      kind: 'roles';
      roles: readonly Role[];
      /** Required when `roles` includes seller: where the request names the seller whose data it reads. */
      seller?: Locator;
      /** Where the request names a project; a principal limited to one project may name only that one. */
      project?: Locator;
    };

/** Builders for route options: `config: { access: access.admin }`. */
export const access = {
  public: (why: string): AccessPolicy => ({ kind: 'public', why }),
  writeKey: { kind: 'write-key' } as AccessPolicy,
  signedIn: { kind: 'signed-in' } as AccessPolicy,
  admin: { kind: 'roles', roles: ['admin'] } as AccessPolicy,
  roles: (roles: readonly Role[], scope: { seller?: Locator; project?: Locator } = {}): AccessPolicy => ({
    kind: 'roles',
    roles,
    ...scope,
  }),
};

/** Whether only admins may use a route under this policy (its state-changing requests are audited). */
export const isAdminOnly = (p: AccessPolicy): boolean =>
  p.kind === 'roles' && p.roles.length === 1 && p.roles[0] === 'admin';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the request-authentication hook on routes that are neither public nor write-key; else null. */
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    access?: AccessPolicy;
  }
}

/** The request's principal; 401 when there is none (a public route calling it by mistake). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) {
    throw new PlazaError(
      'auth_required',
      'sign in (POST /v1/auth/login) and send Authorization: Bearer <access token>, or use a service key',
      401,
    );
  }
  return request.principal;
}

/**
 * The seller whose data a request may read. For a seller principal it is ALWAYS their own seller id: omitted
 * → theirs, another seller's → 403 `seller_forbidden`. For admins and analysts it is what was asked, and
 * undefined (every seller) when nothing was.
 */
export function scopeSeller(principal: Principal, requested: string | null | undefined): string | undefined {
  const asked = requested ?? undefined;
  if (principal.role !== 'seller') return asked;
  const own = principal.sellerId;
  if (own === undefined) {
    // A seller without a seller id cannot exist (the stores refuse it); fail closed if one ever does.
    throw new PlazaError('seller_forbidden', 'this seller principal is bound to no seller', 403);
  }
  if (asked !== undefined && asked !== own) {
    throw new PlazaError(
      'seller_forbidden',
      `you may only read the data of your own seller ("${own}"), not "${asked}"`,
      403,
    );
  }
  return own;
}

/**
 * The project a request may read: a principal limited to one project gets that one (omitted → it, another →
 * 403 `project_forbidden`); the others get what they asked for.
 */
export function scopeProject(principal: Principal, requested: string | null | undefined): string | undefined {
  const asked = requested ?? undefined;
  const own = principal.projectId;
  if (own === undefined) return asked;
  if (asked !== undefined && asked !== own) {
    throw new PlazaError('project_forbidden', `you may only read project "${own}", not "${asked}"`, 403);
  }
  return own;
}
