#!/usr/bin/env node
// Starts throwaway PostgreSQL and Redis servers for the test suite: free loopback ports, fresh temp dirs,
// nothing persisted. `npm test` imports startServices(); `node scripts/services.mjs` runs them for a developer
// and prints the environment to point tests at them.
import { spawn, spawnSync } from 'node:child_process';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** @returns {Promise<{ env: Record<string, string>, stop(): Promise<void> }>} */
export async function startServices() {
  const started = [];
  const stopAll = async () => {
    // Reverse order, and keep going if one fails: a leaked server is worse than a noisy stop.
    const errors = [];
    for (const s of started.reverse()) {
      try {
        await s.stop();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'stopping test services failed');
  };
  try {
    const pg = await startPostgres();
    started.push(pg);
    const redis = await startRedis();
    started.push(redis);
    return {
      env: { PLAZA_TEST_PG_URL: pg.url, PLAZA_TEST_REDIS_URL: redis.url },
      stop: stopAll,
    };
  } catch (e) {
    await stopAll().catch(() => {});
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------
// PostgreSQL

function findPostgresBin() {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter(
          (v) => existsSync(join(base, v, 'bin', 'postgres')) && existsSync(join(base, v, 'bin', 'initdb')),
        )
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      `PostgreSQL is not installed (no ${base}/<version>/bin/postgres); run scripts/install-system-deps.sh`,
    );
  }
  return join(base, versions[0], 'bin');
}

/** PostgreSQL refuses to run as root, so as root its processes run as the `postgres` OS user. */
function postgresIdentity() {
  if (process.getuid?.() !== 0) return {};
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error('running as root but there is no `postgres` OS user to run PostgreSQL as');
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

async function startPostgres() {
  const bin = findPostgresBin();
  const ident = postgresIdentity();
  const dir = mkdtempSync(join(tmpdir(), 'plaza-pg-'));
  if (ident.uid !== undefined) chownSync(dir, ident.uid, ident.gid);
  const data = join(dir, 'data');
  const logPath = join(dir, 'postgres.log');
  const cleanup = () => rmSync(dir, { recursive: true, force: true });

  try {
    const init = spawnSync(
      join(bin, 'initdb'),
      [
        '-D',
        data,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
        '--no-instructions',
      ],
      { cwd: dir, encoding: 'utf8', ...ident },
    );
    if (init.status !== 0) {
      throw new Error(`initdb failed (exit ${init.status ?? init.signal}):\n${init.stderr || init.stdout}`);
    }
  } catch (e) {
    cleanup();
    throw e;
  }

  const port = await freePort();
  const log = openSync(logPath, 'a');
  const child = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      // Durability is pointless for a throwaway test cluster; speed is not.
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'shared_buffers=32MB',
      '-c',
      'max_connections=200',
      '-c',
      'timezone=UTC',
    ],
    { cwd: dir, stdio: ['ignore', log, log], ...ident },
  );
  closeSync(log);
  const proc = watch(child);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const stop = async () => {
    // SIGINT is PostgreSQL's "fast shutdown": roll back open sessions and exit cleanly.
    await proc.stop('SIGINT');
    cleanup();
  };

  try {
    await waitUntil(
      `PostgreSQL on port ${port}`,
      proc,
      () => postgresReady(port),
      () => tail(logPath),
    );
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
  return { url, stop };
}

/** True once a client can run a query (a TCP accept alone comes before recovery finishes). */
async function postgresReady(port) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------------------
// Redis

function findOnPath(name) {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (d && existsSync(join(d, name))) return join(d, name);
  }
  for (const d of ['/usr/bin', '/usr/local/bin', '/usr/sbin']) {
    if (existsSync(join(d, name))) return join(d, name);
  }
  return undefined;
}

async function startRedis() {
  const bin = findOnPath('redis-server');
  if (!bin) throw new Error('redis-server is not installed; run scripts/install-system-deps.sh');
  const dir = mkdtempSync(join(tmpdir(), 'plaza-redis-'));
  const logPath = join(dir, 'redis.log');
  const port = await freePort();
  const child = spawn(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--logfile',
      logPath,
      '--daemonize',
      'no',
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const proc = watch(child);
  const stop = async () => {
    await proc.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      `Redis on port ${port}`,
      proc,
      () => redisReady(port),
      () => tail(logPath),
    );
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}

function redisReady(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let buf = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Shared plumbing

/** Tracks a child's exit so readiness checks can fail fast and stop() can wait for it. */
function watch(child) {
  let exit;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
    child.on('error', (error) => {
      exit = { code: null, signal: null, error };
      resolve(exit);
    });
  });
  return {
    get exit() {
      return exit;
    },
    async stop(signal) {
      if (exit) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitUntil(what, proc, ready, logTail) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exit) {
      const how = proc.exit.error ? proc.exit.error.message : `exit ${proc.exit.code ?? proc.exit.signal}`;
      throw new Error(`${what} failed to start (${how}):\n${logTail()}`);
    }
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not accept connections within ${READY_TIMEOUT_MS} ms:\n${logTail()}`);
}

function tail(path, lines = 20) {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Asks the OS for a free loopback port; the tiny window before the server binds it is acceptable in tests. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(address.port));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// CLI

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const services = await startServices();
  for (const [k, v] of Object.entries(services.env)) console.log(`export ${k}=${v}`);
  console.error('# PostgreSQL and Redis are running; Ctrl-C stops them.');
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await services.stop();
      process.exit(0);
    } catch (e) {
      console.error(e);
      process.exit(1);
    }
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  // Keeps the event loop alive until a signal arrives.
  setInterval(() => {}, 1 << 30);
}
