import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { OpsCard } from './admin/ops-card';
import { SellersTable } from './admin/sellers-table';
import { KpiTiles, last30 } from './analytics';
import {
  type DeadLetter,
  followStream,
  type IngestionHealth,
  type Me,
  type Pipeline,
  type PipelineRun,
  type Project,
  type ProjectLive,
  projectLive,
  type QualityResult,
  request,
} from './api';
import { useI18n } from './i18n';
import { ProjectInput, useProject } from './project';
import { Badge, Card, Empty, LiveCard, QueryState, Stat, Table } from './ui';

/** Project counters: fetched once, then kept current by the project's event stream (SSE). */
function ProjectLiveCard({ project }: { project: string }) {
  const { t, num } = useI18n();
  const queries = useQueryClient();
  const key = ['live-project', project];
  const q = useQuery({ queryKey: key, queryFn: () => projectLive(project), refetchInterval: 60_000 });
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key is derived from project
  useEffect(
    () =>
      followStream(`/v1/live/projects/${encodeURIComponent(project)}/stream`, (data) => {
        try {
          queries.setQueryData(key, JSON.parse(data) as ProjectLive);
        } catch {}
      }),
    [project, queries],
  );
  return (
    <LiveCard q={q}>
      {(live) => (
        <div className="flex flex-col gap-3">
          <div className="grid grid-cols-2 gap-3">
            <Stat testId="live-visitors" label={t('liveVisitors')} value={num(live.live_visitors)} />
            <Stat testId="views-today" label={t('viewsToday')} value={num(live.views_today)} />
          </div>
          <h3 className="text-xs font-semibold uppercase text-slate-500">{t('trending')}</h3>
          {live.trending.length === 0 ? (
            <Empty>{t('noDataYet')}</Empty>
          ) : (
            <Table
              head={[t('listing'), t('score')]}
              rows={live.trending.slice(0, 5).map((l) => [l.listing_id, num(l.score)])}
            />
          )}
        </div>
      )}
    </LiveCard>
  );
}

function PipelineRuns() {
  const { t, num } = useI18n();
  const q = useQuery({
    queryKey: ['pipeline-runs'],
    queryFn: async () => {
      const { pipelines } = await request<{ pipelines: Pipeline[] }>('GET', '/v1/pipelines');
      const runs = await Promise.all(
        pipelines.map((p) =>
          request<{ runs: PipelineRun[] }>('GET', `/v1/pipelines/${encodeURIComponent(p.id)}/runs?limit=20`),
        ),
      );
      return runs
        .flatMap((r) => r.runs)
        .sort((a, b) => b.created_at.localeCompare(a.created_at))
        .slice(0, 20);
    },
    refetchInterval: 30_000,
  });
  return (
    <Card title={t('pipelineRuns')} testId="pipeline-runs">
      <QueryState q={q}>
        {(runs) =>
          runs.length === 0 ? (
            <Empty>{t('noRuns')}</Empty>
          ) : (
            <Table
              testId="pipeline-runs-table"
              head={[
                t('pipeline'),
                t('partition'),
                t('trigger'),
                t('status'),
                t('started'),
                t('duration'),
                t('rows'),
              ]}
              rows={runs.map((r) => [
                r.pipeline,
                r.partition ?? '–',
                r.trigger,
                <Badge
                  key="s"
                  ok={r.status === 'succeeded' || r.status === 'running' || r.status === 'queued'}
                >
                  {r.status}
                </Badge>,
                new Date(r.created_at).toLocaleString(),
                r.duration_ms == null ? '–' : `${num(r.duration_ms / 1000, { maximumFractionDigits: 1 })} s`,
                num(r.rows_out),
              ])}
            />
          )
        }
      </QueryState>
    </Card>
  );
}

function Quality() {
  const { t } = useI18n();
  const q = useQuery({
    queryKey: ['quality'],
    queryFn: () => request<{ results: QualityResult[] }>('GET', '/v1/quality'),
  });
  return (
    <Card title={t('quality')} testId="quality">
      <QueryState q={q}>
        {({ results }) =>
          results.length === 0 ? (
            <Empty>{t('noQuality')}</Empty>
          ) : (
            <Table
              head={[t('table'), t('check'), t('partition'), t('result')]}
              rows={results.slice(0, 30).map((r) => [
                r.table,
                r.check_id,
                r.partition ?? '–',
                <Badge key="r" ok={r.passed}>
                  {r.passed ? t('passed') : `${t('failed')} (${r.failed})`}
                </Badge>,
              ])}
            />
          )
        }
      </QueryState>
    </Card>
  );
}

