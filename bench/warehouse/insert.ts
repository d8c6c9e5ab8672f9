/**
 * Insert throughput of the DuckDB warehouse for raw_events rows, against two baselines in the same run:
 * DuckDB's own NDJSON reader (`INSERT INTO ... SELECT * FROM read_json(...)`) over a file of the same rows, and
 * plain multi-row INSERT statements.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/warehouse/insert.js [rows=200000] [path=:memory:]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbWarehouse } from '../../src/adapters/warehouse/duckdb/duckdb-warehouse.js';
import type { PlazaEvent } from '../../src/core/envelope.js';
import type { Row, TableDef } from '../../src/ports/warehouse.js';
import { rawEventsTable, toRawEventRow } from '../../src/warehouse/raw-events-table.js';

const count = Number(process.argv[2] ?? 200_000);
const target = process.argv[3] ?? ':memory:';
const multiRowCount = Math.min(count, 20_000);

const types = ['page_viewed', 'listing_viewed', 'search_performed', 'listing_favorited', 'contact_clicked'];

function event(i: number): PlazaEvent {
  const ts = new Date(Date.UTC(2024, 4, 1) + i * 350).toISOString();
  return {
    event_id: `0b6f2a4e-8a1c-4c1e-9f3e-${i.toString(16).padStart(12, '0')}`,
    project_id: 'autos-rd',
    event_type: types[i % types.length]!,
    timestamp: ts,
    received_at: ts,
    sent_at: ts,
    original_timestamp: null,
    anonymous_id: `anon-${i % 20_000}`,
    user_id: i % 3 === 0 ? `user-${i % 7_000}` : null,
    session_id: `sess-${Math.floor(i / 12)}`,
    seller_id: `dealer-${i % 300}`,
    listing_id: `lst-${i % 9_000}`,
    schema_version: 1,
    source: { shape: 'native', key_id: 'wk_live_01', segment_type: null },
    context: {
      ip: '181.36.12.0',
      user_agent:
        'Mozilla/5.0 (Linux; Android 13; SM-A135F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
      referrer: 'https://www.google.com/',
      referrer_host: 'www.google.com',
      page_url: `https://autos.example.do/vehiculos/${i % 9_000}?utm_source=google`,
      page_path: `/vehiculos/${i % 9_000}`,
      page_title: 'Toyota Corolla 2019 - Santo Domingo',
      device_type: 'mobile',
      os: 'Android',
      os_version: '13',
      browser: 'Chrome',
      browser_version: '124.0.0.0',
      is_bot: false,
      locale: 'es-DO',
      timezone: 'America/Santo_Domingo',
      library: { name: 'plaza-js', version: '0.1.0' },
      utm: { source: 'google', medium: 'cpc', campaign: 'primavera', term: null, content: null },
      extra: { screen: { width: 412, height: 915 } },
    },
    properties: {
      price: 1_250_000 + i,
      currency: 'DOP',
      make: 'Toyota',
      model: 'Corolla',
      year: 2019,
      position: i % 20,
    },
    traits: null,
    flags: [],
  };
}

const rows: Row[] = Array.from({ length: count }, (_, i) => toRawEventRow(event(i), 'user-events', i % 4, i));
const dir = await mkdtemp(join(tmpdir(), 'plaza-bench-'));
const w = await DuckDbWarehouse.open(target === ':memory:' ? ':memory:' : join(dir, target));
const q = (s: string) => w.dialect.quoteIdent(s);
const as = (name: string): TableDef => ({ ...rawEventsTable, name });

async function timed(label: string, n: number, fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  const seconds = (performance.now() - start) / 1000;
  const rate = n / seconds;
  console.log(
    `${label.padEnd(44)} ${String(n).padStart(7)} rows  ${seconds.toFixed(2).padStart(6)} s  ${Math.round(rate).toLocaleString('en').padStart(9)} rows/s`,
  );
  return rate;
}

async function countOf(table: string): Promise<number> {
  const [r] = await w.query<{ n: number }>(`SELECT count(*) AS n FROM ${q(table)}`);
  return Number(r?.n);
}

try {
  console.log(`raw_events rows: ${count}, ${rawEventsTable.columns.length} columns, warehouse ${target}`);
  await w.ensureTable(as('bench_appender'));
  const appender = await timed('warehouse.insert (Appender)', count, () => w.insert('bench_appender', rows));

  // NDJSON baseline: JSON columns stay objects in the file; read_json's JSON type keeps them as JSON text.
  await w.ensureTable(as('bench_read_json'));
  const file = join(dir, 'rows.ndjson');
  const columns = rawEventsTable.columns.map((c) => `${q(c.name)}: '${w.dialect.columnType(c)}'`).join(', ');
  let serialise = 0;
  const readJson = await timed('NDJSON + INSERT ... SELECT FROM read_json', count, async () => {
    const s = performance.now();
    await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n'));
    serialise = performance.now() - s;
    await w.exec(
      `INSERT INTO bench_read_json SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = {${columns}})`,
    );
  });
  const readJsonOnly = count / (count / readJson - serialise / 1000 || Number.EPSILON);
  console.log(
    `${'  of which read_json alone'.padEnd(44)} ${' '.repeat(30)}${Math.round(readJsonOnly).toLocaleString('en').padStart(9)} rows/s`,
  );

  await w.ensureTable(as('bench_multirow'));
  const literal = (v: unknown): string => {
    if (v === null || v === undefined) return 'NULL';
    if (v instanceof Date) return `'${v.toISOString().replace('T', ' ').replace('Z', '')}'`;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    return `'${text.replaceAll("'", "''")}'`;
  };
  const names = rawEventsTable.columns.map((c) => c.name);
  const multiRow = await timed('multi-row INSERT (1,000 rows a statement)', multiRowCount, async () => {
    for (let from = 0; from < multiRowCount; from += 1_000) {
      const values = rows
        .slice(from, Math.min(multiRowCount, from + 1_000))
        .map((r) => `(${names.map((n) => literal(r[n])).join(', ')})`);
      await w.exec(`INSERT INTO bench_multirow VALUES ${values.join(', ')}`);
    }
  });

  const counts = [
    await countOf('bench_appender'),
    await countOf('bench_read_json'),
    await countOf('bench_multirow'),
  ];
  if (counts[0] !== count || counts[1] !== count || counts[2] !== multiRowCount) {
    throw new Error(`row counts do not match: ${counts.join(', ')}`);
  }
  console.log(
    `Appender / read_json: ${(appender / readJson).toFixed(2)}x   Appender / multi-row INSERT: ${(appender / multiRow).toFixed(1)}x`,
  );
} finally {
  await w.close();
  await rm(dir, { recursive: true, force: true });
}
