import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrate } from '../../src/core/migrate.js';
import type { StateStore } from '../../src/ports/state.js';
import { uniqueName } from '../helpers/engines.js';

/**
 * The state port's contract: every adapter must pass it unchanged. The store is opened once per suite; each
 * case works in its own randomly named tables, so suites can share a database and run concurrently.
 */
export function stateContract(name: string, open: () => Promise<StateStore>): void {
  describe(`state contract: ${name}`, () => {
    let store: StateStore;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store?.close();
    });

    it('names its kind', () => {
      assert.equal(typeof store.kind, 'string');
      assert.ok(store.kind.length > 0);
    });

    it('runs parameterised queries and returns rows as objects', async () => {
      const t = uniqueName();
      await store.exec(`CREATE TABLE ${t} (id int PRIMARY KEY, label text NOT NULL)`);
      assert.deepEqual(
        await store.query(`INSERT INTO ${t} (id, label) VALUES ($1, $2), ($3, $4)`, [1, 'a', 2, 'b']),
        [],
      );
      const rows = await store.query<{ id: number; label: string }>(
        `SELECT id, label FROM ${t} WHERE id > $1`,
        [0],
      );
      assert.deepEqual(
        rows.sort((x, y) => x.id - y.id),
        [
          { id: 1, label: 'a' },
          { id: 2, label: 'b' },
        ],
      );
      assert.deepEqual(await store.query(`SELECT * FROM ${t} WHERE label = $1`, ['none']), []);
      assert.deepEqual(
        await store.query(`UPDATE ${t} SET label = $1 WHERE id = $2 RETURNING id, label`, ['z', 2]),
        [{ id: 2, label: 'z' }],
      );
      // Parameters are values, never SQL.
      const evil = `x'); DROP TABLE ${t}; --`;
      await store.query(`INSERT INTO ${t} (id, label) VALUES ($1, $2)`, [3, evil]);
      assert.deepEqual(await store.query(`SELECT label FROM ${t} WHERE id = 3`), [{ label: evil }]);
    });

    it('exec runs several statements; query runs exactly one', async () => {
      const t = uniqueName();
      await store.exec(`
        CREATE TABLE ${t} (id int PRIMARY KEY);
        INSERT INTO ${t} VALUES (1);
        INSERT INTO ${t} VALUES (2);
      `);
      assert.deepEqual(await store.query(`SELECT count(*) AS n FROM ${t}`), [{ n: 2 }]);
      await assert.rejects(store.query(`INSERT INTO ${t} VALUES (3); INSERT INTO ${t} VALUES (4)`));
      assert.deepEqual(await store.query(`SELECT count(*) AS n FROM ${t}`), [{ n: 2 }]);
    });

    it('commits a transaction and returns what the function returned', async () => {
      const t = uniqueName();
      await store.exec(`CREATE TABLE ${t} (id int PRIMARY KEY)`);
      const result = await store.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${t} VALUES ($1)`, [1]);
        await tx.exec(`INSERT INTO ${t} VALUES (2); INSERT INTO ${t} VALUES (3)`);
        // Reads inside the transaction see its own writes.
        return tx.query<{ n: number }>(`SELECT count(*) AS n FROM ${t}`);
      });
      assert.deepEqual(result, [{ n: 3 }]);
      assert.deepEqual(await store.query(`SELECT count(*) AS n FROM ${t}`), [{ n: 3 }]);
    });

    it('rolls back when the function throws, and rethrows the same error', async () => {
      const t = uniqueName();
      await store.exec(`CREATE TABLE ${t} (id int PRIMARY KEY)`);
      const boom = new Error('boom');
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.query(`INSERT INTO ${t} VALUES (1)`);
          throw boom;
        }),
        (e) => e === boom,
      );
      assert.deepEqual(await store.query(`SELECT count(*) AS n FROM ${t}`), [{ n: 0 }]);
    });

    it('rolls back DDL and earlier writes when a statement fails', async () => {
      const t = uniqueName();
      const created = uniqueName();
      await store.exec(`CREATE TABLE ${t} (id int PRIMARY KEY)`);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.exec(`CREATE TABLE ${created} (id int)`);
          await tx.query(`INSERT INTO ${t} VALUES (1)`);
          await tx.query(`INSERT INTO ${t} VALUES (1)`);
        }),
        (e: { code?: string }) => e.code === '23505',
      );
      assert.deepEqual(await store.query(`SELECT count(*) AS n FROM ${t}`), [{ n: 0 }]);
      assert.deepEqual(await store.query('SELECT to_regclass($1) AS t', [created]), [{ t: null }]);
      // The store is still usable after a failed transaction.
      await store.transaction((tx) => tx.query(`INSERT INTO ${t} VALUES (7)`));
      assert.deepEqual(await store.query(`SELECT id FROM ${t}`), [{ id: 7 }]);
    });

    it('surfaces a unique violation as an error carrying SQLSTATE 23505', async () => {
      const t = uniqueName();
      await store.exec(`CREATE TABLE ${t} (id int PRIMARY KEY, email text UNIQUE)`);
      await store.query(`INSERT INTO ${t} VALUES (1, 'a@example.com')`);
      await assert.rejects(
        store.query(`INSERT INTO ${t} VALUES ($1, $2)`, [2, 'a@example.com']),
        (e: Error & { code?: string }) =>
          e instanceof Error && e.code === '23505' && /unique/i.test(e.message),
      );
      assert.deepEqual(await store.query(`SELECT id FROM ${t}`), [{ id: 1 }]);
      // ON CONFLICT is how callers make inserts idempotent; it must behave the same everywhere.
      assert.deepEqual(
        await store.query(
          `INSERT INTO ${t} VALUES (3, 'a@example.com') ON CONFLICT (email) DO NOTHING RETURNING id`,
        ),
        [],
      );
    });

    it('returns the same JS values for each PostgreSQL type', async () => {
      const [row] = await store.query(`
        SELECT 42::int AS int4, 7::smallint AS int2, 9007199254740991::int8 AS int8_safe,
               9007199254740993::int8 AS int8_big, -9007199254740993::int8 AS int8_big_neg,
               12.50::numeric(10,2) AS numeric, 2.5::float8 AS float8, 'héllo'::text AS text,
               'abc'::varchar(5) AS varchar, true AS yes, false AS no,
               '{"a":1,"b":[true,null,"x"],"c":{"d":1.5}}'::jsonb AS jsonb, '[1,2]'::json AS json,
               '2024-03-05T10:20:30.123Z'::timestamptz AS timestamptz, '2024-03-05'::date AS date,
               ARRAY['a','b,c','"q"']::text[] AS text_array, ARRAY[]::text[] AS empty_array,
               ARRAY[1,2,NULL]::int8[] AS int8_array, ARRAY[1.5,2]::numeric[] AS numeric_array,
               NULL::text AS null_text, NULL::int AS null_int, NULL::jsonb AS null_jsonb,
               '00000000-0000-4000-8000-000000000001'::uuid AS uuid, '\\x00ff10'::bytea AS bytea,
               (SELECT count(*) FROM generate_series(1, 3)) AS count, sum(x) AS sum_int8
        FROM (VALUES (1::int8), (2::int8)) AS v(x)
      `);
      assert.deepEqual(row, {
        int4: 42,
        int2: 7,
        int8_safe: 9007199254740991,
        int8_big: 9007199254740993n,
        int8_big_neg: -9007199254740993n,
        numeric: '12.50',
        float8: 2.5,
        text: 'héllo',
        varchar: 'abc',
        yes: true,
        no: false,
        jsonb: { a: 1, b: [true, null, 'x'], c: { d: 1.5 } },
        json: [1, 2],
        timestamptz: new Date('2024-03-05T10:20:30.123Z'),
        date: new Date('2024-03-05T00:00:00.000Z'),
        text_array: ['a', 'b,c', '"q"'],
        empty_array: [],
        int8_array: [1, 2, null],
        numeric_array: ['1.5', '2'],
        null_text: null,
        null_int: null,
        null_jsonb: null,
        uuid: '00000000-0000-4000-8000-000000000001',
        bytea: Uint8Array.from([0x00, 0xff, 0x10]),
        count: 3,
        // sum(int8) is numeric in PostgreSQL: a string, like every numeric.
        sum_int8: '3',
      });
    });

    it('round-trips parameters of each type through a table', async () => {
      const t = uniqueName();
      await store.exec(`CREATE TABLE ${t} (
        id int PRIMARY KEY, big int8, amount numeric(12,2), ratio float8, name text, flag bool,
        doc jsonb, list jsonb, at timestamptz, day date, tags text[], raw bytea
      )`);
      const at = new Date('2025-01-02T03:04:05.678Z');
      await store.query(`INSERT INTO ${t} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, [
        1,
        9007199254740993n,
        '1234.5',
        0.1,
        "it's",
        true,
        { nested: { ok: true }, n: 1 },
        // A JSON array goes in as JSON text: a JS array parameter means a PostgreSQL array.
        JSON.stringify([1, 'two']),
        at,
        '2025-01-02',
        ['x', 'y'],
        Uint8Array.from([1, 2, 3]),
      ]);
      await store.query(`INSERT INTO ${t} (id, doc, at, tags) VALUES ($1, $2, $3, $4)`, [
        2,
        '{"from":"text"}',
        '2025-01-02T03:04:05Z',
        [],
      ]);
      await store.query(`INSERT INTO ${t} (id) VALUES ($1)`, [3]);
      const rows = await store.query(`SELECT * FROM ${t} ORDER BY id`);
      assert.deepEqual(rows, [
        {
          id: 1,
          big: 9007199254740993n,
          amount: '1234.50',
          ratio: 0.1,
          name: "it's",
          flag: true,
          doc: { nested: { ok: true }, n: 1 },
          list: [1, 'two'],
          at,
          day: new Date('2025-01-02T00:00:00.000Z'),
          tags: ['x', 'y'],
          raw: Uint8Array.from([1, 2, 3]),
        },
        {
          id: 2,
          big: null,
          amount: null,
          ratio: null,
          name: null,
          flag: null,
          doc: { from: 'text' },
          list: null,
          at: new Date('2025-01-02T03:04:05.000Z'),
          day: null,
          tags: [],
          raw: null,
        },
        {
          id: 3,
          big: null,
          amount: null,
          ratio: null,
          name: null,
          flag: null,
          doc: null,
          list: null,
          at: null,
          day: null,
          tags: null,
          raw: null,
        },
      ]);
      assert.deepEqual(await store.query(`SELECT id FROM ${t} WHERE $1 = ANY(tags)`, ['y']), [{ id: 1 }]);
      assert.deepEqual(await store.query(`SELECT id FROM ${t} WHERE doc->>'from' = $1`, ['text']), [
        { id: 2 },
      ]);
      assert.deepEqual(await store.query(`SELECT id FROM ${t} WHERE big = $1`, [9007199254740993n]), [
        { id: 1 },
      ]);
    });

    it('runs concurrent transactions without losing updates', async () => {
      const t = uniqueName();
      await store.exec(
        `CREATE TABLE ${t} (id int PRIMARY KEY, n int NOT NULL); INSERT INTO ${t} VALUES (1, 0);`,
      );
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          store.transaction(async (tx) => {
            const [row] = await tx.query<{ n: number }>(`SELECT n FROM ${t} WHERE id = 1 FOR UPDATE`);
            await tx.query(`UPDATE ${t} SET n = $1 WHERE id = 1`, [(row?.n ?? 0) + 1]);
            if (i % 2 === 1) throw new Error(`abort ${i}`);
            return i;
          }),
        ),
      );
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled', 'rejected'],
      );
      assert.deepEqual(await store.query(`SELECT n FROM ${t}`), [{ n: 4 }]);
      // Plain queries interleaved with transactions keep working.
      const counts = await Promise.all(
        Array.from({ length: 5 }, () => store.query<{ n: number }>(`SELECT n FROM ${t}`)),
      );
      assert.deepEqual(
        counts.map((r) => r[0]?.n),
        [4, 4, 4, 4, 4],
      );
    });

    it('migrate() applies each migration once, in order, and a failed one not at all', async () => {
      const p = uniqueName('m');
      const migrations = [
        { id: `${p}/001_create`, sql: `CREATE TABLE ${p}_items (id int PRIMARY KEY)` },
        {
          id: `${p}/002_seed`,
          sql: `ALTER TABLE ${p}_items ADD COLUMN label text; INSERT INTO ${p}_items VALUES (1, 'one');`,
        },
      ];
      assert.deepEqual(await migrate(store, migrations), [`${p}/001_create`, `${p}/002_seed`]);
      assert.deepEqual(await migrate(store, migrations), []);
      assert.deepEqual(await store.query(`SELECT * FROM ${p}_items`), [{ id: 1, label: 'one' }]);

      const broken = {
        id: `${p}/003_broken`,
        sql: `INSERT INTO ${p}_items VALUES (2, 'two'); SELECT * FROM ${p}_missing;`,
      };
      await assert.rejects(migrate(store, [...migrations, broken]));
      assert.deepEqual(await store.query(`SELECT count(*) AS n FROM ${p}_items`), [{ n: 1 }]);
      const fixed = { id: `${p}/003_broken`, sql: `INSERT INTO ${p}_items VALUES (2, 'two')` };
      assert.deepEqual(await migrate(store, [...migrations, fixed]), [`${p}/003_broken`]);
      const recorded = await store.query<{ id: string; applied_at: unknown }>(
        'SELECT id, applied_at FROM plaza_migrations WHERE id LIKE $1 ORDER BY id',
        [`${p}/%`],
      );
      assert.deepEqual(
        recorded.map((r) => r.id),
        [`${p}/001_create`, `${p}/002_seed`, `${p}/003_broken`],
      );
      assert.ok(recorded.every((r) => r.applied_at instanceof Date));
    });
  });
}
