import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createPlaza, type Plaza, type Role } from '../../src/app/compose.js';
import { type ConfigInput, loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/observability/logger.js';

export const repoRoot = new URL('../../../', import.meta.url).pathname;
export const plazaBin = join(repoRoot, 'bin', 'plaza.js');

export function tempDir(prefix = 'plaza-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestPlaza {
  plaza: Plaza;
  url: string;
  dataDir: string;
  projectId: string;
  writeKey: string;
  keyId: string;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Closes the app; keeps the data directory (for restarts) unless `remove` is set. */
  close(remove?: boolean): Promise<void>;
}

/** A real Plaza on a temp data directory (embedded stores), listening on a free loopback port. */
export async function startPlaza(
  o: {
    dataDir?: string;
    overrides?: ConfigInput;
    roles?: Role[];
    projectId?: string;
    writeKey?: string;
  } = {},
): Promise<TestPlaza> {
  const dataDir = o.dataDir ?? tempDir();
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      // Tests that are not about pipelines should not see a cron run start under them.
      pipelines: { scheduler: false },
      ...(o.overrides ?? {}),
    } as ConfigInput,
  });
  const plaza = await createPlaza(config, {
    roles: o.roles ?? ['collector', 'worker'],
    logger: createLogger('silent'),
  });
  const { url } = await plaza.listen();
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${plaza.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const projectId = o.projectId ?? 'shop';
  let writeKey = o.writeKey ?? '';
  let keyId = '';
  if (!o.writeKey) {
    const p = await admin('POST', '/v1/admin/projects', { id: projectId, name: 'Test marketplace' });
    if (p.status !== 201 && p.body?.error?.code !== 'project_exists') throw new Error(JSON.stringify(p.body));
    const k = await admin('POST', `/v1/admin/projects/${projectId}/keys`, { name: 'test' });
    writeKey = k.body.secret;
    keyId = k.body.id;
  }
  return {
    plaza,
    url,
    dataDir,
    projectId,
    writeKey,
    keyId,
    admin,
    async close(remove = false) {
      await plaza.close();
      if (remove) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const basic = (writeKey: string) => `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;

export async function post(
  url: string,
  path: string,
  body: unknown,
  o: { writeKey?: string; headers?: Record<string, string>; raw?: string | Buffer } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(o.writeKey ? { authorization: basic(o.writeKey) } : {}),
      ...(o.headers ?? {}),
    },
    body: typeof o.raw === 'string' ? o.raw : o.raw ? new Uint8Array(o.raw) : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}

let seq = 0;
/** A valid native listing_viewed event. */
export function nativeEvent(over: Record<string, unknown> = {}): Record<string, unknown> {
  seq++;
  return {
    event_id: `evt-${process.pid}-${Date.now()}-${seq}`,
    event_type: 'listing_viewed',
    timestamp: new Date().toISOString(),
    anonymous_id: `anon-${seq % 50}`,
    session_id: 'sess-1',
    context: {
      user_agent:
        'Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
      page_url: 'https://okla.do/vehiculos/toyota-rav4-2019?utm_source=google&utm_medium=cpc',
      referrer: 'https://www.google.com/',
      ip: '190.80.12.34',
    },
    properties: {
      listing_id: `lst-${seq % 100}`,
      seller_id: 'dealer-7',
      make: 'Toyota',
      model: 'RAV4',
      year: 2019,
      price: 1850000,
      currency: 'DOP',
      body_type: 'suv',
      province: 'Santiago',
    },
    ...over,
  };
}

/** Polls until fn returns a truthy value. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `plaza up` as a child process (for kill -9 and signal tests); resolves once it logs that it is up. */
export async function spawnServer(
  dataDir: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, plazaBin, 'up', '--port', '0', '--data-dir', dataDir], {
    env: {
      PATH: process.env.PATH ?? '',
      PLAZA_LOG_LEVEL: 'info',
      PLAZA_PIPELINES_SCHEDULER: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const stderr: string[] = [];
  child.stderr!.on('data', (d) => stderr.push(String(d)));
  const url = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      lines.push(line);
      try {
        const j = JSON.parse(line) as { msg?: string; url?: string };
        if (j.msg === 'plaza is up' && j.url) resolve(j.url);
      } catch {}
    });
    exited.then(({ code, signal }) =>
      reject(
        new Error(
          `plaza up exited (${code ?? signal}) before it was up:\n${stderr.join('')}\n${lines.join('\n')}`,
        ),
      ),
    );
  });
  return { child, url, lines, exited };
}
