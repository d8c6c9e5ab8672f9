/**
 * The one API client of the web app: tokens, refresh, and typed calls to Plaza's API (same origin).
 *
 * The access token lives in memory only; the refresh token in localStorage so a reload keeps the session.
 * Refresh tokens rotate and work once (a reused one revokes the session), so refreshing is serialised: one
 * promise per tab, and a Web Lock across tabs, inside which the newest stored token is read again.
 */

export type Role = 'admin' | 'analyst' | 'seller' | 'service';

export interface Me {
  kind: string;
  role: Role;
  seller_id: string | null;
  project_id: string | null;
  user?: { id: string; email: string; name?: string | null } | null;
}

interface TokenPair {
  access_token: string;
  refresh_token: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const REFRESH_KEY = 'plaza.refresh_token';
let accessToken: string | null = null;
let refreshing: Promise<boolean> | null = null;
const listeners = new Set<() => void>();

/** Called when the session ends (logout, refresh refused). */
export function onSignedOut(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function storeTokens(t: TokenPair): void {
  accessToken = t.access_token;
  localStorage.setItem(REFRESH_KEY, t.refresh_token);
}

function clearTokens(): void {
  accessToken = null;
  localStorage.removeItem(REFRESH_KEY);
  for (const fn of listeners) fn();
}

export const hasStoredSession = (): boolean => localStorage.getItem(REFRESH_KEY) !== null;

async function errorOf(res: Response): Promise<ApiError> {
  let code = 'http_error';
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {}
  return new ApiError(res.status, code, message);
}

async function refreshOnce(): Promise<boolean> {
  const run = async (): Promise<boolean> => {
    const token = localStorage.getItem(REFRESH_KEY);
    if (!token) return false;
    const res = await fetch('/v1/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: token }),
    });
    if (!res.ok) {
      // Another tab may have rotated it meanwhile: only a token still current is dropped.
      if (res.status === 401 && localStorage.getItem(REFRESH_KEY) === token) clearTokens();
      return false;
    }
    storeTokens((await res.json()) as TokenPair);
    return true;
  };
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  return locks ? locks.request('plaza-refresh', run) : run();
}

/** Refreshes the access token; concurrent callers share one request. */
export function refresh(): Promise<boolean> {
  if (!refreshing) {
    refreshing = refreshOnce().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

/** A call to the API with the access token; an expired token is refreshed once and the call retried. */
export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const send = () =>
    fetch(path, {
      method,
      headers: {
        ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  if (!accessToken && hasStoredSession()) await refresh();
  let res = await send();
  if (res.status === 401 && hasStoredSession() && (await refresh())) res = await send();
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export async function login(email: string, password: string): Promise<Me> {
  const res = await fetch('/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw await errorOf(res);
  storeTokens((await res.json()) as TokenPair);
  return me();
}

export async function logout(): Promise<void> {
  const token = localStorage.getItem(REFRESH_KEY);
  try {
    if (token) {
      await fetch('/v1/auth/logout', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: token }),
      });
    }
  } finally {
    clearTokens();
  }
}

export const me = () => request<Me>('GET', '/v1/auth/me');

// ---- Live counters ----

export interface SellerLive {
  project_id: string;
  seller_id: string;
  date: string;
  at: string;
  live_visitors: number;
  views_today: number;
}

export interface ProjectLive {
  project_id: string;
  date: string;
  at: string;
  live_visitors: number;
  views_today: number;
  trending: { listing_id: string; seller_id?: string | null; score: number }[];
}

export const sellerLive = (project: string, seller: string) =>
  request<SellerLive>(
    'GET',
    `/v1/live/sellers/${encodeURIComponent(seller)}?project=${encodeURIComponent(project)}`,
  );
export const projectLive = (project: string) =>
  request<ProjectLive>('GET', `/v1/live/projects/${encodeURIComponent(project)}`);

/**
 * Follows a Server-Sent Events stream with the bearer token (EventSource cannot send headers): calls onData
 * with each `data:` payload until the returned function is called.
 */
export function followStream(path: string, onData: (data: string) => void): () => void {
  const controller = new AbortController();
  const run = async () => {
    if (!accessToken) await refresh();
    const res = await fetch(path, {
      headers: { authorization: `Bearer ${accessToken ?? ''}`, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    if (!res.ok || !res.body) return res.status;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return 0;
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = message
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n');
        if (data) onData(data);
        end = buffer.indexOf('\n\n');
      }
    }
  };
  // Reconnects after the stream ends or fails (server restart, network), with a fresh token if needed.
  const loop = async () => {
    while (!controller.signal.aborted) {
      const status = await run().catch(() => 0);
      // Refused for good (forbidden, unknown project): stop; an expired token: refresh, then reconnect.
      if (controller.signal.aborted || status === 403 || status === 404) return;
      if (status === 401 && !(await refresh().catch(() => false))) return;
      await new Promise((r) => setTimeout(r, 3_000));
    }
  };
  void loop();
  return () => controller.abort();
}

// ---- Semantic layer (POST /v1/query) ----

export interface QueryRequest {
  project?: string;
  seller_id?: string;
  metrics: string[];
  dimensions?: string[];
  filters?: { dimension: string; op: string; value: unknown }[];
  time_range: { from: string; to: string };
  grain?: 'day' | 'week' | 'month';
  compare?: 'previous_period' | 'previous_year';
  order?: { field: string; direction?: 'asc' | 'desc' }[];
  limit?: number;
}

export type QueryRow = Record<string, string | number | null>;

export interface QueryResult {
  rows: QueryRow[];
  totals: Record<string, number | null>;
  compare?: {
    totals: Record<string, number | null>;
    rows: QueryRow[];
    time_range: { from: string; to: string };
  };
}

/** The semantic layer's answer, or null while the endpoint does not exist on this server (404). */
export async function query(q: QueryRequest): Promise<QueryResult | null> {
  try {
    return await request<QueryResult>('POST', '/v1/query', q);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && e.code === 'not_found') return null;
    throw e;
  }
}

/**
 * A query's answer as the server's CSV (`format: csv`), with the file name the server gives it. Sent like
 * `request` (bearer token, one refresh and retry) but read as a Blob.
 */
export async function queryCsv(q: QueryRequest): Promise<{ blob: Blob; filename: string }> {
  const send = () =>
    fetch('/v1/query', {
      method: 'POST',
      headers: {
        ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
        'content-type': 'application/json',
        accept: 'text/csv',
      },
      body: JSON.stringify({ ...q, format: 'csv' }),
    });
  if (!accessToken && hasStoredSession()) await refresh();
  let res = await send();
  if (res.status === 401 && hasStoredSession() && (await refresh())) res = await send();
  if (!res.ok) throw await errorOf(res);
  const disposition = res.headers.get('content-disposition') ?? '';
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'plaza-query.csv';
  return { blob: await res.blob(), filename };
}

// ---- Semantic catalogue (GET /v1/semantic/catalogue) ----

export interface CatalogueMetric {
  id: string;
  label: { en: string; es: string };
  unit: 'count' | 'money' | 'ratio' | 'seconds' | 'number';
  audience: 'seller' | 'admin';
  description: string;
  dimensions: string[];
  /** Dimension sets of one table each: a question fits a metric when one set holds all its dimensions. */
  breakdowns: string[][];
}

export interface CatalogueDimension {
  id: string;
  label: { en: string; es: string };
  description: string;
  type: 'string' | 'date' | 'number';
}

export interface Catalogue {
  seller_scoped: boolean;
  metrics: CatalogueMetric[];
  dimensions: CatalogueDimension[];
  filter_ops: string[];
  grains: string[];
}

export const catalogue = () => request<Catalogue>('GET', '/v1/semantic/catalogue');

/** The last `days` whole days up to today (UTC dates, `to` exclusive). */
export function lastDays(days: number): { from: string; to: string } {
  const to = new Date();
  to.setUTCHours(0, 0, 0, 0);
  to.setUTCDate(to.getUTCDate() + 1);
  const from = new Date(to);
  from.setUTCDate(from.getUTCDate() - days);
  return { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
}

// ---- Seller: funnels, listing stats and live counters, daily reports ----

export interface FunnelStep {
  step: number;
  event_type: string;
  count: number;
  conversion_from_first: number | null;
  conversion_from_previous: number | null;
}

export const funnel = (body: {
  project: string;
  seller_id?: string;
  steps: string[];
  time_range: { from: string; to: string };
}) => request<{ steps: FunnelStep[] }>('POST', '/v1/funnels', body);

export interface ListingTip {
  code: string;
  text: string;
  evidence: Record<string, unknown>;
}

export interface ListingStats {
  listing: {
    listing_id: string;
    seller_id: string | null;
    kind: string;
    title: string | null;
    price: number | null;
    currency: string | null;
    status: string | null;
    photo_count: number | null;
  };
  time_range: { from: string; to: string };
  days: { date: string; views: number; leads: number; add_to_cart: number; purchases: number }[];
  totals: { views: number; contacts: number; view_to_contact: number | null };
  similar: {
    listings: number;
    median_price: number | null;
    price_vs_median: number | null;
    views_per_listing: number | null;
    leads_per_listing: number | null;
    view_to_contact: number | null;
  };
  tips: ListingTip[];
}

const qs = (o: Record<string, string | number | undefined>) =>
  new URLSearchParams(
    Object.entries(o).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])),
  ).toString();

export const listingStats = (project: string, id: string) =>
  request<ListingStats>('GET', `/v1/listings/${encodeURIComponent(id)}/stats?${qs({ project })}`);

export interface ListingLive {
  listing_id: string;
  date: string;
  at: string;
  views_today: number;
  stats: { views: number; leads: number; favourites: number; purchases: number; since: string | null } | null;
}

export const listingLive = (project: string, id: string) =>
  request<ListingLive>('GET', `/v1/live/listings/${encodeURIComponent(id)}?${qs({ project })}`);

export interface Comparison {
  day: number;
  previous_day: number;
  average_7d: number;
  vs_previous_day: number | null;
  vs_average_7d: number | null;
}

export interface Anomaly {
  metric: string;
  value: number;
  mean: number;
  stddev: number;
  z: number;
  direction: 'spike' | 'drop';
}

export interface Report {
  project_id: string;
  entity_type: 'seller' | 'project';
  entity_id: string;
  day: string;
  kind: 'summary' | 'alert';
  payload: { figures?: Record<string, Comparison>; anomalies?: Anomaly[] };
}

export const reports = (project: string, sellerId: string | undefined, limit = 14) =>
  request<{ reports: Report[] }>('GET', `/v1/reports?${qs({ project, seller_id: sellerId, limit })}`);

// ---- Administration ----

export interface Project {
  id: string;
  name: string;
}
export interface Pipeline {
  id: string;
  description?: string;
  version?: string;
  schedule?: string | null;
}
export interface PipelineRun {
  id: string;
  pipeline: string;
  partition: string | null;
  trigger: string;
  status: string;
  created_at: string;
  duration_ms: number | null;
  rows_in: number;
  rows_out: number;
  error: string | null;
}
export interface QualityResult {
  run_id: string;
  pipeline: string;
  task: string;
  check_id: string;
  table: string;
  partition: string | null;
  kind: string;
  severity: string;
  passed: boolean;
  checked: number;
  failed: number;
  message: string;
  at: string;
}
export interface DeadLetter {
  id: string;
  project_id: string;
  received_at: string;
  status: string;
  errors: { kind?: string; pointer?: string; message: string }[];
  payload: unknown;
}
export interface ConsumerLag {
  group: string;
  topic: string;
  partition: number;
  end: number;
  committed: number;
  lag: number;
}
export interface IngestionHealth {
  status: string;
  total_lag: number;
  consumers: ConsumerLag[];
}

/** Lists come either bare or wrapped in an object; this finds the array. */
export function listOf<T>(body: unknown, ...keys: string[]): T[] {
  if (Array.isArray(body)) return body as T[];
  if (body && typeof body === 'object') {
    for (const k of keys) {
      const v = (body as Record<string, unknown>)[k];
      if (Array.isArray(v)) return v as T[];
    }
  }
  return [];
}
