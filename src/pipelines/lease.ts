import type { StateStore } from '../ports/state.js';

export interface LeaseHolder {
  holder: string;
  acquired_at: string;
  expires_at: string;
}

/**
 * A named lease row in the state store: whoever holds an unexpired lease is the one scheduler that runs jobs.
 * Expiry is computed by the database's clock, so processes on machines whose clocks disagree still agree on
 * who holds it. Taking over an expired lease and renewing one's own are the same single statement, so two
 * processes racing for it cannot both win.
 */
export class SchedulerLease {
  constructor(
    private readonly state: StateStore,
    readonly holder: string,
    readonly ttlMs: number,
    readonly name = 'pipelines',
  ) {}

  /** Takes the lease when free or expired, extends it when already ours; false while another holds it. */
  async acquire(): Promise<boolean> {
    const rows = await this.state.query<{ holder: string }>(
      `INSERT INTO pipeline_scheduler_lease (name, holder, acquired_at, expires_at)
       VALUES ($1, $2, now(), now() + $3::double precision * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET
         holder = EXCLUDED.holder,
         acquired_at = CASE WHEN pipeline_scheduler_lease.holder = EXCLUDED.holder
                            THEN pipeline_scheduler_lease.acquired_at ELSE EXCLUDED.acquired_at END,
         expires_at = EXCLUDED.expires_at
       WHERE pipeline_scheduler_lease.holder = EXCLUDED.holder OR pipeline_scheduler_lease.expires_at < now()
       RETURNING holder`,
      [this.name, this.holder, this.ttlMs],
    );
    return rows.length === 1;
  }

  /** Gives the lease up (graceful stop), so a standby takes over without waiting for it to expire. */
  async release(): Promise<void> {
    await this.state.query('DELETE FROM pipeline_scheduler_lease WHERE name = $1 AND holder = $2', [
      this.name,
      this.holder,
    ]);
  }

  async current(): Promise<LeaseHolder | null> {
    const [row] = await this.state.query<{ holder: string; acquired_at: Date; expires_at: Date }>(
      `SELECT holder, acquired_at, expires_at FROM pipeline_scheduler_lease WHERE name = $1 AND expires_at >= now()`,
      [this.name],
    );
    return row
      ? {
          holder: row.holder,
          acquired_at: new Date(row.acquired_at).toISOString(),
          expires_at: new Date(row.expires_at).toISOString(),
        }
      : null;
  }
}
