import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { PlazaError } from '../core/errors.js';
import { newSecret } from '../core/secrets.js';

/** What a running server writes into its data directory, so that commands can find it. */
export interface ServerLock {
  pid: number;
  host: string;
  port: number;
  startedAt: string;
}

export const dataPaths = (dataDir: string) => ({
  lock: join(dataDir, 'plaza.lock'),
  adminToken: join(dataDir, 'admin-token'),
  jwtSecret: join(dataDir, 'jwt-secret'),
  eventLog: join(dataDir, 'log'),
  state: join(dataDir, 'state'),
  warehouse: join(dataDir, 'warehouse.duckdb'),
  kvSnapshot: join(dataDir, 'kv.snapshot.json'),
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock of a live server on this data directory, or null (a stale lock of a dead process is ignored). */
export function readServerLock(dataDir: string): ServerLock | null {
  const path = dataPaths(dataDir).lock;
  if (!existsSync(path)) return null;
  try {
    const lock = JSON.parse(readFileSync(path, 'utf8')) as ServerLock;
    return isAlive(lock.pid) && lock.pid !== process.pid ? lock : null;
  } catch {
    return null;
  }
}

/**
 * Takes the data directory for this process. Embedded stores (PGlite, DuckDB, the local log) admit a single
 * process, so a second one is refused with the address of the first.
 */
export function acquireDataDir(dataDir: string, owner: Omit<ServerLock, 'pid' | 'startedAt'>): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = dataPaths(dataDir).lock;
  const live = readServerLock(dataDir);
  if (live) {
    throw new PlazaError(
      'data_dir_in_use',
      `data directory ${dataDir} is in use by Plaza process ${live.pid} serving http://${live.host}:${live.port}; ` +
        'stop it first, or use another --data-dir. Commands such as `plaza keys` talk to the running server.',
      409,
    );
  }
  rmSync(path, { force: true });
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch {
    throw new PlazaError('data_dir_in_use', `another process is starting on data directory ${dataDir}`, 409);
  }
  const lock: ServerLock = { pid: process.pid, startedAt: new Date().toISOString(), ...owner };
  writeSync(fd, JSON.stringify(lock));
  closeSync(fd);
  return () => {
    const current = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ServerLock) : null;
    if (current?.pid === process.pid) rmSync(path, { force: true });
  };
}

/** Updates the lock once the real listening port is known (port 0 picks a free one). */
export function updateServerLock(dataDir: string, patch: Partial<ServerLock>): void {
  const path = dataPaths(dataDir).lock;
  const lock = JSON.parse(readFileSync(path, 'utf8')) as ServerLock;
  writeFileSync(path, JSON.stringify({ ...lock, ...patch }));
}

/** The admin token: from configuration, else the one generated into the data directory on first use. */
export function adminToken(dataDir: string, configured?: string): string {
  if (configured) return configured;
  return generatedSecret(dataDir, dataPaths(dataDir).adminToken, () => newSecret('adm_', 24));
}

/**
 * The HS256 key of access tokens: from configuration, else the one generated into the data directory on first
 * use. Processes sharing a deployment must share it (configure `auth.jwtSecret`), or they refuse each other's
 * tokens.
 */
export function jwtSecret(dataDir: string, configured?: string): string {
  if (configured) return configured;
  return generatedSecret(dataDir, dataPaths(dataDir).jwtSecret, () => newSecret('', 32));
}

/** The secret kept in `path`, generated there (readable by the owner only) when it is not there yet. */
function generatedSecret(dataDir: string, path: string, generate: () => string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = generate();
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}
