import { PlazaError } from '../core/errors.js';
import { newId } from '../core/secrets.js';
import type { StateStore } from '../ports/state.js';
import type { Projects } from '../projects/projects.js';
import {
  checkPassword,
  dummyHash,
  generatePassword,
  hashPassword,
  maxPasswordLength,
  passwordMatches,
} from './passwords.js';

export const roles = ['admin', 'analyst', 'seller'] as const;
export type Role = (typeof roles)[number];

/** A user as every answer shows it: never with the password hash. */
export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** The seller whose data a seller sees; set for and only for role seller. */
  seller_id: string | null;
  /** The project (marketplace) the user is limited to; null: every project. */
  project_id: string | null;
  created_at: string;
  disabled_at: string | null;
  last_login_at: string | null;
}

export interface NewUser {
  email: string;
  role: string;
  /** Omitted or null: the part of the email before the @. */
  name?: string | null | undefined;
  seller_id?: string | null | undefined;
  project_id?: string | null | undefined;
  /** Omitted or null: a strong one is generated and returned once. */
  password?: string | null | undefined;
}

export interface UserFilter {
  role?: string | undefined;
  sellerId?: string | undefined;
  projectId?: string | undefined;
  /** Disabled users are left out unless this is set. */
  includeDisabled?: boolean | undefined;
  /** Keyset pagination: users whose lower-cased email sorts after this one. */
  after?: string | undefined;
  limit?: number | undefined;
}

export type PasswordCheck =
  | { ok: true; user: User }
  | { ok: false; reason: 'unknown_email' | 'wrong_password' | 'disabled' };

interface Row {
  id: string;
  email: string;
  name: string;
  role: Role;
  seller_id: string | null;
  project_id: string | null;
  created_at: Date;
  disabled_at: Date | null;
  last_login_at: Date | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

const toUser = (r: Row): User => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  seller_id: r.seller_id,
  project_id: r.project_id,
  created_at: new Date(r.created_at).toISOString(),
  disabled_at: iso(r.disabled_at),
  last_login_at: iso(r.last_login_at),
});

const columns = 'id, email, name, role, seller_id, project_id, created_at, disabled_at, last_login_at';

// Deliberately permissive (one @, a dot in the domain, no spaces or control characters): the only real check
// of an address is mail reaching it.
const emailPattern = /^[^\s@\p{Cc}]+@[^\s@.\p{Cc}]+(\.[^\s@.\p{Cc}]+)+$/u;
const maxEmailLength = 254;

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

function checkRole(role: string): Role {
  if (!isRole(role))
    throw new PlazaError('invalid_role', `role "${role}" is not one of ${roles.join(', ')}`, 400);
  return role;
}

function checkEmail(input: string): string {
  const email = input.trim();
  if (email.length > maxEmailLength || !emailPattern.test(email)) {
    throw new PlazaError(
      'invalid_email',
      `"${input.slice(0, 100)}" is not an email address (expected name@domain.tld, at most ${maxEmailLength} characters)`,
      400,
    );
  }
  return email;
}

/** `usr_…` ids never contain '@', so a path segment with one is an email. */
const isEmail = (idOrEmail: string) => idOrEmail.includes('@');

/**
 * People who sign in: admins and analysts (every seller's data) and sellers (their own seller id's data only).
 * Emails are unique regardless of case and kept as given; passwords are stored as argon2id hashes.
 */
export class Users {
  constructor(
    private readonly state: StateStore,
    private readonly projects: Projects,
  ) {}

  /** Creates a user; `password` is in the answer only when it was generated here (shown once). */
  async create(input: NewUser): Promise<{ user: User; password?: string }> {
    const email = checkEmail(input.email);
    const role = checkRole(input.role);
    const sellerId = input.seller_id ?? null;
    if (role === 'seller' && sellerId === null) {
      throw new PlazaError(
        'seller_id_required',
        'a user with role seller needs a seller_id: the seller whose data they see',
        400,
      );
    }
    if (role !== 'seller' && sellerId !== null) {
      throw new PlazaError(
        'seller_id_not_allowed',
        `seller_id applies only to role seller; a user with role ${role} sees every seller`,
        400,
      );
    }
    if (sellerId !== null && (sellerId.trim() === '' || sellerId.length > 200)) {
      throw new PlazaError('invalid_seller_id', 'seller_id must be 1-200 characters, not only spaces', 400);
    }
    const name = (input.name ?? email.slice(0, email.indexOf('@'))).trim();
    if (name === '' || name.length > 200)
      throw new PlazaError('invalid_name', 'name must be 1-200 characters, not only spaces', 400);
    const projectId = input.project_id ?? null;
    if (projectId !== null && !(await this.projects.find(projectId))) {
      throw new PlazaError(
        'unknown_project',
        `no project "${projectId}"; create it with \`plaza projects create ${projectId}\`, or leave project_id out to give access to every project`,
        400,
      );
    }
    const given = input.password ?? undefined;
    if (given !== undefined) checkPassword(given);
    const password = given ?? generatePassword();
    const passwordHash = await hashPassword(password);

    const rows = await this.state.query<Row>(
      `INSERT INTO users (id, email, name, role, seller_id, project_id, password_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT ((lower(email))) DO NOTHING RETURNING ${columns}`,
      [newId('usr_', 8), email, name, role, sellerId, projectId, passwordHash],
    );
    if (!rows[0]) {
      const existing = await this.find(email);
      throw new PlazaError(
        'user_exists',
        `a user with email "${existing?.email ?? email}" already exists${existing ? ` (${existing.id})` : ''}`,
        409,
      );
    }
    const user = toUser(rows[0]);
    return given === undefined ? { user, password } : { user };
  }

