import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBResultReader,
} from '@duckdb/node-api';
import { isPlazaError, PlazaError } from '../../../core/errors.js';
import type {
  ColumnDef,
  ColumnType,
  Row,
  RowReplacement,
  TableDef,
  Warehouse,
} from '../../../ports/warehouse.js';
import { appendRows } from './duckdb-append.js';
import { duckDbDialect } from './duckdb-dialect.js';
import { ConnectionPool } from './duckdb-pool.js';
import { PreparedStatements } from './duckdb-prepared.js';
import { plazaValueConverter, toParams } from './duckdb-values.js';

export interface DuckDbWarehouseOptions {
  /** DuckDB worker threads (default: DuckDB's, the number of cores). */
  threads?: number;
  /** e.g. '1GB' (default: DuckDB's, 80% of RAM). */
  memoryLimit?: string;
  /** Connections lent to concurrent operations (default 4). */
  connections?: number;
  /** WAL size that triggers an automatic checkpoint (default 128MB; see `open`). */
  checkpointThreshold?: string;
}

const newline = new Uint8Array([10]);
let loadSeq = 0;

/** Rows appended between yields to the event loop, so a large insert does not stall HTTP handling. */
const appendSlice = 4096;

/**
 * The embedded warehouse: one DuckDB database file (or memory). Values read back follow the rules in
 * duckdb-values.ts; timestamps are stored as TIMESTAMP holding UTC (see duckdb-dialect.ts), and the
 * database's TimeZone is pinned to UTC so that casts from TIMESTAMPTZ (now(), literals with offsets) agree.
 */
