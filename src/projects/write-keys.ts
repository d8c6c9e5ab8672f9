import { PlazaError } from '../core/errors.js';
import { newId, newSecret, sha256Hex } from '../core/secrets.js';
import type { StateStore } from '../ports/state.js';

export interface WriteKey {
  id: string;
  project_id: string;
  name: string;
  key_prefix: string;
  created_at: string;
  revoked_at: string | null;
}

export interface AuthenticatedKey {
  keyId: string;
  projectId: string;
}

interface KeyRow {
  id: string;
  project_id: string;
  name: string;
  key_prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

const toKey = (r: KeyRow): WriteKey => ({
  id: r.id,
  project_id: r.project_id,
  name: r.name,
  key_prefix: r.key_prefix,
  created_at: new Date(r.created_at).toISOString(),
  revoked_at: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
});

// Only a hash is stored: a leaked database does not leak usable keys. SHA-256 is enough because keys are
// 192 random bits, not passwords.

/**
 * Per-source write keys. Lookups on the ingest path are cached briefly; a revocation made in this process
 * applies at once, one made by another process within `cacheMs`.
 */
export class WriteKeys {
  private readonly cache = new Map<string, { key: AuthenticatedKey | null; at: number }>();

  constructor(
    private readonly state: StateStore,
    private readonly cacheMs = 5000,
  ) {}

  async create(projectId: string, name: string): Promise<{ key: WriteKey; secret: string }> {
    if (name.trim() === '')
      throw new PlazaError('invalid_key_name', 'a write key needs a non-empty name', 400);
    const secret = newSecret('pk_', 24);
    const id = newId('key_', 8);
    const rows = await this.state.query<KeyRow>(
      `INSERT INTO write_keys (id, project_id, name, key_hash, key_prefix) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, project_id, name, key_prefix, created_at, revoked_at`,
      [id, projectId, name, sha256Hex(secret), secret.slice(0, 10)],
    );
    return { key: toKey(rows[0]!), secret };
  }

  async list(projectId: string): Promise<WriteKey[]> {
    const rows = await this.state.query<KeyRow>(
      `SELECT id, project_id, name, key_prefix, created_at, revoked_at FROM write_keys
       WHERE project_id = $1 ORDER BY created_at, id`,
      [projectId],
    );
    return rows.map(toKey);
  }

  async revoke(keyId: string): Promise<WriteKey> {
    const rows = await this.state.query<KeyRow>(
      `UPDATE write_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1
       RETURNING id, project_id, name, key_prefix, created_at, revoked_at`,
      [keyId],
    );
    if (!rows[0]) throw new PlazaError('key_not_found', `no write key "${keyId}"`, 404);
    this.cache.clear();
    return toKey(rows[0]);
  }

  /** The project and key id of a secret, or null for an unknown or revoked key. */
  async authenticate(secret: string): Promise<AuthenticatedKey | null> {
    const hash = sha256Hex(secret);
    const hit = this.cache.get(hash);
    if (hit && Date.now() - hit.at < this.cacheMs) return hit.key;
    const rows = await this.state.query<{ id: string; project_id: string }>(
      'SELECT id, project_id FROM write_keys WHERE key_hash = $1 AND revoked_at IS NULL',
      [hash],
    );
    const key = rows[0] ? { keyId: rows[0].id, projectId: rows[0].project_id } : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { key, at: Date.now() });
    return key;
  }
}
