import { PGlite } from '@electric-sql/pglite';
import type { SqlRow, StateQueries, StateStore } from '../../ports/state.js';

/** Embedded state: PostgreSQL compiled to WASM, stored in a directory (or in memory when dir is undefined). */
export class PgliteState implements StateStore {
  readonly kind = 'pglite';
  private constructor(private readonly db: PGlite) {}

  static async open(dir?: string): Promise<PgliteState> {
    const db = dir === undefined ? new PGlite() : new PGlite(dir);
    await db.waitReady;
    return new PgliteState(db);
  }

  async query<T = SqlRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    const res = await this.db.query<T>(sql, params);
    return res.rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async transaction<T>(fn: (tx: StateQueries) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) =>
      fn({
        query: async <R = SqlRow>(sql: string, params: unknown[] = []) =>
          (await tx.query<R>(sql, params)).rows,
        exec: async (sql: string) => {
          await tx.exec(sql);
        },
      }),
    );
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
