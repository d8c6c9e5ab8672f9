import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';

/**
 * Prepared statements kept per connection, keyed by their SQL. The analytics API sends the same few query
 * shapes with new parameters, and preparing costs ~0.3 ms of a 1.5 ms dashboard query (bench:query). DuckDB
 * re-binds a prepared statement by itself when a table it reads has changed, so none is ever stale.
 */
export class PreparedStatements {
  private readonly byConnection = new Map<DuckDBConnection, Map<string, DuckDBPreparedStatement>>();

  constructor(private readonly perConnection = 64) {}

  async get(connection: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
    let cache = this.byConnection.get(connection);
    if (!cache) {
      cache = new Map();
      this.byConnection.set(connection, cache);
    }
    const hit = cache.get(sql);
    if (hit) {
      // Most recently used last: the first entry is the one to evict.
      cache.delete(sql);
      cache.set(sql, hit);
      return hit;
    }
    const prepared = await connection.prepare(sql);
    cache.set(sql, prepared);
    if (cache.size > this.perConnection) {
      const [oldest, statement] = cache.entries().next().value as [string, DuckDBPreparedStatement];
      cache.delete(oldest);
      statement.destroySync();
    }
    return prepared;
  }

  /** Forgets a statement whose run failed, so a later call prepares it afresh. */
  forget(connection: DuckDBConnection, sql: string): void {
    const cache = this.byConnection.get(connection);
    const statement = cache?.get(sql);
    if (!statement) return;
    cache?.delete(sql);
    statement.destroySync();
  }

  /** Before the connections close. */
  destroyAll(): void {
    for (const cache of this.byConnection.values()) for (const s of cache.values()) s.destroySync();
    this.byConnection.clear();
  }
}
