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
];