export class DuckDbWarehouse implements Warehouse {
  readonly dialect = duckDbDialect;
  /** Tables registered through ensureTable: their definitions give the appender its column order and types. */
  private readonly registered = new Map<string, ColumnDef[]>();
  /** Tables inserted into without registration, described from information_schema. */
  private readonly described = new Map<string, ColumnDef[]>();
  /** DDL from two connections at once can fail with a catalog write-write conflict, so it goes one at a time. */
  private ddl: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly prepared = new PreparedStatements();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly pool: ConnectionPool,
    /** Where loadJsonLines stages its files: beside the database file, or the OS temp dir for :memory:. */
    private readonly scratchDir: string,
  ) {}

  static async open(
    path: string | ':memory:',
    options: DuckDbWarehouseOptions = {},
  ): Promise<DuckDbWarehouse> {
    const config: Record<string, string> = {};
    if (options.threads !== undefined) config['threads'] = String(options.threads);
    if (options.memoryLimit !== undefined) config['memory_limit'] = options.memoryLimit;
    // DuckDB checkpoints every 16 MB of WAL by default, so bulk writes (the sink's loads, the pipelines'
    // partitions) are written twice, to the WAL and then to the file, at every few transactions: measured on
    // the daily staging build, 128 MB halves its time. A crash replays at most that much WAL on restart.
    config['checkpoint_threshold'] = options.checkpointThreshold ?? '128MB';
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, config);
    } catch (e) {
      throw new PlazaError(
        'warehouse_open_failed',
        `Cannot open the DuckDB warehouse at ${path}: ${messageOf(e)}`,
        500,
        { cause: e },
      );
    }
    const scratch = path === ':memory:' ? tmpdir() : dirname(path);
    const warehouse = new DuckDbWarehouse(
      instance,
      new ConnectionPool(instance, options.connections ?? 4),
      scratch,
    );
    // TimeZone needs the ICU extension; without it DuckDB already treats TIMESTAMPTZ as UTC.
    await warehouse.pool.use((c) => c.run(`SET GLOBAL TimeZone = 'UTC'`)).catch(() => undefined);
    return warehouse;
  }

  async ensureTable(table: TableDef): Promise<void> {
    await this.serialDdl(async (c) => {
      await c.run(this.dialect.createTable(table));
      const existing = await describeTable(c, table.name);
      const want = table.columns.map((col) => col.name);
      const have = (existing ?? []).map((col) => col.name);
      if (want.join('\u0000') !== have.join('\u0000')) {
        throw new PlazaError(
          'warehouse_table_mismatch',
          `Warehouse table ${table.name} exists with columns (${have.join(', ')}) but Plaza expects ` +
            `(${want.join(', ')}); migrate or drop the table`,
          500,
        );
      }
    });
    this.registered.set(table.name, table.columns);
    this.described.delete(table.name);
  }

  async insert(table: string, rows: Row[]): Promise<void> {
    if (rows.length === 0) return;
    this.assertOpen();
    await this.pool.use(async (c) => {
      const columns = await this.columnsOf(c, table);
      // Flushed rows become visible to others only at COMMIT, so a batch is all or nothing.
      await inTransaction(c, async () => {
        let appender: DuckDBAppender | undefined;
        try {
          appender = await c.createAppender(table);
          if (appender.columnCount !== columns.length) {
            throw new PlazaError(
              'warehouse_table_mismatch',
              `Warehouse table ${table} has ${appender.columnCount} columns but Plaza knows ${columns.length}`,
              500,
            );
          }
          for (let from = 0; from < rows.length; from += appendSlice) {
            if (from > 0) await new Promise((resolve) => setImmediate(resolve));
            appendRows(appender, table, columns, rows, from, Math.min(rows.length, from + appendSlice));
          }
          const done = appender;
          appender = undefined;
          done.closeSync(); // flushes
        } catch (e) {
          try {
            appender?.clear();
            appender?.closeSync();
          } catch {
            // The rollback discards whatever the appender managed to flush.
          }
          throw e;
        }
      });
    });
  }

  async replaceRows(replacements: RowReplacement[]): Promise<void> {
    this.assertOpen();
    const work = replacements.filter((r) => r.rows.length > 0);
    if (work.length === 0) return;
    await this.pool.use((c) =>
      inTransaction(c, async () => {
        for (const [i, r] of work.entries()) {
          const columns = await this.columnsOf(c, r.table);
          const q = (n: string) => duckDbDialect.quoteIdent(n);
          const staged = q(`_plaza_replace_${i}`);
          // New rows go through the appender into a temporary copy of the table: one DELETE … USING and one
          // INSERT … SELECT then replace by key, whatever the batch size.
          await run(c, `CREATE OR REPLACE TEMP TABLE ${staged} AS SELECT * FROM ${q(r.table)} LIMIT 0`);
          const appender = await c.createAppender(`_plaza_replace_${i}`, 'main', 'temp');
          try {
            appendRows(appender, r.table, columns, r.rows, 0, r.rows.length);
          } finally {
            appender.closeSync();
          }
          const on = r.key.map((k) => `t.${q(k)} IS NOT DISTINCT FROM s.${q(k)}`).join(' AND ');
          await run(c, `DELETE FROM ${q(r.table)} t USING ${staged} s WHERE ${on}`);
          await run(c, `INSERT INTO ${q(r.table)} SELECT * FROM ${staged}`);
          await run(c, `DROP TABLE ${staged}`);
        }
      }),
    );
  }

  async loadJsonLines(lines: Uint8Array[], insertSql: (source: string) => string): Promise<void> {
    this.assertOpen();
    if (lines.length === 0) return;
    const file = join(this.scratchDir, `plaza-load-${process.pid}-${++loadSeq}.ndjson`);
    const parts: Uint8Array[] = [];
    for (const line of lines) parts.push(line, newline);
    await writeFile(file, Buffer.concat(parts));
    try {
      await this.pool.use(async (c) => {
        try {
          await c.run(insertSql(`'${file.replaceAll("'", "''")}'`));
        } catch (e) {
          throw toPlazaError(e);
        }
      });
    } finally {
      await rm(file, { force: true });
    }
  }

  async transaction(statements: readonly string[]): Promise<number[]> {
    this.assertOpen();
    return this.pool.use((c) =>
      inTransaction(c, async () => {
        const changed: number[] = [];
        for (const sql of statements) changed.push(Number((await c.run(sql)).rowsChanged));
        return changed;
      }),
    );
  }

  async query<T = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    this.assertOpen();
    const { values, types } = toParams(params);
    return this.pool.use(async (c) => {
      try {
        if (values.length === 0) return toRowObjects(await c.runAndReadAll(sql)) as T[];
        const statement = await this.prepared.get(c, sql);
        try {
          statement.bind(values, types);
          return toRowObjects(await statement.runAndReadAll()) as T[];
        } catch (e) {
          this.prepared.forget(c, sql);
          throw e;
        }
      } catch (e) {
        throw toPlazaError(e);
      }
    });
  }

  async exec(sql: string): Promise<void> {
    await this.serialDdl((c) => run(c, sql));
    // The statements may have altered any table this adapter described earlier.
    this.described.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ddl.catch(() => undefined);
    await this.pool.drain();
    try {
      await this.pool.use((c) => run(c, 'CHECKPOINT'));
    } finally {
      this.prepared.destroyAll();
      this.pool.closeAll();
      this.instance.closeSync();
    }
  }

  private async serialDdl(fn: (c: DuckDBConnection) => Promise<unknown>): Promise<void> {
    this.assertOpen();
    const next = this.ddl.catch(() => undefined).then(() => this.pool.use(fn));
    this.ddl = next;
    await next;
  }

  private async columnsOf(c: DuckDBConnection, table: string): Promise<readonly ColumnDef[]> {
    const known = this.registered.get(table) ?? this.described.get(table);
    if (known) return known;
    const columns = await describeTable(c, table);
    if (!columns) {
      throw new PlazaError('warehouse_unknown_table', `Warehouse table ${table} does not exist`, 500);
    }
    this.described.set(table, columns);
    return columns;
  }

  private assertOpen(): void {
    if (this.closed) throw new PlazaError('warehouse_closed', 'The warehouse has been closed', 503);
  }
}

