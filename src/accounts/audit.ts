import { PlazaError } from '../core/errors.js';
import type { StateStore } from '../ports/state.js';
import { type Principal, principalId } from './principal.js';

/**
 * What the audit log records. `sign_in` (success or failure, with the reason in details), `sign_out`,
 * `refresh_reuse` (a spent refresh token presented again: its session was revoked) and `admin_request`
 * (every state-changing request to an admin-only route, whatever its outcome).
 */
export const auditActions = ['sign_in', 'sign_out', 'refresh_reuse', 'admin_request'] as const;
export type AuditAction = (typeof auditActions)[number];

export interface AuditEntry {
  action: AuditAction;
  outcome: 'success' | 'failure';
  principal?: Principal | null | undefined;
  /** The account concerned when there is no principal (a failed sign-in names the email it tried). */
  email?: string | null | undefined;
  userId?: string | null | undefined;
  method?: string | undefined;
  route?: string | undefined;
  params?: unknown;
  status?: number | undefined;
  ip?: string | null | undefined;
  userAgent?: string | null | undefined;
  requestId?: string | undefined;
  details?: unknown;
}

export interface AuditRecord {
  id: string;
  at: string;
  action: AuditAction;
  outcome: 'success' | 'failure';
  principal_kind: string | null;
  principal_id: string | null;
  email: string | null;
  role: string | null;
  method: string | null;
  route: string | null;
  params: unknown;
  status: number | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: unknown;
}

export interface AuditFilter {
  /** A user id, service key id, `admin-token`, or an email (any case). */
  user?: string | undefined;
  action?: string | undefined;
  outcome?: string | undefined;
  /** ISO-8601 time, or a duration back from now: 30m, 24h, 7d. */
  since?: string | undefined;
  until?: string | undefined;
  /** Cursor: entries older than this id (next_cursor of the previous page). */
  before?: string | undefined;
  limit?: number | undefined;
}

/** ISO-8601 time, or a duration back from `now` (`90s`, `30m`, `24h`, `7d`). */
function parseSince(value: string, now = Date.now()): Date {
  const d = /^(\d+)\s*([smhd])$/.exec(value.trim());
  if (d) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[d[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now - Number(d[1]) * unit);
  }
  const t = Date.parse(value);
  if (!Number.isNaN(t) && /\d{4}-\d{2}-\d{2}/.test(value)) return new Date(t);
  throw new PlazaError(
    'invalid_time',
    `"${value}" is neither an ISO-8601 time (2026-11-23T10:00:00Z) nor a duration back from now (30m, 24h, 7d)`,
    400,
  );
}

const columns =
  'id, at, action, outcome, principal_kind, principal_id, email, role, method, route, params, status, ip, user_agent, request_id, details';

/** Sign-ins and admin actions, append-only in the state store. */
export class AuditLog {
  constructor(private readonly state: StateStore) {}

  async record(e: AuditEntry): Promise<void> {
    const p = e.principal ?? null;
    await this.state.query(
      `INSERT INTO audit_log (action, outcome, principal_kind, principal_id, email, role, method, route, params,
         status, ip, user_agent, request_id, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        e.action,
        e.outcome,
        p?.kind ?? (e.userId ? 'user' : null),
        p ? principalId(p) : (e.userId ?? null),
        p?.email ?? e.email ?? null,
        p?.role ?? null,
        e.method ?? null,
        e.route ?? null,
        e.params === undefined ? null : JSON.stringify(e.params),
        e.status ?? null,
        e.ip ?? null,
        e.userAgent?.slice(0, 500) ?? null,
        e.requestId ?? null,
        e.details === undefined ? null : JSON.stringify(e.details),
      ],
    );
  }

  /** Newest first, at most `limit` (default 100, at most 1000). */
  async list(f: AuditFilter = {}): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const $ = (v: unknown) => `$${params.push(v)}`;
    if (f.user !== undefined) {
      const u = f.user.trim();
      where.push(u.includes('@') ? `lower(email) = lower(${$(u)})` : `principal_id = ${$(u)}`);
    }
    if (f.action !== undefined) {
      if (!(auditActions as readonly string[]).includes(f.action)) {
        throw new PlazaError(
          'invalid_action',
          `action "${f.action}" is not one of ${auditActions.join(', ')}`,
          400,
        );
      }
      where.push(`action = ${$(f.action)}`);
    }
    if (f.outcome !== undefined) {
      if (f.outcome !== 'success' && f.outcome !== 'failure')
        throw new PlazaError('invalid_outcome', 'outcome is success or failure', 400);
      where.push(`outcome = ${$(f.outcome)}`);
    }
    if (f.since !== undefined) where.push(`at >= ${$(parseSince(f.since).toISOString())}`);
    if (f.until !== undefined) where.push(`at < ${$(parseSince(f.until).toISOString())}`);
    if (f.before !== undefined) {
      if (!/^\d{1,18}$/.test(f.before))
        throw new PlazaError('invalid_cursor', 'before must be a next_cursor from a previous page', 400);
      where.push(`id < ${$(f.before)}`);
    }
    const limit = Math.min(Math.max(Math.trunc(f.limit ?? 100), 1), 1000);
    const rows = await this.state.query<AuditRecord & { id: string | number; at: Date }>(
      `SELECT ${columns} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id DESC LIMIT ${limit}`,
      params,
    );
    return rows.map((r) => ({ ...r, id: String(r.id), at: new Date(r.at).toISOString() }));
  }
}
