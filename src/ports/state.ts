/**
 * State port: transactional SQL for the registry, keys, schemas, dead letters, offsets (embedded: PGlite;
 * distributed: PostgreSQL). Statements are plain PostgreSQL with $1-style parameters.
 */
export type SqlRow = Record<string, unknown>;

export interface StateQueries {
  query<T = SqlRow>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs one or more statements without parameters. */
  exec(sql: string): Promise<void>;
}

export interface StateStore extends StateQueries {
  readonly kind: string;
  /** Runs fn in one transaction; rolls back if it throws. */
  transaction<T>(fn: (tx: StateQueries) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
