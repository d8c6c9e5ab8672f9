import { useQuery } from '@tanstack/react-query';
import { request } from '../api';
import { useI18n } from '../i18n';
import { Card, QueryState, Stat } from '../ui';

/** GET /v1/admin/ops: this server's own figures since it started (src/observability/ops-summary.ts). */
interface OpsSummary {
  started_at: string;
  uptime_seconds: number;
  requests: { total: number; client_errors: number; server_errors: number; error_rate: number | null };
  latency: { count: number; p50_ms: number | null; p95_ms: number | null; p99_ms: number | null };
  events: { accepted: number; rejected: number; deduplicated: number };
}

/** "3 d 4 h", "5 h 12 min", "42 s": the two largest units are enough for an uptime. */
function duration(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min ${seconds % 60} s`;
  return `${seconds} s`;
}

export function OpsCard() {
  const { t, num } = useI18n();
  const q = useQuery({
    queryKey: ['ops'],
    queryFn: () => request<OpsSummary>('GET', '/v1/admin/ops'),
    refetchInterval: 15_000,
  });
  const ms = (v: number | null) => (v == null ? '–' : `${num(v, { maximumFractionDigits: 1 })} ms`);
  return (
    <Card title={t('operations')} testId="ops">
      <QueryState q={q}>
        {(o) => (
          <div className="flex flex-col gap-2">
            <div className="grid grid-cols-2 gap-3 md:grid-cols-3">
              <Stat testId="ops-p50" label={t('latencyP50')} value={ms(o.latency.p50_ms)} />
              <Stat testId="ops-p95" label={t('latencyP95')} value={ms(o.latency.p95_ms)} />
              <Stat
                testId="ops-error-rate"
                label={t('errorRate')}
                value={
                  o.requests.error_rate == null
                    ? '–'
                    : num(o.requests.error_rate, { style: 'percent', maximumFractionDigits: 2 })
                }
              />
              <Stat testId="ops-uptime" label={t('uptime')} value={duration(o.uptime_seconds)} />
              <Stat testId="ops-accepted" label={t('eventsAccepted')} value={num(o.events.accepted)} />
              <Stat testId="ops-rejected" label={t('eventsRejected')} value={num(o.events.rejected)} />
            </div>
            <p className="text-xs text-slate-500">
              {num(o.requests.total)} {t('apiRequests')} {t('since')}{' '}
              {new Date(o.started_at).toLocaleString()}
            </p>
          </div>
        )}
      </QueryState>
    </Card>
  );
}
