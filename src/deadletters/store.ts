import type { Migration } from '../core/migrate.js';
import type { StepIssue } from '../core/result.js';
import type { StateStore } from '../ports/state.js';
import type { DeadLetter, DeadLetterStatus, StoredDeadLetter } from './types.js';

export const deadLetterMigrations: Migration[] = [
  {
    id: 'deadletters/001_dead_letters',
    sql: `
      CREATE TABLE dead_letters (
        id text PRIMARY KEY,
        project_id text NOT NULL,
        key_id text NOT NULL,
        received_at timestamptz NOT NULL,
        request_id text NOT NULL,
        shape text NOT NULL,
        segment_type text,
        batch_index integer,
        payload text NOT NULL,
        errors jsonb NOT NULL,
        error_kinds text[] NOT NULL,
        request_ip text,
        request_user_agent text,
        sent_at text,
        status text NOT NULL DEFAULT 'new',
        replayed_at timestamptz,
        replay_errors jsonb
      );
      CREATE INDEX dead_letters_project_time ON dead_letters(project_id, received_at DESC);
    `,
  },
];

export interface DeadLetterFilter {
  projectId?: string;
  status?: DeadLetterStatus;
  kind?: string;
  /** Keyset pagination: dead letters received before this one (received_at, id). */
  before?: { receivedAt: string; id: string };
  limit?: number;
}

interface Row extends Omit<StoredDeadLetter, 'received_at' | 'replayed_at'> {
  received_at: Date;
  replayed_at: Date | null;
}

const toStored = (r: Row): StoredDeadLetter => ({
  id: r.id,
  project_id: r.project_id,
  key_id: r.key_id,
  received_at: new Date(r.received_at).toISOString(),
  request_id: r.request_id,
  shape: r.shape,
  segment_type: r.segment_type,
  batch_index: r.batch_index,
  payload: r.payload,
  errors: r.errors,
  request_ip: r.request_ip,
  request_user_agent: r.request_user_agent,
  sent_at: r.sent_at,
  status: r.status,
  replayed_at: r.replayed_at ? new Date(r.replayed_at).toISOString() : null,
  replay_errors: r.replay_errors,
});

const columns = `id, project_id, key_id, received_at, request_id, shape, segment_type, batch_index, payload, errors,
  request_ip, request_user_agent, sent_at, status, replayed_at, replay_errors`;

/** Dead letters in the state store, where they can be listed, inspected and replayed. */
export class DeadLetterStore {
  constructor(private readonly state: StateStore) {}

  /** Idempotent: the mover may deliver a dead letter more than once. */
  async insertMany(items: DeadLetter[]): Promise<void> {
    if (items.length === 0) return;
    await this.state.transaction(async (tx) => {
      for (const d of items) {
        await tx.query(
          `INSERT INTO dead_letters (id, project_id, key_id, received_at, request_id, shape, segment_type, batch_index,
             payload, errors, error_kinds, request_ip, request_user_agent, sent_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10::jsonb,$11,$12,$13,$14) ON CONFLICT (id) DO NOTHING`,
          [
            d.id,
            d.project_id,
            d.key_id,
            d.received_at,
            d.request_id,
            d.shape,
            d.segment_type,
            d.batch_index,
            d.payload,
            JSON.stringify(d.errors),
            [...new Set(d.errors.map((e) => e.kind))],
            d.request_ip,
            d.request_user_agent,
            d.sent_at,
          ],
        );
      }
    });
  }

  async list(f: DeadLetterFilter = {}): Promise<StoredDeadLetter[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, ...values: unknown[]) => {
      where.push(sql.replace(/\?/g, () => `$${params.push(values.shift())}`));
    };
    if (f.projectId) add('project_id = ?', f.projectId);
    if (f.status) add('status = ?', f.status);
    if (f.kind) add('? = ANY(error_kinds)', f.kind);
    if (f.before) add('(received_at, id) < (?, ?)', f.before.receivedAt, f.before.id);
    const limit = Math.min(Math.max(f.limit ?? 50, 1), 1000);
    const rows = await this.state.query<Row>(
      `SELECT ${columns} FROM dead_letters ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY received_at DESC, id DESC LIMIT ${limit}`,
      params,
    );
    return rows.map(toStored);
  }

  async get(id: string): Promise<StoredDeadLetter | null> {
    const rows = await this.state.query<Row>(`SELECT ${columns} FROM dead_letters WHERE id = $1`, [id]);
    return rows[0] ? toStored(rows[0]) : null;
  }

  async count(projectId?: string): Promise<Record<DeadLetterStatus, number>> {
    const rows = await this.state.query<{ status: DeadLetterStatus; n: number | string }>(
      `SELECT status, count(*) AS n FROM dead_letters ${projectId ? 'WHERE project_id = $1' : ''} GROUP BY status`,
      projectId ? [projectId] : [],
    );
    const out: Record<DeadLetterStatus, number> = { new: 0, replayed: 0, replay_failed: 0 };
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }

  async markReplayed(id: string): Promise<void> {
    await this.state.query(
      `UPDATE dead_letters SET status = 'replayed', replayed_at = now(), replay_errors = NULL WHERE id = $1`,
      [id],
    );
  }

  async markReplayFailed(id: string, errors: StepIssue[]): Promise<void> {
    await this.state.query(
      `UPDATE dead_letters SET status = 'replay_failed', replayed_at = now(), replay_errors = $2::jsonb WHERE id = $1`,
      [id, JSON.stringify(errors)],
    );
  }
}
