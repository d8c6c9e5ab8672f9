import type { Role } from './users.js';

/** How a request proved who it is (`Authorization: Bearer …`). */
export type PrincipalKind = 'admin-token' | 'user' | 'service-key';

/**
 * Who is calling, as the request-authentication hook (src/http/access-control.ts) established it. Handlers
 * read it with `principalOf(request)` and must go through `scopeSeller` / `scopeProject` (src/http/access.ts)
 * before reading per-seller or per-project data.
 */
export interface Principal {
  kind: PrincipalKind;
  /** The admin token is always `admin`; service keys are `analyst` or `seller`. */
  role: Role;
  /** Set for, and only for, role `seller`: the only seller whose data this principal may see. */
  sellerId?: string;
  /** Set when the user or key is limited to one project (marketplace). */
  projectId?: string;
  /** kind `user`: the user's id (`usr_…`). */
  userId?: string;
  /** kind `user`: the sign-in session (`ses_…`) the access token belongs to. */
  sessionId?: string;
  /** kind `service-key`: the key's id (`sk_…`). */
  keyId?: string;
  /** kind `user`: for the audit log and `GET /v1/auth/me`. */
  email?: string;
}

/** A stable id for logs, the audit log and rate limits: `usr_…`, `sk_…` or `admin-token`. */
export function principalId(p: Principal): string {
  return p.userId ?? p.keyId ?? 'admin-token';
}
