import { PlazaError } from '../core/errors.js';
import { newId, newSecret, sha256Hex } from '../core/secrets.js';
import type { StateStore } from '../ports/state.js';
import type { Projects } from '../projects/projects.js';
import type { Principal } from './principal.js';

/** Roles a service key may have: machines read data; administration stays with people and the admin token. */
export const serviceKeyRoles = ['analyst', 'seller'] as const;
export type ServiceKeyRole = (typeof serviceKeyRoles)[number];

export interface ServiceKey {
  id: string;
  name: string;
  role: ServiceKeyRole;
  seller_id: string | null;
  project_id: string | null;
  /** The first characters of the secret, to recognise it in a config file. */
  key_prefix: string;
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface NewServiceKey {
  name: string;
  role: string;
  seller_id?: string | null | undefined;
  project_id?: string | null | undefined;
}

interface Row {
  id: string;
  name: string;
  role: ServiceKeyRole;
  seller_id: string | null;
  project_id: string | null;
  key_prefix: string;
  created_by: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const columns =
  'id, name, role, seller_id, project_id, key_prefix, created_by, created_at, last_used_at, revoked_at';
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const toKey = (r: Row): ServiceKey => ({
  ...r,
  created_at: new Date(r.created_at).toISOString(),
  last_used_at: iso(r.last_used_at),
  revoked_at: iso(r.revoked_at),
});

/** Every service key starts with this, so the authentication hook knows what it holds without a lookup. */
export const serviceKeyPrefix = 'psk_';
// 256 random bits: SHA-256 suffices (there is nothing to guess), and it keeps the per-request lookup cheap.
/** last_used_at is written at most this often per key, not on every request. */
const touchEveryMs = 60_000;

/**
 * API keys for machines (a BI tool, a seller's own back end): Bearer credentials with role analyst, or seller
 * bound to one seller id, optionally limited to one project. Created by an admin; the secret is shown once
 * and stored hashed. Revocation applies to the next request (there is no cache).
 */
export class ServiceKeys {
  constructor(
    private readonly state: StateStore,
    private readonly projects: Projects,
  ) {}

  async create(input: NewServiceKey, createdBy: string): Promise<{ key: ServiceKey; secret: string }> {
    const name = input.name.trim();
    if (name === '' || name.length > 200)
      throw new PlazaError('invalid_key_name', 'a service key needs a name of 1-200 characters', 400);
    if (!(serviceKeyRoles as readonly string[]).includes(input.role)) {
      throw new PlazaError(
        'invalid_role',
        `a service key's role is one of ${serviceKeyRoles.join(', ')} (got "${input.role}"); admin work needs the admin token or an admin user`,
        400,
      );
    }
    const sellerId = input.seller_id ?? null;
    if ((input.role === 'seller') !== (sellerId !== null)) {
      throw new PlazaError(
        input.role === 'seller' ? 'seller_id_required' : 'seller_id_not_allowed',
        input.role === 'seller'
          ? 'a service key with role seller needs a seller_id: the seller whose data it reads'
          : 'seller_id applies only to role seller; an analyst key reads every seller',
        400,
      );
    }
    if (sellerId !== null && (sellerId.trim() === '' || sellerId.length > 200))
      throw new PlazaError('invalid_seller_id', 'seller_id must be 1-200 characters, not only spaces', 400);
    const projectId = input.project_id ?? null;
    if (projectId !== null && !(await this.projects.find(projectId))) {
      throw new PlazaError(
        'unknown_project',
        `no project "${projectId}"; leave project_id out to give access to every project`,
        400,
      );
    }
    const secret = newSecret(serviceKeyPrefix, 32);
    const rows = await this.state.query<Row>(
      `INSERT INTO service_keys (id, name, role, seller_id, project_id, key_hash, key_prefix, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${columns}`,
      [
        newId('sk_', 8),
        name,
        input.role,
        sellerId,
        projectId,
        sha256Hex(secret),
        secret.slice(0, 12),
        createdBy,
      ],
    );
    return { key: toKey(rows[0]!), secret };
  }

  async list(o: { includeRevoked?: boolean } = {}): Promise<ServiceKey[]> {
    const rows = await this.state.query<Row>(
      `SELECT ${columns} FROM service_keys ${o.includeRevoked ? '' : 'WHERE revoked_at IS NULL'}
       ORDER BY created_at, id`,
    );
    return rows.map(toKey);
  }

  async revoke(id: string): Promise<ServiceKey> {
    const rows = await this.state.query<Row>(
      `UPDATE service_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING ${columns}`,
      [id],
    );
    if (!rows[0])
      throw new PlazaError(
        'service_key_not_found',
        `no service key "${id}"; see GET /v1/admin/service-keys`,
        404,
      );
    return toKey(rows[0]);
  }

  /** The principal of a live key, or null for an unknown or revoked one. */
  async authenticate(secret: string): Promise<Principal | null> {
    const rows = await this.state.query<Row>(
      `SELECT ${columns} FROM service_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [sha256Hex(secret)],
    );
    const k = rows[0];
    if (!k) return null;
    if (!k.last_used_at || Date.now() - new Date(k.last_used_at).getTime() > touchEveryMs) {
      await this.state.query('UPDATE service_keys SET last_used_at = now() WHERE id = $1', [k.id]);
    }
    return {
      kind: 'service-key',
      role: k.role,
      keyId: k.id,
      ...(k.seller_id === null ? {} : { sellerId: k.seller_id }),
      ...(k.project_id === null ? {} : { projectId: k.project_id }),
    };
  }
}