  /** Users ordered by email (case-insensitive), at most `limit` (default 100, at most 1000). */
  async list(f: UserFilter = {}): Promise<User[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => where.push(sql.replace('?', `$${params.push(value)}`));
    if (f.role !== undefined) add('role = ?', checkRole(f.role));
    if (f.sellerId !== undefined) add('seller_id = ?', f.sellerId);
    if (f.projectId !== undefined) add('project_id = ?', f.projectId);
    if (!f.includeDisabled) where.push('disabled_at IS NULL');
    if (f.after !== undefined) add('lower(email) > ?', f.after.toLowerCase());
    const limit = Math.min(Math.max(Math.trunc(f.limit ?? 100), 1), 1000);
    const rows = await this.state.query<Row>(
      `SELECT ${columns} FROM users ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY lower(email) LIMIT ${limit}`,
      params,
    );
    return rows.map(toUser);
  }

  /** By id (`usr_…`) or email (any case); null when there is none. */
  async find(idOrEmail: string): Promise<User | null> {
    const rows = await this.state.query<Row>(
      isEmail(idOrEmail)
        ? `SELECT ${columns} FROM users WHERE lower(email) = lower($1)`
        : `SELECT ${columns} FROM users WHERE id = $1`,
      [idOrEmail.trim()],
    );
    return rows[0] ? toUser(rows[0]) : null;
  }

  async get(idOrEmail: string): Promise<User> {
    const user = await this.find(idOrEmail);
    if (!user) throw notFound(idOrEmail);
    return user;
  }

  /**
   * Disables (keeping the first time it was disabled) or enables a user. A disabled user cannot sign in, and
   * their sessions are revoked, so enabling them again does not bring old refresh tokens back to life.
   */
  async setDisabled(idOrEmail: string, disabled: boolean): Promise<User> {
    return this.state.transaction(async (tx) => {
      const rows = await tx.query<Row>(
        `UPDATE users SET disabled_at = ${disabled ? 'COALESCE(disabled_at, now())' : 'NULL'}
         WHERE ${isEmail(idOrEmail) ? 'lower(email) = lower($1)' : 'id = $1'} RETURNING ${columns}`,
        [idOrEmail.trim()],
      );
      if (!rows[0]) throw notFound(idOrEmail);
      if (disabled) {
        await tx.query(
          `UPDATE auth_sessions SET revoked_at = now(), revoke_reason = 'user_disabled'
           WHERE user_id = $1 AND revoked_at IS NULL`,
          [rows[0].id],
        );
      }
      return toUser(rows[0]);
    });
  }

  /**
   * Checks an email and password for signing in. It always verifies one argon2id hash (a dummy one when the
   * email is unknown), so the time taken does not reveal which emails have accounts. A disabled user never
   * passes. The reason is for the audit log; a caller must not tell the person more than "wrong email or
   * password".
   */
  async verifyPassword(email: string, password: string): Promise<PasswordCheck> {
    const rows = await this.state.query<Row & { password_hash: string }>(
      `SELECT ${columns}, password_hash FROM users WHERE lower(email) = lower($1)`,
      [email.trim()],
    );
    const row = rows[0];
    // No stored password is longer than the rules allow: an enormous candidate is not worth hashing.
    const candidate = password.length > 2 * maxPasswordLength ? '' : password;
    const matches = await passwordMatches(row?.password_hash ?? (await dummyHash()), candidate);
    if (!row) return { ok: false, reason: 'unknown_email' };
    if (!matches || candidate === '') return { ok: false, reason: 'wrong_password' };
    if (row.disabled_at) return { ok: false, reason: 'disabled' };
    return { ok: true, user: toUser(row) };
  }

  /** Records a successful sign-in (for the login flow). */
  async recordLogin(id: string): Promise<User> {
    const rows = await this.state.query<Row>(
      `UPDATE users SET last_login_at = now() WHERE id = $1 RETURNING ${columns}`,
      [id],
    );
    if (!rows[0]) throw notFound(id);
    return toUser(rows[0]);
  }
}

const notFound = (idOrEmail: string) =>
  new PlazaError(
    'user_not_found',
    `no user ${isEmail(idOrEmail) ? 'with email ' : ''}"${idOrEmail}"; see \`plaza users list --all\``,
    404,
  );
