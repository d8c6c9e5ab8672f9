import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isPlazaError } from '../../src/core/errors.js';
import type { Row, TableDef, Warehouse } from '../../src/ports/warehouse.js';

/**
 * What every Warehouse adapter must do, through the port only and with SQL that DuckDB and ClickHouse (18.16)
 * both run: identifiers go through dialect.quoteIdent, tables through dialect.createTable. `open` gives a
 * warehouse the suite closes after each test; table names are unique so a shared server works too.
 *
 * Value rules the port promises (and every adapter must keep): int64 and wider integers come back as numbers
 * when safe and bigints otherwise; timestamps as Date; dates as 'YYYY-MM-DD'; JSON parsed; NULL as null.
 */
const TIMEOUT = 60_000;

const unique = (base: string): string => `${base}_${randomBytes(5).toString('hex')}`;

const allTypes = (name: string): TableDef => ({
  name,
  columns: [
    { name: 'id', type: 'int64' },
    { name: 's', type: 'string' },
    { name: 's_null', type: 'string', nullable: true },
    { name: 'big', type: 'int64', nullable: true },
    { name: 'f', type: 'float64', nullable: true },
    { name: 'b', type: 'bool', nullable: true },
    { name: 'ts', type: 'timestamp', nullable: true },
    { name: 'd', type: 'date', nullable: true },
    { name: 'j', type: 'json', nullable: true },
  ],
  orderBy: ['id'],
  partitionByDay: 'ts',
});

const narrow = (name: string): TableDef => ({
  name,
  columns: [
    { name: 'id', type: 'int64' },
    { name: 'grp', type: 'string' },
    { name: 'amount', type: 'float64' },
    { name: 'ts', type: 'timestamp' },
  ],
  orderBy: ['grp', 'ts'],
  partitionByDay: 'ts',
});

const narrowRows = (n: number, start = 0): Row[] =>
  Array.from({ length: n }, (_, k) => {
    const i = start + k;
    return { id: i, grp: `g${i % 3}`, amount: i % 10, ts: new Date(Date.UTC(2024, 4, 1) + i * 1000) };
  });