function DeadLetters() {
  const { t, num } = useI18n();
  const q = useQuery({
    queryKey: ['deadletters'],
    queryFn: () => request<{ dead_letters: DeadLetter[] }>('GET', '/v1/admin/deadletters?limit=50'),
  });
  return (
    <Card title={t('deadLetters')} testId="deadletters">
      <QueryState q={q}>
        {({ dead_letters }) =>
          dead_letters.length === 0 ? (
            <Empty>{t('noDeadLetters')}</Empty>
          ) : (
            <>
              <p className="mb-2 text-sm">
                <span className="text-2xl font-semibold tabular-nums" data-testid="deadletters-count">
                  {num(dead_letters.length)}
                </span>{' '}
                {t('deadLettersCount')}
              </p>
              <Table
                head={[t('received'), t('project'), t('status'), t('errors')]}
                rows={dead_letters.slice(0, 10).map((d) => [
                  new Date(d.received_at).toLocaleString(),
                  d.project_id,
                  d.status,
                  <span
                    key="e"
                    className="block max-w-xs truncate"
                    title={d.errors.map((e) => e.message).join('; ')}
                  >
                    {d.errors[0]?.message ?? '–'}
                  </span>,
                ])}
              />
            </>
          )
        }
      </QueryState>
    </Card>
  );
}

function Ingestion() {
  const { t, num } = useI18n();
  const q = useQuery({
    queryKey: ['ingestion'],
    queryFn: () => request<IngestionHealth>('GET', '/v1/health/ingestion'),
    refetchInterval: 10_000,
  });
  return (
    <Card title={t('ingestion')} testId="ingestion">
      <QueryState q={q}>
        {(h) => {
          const groups = new Map<string, number>();
          for (const c of h.consumers) groups.set(c.group, (groups.get(c.group) ?? 0) + c.lag);
          return (
            <>
              <p className="mb-2 flex items-center gap-2 text-sm">
                {t('totalLag')}:{' '}
                <span className="font-semibold tabular-nums" data-testid="total-lag">
                  {num(h.total_lag)}
                </span>
                <Badge ok={h.total_lag === 0}>{h.total_lag === 0 ? t('caughtUp') : t('lagging')}</Badge>
              </p>
              <Table head={[t('group'), t('lag')]} rows={[...groups].map(([g, lag]) => [g, num(lag)])} />
            </>
          );
        }}
      </QueryState>
    </Card>
  );
}

function ProjectSelect({ value, onChange }: { value: string | null; onChange(p: string): void }) {
  const { t } = useI18n();
  const q = useQuery({
    queryKey: ['projects'],
    queryFn: () => request<{ projects: Project[] }>('GET', '/v1/admin/projects'),
  });
  const projects = q.data?.projects ?? [];
  useEffect(() => {
    const first = projects[0];
    if (first && (!value || !projects.some((p) => p.id === value))) onChange(first.id);
  }, [projects, value, onChange]);
  if (q.isSuccess && projects.length === 0) return <Empty>{t('noProjects')}</Empty>;
  return (
    <label className="flex items-center gap-2 text-sm">
      {t('project')}
      <select
        data-testid="project-select"
        className="rounded border border-slate-300 bg-white px-2 py-1"
        value={value ?? ''}
        onChange={(e) => onChange(e.target.value)}
      >
        {projects.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name ? `${p.name} (${p.id})` : p.id}
          </option>
        ))}
      </select>
    </label>
  );
}

export function AdminDashboard({ me }: { me: Me }) {
  const { t } = useI18n();
  const [project, setProject] = useProject(me.project_id);
  const isAdmin = me.role === 'admin';
  const base = project ? { project, ...last30() } : null;
  return (
    <div className="flex flex-col gap-4" data-testid="admin-dashboard">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <h1 className="text-2xl font-semibold">{t('adminDashboard')}</h1>
        {me.project_id ? null : isAdmin ? (
          <ProjectSelect value={project} onChange={setProject} />
        ) : (
          <ProjectInput value={project} onChange={setProject} />
        )}
      </div>
      {project && (
        <>
          <KpiTiles
            q={base}
            metrics={[
              { metric: 'gmv', label: 'gmv', money: true },
              { metric: 'commission', label: 'commissions', money: true },
              { metric: 'mrr', label: 'mrr', money: true },
              { metric: 'active_sellers', label: 'activeSellers' },
              { metric: 'active_users', label: 'activeUsers' },
              { metric: 'orders', label: 'orders' },
              { metric: 'aov', label: 'aov', money: true, ratio: true },
              { metric: 'bounce_rate', label: 'bounceRate', percent: true },
              { metric: 'seller_churn_rate', label: 'sellerChurn', percent: true },
              { metric: 'new_sellers', label: 'newSellers' },
              { metric: 'new_users', label: 'newUsers' },
              { metric: 'payment_success_rate', label: 'paymentSuccess', percent: true },
            ]}
          />
          <ProjectLiveCard project={project} />
          {base && <SellersTable base={base} />}
        </>
      )}
      {isAdmin && <OpsCard />}
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Ingestion />
        {isAdmin && <DeadLetters />}
      </div>
      {isAdmin && <PipelineRuns />}
      {isAdmin && <Quality />}
    </div>
  );
}
