import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DuckDbDialect } from '../src/adapters/warehouse/duckdb/duckdb-dialect.js';
import { DuckDbWarehouse } from '../src/adapters/warehouse/duckdb/duckdb-warehouse.js';
import { isPlazaError } from '../src/core/errors.js';
import type { TableDef } from '../src/ports/warehouse.js';
import { warehouseContract } from './contracts/warehouse.contract.js';

const dir = await mkdtemp(join(tmpdir(), 'plaza-warehouse-'));
after(() => rm(dir, { recursive: true, force: true }));

let files = 0;
const fileWarehouse = () => DuckDbWarehouse.open(join(dir, `contract-${files++}.duckdb`), { threads: 2 });

warehouseContract('DuckDB in memory', () => DuckDbWarehouse.open(':memory:', { threads: 2 }));
warehouseContract('DuckDB file', fileWarehouse);

const events: TableDef = {
  name: 'events',
  columns: [
    { name: 'id', type: 'int64' },
    { name: 'name', type: 'string', nullable: true },
    { name: 'at', type: 'timestamp' },
    { name: 'props', type: 'json' },
  ],
  orderBy: ['at'],
  partitionByDay: 'at',
};

describe('DuckDbDialect', () => {
  const d = new DuckDbDialect();

  it('writes the exact CREATE TABLE', () => {
    assert.equal(
      d.createTable({
        name: 'all',
        columns: [
          { name: 's', type: 'string' },
          { name: 'i', type: 'int64', nullable: true },
          { name: 'f', type: 'float64' },
          { name: 'b', type: 'bool' },
          { name: 't', type: 'timestamp' },
          { name: 'd', type: 'date' },
          { name: 'j', type: 'json', nullable: true },
        ],
        orderBy: ['s'],
        partitionByDay: 't',
      }),
      'CREATE TABLE IF NOT EXISTS "all" ("s" VARCHAR NOT NULL, "i" BIGINT, "f" DOUBLE NOT NULL, ' +
        '"b" BOOLEAN NOT NULL, "t" TIMESTAMP NOT NULL, "d" DATE NOT NULL, "j" JSON)',
    );
  });

  it('quotes identifiers, doubling embedded quotes', () => {
    assert.equal(d.quoteIdent('timestamp'), '"timestamp"');
    assert.equal(d.quoteIdent('we"ird'), '"we""ird"');
  });
});

describe('DuckDbWarehouse on a file', () => {
  it('keeps data across close and reopen, checkpointed', async () => {
    const path = join(dir, 'reopen.duckdb');
    const first = await DuckDbWarehouse.open(path);
    await first.ensureTable(events);
    await first.insert('events', [
      { id: 1, name: 'a', at: new Date('2024-05-01T10:00:00Z'), props: { n: 1 } },
      { id: 2, name: null, at: new Date('2024-05-02T10:00:00Z'), props: {} },
    ]);
    await first.close();
    assert.equal(existsSync(`${path}.wal`), false, 'close checkpoints the write-ahead log into the file');

    const second = await DuckDbWarehouse.open(path);
    try {
      await second.ensureTable(events);
      const rows = await second.query('SELECT * FROM events ORDER BY id');
      assert.deepEqual(rows, [
        { id: 1, name: 'a', at: new Date('2024-05-01T10:00:00Z'), props: { n: 1 } },
        { id: 2, name: null, at: new Date('2024-05-02T10:00:00Z'), props: {} },
      ]);
      await second.insert('events', [{ id: 3, at: new Date(), props: [] }]);
      const [r] = await second.query<{ n: number }>('SELECT count(*) AS n FROM events');
      assert.equal(r?.n, 3);
    } finally {
      await second.close();
    }
  });

  it('refuses a table whose stored columns differ from the definition', async () => {
    const w = await DuckDbWarehouse.open(':memory:');
    try {
      await w.exec('CREATE TABLE events (id BIGINT NOT NULL, "at" TIMESTAMP NOT NULL)');
      await assert.rejects(
        w.ensureTable(events),
        (e) => isPlazaError(e) && e.code === 'warehouse_table_mismatch',
      );
    } finally {
      await w.close();
    }
  });
});