/**
 * Converted with the result's column types rather than the data chunks' (what the reader's own row-object
 * helpers use): only the former carry the JSON alias that says a VARCHAR is JSON.
 */
function toRowObjects(reader: DuckDBResultReader): Row[] {
  const names = reader.deduplicatedColumnNames();
  const types = reader.columnTypes();
  return reader.getRows().map((values) => {
    const row: Row = {};
    for (let c = 0; c < names.length; c++) {
      row[names[c]!] = plazaValueConverter(values[c] ?? null, types[c]!, plazaValueConverter);
    }
    return row;
  });
}

/** The table's columns in storage order, or undefined when it does not exist. */
async function describeTable(c: DuckDBConnection, table: string): Promise<ColumnDef[] | undefined> {
  const reader = await c.runAndReadAll(
    `SELECT column_name, data_type, is_nullable FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  const rows = reader.getRowObjectsJS() as { column_name: string; data_type: string; is_nullable: string }[];
  if (rows.length === 0) return undefined;
  return rows.map((r) => ({
    name: r.column_name,
    type: columnTypeOf(table, r.column_name, r.data_type),
    nullable: r.is_nullable === 'YES',
  }));
}

function columnTypeOf(table: string, column: string, dataType: string): ColumnType {
  const t = dataType.toUpperCase();
  if (t === 'VARCHAR' || t === 'UUID' || t.startsWith('ENUM')) return 'string';
  if (t === 'JSON') return 'json';
  if (/^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$/.test(t)) return 'int64';
  if (t === 'DOUBLE' || t === 'FLOAT' || t.startsWith('DECIMAL')) return 'float64';
  if (t === 'BOOLEAN') return 'bool';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  if (t === 'DATE') return 'date';
  throw new PlazaError(
    'warehouse_unsupported_column',
    `Cannot insert into ${table}: column ${column} has type ${dataType}, which the warehouse port does not write`,
    500,
  );
}

/**
 * Runs `fn` between BEGIN and COMMIT on `c`. A failure rolls back: a failed statement leaves the session's
 * transaction aborted, and the pooled connection must not keep it.
 */
async function inTransaction<T>(c: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  await run(c, 'BEGIN TRANSACTION');
  try {
    const result = await fn();
    await run(c, 'COMMIT');
    return result;
  } catch (e) {
    await c.run('ROLLBACK').catch(() => undefined);
    throw toPlazaError(e);
  }
}

async function run(c: DuckDBConnection, sql: string): Promise<void> {
  try {
    await c.run(sql);
  } catch (e) {
    throw toPlazaError(e);
  }
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Engine errors become one PlazaError code, keeping DuckDB's message (it names the table, column or syntax). */
function toPlazaError(e: unknown): PlazaError {
  if (isPlazaError(e)) return e;
  return new PlazaError('warehouse_error', `DuckDB: ${messageOf(e)}`, 500, { cause: e });
}
