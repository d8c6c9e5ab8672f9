import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createPlaza, type Plaza } from '../app/compose.js';
import { readServerLock } from '../app/data-dir.js';
import type { PlazaConfig } from '../config/config.js';
import { PlazaError } from '../core/errors.js';
import { localDate } from '../core/time-zone.js';
import { createLogger } from '../observability/logger.js';
import { createSimulation, defaultSellers, defaultUsers } from '../simulate/index.js';
import { progressView } from '../simulate/progress.js';
import { runSimulationInWorker } from '../simulate/run-in-worker.js';
import type { RunResult } from '../simulate/runner.js';
import type { Vertical } from '../simulate/types.js';
import { type DemoLogin, type DemoState, readDemoState, writeDemoState } from './demo-state.js';

export interface DemoOptions {
  vertical?: Vertical;
  seed?: number;
  days?: number;
  users?: number;
  sellers?: number;
  reset?: boolean;
  live?: boolean;
  /** Stops the live stream (Ctrl-C); history stops at its next event too. */
  signal?: AbortSignal;
  /** Where the banner and progress go. */
  out?: NodeJS.WriteStream;
  now?: () => number;
  /** Stop after this many events (counted from the first, including those of earlier runs). */
  stopAfter?: number;
}

const DAY = 86_400_000;
const DEMO_PROJECT = 'demo';

/** Removes a data directory only when it is one (a stray `--data-dir ~` must not wipe a home directory). */
function resetDataDir(dataDir: string): void {
  if (!existsSync(dataDir)) return;
  if (readServerLock(dataDir))
    throw new PlazaError(
      'data_dir_in_use',
      `a Plaza server is running on ${dataDir}; stop it before \`plaza demo --reset\``,
      409,
    );
  const entries = readdirSync(dataDir);
  const ours = new Set(['plaza.lock', 'admin-token', 'log', 'state', 'warehouse.duckdb', 'demo.json']);
  if (entries.length > 0 && !entries.some((e) => ours.has(e)))
    throw new PlazaError(
      'not_a_data_dir',
      `${dataDir} does not look like a Plaza data directory; refusing to delete it`,
      400,
    );
  rmSync(dataDir, { recursive: true, force: true });
}

