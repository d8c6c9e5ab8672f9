import type { Migration } from '../core/migrate.js';

export const pipelineMigrations: Migration[] = [
  {
    id: 'pipelines/001_runs_watermarks_lease',
    sql: `
      CREATE TABLE pipeline_runs (
        id text PRIMARY KEY,
        -- Orders runs that share a timestamp (a fake clock in tests, many queued by one backfill).
        seq bigserial NOT NULL UNIQUE,
        pipeline text NOT NULL,
        version text NOT NULL,
        partition text,
        trigger text NOT NULL,
        status text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        duration_ms integer,
        rows_in bigint NOT NULL DEFAULT 0,
        rows_out bigint NOT NULL DEFAULT 0,
        warnings integer NOT NULL DEFAULT 0,
        error text,
        -- The runner that executes it, and when that runner last said it still does.
        owner text NOT NULL,
        heartbeat_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX pipeline_runs_latest ON pipeline_runs (pipeline, seq DESC);
      CREATE INDEX pipeline_runs_partition ON pipeline_runs (pipeline, partition, seq DESC);
      -- One active run per pipeline and partition, whichever process started it.
      CREATE UNIQUE INDEX pipeline_runs_one_active ON pipeline_runs (pipeline, coalesce(partition, ''))
        WHERE status IN ('queued', 'running');

      CREATE TABLE pipeline_task_runs (
        run_id text NOT NULL REFERENCES pipeline_runs(id) ON DELETE CASCADE,
        task text NOT NULL,
        position integer NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        started_at timestamptz,
        finished_at timestamptz,
        duration_ms integer,
        rows_in bigint NOT NULL DEFAULT 0,
        rows_out bigint NOT NULL DEFAULT 0,
        window_since timestamptz,
        window_until timestamptz,
        error text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        PRIMARY KEY (run_id, task)
      );

      CREATE TABLE pipeline_run_logs (
        run_id text NOT NULL REFERENCES pipeline_runs(id) ON DELETE CASCADE,
        seq integer NOT NULL,
        task text,
        at timestamptz NOT NULL DEFAULT now(),
        level text NOT NULL,
        message text NOT NULL,
        fields jsonb,
        PRIMARY KEY (run_id, seq)
      );

      CREATE TABLE pipeline_watermarks (
        pipeline text NOT NULL,
        task text NOT NULL,
        watermark timestamptz NOT NULL,
        run_id text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (pipeline, task)
      );

      CREATE TABLE pipeline_scheduler_lease (
        name text PRIMARY KEY,
        holder text NOT NULL,
        acquired_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      );
    `,
  },
];
