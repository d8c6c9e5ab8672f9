import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import type { SqlRow, StateQueries, StateStore } from '../../ports/state.js';
import { pgliteOptions } from './pglite-options.js';

const initScript = fileURLToPath(new URL('./pglite-init.js', import.meta.url));

/** Embedded state: PostgreSQL compiled to WASM, stored in a directory (or in memory when dir is undefined). */
export class PgliteState implements StateStore {
  readonly kind = 'pglite';
  private constructor(private readonly db: PGlite) {}

  static async open(dir?: string): Promise<PgliteState> {
    if (dir !== undefined && !existsSync(join(dir, 'PG_VERSION')))
      await promisify(execFile)(process.execPath, [initScript, dir]);
    const db = new PGlite(dir, pgliteOptions);
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
