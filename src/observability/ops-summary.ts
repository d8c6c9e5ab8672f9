import type { Metrics } from './metrics.js';

/**
 * Operations KPIs for admins, read from the process's own Prometheus registry (what /metrics exposes), so the
 * figures are the ones a Prometheus scraping Plaza would compute. Counters and histograms hold everything
 * since the process started: the window is the process lifetime.
 */
export interface OpsSummary {
  started_at: string;
  uptime_seconds: number;
  requests: { total: number; client_errors: number; server_errors: number; error_rate: number | null };
  latency: { count: number; p50_ms: number | null; p95_ms: number | null; p99_ms: number | null };
  events: { accepted: number; rejected: number; deduplicated: number };
}

interface Sample {
  labels: Record<string, string | number | undefined>;
  value: number;
  metricName?: string;
}

/** Only the API counts: probes, /metrics scrapes and the web app's files would flatter the figures. */
const isApi = (route: unknown) => typeof route === 'string' && route.startsWith('/v1/');

const sum = (samples: Sample[]) => samples.reduce((a, s) => a + s.value, 0);

/**
 * The q-quantile of cumulative buckets (upper bound → count ≤ it), interpolated linearly inside the bucket
 * that holds it, as Prometheus' histogram_quantile does; a quantile in the +Inf bucket answers the largest
 * finite bound (the histogram knows no more).
 */
export function bucketQuantile(q: number, buckets: [number, number][]): number | null {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return prevBound;
      const inBucket = count - prevCount;
      return inBucket === 0 ? bound : prevBound + ((bound - prevBound) * (rank - prevCount)) / inBucket;
    }
    prevBound = bound;
    prevCount = count;
  }
  return prevBound;
}

export async function opsSummary(metrics: Metrics, startedAt: number, now = Date.now()): Promise<OpsSummary> {
  const [requests, latency, accepted, rejected, deduplicated] = await Promise.all([
    metrics.requests.get(),
    metrics.requestSeconds.get(),
    metrics.eventsAccepted.get(),
    metrics.eventsRejected.get(),
    metrics.eventsDeduplicated.get(),
  ]);
  const api = (requests.values as Sample[]).filter((s) => isApi(s.labels.route));
  const status = (s: Sample) => Number(s.labels.status);
  const total = sum(api);
  const serverErrors = sum(api.filter((s) => status(s) >= 500));
  // Cumulative counts per upper bound, summed over the API's routes and methods.
  const buckets = new Map<number, number>();
  for (const s of latency.values as Sample[]) {
    if (s.metricName !== 'plaza_http_request_duration_seconds_bucket' || !isApi(s.labels.route)) continue;
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  const counted = [...buckets.entries()];
  const ms = (q: number) => {
    const v = bucketQuantile(q, counted);
    return v === null ? null : Math.round(v * 100_000) / 100;
  };
  return {
    started_at: new Date(startedAt).toISOString(),
    uptime_seconds: Math.max(0, Math.round((now - startedAt) / 1000)),
    requests: {
      total,
      client_errors: sum(api.filter((s) => status(s) >= 400 && status(s) < 500)),
      server_errors: serverErrors,
      error_rate: total > 0 ? serverErrors / total : null,
    },
    latency: {
      count: buckets.get(Number.POSITIVE_INFINITY) ?? 0,
      p50_ms: ms(0.5),
      p95_ms: ms(0.95),
      p99_ms: ms(0.99),
    },
    events: {
      accepted: sum(accepted.values as Sample[]),
      rejected: sum(rejected.values as Sample[]),
      deduplicated: sum(deduplicated.values as Sample[]),
    },
  };
}