async function api<T>(plaza: Plaza, method: string, url: string, body?: unknown): Promise<T> {
  const res = await plaza.http.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${plaza.adminToken}` },
    ...(body === undefined ? {} : { payload: body as object }),
  });
  const parsed = res.body ? JSON.parse(res.body) : null;
  if (res.statusCode >= 400) {
    const e = parsed?.error ?? {};
    throw new PlazaError(e.code ?? 'http_error', e.message ?? `HTTP ${res.statusCode}`, res.statusCode);
  }
  return parsed as T;
}

/** The first dealer or store with a listing: deterministic for the options, found by generating events. */
function firstSeller(state: DemoState): string {
  const sim = createSimulation({ ...simOptions(state), groundTruthDir: undefined });
  const it = sim.events();
  for (let i = 0; i < 1_000_000; i++) {
    const next = it.next();
    if (next.done) break;
    const e = next.value;
    if (e.call !== 'track' || e.input.eventType !== 'listing_created') continue;
    const p = e.input.properties ?? {};
    // A dealer rather than a private seller: the seller dashboard is theirs to show.
    if (p['seller_type'] !== undefined && p['seller_type'] !== 'dealer') continue;
    const seller = (p['seller_id'] ?? p['store_id']) as string | undefined;
    if (seller) return seller;
  }
  throw new PlazaError(
    'demo_no_seller',
    'the simulation produced no listing to pick a demo seller from',
    500,
  );
}

const simOptions = (s: DemoState) => ({
  vertical: s.vertical,
  seed: s.seed,
  start: s.start,
  days: s.days,
  users: s.users,
  sellers: s.sellers,
});

async function setUp(plaza: Plaza, o: DemoOptions, now: number): Promise<DemoState> {
  const vertical = o.vertical ?? 'vehicles';
  const days = o.days ?? 90;
  await api(plaza, 'POST', '/v1/admin/projects', {
    id: DEMO_PROJECT,
    name: vertical === 'vehicles' ? 'Demo: vehicle classifieds' : 'Demo: multi-vendor stores',
    // History is older than the default 30 days past which the collector clamps timestamps; a year of slack
    // also covers a demo resumed long after it started.
    settings: { maxPastMs: (days + 365) * DAY },
  }).catch((e: PlazaError) => {
    if (e.code !== 'project_exists') throw e;
  });
  const key = await api<{ secret: string }>(plaza, 'POST', `/v1/admin/projects/${DEMO_PROJECT}/keys`, {
    name: 'simulator',
  });
  const state: DemoState = {
    version: 1,
    vertical,
    seed: o.seed ?? 42,
    // Whole days, so that the history ends at today's midnight (UTC) and live events take over from there.
    start: Math.floor(now / DAY) * DAY - days * DAY,
    days,
    users: o.users ?? defaultUsers,
    sellers: o.sellers ?? defaultSellers,
    project: DEMO_PROJECT,
    writeKey: key.secret,
    settled: 0,
    historyLoaded: false,
    logins: [],
  };
  const sellerId = firstSeller(state);
  const people: { email: string; role: string; seller_id?: string; name: string; project_id: string }[] = [
    { email: 'admin@plaza.demo', role: 'admin', name: 'Demo admin', project_id: DEMO_PROJECT },
    {
      email: 'seller@plaza.demo',
      role: 'seller',
      seller_id: sellerId,
      name: `Seller ${sellerId}`,
      project_id: DEMO_PROJECT,
    },
  ];
  for (const p of people) {
    const created = await api<{ password: string }>(plaza, 'POST', '/v1/admin/users', p);
    const login: DemoLogin = { email: p.email, password: created.password, role: p.role };
    if (p.seller_id) login.sellerId = p.seller_id;
    state.logins.push(login);
  }
  return state;
}

function conflicts(state: DemoState, o: DemoOptions): string[] {
  const asked: [string, unknown, unknown][] = [
    ['--vertical', o.vertical, state.vertical],
    ['--seed', o.seed, state.seed],
    ['--days', o.days, state.days],
    ['--users', o.users, state.users],
    ['--sellers', o.sellers, state.sellers],
  ];
  return asked.filter(([, want, have]) => want !== undefined && want !== have).map(([flag]) => flag);
}

function banner(url: string, state: DemoState): string {
  const lines = [
    '',
    `Plaza demo (${state.vertical}, seed ${state.seed}, ${state.days} days of history)`,
    `  web app      ${url}/   (sign in with a login below: sellers get their dashboard, admins theirs)`,
    `  API          ${url}   (docs: ${url}/docs, OpenAPI: ${url}/openapi.json)`,
    `  health       ${url}/v1/health/ingestion`,
    `  metrics      ${url}/metrics`,
    `  project      ${state.project}`,
    `  write key    ${state.writeKey}`,
    `  logins       (sign in at ${url}/ or POST /v1/auth/login; kept in the data dir, demo.json)`,
    ...state.logins.map(
      (l) =>
        `    ${l.role.padEnd(7)} ${l.email}  ${l.password}${l.sellerId ? `  (seller ${l.sellerId})` : ''}`,
    ),
    `  send events  curl -u ${state.writeKey}: ${url}/v1/events -H 'content-type: application/json' \\`,
    `                 -d '{"event_id":"hello-1","event_type":"page_view","timestamp":"${new Date().toISOString()}","anonymous_id":"me"}'`,
    '',
  ];
  return `${lines.join('\n')}\n`;
}

export interface DemoRun {
  url: string;
  state: DemoState;
  result: RunResult;
}

/**
 * `plaza demo`: Plaza on embedded storage, a demo project with a write key and logins, ~90 days of simulated
 * history loaded through the public API, then a live stream until stopped. State lives in the data directory,
 * so a rerun resumes the history where it stopped; `reset` starts over.
 */
export async function runDemo(config: PlazaConfig, o: DemoOptions = {}): Promise<DemoRun> {
  const out = o.out ?? process.stderr;
  const now = o.now ?? Date.now;
  if (o.reset) resetDataDir(config.dataDir);
  const existing = readDemoState(config.dataDir);
  if (existing) {
    const differ = conflicts(existing, o);
    if (differ.length > 0)
      throw new PlazaError(
        'demo_options_changed',
        `this data directory holds a ${existing.vertical} demo (seed ${existing.seed}, ${existing.days} days, ` +
          `${existing.users} users, ${existing.sellers} sellers); ${differ.join(', ')} differ. ` +
          'Run `plaza demo --reset` with the new options to start over.',
        409,
      );
  }
  const plaza = await createPlaza(config, {
    roles: ['collector', 'worker'],
    logger: createLogger(process.env['PLAZA_LOG_LEVEL'] ? config.logLevel : 'warn'),
  });
  try {
    const { url } = await plaza.listen();
    const state = existing ?? (await setUp(plaza, o, now()));
    writeDemoState(config.dataDir, state);
    out.write(banner(url, state));
    if (state.historyLoaded) out.write('history already loaded; resuming the live stream\n');
    else if (state.settled > 0)
      out.write(`resuming: ${state.settled} events were delivered by an earlier run\n`);
    const historyEnd = state.start + state.days * DAY;
    const view = progressView({ start: state.start, end: historyEnd }, out);
    let marts: Promise<void> | undefined;
    const buildMarts = () => {
      marts ??= buildWarehouse(plaza, state.start, historyEnd, out).catch((e) => {
        out.write(`the warehouse build failed: ${(e as Error).message} (see \`plaza pipeline status\`)\n`);
      });
    };
    let result: RunResult;
    try {
      result = await runSimulationInWorker(
        {
          simulation: { ...simOptions(state), groundTruthDir: join(config.dataDir, 'ground-truth') },
          host: url,
          writeKey: state.writeKey,
          historyEnd,
          live: o.live ?? true,
          skip: state.settled,
          ...(o.stopAfter !== undefined ? { stopAfter: o.stopAfter } : {}),
        },
        {
          ...(o.signal ? { signal: o.signal } : {}),
          onProgress: (p) => {
            view.update(p);
            if (p.phase === 'live' && !state.historyLoaded) {
              state.historyLoaded = true;
              writeDemoState(config.dataDir, state);
              out.write(`\nhistory loaded. Plaza is live at ${url}\n`);
              buildMarts();
            }
          },
          onCheckpoint: (settled) => {
            state.settled = settled;
            writeDemoState(config.dataDir, state);
          },
        },
      );
    } finally {
      view.stop();
    }
    const stoppedEarly = o.signal?.aborted || (o.stopAfter !== undefined && result.generated >= o.stopAfter);
    if (!stoppedEarly && !(o.live ?? true)) {
      state.historyLoaded = true;
      writeDemoState(config.dataDir, state);
    }
    if (!o.signal?.aborted) {
      // Every event is durable in the log already; waiting lets the next look at the warehouse see them all.
      out.write('waiting for the workers to load what is still in the event log into the warehouse…\n');
      await plaza.drain(30 * 60_000);
      if (state.historyLoaded) buildMarts();
      await marts;
    }
    return { url, state, result };
  } finally {
    await plaza.close();
  }
}

/**
 * The daily pipeline over the simulated days (days already built are skipped, so a resumed demo only builds
 * what is missing), once the workers have loaded the history into the warehouse.
 */
async function buildWarehouse(
  plaza: Plaza,
  start: number,
  end: number,
  out: NodeJS.WritableStream,
): Promise<void> {
  await plaza.drain(30 * 60_000);
  const tz = plaza.config.pipelines.timeZone;
  const from = localDate(tz, start);
  const to = localDate(tz, end - 1);
  const started = Date.now();
  const backfill = await plaza.pipelines.runner.backfill('daily', {
    from,
    to,
    reprocess: 'missing',
    concurrency: 1,
  });
  if (backfill.runs.length === 0) return;
  out.write(
    `building the warehouse marts for ${backfill.runs.length} days (${from} … ${to}) in the background\n`,
  );
  const runs = await backfill.done;
  const failed = runs.filter((r) => r.status !== 'succeeded').length;
  out.write(
    `warehouse marts built for ${runs.length - failed} of ${runs.length} days in ${Math.round((Date.now() - started) / 1000)} s` +
      `${failed > 0 ? ` (${failed} failed: plaza pipeline status daily)` : ''}\n`,
  );
}
