import type { Migration } from '../core/migrate.js';

export const projectMigrations: Migration[] = [
  {
    id: 'projects/001_projects_and_keys',
    sql: `
      CREATE TABLE projects (
        id text PRIMARY KEY,
        name text NOT NULL,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE write_keys (
        id text PRIMARY KEY,
        project_id text NOT NULL REFERENCES projects(id),
        name text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        key_prefix text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      );
      CREATE INDEX write_keys_project ON write_keys(project_id);
    `,
  },
];
