import { createPlaza, type Plaza, type Role } from '../app/compose.js';
import { adminToken, readServerLock } from '../app/data-dir.js';
import type { PlazaConfig } from '../config/config.js';
import { PlazaError } from '../core/errors.js';
import { createLogger } from '../observability/logger.js';

export interface ApiClient {
  /** Where the answer came from: a running server, or this process opening the data directory itself. */
  readonly via: 'server' | 'embedded';
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

function check<T>(status: number, body: unknown): T {
  if (status >= 400) {
    const e = (body as ErrorBody)?.error;
    throw new PlazaError(e?.code ?? 'http_error', e?.message ?? `HTTP ${status}`, status, {
      details: e?.details,
    });
  }
  return body as T;
}

/**
 * Commands go through the HTTP API either way: to the server running on the data directory when there is
 * one (embedded stores admit one process), else to an in-process instance of the same API over the data
 * directory, without listening on a port. One code path, the same validation and answers.
 */
export async function connect(config: PlazaConfig, roles: Role[] = []): Promise<ApiClient> {
  const lock = readServerLock(config.dataDir);
  if (lock) {
    const base = `http://${lock.host === '0.0.0.0' ? '127.0.0.1' : lock.host}:${lock.port}`;
    const token = adminToken(config.dataDir, config.adminToken);
    return {
      via: 'server',
      async request<T>(method: string, path: string, body?: unknown): Promise<T> {
        const res = await fetch(base + path, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await res.text();
        return check<T>(res.status, text ? JSON.parse(text) : null);
      },
      async close() {},
    };
  }
  const plaza: Plaza = await createPlaza(config, { roles, logger: createLogger('warn') });
  return {
    via: 'embedded',
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await plaza.http.inject({
        method: method as 'GET',
        url: path,
        headers: { authorization: `Bearer ${plaza.adminToken}` },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      return check<T>(res.statusCode, res.body ? JSON.parse(res.body) : null);
    },
    close: () => plaza.close(),
  };
}
