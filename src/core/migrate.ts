import type { StateStore } from '../ports/state.js';

export interface Migration {
  /** Unique and stable: `<module>/<nnn>_<what>`; applied once, in array order. */
  id: string;
  sql: string;
}

/** Applies the migrations not applied yet, each in its own transaction. Safe to call at every start. */
export async function migrate(state: StateStore, migrations: Migration[]): Promise<string[]> {
  await state.exec(
    `CREATE TABLE IF NOT EXISTS plaza_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
  );
  const done = new Set(
    (await state.query<{ id: string }>('SELECT id FROM plaza_migrations')).map((r) => r.id),
  );
  const applied: string[] = [];
  for (const m of migrations) {
    if (done.has(m.id)) continue;
    await state.transaction(async (tx) => {
      await tx.exec(m.sql);
      await tx.query('INSERT INTO plaza_migrations (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', [m.id]);
    });
    applied.push(m.id);
  }
  return applied;
}
