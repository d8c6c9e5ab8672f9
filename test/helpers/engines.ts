import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';

export type EngineEnv = 'PLAZA_TEST_PG_URL' | 'PLAZA_TEST_REDIS_URL';

/**
 * The URL of a real engine started for the test run. Missing means the run is misconfigured, and that must fail
 * loudly: a suite that skips its engine would pass without testing anything.
 */
export function requireEnv(name: EngineEnv): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run the tests with \`npm test\` (it starts PostgreSQL and Redis), or start them with ` +
        '`node scripts/services.mjs` and export the variables it prints',
    );
  }
  return value;
}

export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database on the test server, so test files running at once never share tables. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = requireEnv('PLAZA_TEST_PG_URL');
  const name = `plaza_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      withAdmin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

async function withAdmin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A short random prefix for keys and table names, so concurrently running suites never collide. */
export function uniqueName(prefix = 't'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A loopback port nothing listens on (for testing what happens when an engine is unreachable). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}