export function warehouseContract(name: string, open: () => Promise<Warehouse>): void {
  describe(`Warehouse contract: ${name}`, { timeout: TIMEOUT }, () => {
    let w: Warehouse;
    const q = (id: string): string => w.dialect.quoteIdent(id);

    beforeEach(async () => {
      w = await open();
    });
    afterEach(async () => {
      await w.close();
    });

    it('ensureTable is idempotent and keeps data', async () => {
      const t = narrow(unique('idem'));
      await w.ensureTable(t);
      await w.ensureTable(t);
      await w.insert(t.name, narrowRows(3));
      await w.ensureTable(t);
      const [row] = await w.query<{ n: number }>(`SELECT count(*) AS n FROM ${q(t.name)}`);
      assert.equal(row?.n, 3);
    });

    it('round-trips every column type, nulls, JSON and awkward strings', async () => {
      const t = allTypes(unique('types'));
      await w.ensureTable(t);
      const ts = new Date('2024-05-01T12:34:56.789Z');
      const full: Row = {
        id: 1,
        s: 'héllo "quoted" \'single\' back\\slash\nnewline\ttab 🚗 ñ',
        s_null: 'present',
        big: 2n ** 62n + 1n,
        f: -12.5,
        b: true,
        ts,
        d: '2024-02-29',
        j: { make: 'Toyota', price: 1250000.5, tags: ['a', 'b'], nested: { ok: true, none: null } },
      };
      const empty: Row = {
        id: 2,
        s: '',
        s_null: null,
        big: null,
        f: null,
        b: null,
        ts: null,
        d: null,
        j: null,
      };
      const other: Row = {
        id: 3,
        s: 'x',
        big: -42,
        f: 0.1,
        b: false,
        ts: ts.getTime(),
        d: '1999-12-31',
        j: [1, 'two', null],
      };
      await w.insert(t.name, [full, empty, other]);

      const rows = await w.query(`SELECT * FROM ${q(t.name)} ORDER BY ${q('id')}`);
      assert.equal(rows.length, 3);
      assert.deepEqual(rows[0], full);
      assert.deepEqual(rows[1], empty);
      assert.equal(typeof rows[2]?.big, 'number', 'safe int64 values come back as numbers');
      assert.deepEqual(rows[2], { ...other, s_null: null, ts });
    });

    it('binds positional parameters of every kind', async () => {
      const t = allTypes(unique('params'));
      await w.ensureTable(t);
      const base = Date.UTC(2024, 0, 1);
      await w.insert(
        t.name,
        Array.from({ length: 10 }, (_, i) => ({
          id: i,
          s: `s${i % 2}`,
          big: i * 10,
          f: i / 2,
          b: i % 2 === 0,
          ts: new Date(base + i * 3_600_000),
          d: `2024-01-0${1 + (i % 3)}`,
          j: { i },
        })),
      );
      const ids = async (where: string, params: unknown[]): Promise<number[]> =>
        (
          await w.query<{ id: number }>(
            `SELECT ${q('id')} FROM ${q(t.name)} WHERE ${where} ORDER BY ${q('id')}`,
            params,
          )
        ).map((r) => r.id);
      assert.deepEqual(await ids(`${q('s')} = $1 AND ${q('big')} >= $2`, ['s1', 50]), [5, 7, 9]);
      assert.deepEqual(
        await ids(`${q('ts')} >= $1 AND ${q('ts')} < $2`, [
          new Date(base + 2 * 3_600_000),
          new Date(base + 4 * 3_600_000),
        ]),
        [2, 3],
      );
      assert.deepEqual(await ids(`${q('d')} = $1`, ['2024-01-03']), [2, 5, 8]);
      assert.deepEqual(await ids(`${q('b')} = $1 AND ${q('f')} > $2`, [false, 3.2]), [7, 9]);
      assert.deepEqual(
        await ids(`${q('big')} = $1 OR ${q('big')} = $1 + 10`, [20]),
        [2, 3],
        'a parameter used twice',
      );
      assert.deepEqual(
        await ids(`${q('s')} = $1`, ["'; DROP TABLE x; --"]),
        [],
        'parameters are never spliced as SQL',
      );
      const [echo] = await w.query<{ a: string; b: number }>('SELECT $1 AS a, $2 AS b', ['text', 7]);
      assert.deepEqual(echo, { a: 'text', b: 7 });
    });

    it('aggregates: count, sum, avg, group by', async () => {
      const t = narrow(unique('agg'));
      await w.ensureTable(t);
      await w.insert(t.name, narrowRows(30));
      const groups = await w.query<{ grp: string; n: number; total: number; mean: number }>(
        `SELECT ${q('grp')}, count(*) AS n, sum(${q('id')}) AS total, avg(${q('amount')}) AS mean
         FROM ${q(t.name)} GROUP BY ${q('grp')} ORDER BY ${q('grp')}`,
      );
      assert.deepEqual(
        groups.map((g) => ({ ...g })),
        [
          { grp: 'g0', n: 10, total: 135, mean: 4.5 },
          { grp: 'g1', n: 10, total: 145, mean: 4.5 },
          { grp: 'g2', n: 10, total: 155, mean: 4.5 },
        ],
      );
      const [none] = await w.query<{ n: number }>(
        `SELECT count(*) AS n FROM ${q(t.name)} WHERE ${q('grp')} = $1`,
        ['nope'],
      );
      assert.equal(none?.n, 0);
    });

    it('inserts 100k rows in one call', async () => {
      const t = narrow(unique('large'));
      await w.ensureTable(t);
      const rows = narrowRows(100_000);
      await w.insert(t.name, rows);
      const [r] = await w.query<{ n: number; total: number; first: Date; last: Date }>(
        `SELECT count(*) AS n, sum(${q('id')}) AS total, min(${q('ts')}) AS first, max(${q('ts')}) AS last FROM ${q(t.name)}`,
      );
      assert.equal(r?.n, 100_000);
      assert.equal(r?.total, (99_999 * 100_000) / 2);
      assert.deepEqual(r?.first, rows[0]?.ts);
      assert.deepEqual(r?.last, rows[99_999]?.ts);
    });

    it('replaceRows upserts by key across tables, idempotently, and leaves other rows alone', async () => {
      const a = narrow(unique('repl_a'));
      const b = narrow(unique('repl_b'));
      await w.ensureTable(a);
      await w.ensureTable(b);
      await w.insert(a.name, narrowRows(5));
      const changed = [
        { id: 1, grp: 'g1', amount: 100, ts: new Date(Date.UTC(2024, 4, 2)) },
        { id: 7, grp: 'g1', amount: 7, ts: new Date(Date.UTC(2024, 4, 2)) },
      ];
      const write = () =>
        w.replaceRows([
          { table: a.name, key: ['id', 'grp'], rows: changed },
          { table: b.name, key: ['id'], rows: narrowRows(2_000) },
        ]);
      await write();
      await write();
      const rows = await w.query<{ id: number; amount: number }>(
        `SELECT ${q('id')} AS id, ${q('amount')} AS amount FROM ${q(a.name)} ORDER BY ${q('id')}`,
      );
      assert.deepEqual(
        rows.map((r) => [r.id, r.amount]),
        [
          [0, 0],
          [1, 100],
          [2, 2],
          [3, 3],
          [4, 4],
          [7, 7],
        ],
      );
      const [n] = await w.query<{ n: number }>(`SELECT count(*) AS n FROM ${q(b.name)}`);
      assert.equal(n?.n, 2_000);
    });

    it('replaceRows with a bad value changes nothing in any table', async () => {
      const a = narrow(unique('repl_bad'));
      await w.ensureTable(a);
      await w.insert(a.name, narrowRows(3));
      await assert.rejects(
        w.replaceRows([
          { table: a.name, key: ['id'], rows: [{ ...narrowRows(1)[0], amount: 55 }] },
          { table: a.name, key: ['id'], rows: [{ id: 2, grp: 'g', amount: 'lots', ts: new Date() }] },
        ]),
      );
      const rows = await w.query<{ amount: number }>(`SELECT ${q('amount')} AS amount FROM ${q(a.name)}`);
      assert.deepEqual(rows.map((r) => r.amount).sort(), [0, 1, 2]);
    });

    it('runs concurrent inserts and queries, each batch all or nothing', async () => {
      const t = narrow(unique('conc'));
      await w.ensureTable(t);
      const batch = 2_000;
      const writers = Array.from({ length: 6 }, (_, k) => w.insert(t.name, narrowRows(batch, k * batch)));
      const readers = Array.from({ length: 12 }, () =>
        w.query<{ n: number }>(`SELECT count(*) AS n FROM ${q(t.name)}`).then((r) => r[0]?.n ?? -1),
      );
      const [, seen] = await Promise.all([Promise.all(writers), Promise.all(readers)]);
      for (const n of seen) assert.equal(n % batch, 0, `a reader saw ${n} rows: part of a batch`);
      const [r] = await w.query<{ n: number; ids: number }>(
        `SELECT count(*) AS n, count(DISTINCT ${q('id')}) AS ids FROM ${q(t.name)}`,
      );
      assert.deepEqual({ ...r }, { n: 6 * batch, ids: 6 * batch });
    });

    it('rejects a batch with a bad value and inserts none of it', async () => {
      const t = allTypes(unique('bad'));
      await w.ensureTable(t);
      const good = (id: number): Row => ({ id, s: `ok${id}` });
      const cases: [string, Row][] = [
        ['a string in an int64 column', { id: 'seven', s: 'x' }],
        ['a null in a NOT NULL column', { id: 1, s: null }],
        ['a number in a string column', { id: 1, s: 12 }],
        ['an invalid Date', { id: 1, s: 'x', ts: new Date('nope') }],
        ['a malformed date', { id: 1, s: 'x', d: '2024/01/02' }],
      ];
      for (const [what, bad] of cases) {
        const rows = [...Array.from({ length: 500 }, (_, i) => good(i)), bad, good(501)];
        await assert.rejects(w.insert(t.name, rows), (e) => isPlazaError(e), what);
      }
      const [r] = await w.query<{ n: number }>(`SELECT count(*) AS n FROM ${q(t.name)}`);
      assert.equal(r?.n, 0);
      await w.insert(t.name, [good(1)]);
      const [after] = await w.query<{ n: number }>(`SELECT count(*) AS n FROM ${q(t.name)}`);
      assert.equal(after?.n, 1, 'the warehouse still works after rejected batches');
    });

    it('executes DDL and inserts into a table it was never told about', async () => {
      const t = narrow(unique('ddl'));
      await w.exec(w.dialect.createTable(t));
      await w.insert(t.name, narrowRows(5));
      await w.insert(t.name, []);
      const [r] = await w.query<{ n: number }>(`SELECT count(*) AS n FROM ${q(t.name)}`);
      assert.equal(r?.n, 5);
      await w.exec(`DROP TABLE ${q(t.name)}`);
      await assert.rejects(w.query(`SELECT count(*) AS n FROM ${q(t.name)}`), (e) => isPlazaError(e));
      await assert.rejects(w.insert(t.name, narrowRows(1)), (e) => isPlazaError(e));
    });

    it('reports bad SQL as a PlazaError', async () => {
      await assert.rejects(w.query('SELEC nonsense'), (e) => isPlazaError(e));
      await assert.rejects(w.exec('CREATE TABLE'), (e) => isPlazaError(e));
    });
  });
}
