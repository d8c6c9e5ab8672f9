import type { Migration } from '../core/migrate.js';

/** Runs after the projects migrations (users may be limited to one project). */
export const accountMigrations: Migration[] = [
  {
    id: 'accounts/001_users',
    sql: `
      CREATE TABLE users (
        id text PRIMARY KEY,
        email text NOT NULL,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'analyst', 'seller')),
        seller_id text,
        project_id text REFERENCES projects(id),
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        disabled_at timestamptz,
        last_login_at timestamptz,
        CONSTRAINT users_seller_id_iff_seller CHECK ((role = 'seller') = (seller_id IS NOT NULL))
      );
      CREATE UNIQUE INDEX users_email_lower ON users (lower(email));
      CREATE INDEX users_role ON users (role);
      CREATE INDEX users_seller ON users (seller_id) WHERE seller_id IS NOT NULL;
    `,
  },
  {
    // A session is one sign-in: the family of refresh tokens that rotate from it. Access tokens name their
    // session (sid), so revoking a session (logout, reuse of a rotated token, disabling the user) ends them too.
    id: 'accounts/002_sessions',
    sql: `
      CREATE TABLE auth_sessions (
        id text PRIMARY KEY,
        user_id text NOT NULL REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        ip text,
        user_agent text,
        revoked_at timestamptz,
        revoke_reason text
      );
      CREATE INDEX auth_sessions_user ON auth_sessions (user_id) WHERE revoked_at IS NULL;
      CREATE TABLE refresh_tokens (
        id text PRIMARY KEY,
        session_id text NOT NULL REFERENCES auth_sessions(id),
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        rotated_at timestamptz
      );
      CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
    `,
  },
  {
    id: 'accounts/003_service_keys',
    sql: `
      CREATE TABLE service_keys (
        id text PRIMARY KEY,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('analyst', 'seller')),
        seller_id text,
        project_id text REFERENCES projects(id),
        key_hash text NOT NULL UNIQUE,
        key_prefix text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        CONSTRAINT service_keys_seller_id_iff_seller CHECK ((role = 'seller') = (seller_id IS NOT NULL))
      );
    `,
  },
  {
    id: 'accounts/004_audit_log',
    sql: `
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        action text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('success', 'failure')),
        principal_kind text,
        principal_id text,
        email text,
        role text,
        method text,
        route text,
        params jsonb,
        status integer,
        ip text,
        user_agent text,
        request_id text,
        details jsonb
      );
      CREATE INDEX audit_log_at ON audit_log (at);
      CREATE INDEX audit_log_principal ON audit_log (principal_id, at);
      CREATE INDEX audit_log_email ON audit_log (lower(email), at);
      CREATE INDEX audit_log_action ON audit_log (action, at);
    `,
  },
];
