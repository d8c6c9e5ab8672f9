import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/**
 * A few connections to one DuckDB instance, each lent to one operation at a time. DuckDB runs statements of
 * different connections in parallel (MVCC), but a connection is a session: its open transaction and its
 * appender must never be shared by two operations that interleave at an await.
 */
export class ConnectionPool {
  private readonly idle: DuckDBConnection[] = [];
  private readonly all: DuckDBConnection[] = [];
  private readonly waiters: ((c: DuckDBConnection) => void)[] = [];
  private opened = 0;
  private busy = 0;
  private drained: (() => void) | null = null;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly max: number,
  ) {}

  async use<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = await this.acquire();
    try {
      return await fn(connection);
    } finally {
      this.release(connection);
    }
  }

  /** Resolves once no operation holds a connection. */
  async drain(): Promise<void> {
    if (this.busy === 0) return;
    await new Promise<void>((resolve) => {
      this.drained = resolve;
    });
  }

  closeAll(): void {
    for (const c of this.all) c.closeSync();
    this.all.length = 0;
    this.idle.length = 0;
    this.opened = 0;
  }

  private async acquire(): Promise<DuckDBConnection> {
    this.busy++;
    const free = this.idle.pop();
    if (free) return free;
    if (this.opened < this.max) {
      // Counted before the await so that concurrent acquirers do not all open one.
      this.opened++;
      try {
        const connection = await this.instance.connect();
        this.all.push(connection);
        return connection;
      } catch (e) {
        this.opened--;
        this.settle();
        throw e;
      }
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(connection: DuckDBConnection): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(connection);
    else this.idle.push(connection);
    this.settle();
  }

  /** Ends one acquire (every acquire counted itself in `busy`, waiting or not). */
  private settle(): void {
    this.busy--;
    if (this.busy === 0 && this.drained) {
      this.drained();
      this.drained = null;
    }
  }
}
