import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PgliteState } from '../src/adapters/state/pglite.js';
import { PostgresState } from '../src/adapters/state/postgres.js';
import { PlazaError } from '../src/core/errors.js';
import { migrate } from '../src/core/migrate.js';
import { stateContract } from './contracts/state.contract.js';
import { closedPort, createTestDatabase, type TestDatabase } from './helpers/engines.js';

stateContract('pglite in memory', () => PgliteState.open());

describe('pglite in a directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plaza-pglite-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  stateContract('pglite in a directory', () => PgliteState.open(join(dir, 'contract')));

  it('keeps data and applied migrations across close and reopen', async () => {
    const path = join(dir, 'reopen');
    const migrations = [{ id: 'test/001_notes', sql: 'CREATE TABLE notes (id int PRIMARY KEY, body text)' }];
    const first = await PgliteState.open(path);
    assert.deepEqual(await migrate(first, migrations), ['test/001_notes']);
    await first.transaction((tx) => tx.query('INSERT INTO notes VALUES ($1, $2)', [1, 'kept']));
    await first.close();

    const second = await PgliteState.open(path);
    try {
      assert.deepEqual(await migrate(second, migrations), []);
      assert.deepEqual(await second.query('SELECT * FROM notes'), [{ id: 1, body: 'kept' }]);
    } finally {
      await second.close();
    }
  });
});

describe('postgres', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  stateContract('postgres', () => PostgresState.open(db.url, { maxConnections: 4 }));

  it('reports an unreachable server as state_unavailable (503)', async () => {
    const port = await closedPort();
    await assert.rejects(
      PostgresState.open(`postgres://plaza:secret@127.0.0.1:${port}/plaza`, { connectTimeoutMs: 2000 }),
      (e) =>
        e instanceof PlazaError &&
        e.code === 'state_unavailable' &&
        e.status === 503 &&
        e.message.includes(`127.0.0.1:${port}`) &&
        !e.message.includes('secret') &&
        e.cause instanceof Error,
    );
  });

  it('reports a missing database as state_unavailable', async () => {
    const url = new URL(db.url);
    url.pathname = '/plaza_test_does_not_exist';
    await assert.rejects(
      PostgresState.open(url.toString()),
      (e) => e instanceof PlazaError && e.code === 'state_unavailable',
    );
  });

  it('turns a connection killed mid-transaction into state_unavailable and recovers', async () => {
    const state = await PostgresState.open(db.url, { maxConnections: 2 });
    try {
      await assert.rejects(
        state.transaction(async (tx) => {
          const [me] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await state.query('SELECT pg_terminate_backend($1)', [me?.pid]);
          await tx.query('SELECT 1');
        }),
        (e) => e instanceof PlazaError && e.code === 'state_unavailable' && e.status === 503,
      );
      // The broken connection was dropped, not handed back out: every pooled connection still works.
      const rows = await Promise.all([state.query('SELECT 1 AS one'), state.query('SELECT 1 AS one')]);
      assert.deepEqual(rows, [[{ one: 1 }], [{ one: 1 }]]);
    } finally {
      await state.close();
    }
  });

  it('rejects a transaction handle used after its transaction ended', async () => {
    const state = await PostgresState.open(db.url, { maxConnections: 1 });
    try {
      let leaked: { query: (sql: string) => Promise<unknown> } | undefined;
      await state.transaction(async (tx) => {
        leaked = tx;
      });
      await assert.rejects(leaked?.query('SELECT 1') ?? Promise.resolve(), /after its transaction ended/);
    } finally {
      await state.close();
    }
  });
});