describe('DuckDbWarehouse specifics', () => {
  it('applies threads, memoryLimit and checkpointThreshold, and pins TimeZone to UTC', async () => {
    const w = await DuckDbWarehouse.open(':memory:', {
      threads: 1,
      memoryLimit: '256MB',
      checkpointThreshold: '64MB',
    });
    try {
      const [s] = await w.query<{ threads: number; mem: string; tz: string; day: string; wal: string }>(
        `SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS mem,
                current_setting('checkpoint_threshold') AS wal, current_setting('TimeZone') AS tz,
                CAST(CAST(TIMESTAMPTZ '2024-05-01 23:30:00-04' AS TIMESTAMP) AS DATE) AS day`,
      );
      assert.equal(s?.threads, 1);
      assert.match(String(s?.mem), /^2\d\d\.\d MiB$|^256/);
      assert.equal(s?.tz, 'UTC');
      assert.match(String(s?.wal), /^6\d\.\d MiB$/);
      assert.equal(s?.day, '2024-05-02', 'TIMESTAMPTZ casts to the UTC wall time');
    } finally {
      await w.close();
    }
  });

  it('runs several statements in one exec, and converts values as documented', async () => {
    const w = await DuckDbWarehouse.open(':memory:');
    try {
      await w.exec(
        'CREATE TABLE a (x BIGINT); INSERT INTO a VALUES (1), (2); CREATE VIEW v AS SELECT sum(x) AS s FROM a',
      );
      const [r] = await w.query(
        `SELECT s, CAST(9007199254740993 AS BIGINT) AS unsafe, 1.5 AS dec, [1, 2] AS list,
                {'k': DATE '2024-01-02'} AS st, CAST('{"a":[1]}' AS JSON) AS j FROM v`,
      );
      assert.deepEqual(r, {
        s: 3,
        unsafe: 9007199254740993n,
        dec: 1.5,
        list: [1, 2],
        st: { k: '2024-01-02' },
        j: { a: [1] },
      });
    } finally {
      await w.close();
    }
  });

  it('inserts into an unregistered table with other integer and timestamp types', async () => {
    const w = await DuckDbWarehouse.open(':memory:');
    try {
      await w.exec('CREATE TABLE m (i INTEGER, t TIMESTAMPTZ, d DECIMAL(10, 2), u UUID)');
      await w.insert('m', [
        { i: 7, t: '2024-05-01T10:00:00+02:00', d: 12.25, u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' },
      ]);
      const rows = await w.query('SELECT * FROM m');
      assert.deepEqual(rows, [
        { i: 7, t: new Date('2024-05-01T08:00:00Z'), d: 12.25, u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' },
      ]);
    } finally {
      await w.close();
    }
  });

  it('rolls back a batch whose bad row comes after the appender has flushed', async () => {
    // DuckDB's appender flushes on its own every 204,800 rows: only the transaction keeps the rows before the
    // bad one from being committed.
    const w = await DuckDbWarehouse.open(':memory:');
    try {
      const t: TableDef = { name: 'big', columns: [{ name: 'id', type: 'int64' }] };
      await w.ensureTable(t);
      const rows = Array.from({ length: 210_000 }, (_, i) => ({ id: i }) as Record<string, unknown>);
      rows.push({ id: 'bad' });
      await assert.rejects(
        w.insert('big', rows),
        (e) => isPlazaError(e) && e.code === 'warehouse_invalid_row',
      );
      const [r] = await w.query<{ n: number }>('SELECT count(*) AS n FROM big');
      assert.equal(r?.n, 0);
    } finally {
      await w.close();
    }
  });

  it('runs a transaction all or nothing, with temp tables shared by its statements', async () => {
    const w = await DuckDbWarehouse.open(':memory:', { connections: 1 });
    try {
      await w.exec('CREATE TABLE part (day VARCHAR, n BIGINT)');
      await w.exec("INSERT INTO part VALUES ('d1', 1), ('d1', 2), ('d2', 3)");
      const changed = await w.transaction([
        'CREATE TEMP TABLE fresh AS SELECT * FROM (VALUES (10), (20), (30)) v(n)',
        "DELETE FROM part WHERE day = 'd1'",
        "INSERT INTO part SELECT 'd1', n FROM fresh",
        'DROP TABLE fresh',
      ]);
      assert.deepEqual(changed, [0, 2, 3, 0]);
      const rows = async () =>
        (await w.query<{ n: number }>('SELECT n FROM part ORDER BY n')).map((r) => r.n);
      assert.deepEqual(await rows(), [3, 10, 20, 30]);

      await assert.rejects(
        w.transaction(["DELETE FROM part WHERE day = 'd1'", 'INSERT INTO part SELECT no_such_column']),
        (e) => isPlazaError(e) && e.code === 'warehouse_error',
      );
      assert.deepEqual(await rows(), [3, 10, 20, 30], 'the delete before the failure was rolled back');
      // The only connection was left clean: it runs the next statement.
      assert.deepEqual(await w.transaction(["DELETE FROM part WHERE day = 'd2'"]), [1]);
    } finally {
      await w.close();
    }
  });

  it('reuses prepared statements: new parameters, tables changed or recreated since, more shapes than kept', async () => {
    const w = await DuckDbWarehouse.open(':memory:', { connections: 1 });
    try {
      await w.exec('CREATE TABLE kept (a INTEGER); INSERT INTO kept VALUES (1), (2), (3)');
      const sql = 'SELECT * FROM kept WHERE a >= $1 ORDER BY a';
      assert.deepEqual(await w.query(sql, [2]), [{ a: 2 }, { a: 3 }]);
      assert.deepEqual(await w.query(sql, [3]), [{ a: 3 }]);
      // Another type for the same parameter.
      assert.deepEqual(await w.query(sql, [2.5]), [{ a: 3 }]);
      await w.exec("ALTER TABLE kept ADD COLUMN b VARCHAR DEFAULT 'x'");
      assert.deepEqual(await w.query(sql, [3]), [{ a: 3, b: 'x' }]);
      await w.exec('DROP TABLE kept; CREATE TABLE kept (z VARCHAR)');
      await assert.rejects(w.query(sql, [1]), /"a" not found/);
      await w.exec('DROP TABLE kept; CREATE TABLE kept (a INTEGER); INSERT INTO kept VALUES (7)');
      assert.deepEqual(await w.query(sql, [1]), [{ a: 7 }]);
      // More distinct statements than one connection keeps: the oldest are dropped, answers stay right.
      for (let i = 0; i < 100; i++) {
        assert.deepEqual(await w.query(`SELECT $1::INTEGER + ${i} AS n`, [1]), [{ n: i + 1 }]);
      }
      assert.deepEqual(await w.query(sql, [7]), [{ a: 7 }]);
    } finally {
      await w.close();
    }
  });

  it('rejects operations after close', async () => {
    const w = await DuckDbWarehouse.open(':memory:');
    await w.close();
    await w.close();
    await assert.rejects(w.query('SELECT 1'), (e) => isPlazaError(e) && e.code === 'warehouse_closed');
  });

  it('close waits for operations in flight', async () => {
    const w = await DuckDbWarehouse.open(':memory:');
    await w.ensureTable(events);
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ id: i, at: new Date(i), props: { i } }));
    const inserting = w.insert('events', rows);
    const querying = w.query<{ n: number }>('SELECT count(*) AS n FROM range(1000000)');
    await w.close();
    await inserting;
    assert.equal((await querying)[0]?.n, 1_000_000);
  });
});
