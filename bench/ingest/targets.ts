/**
 * The servers under test, each started as a child process: Plaza (`plaza up` on a fresh data directory with
 * one project and write key) and the bare Fastify baseline.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const repoRoot = new URL('../../../', import.meta.url).pathname;
const plazaBin = join(repoRoot, 'bin', 'plaza.js');
const baselineJs = new URL('./baseline-server.js', import.meta.url).pathname;

export interface Target {
  name: 'plaza' | 'baseline';
  url: string;
  pid: number;
  /** Date.now() when the process was spawned (a CPU profile's clock starts about then). */
  startedAt: number;
  authorization: string | null;
  /** Events the server itself counts as accepted (Plaza's /metrics), or null when it does not count. */
  acceptedCounter(): Promise<number | null>;
  /** The server's own view of its memory (Plaza's /metrics: V8 heap and memory outside it), or null. */
  memory(): Promise<MemoryBreakdown | null>;
  /** Events appended but not yet consumed by every consumer group, or null when not applicable. */
  lag(): Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how long the shutdown took. */
  stop(graceMs?: number): Promise<{ seconds: number; code: number | null; signal: string | null }>;
  dataDir: string | null;
}

export interface MemoryBreakdown {
  heapUsedMb: number;
  heapTotalMb: number;
  /** Buffers, typed arrays and WebAssembly memories held by JS objects (PGlite's heap is one). */
  externalMb: number;
}

export interface StartOptions {
  /** Extra node flags for the server process, e.g. --cpu-prof. */
  nodeFlags?: string[];
  env?: Record<string, string>;
  /** Parent of Plaza's temporary data directory. */
  dataParent: string;
}

/** Keeps the last lines of a child's output for error messages without holding a long run's log. */
function tail(stream: NodeJS.ReadableStream, keep: string[], onLine?: (line: string) => void): void {
  createInterface({ input: stream }).on('line', (line) => {
    keep.push(line);
    if (keep.length > 50) keep.shift();
    onLine?.(line);
  });
}

function startChild(
  name: string,
  args: string[],
  env: Record<string, string>,
  upMessage: string,
): Promise<{
  child: ChildProcess;
  url: string;
  startedAt: number;
  exited: Promise<{ code: number | null; signal: string | null }>;
}> {
  const startedAt = Date.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: repoRoot });
  const lines: string[] = [];
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    tail(child.stderr!, lines);
    tail(child.stdout!, lines, (line) => {
      try {
        const j = JSON.parse(line) as { msg?: string; url?: string };
        if (j.msg === upMessage && j.url) resolve({ child, url: j.url, startedAt, exited });
      } catch {}
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`${name} exited (${code ?? signal}) before it was up:\n${lines.join('\n')}`)),
    );
  });
}

function stopper(child: ChildProcess, exited: Promise<{ code: number | null; signal: string | null }>) {
  return async (graceMs = 120_000) => {
    const t0 = Date.now();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const r = await exited;
    clearTimeout(timer);
    return { seconds: (Date.now() - t0) / 1000, ...r };
  };
}

export async function startBaseline(o: StartOptions): Promise<Target> {
  const { child, url, startedAt, exited } = await startChild(
    'baseline',
    [...(o.nodeFlags ?? []), baselineJs],
    { PATH: process.env.PATH ?? '', ...(o.env ?? {}) },
    'baseline is up',
  );
  return {
    name: 'baseline',
    url,
    pid: child.pid!,
    startedAt,
    authorization: null,
    acceptedCounter: async () => null,
    memory: async () => null,
    lag: async () => null,
    stop: stopper(child, exited),
    dataDir: null,
  };
}

/** Sum of a Prometheus counter or gauge over all its label sets. */
function counterSum(text: string, name: string): number | null {
  let sum: number | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      sum = (sum ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return sum;
}

export async function startPlaza(o: StartOptions): Promise<Target> {
  const dataDir = mkdtempSync(join(o.dataParent, 'plaza-bench-'));
  const env = {
    PATH: process.env.PATH ?? '',
    PLAZA_LOG_LEVEL: 'info',
    // The per-key limit protects a real deployment from a runaway client; the bench is that client.
    PLAZA_RATE_LIMIT_PER_MINUTE: '100000000',
    ...(o.env ?? {}),
  };
  const { stdout } = await run(
    process.execPath,
    [
      plazaBin,
      '--data-dir',
      dataDir,
      '--json',
      'keys',
      'create',
      '--project',
      'bench',
      '--name',
      'load',
      '--create-project',
    ],
    { env, cwd: repoRoot },
  );
  const { secret } = JSON.parse(stdout) as { secret: string };
  const { child, url, startedAt, exited } = await startChild(
    'plaza',
    [...(o.nodeFlags ?? []), plazaBin, 'up', '--port', '0', '--data-dir', dataDir],
    env,
    'plaza is up',
  );
  return {
    name: 'plaza',
    url,
    pid: child.pid!,
    startedAt,
    authorization: `Basic ${Buffer.from(`${secret}:`).toString('base64')}`,
    async acceptedCounter() {
      const res = await fetch(`${url}/metrics`);
      // The counter has no series until the first event is accepted.
      return res.ok ? (counterSum(await res.text(), 'plaza_events_accepted_total') ?? 0) : null;
    },
    async memory() {
      const res = await fetch(`${url}/metrics`);
      if (!res.ok) return null;
      const text = await res.text();
      const mb = (name: string) => Math.round(((counterSum(text, name) ?? 0) / 2 ** 20) * 10) / 10;
      return {
        heapUsedMb: mb('nodejs_heap_size_used_bytes'),
        heapTotalMb: mb('nodejs_heap_size_total_bytes'),
        externalMb: mb('nodejs_external_memory_bytes'),
      };
    },
    async lag() {
      const res = await fetch(`${url}/v1/health/ingestion`);
      if (!res.ok) return null;
      return ((await res.json()) as { total_lag?: number }).total_lag ?? null;
    },
    stop: stopper(child, exited),
    dataDir,
  };
}

export function removeDataDir(t: Target): void {
  if (t.dataDir) rmSync(t.dataDir, { recursive: true, force: true });
}
