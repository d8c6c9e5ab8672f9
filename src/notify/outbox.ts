import { randomBytes } from 'node:crypto';
import type { Migration } from '../core/migrate.js';
import type { StateStore } from '../ports/state.js';
import type { Channel, OutboxMessage } from './types.js';

export const notifyMigrations: Migration[] = [
  {
    id: 'notify/001_outbox',
    sql: `
      CREATE TABLE outbox (
        id text PRIMARY KEY,
        dedup_key text NOT NULL,
        kind text NOT NULL,
        channel text NOT NULL CHECK (channel IN ('webhook', 'email')),
        recipient text NOT NULL,
        subject text NOT NULL,
        body text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      );
      CREATE UNIQUE INDEX outbox_dedup ON outbox (dedup_key);
      CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
      CREATE INDEX outbox_kind_created ON outbox (kind, created_at);
    `,
  },
];

export type OutboxStatus = 'pending' | 'sent' | 'failed';

export interface NewOutboxRow {
  dedupKey: string;
  kind: string;
  channel: Channel;
  recipient: string;
  subject: string;
  body: string;
  payload: Record<string, unknown>;
}

export interface OutboxRow {
  id: string;
  dedup_key: string;
  kind: string;
  channel: Channel;
  recipient: string;
  subject: string;
  body: string;
  payload: Record<string, unknown>;
  status: OutboxStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
  created_at: Date;
  sent_at: Date | null;
}

const columns =
  'id, dedup_key, kind, channel, recipient, subject, body, payload, status, attempts, last_error, next_attempt_at, created_at, sent_at';

const toMessage = (r: OutboxRow): OutboxMessage => ({
  id: r.id,
  kind: r.kind,
  channel: r.channel,
  recipient: r.recipient,
  subject: r.subject,
  body: r.body,
  payload: r.payload,
  attempts: r.attempts,
  createdAt: new Date(r.created_at),
});

/**
 * The outbox in the state store: every notification is a row here before any delivery is tried, so a crash
 * between "decided to notify" and "delivered" loses nothing. Rows are claimed with a lease rather than a
 * status change: a process that dies mid-delivery leaves a row that becomes due again when its lease ends
 * (delivery is therefore at least once; webhook receivers dedupe on X-Plaza-Delivery, mail readers on
 * Message-ID, both the row id).
 */
export class Outbox {
  constructor(private readonly state: StateStore) {}

  /** Inserts the rows whose dedup key is new; returns how many were inserted. */
  async enqueue(rows: readonly NewOutboxRow[]): Promise<number> {
    let inserted = 0;
    for (const r of rows) {
      const out = await this.state.query(
        `INSERT INTO outbox (id, dedup_key, kind, channel, recipient, subject, body, payload)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (dedup_key) DO NOTHING RETURNING id`,
        [
          `ntf_${randomBytes(8).toString('hex')}`,
          r.dedupKey,
          r.kind,
          r.channel,
          r.recipient,
          r.subject,
          r.body,
          JSON.stringify(r.payload),
        ],
      );
      inserted += out.length;
    }
    return inserted;
  }

  /**
   * Takes up to `limit` due rows for `leaseMs`, counting the attempt now: an attempt cut short by a crash
   * still counts towards the limit, so a message that crashes its sender cannot loop forever.
   */
  async claim(limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    const rows = await this.state.query<OutboxRow>(
      `UPDATE outbox SET locked_until = now() + $2 * interval '1 millisecond', attempts = attempts + 1
       WHERE id IN (
         SELECT id FROM outbox
         WHERE status = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until <= now())
         ORDER BY next_attempt_at, created_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING ${columns}`,
      [limit, leaseMs],
    );
    return rows.map(toMessage);
  }

  async markSent(id: string): Promise<void> {
    await this.state.query(
      `UPDATE outbox SET status = 'sent', sent_at = now(), locked_until = NULL, last_error = NULL WHERE id = $1`,
      [id],
    );
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.state.query(
      `UPDATE outbox SET status = 'failed', locked_until = NULL, last_error = $2 WHERE id = $1`,
      [id, error],
    );
  }

  async retryLater(id: string, error: string, delayMs: number): Promise<void> {
    await this.state.query(
      `UPDATE outbox SET locked_until = NULL, last_error = $2,
         next_attempt_at = now() + $3 * interval '1 millisecond' WHERE id = $1`,
      [id, error, Math.max(0, Math.round(delayMs))],
    );
  }

  /** Newest first. */
  async list(
    f: { kind?: string; status?: OutboxStatus; recipient?: string; limit?: number } = {},
  ): Promise<OutboxRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => where.push(sql.replace('?', `$${params.push(value)}`));
    if (f.kind !== undefined) add('kind = ?', f.kind);
    if (f.status !== undefined) add('status = ?', f.status);
    if (f.recipient !== undefined) add('recipient = ?', f.recipient);
    const limit = Math.min(Math.max(Math.trunc(f.limit ?? 100), 1), 1000);
    return this.state.query<OutboxRow>(
      `SELECT ${columns} FROM outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id LIMIT ${limit}`,
      params,
    );
  }
}
