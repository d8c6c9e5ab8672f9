import pg from 'pg';
import { PlazaError } from '../../core/errors.js';
import type { SqlRow, StateQueries, StateStore } from '../../ports/state.js';

export interface PostgresStateOptions {
  /** Most connections the pool opens. Default 10. */
  maxConnections?: number;
  /** How long to wait for a connection before failing with state_unavailable. Default 5000 ms. */
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  applicationName?: string;
  /** Errors of idle pooled connections (server restart, network); the pool replaces the connection itself. */
  onIdleError?: (error: Error) => void;
}

/** Distributed state: PostgreSQL through a `pg` pool, returning the same JS values as the PGlite adapter. */
export class PostgresState implements StateStore {
  readonly kind = 'postgres';

  private constructor(
    private readonly pool: pg.Pool,
    private readonly where: string,
  ) {}

  static async open(url: string, options: PostgresStateOptions = {}): Promise<PostgresState> {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
      application_name: options.applicationName ?? 'plaza',
      types: { getTypeParser: typeParser as pg.CustomTypesConfig['getTypeParser'] },
    });
    // Without a listener an idle connection's error would crash the process.
    pool.on('error', (e) => options.onIdleError?.(e));
    const state = new PostgresState(pool, describeUrl(url));
    try {
      await state.query('SELECT 1');
    } catch (e) {
      await pool.end().catch(() => {});
      throw e;
    }
    return state;
  }

  async query<T = SqlRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    try {
      return await runQuery<T>(this.pool, sql, params);
    } catch (e) {
      throw this.normalise(e);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.pool.query(sql);
    } catch (e) {
      throw this.normalise(e);
    }
  }

  async transaction<T>(fn: (tx: StateQueries) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw this.normalise(e);
    }
    // A tx handle that escapes fn must not run statements on a connection already back in the pool.
    let open = true;
    const guard = () => {
      if (!open) throw new Error('transaction handle used after its transaction ended');
    };
    const tx: StateQueries = {
      query: async <R = SqlRow>(sql: string, params: unknown[] = []) => {
        guard();
        try {
          return await runQuery<R>(client, sql, params);
        } catch (e) {
          throw this.normalise(e);
        }
      },
      exec: async (sql: string) => {
        guard();
        try {
          await client.query(sql);
        } catch (e) {
          throw this.normalise(e);
        }
      },
    };
    let broken: Error | undefined;
    // A checked-out client reports a dying connection as an 'error' event, which would crash the process
    // unheard; the failing query rejects as well, so noting it is enough.
    const onError = (e: Error) => {
      broken ??= e;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is in an unknown state: drop it rather than hand it to the next caller.
        broken = rollbackError as Error;
      }
      throw this.normalise(e);
    } finally {
      open = false;
      // A broken client keeps the listener: its teardown may still emit.
      if (!broken) client.off('error', onError);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private normalise(e: unknown): unknown {
    if (e instanceof PlazaError || !isConnectionFailure(e)) return e;
    const reason = e instanceof Error ? e.message : String(e);
    return new PlazaError('state_unavailable', `PostgreSQL at ${this.where} is unavailable: ${reason}`, 503, {
      cause: e,
    });
  }
}

async function runQuery<T>(on: pg.Pool | pg.PoolClient, sql: string, params: unknown[]): Promise<T[]> {
  // Extended protocol even without parameters, as PGlite does: one statement per query(), same results.
  const config = { text: sql, values: params, queryMode: 'extended' } as pg.QueryConfig;
  const res = await on.query(config);
  return res.rows as T[];
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);
/**
 * SQLSTATEs that mean "this server cannot serve us" rather than "your statement is wrong": shutdowns, too many
 * connections, a missing database (3D000) and rejected credentials (class 28), besides class 08 itself.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '3D000']);

function isConnectionFailure(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (
      NETWORK_CODES.has(code) ||
      UNAVAILABLE_SQLSTATES.has(code) ||
      code.startsWith('08') ||
      code.startsWith('28')
    )
      return true;
  }
  if (e instanceof AggregateError) return e.errors.some(isConnectionFailure);
  // pg reports these as plain Errors without a code.
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable/i.test(
    e.message,
  );
}

/** host:port/database for messages; never the password. */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

// ---------------------------------------------------------------------------------------------------------
// Result types. PGlite decides what JS value each PostgreSQL type becomes; these parsers make pg agree, so the
// same SQL returns the same values on both (the state contract suite pins each case).

type Parser = (value: string) => unknown;

const OID = {
  BYTEA: 17,
  INT8: 20,
  POINT: 600,
  CIRCLE: 718,
  TEXT_ARRAY: 1009,
  INT8_ARRAY: 1016,
  POINT_ARRAY: 1017,
  BYTEA_ARRAY: 1001,
  DATE: 1082,
  TIMESTAMP: 1114,
  TIMESTAMP_ARRAY: 1115,
  DATE_ARRAY: 1182,
  TIMESTAMPTZ: 1184,
  TIMESTAMPTZ_ARRAY: 1185,
  INTERVAL: 1186,
  INTERVAL_ARRAY: 1187,
  NUMERIC_ARRAY: 1231,
} as const;

/** int8 as a number while it is exact, as a bigint beyond 2^53. */
const parseInt8: Parser = (v) => {
  const n = BigInt(v);
  return n < BigInt(Number.MIN_SAFE_INTEGER) || n > BigInt(Number.MAX_SAFE_INTEGER) ? n : Number(n);
};

const parseTime: Parser = (v) => {
  if (v === 'infinity') return Number.POSITIVE_INFINITY;
  if (v === '-infinity') return Number.NEGATIVE_INFINITY;
  return new Date(v);
};

const parseBytea: Parser = (v) => Uint8Array.from(Buffer.from(v.slice(2), 'hex'));

type TypeId = Parameters<typeof pg.types.getTypeParser>[0];

const parseTextArray = pg.types.getTypeParser(OID.TEXT_ARRAY as TypeId, 'text') as (v: string) => unknown[];

/** Arrays parse as text first, then each element goes through the element type's parser. */
const arrayOf =
  (element: Parser): Parser =>
  (v) => {
    const map = (items: unknown[]): unknown[] =>
      items.map((x) => (x === null ? null : Array.isArray(x) ? map(x) : element(x as string)));
    return map(parseTextArray(v));
  };

const asText: Parser = (v) => v;

const overrides = new Map<number, Parser>([
  [OID.INT8, parseInt8],
  [OID.INT8_ARRAY, arrayOf(parseInt8)],
  [OID.NUMERIC_ARRAY, arrayOf(asText)],
  [OID.DATE, parseTime],
  [OID.TIMESTAMP, parseTime],
  [OID.TIMESTAMPTZ, parseTime],
  [OID.DATE_ARRAY, arrayOf(parseTime)],
  [OID.TIMESTAMP_ARRAY, arrayOf(parseTime)],
  [OID.TIMESTAMPTZ_ARRAY, arrayOf(parseTime)],
  [OID.BYTEA, parseBytea],
  [OID.BYTEA_ARRAY, arrayOf(parseBytea)],
  [OID.INTERVAL, asText],
  [OID.INTERVAL_ARRAY, arrayOf(asText)],
  [OID.POINT, asText],
  [OID.POINT_ARRAY, arrayOf(asText)],
  [OID.CIRCLE, asText],
]);

function typeParser(oid: number, format?: 'text' | 'binary'): Parser {
  if (format === undefined || format === 'text') {
    const parser = overrides.get(oid);
    if (parser) return parser;
  }
  return pg.types.getTypeParser(oid as TypeId, format ?? 'text') as Parser;
}
