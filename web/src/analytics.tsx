import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ApiError, lastDays, type QueryRequest, type QueryRow, query } from './api';
import { type Key, useI18n } from './i18n';
import { Link } from './router';
import { Card, Empty, ErrorState, Loading, Stat, Table } from './ui';

/** A semantic-layer query through TanStack Query; `null` data means the endpoint is not on this server. */
export function useSemanticQuery(q: QueryRequest | null) {
  return useQuery({
    queryKey: ['query', q],
    queryFn: () => query(q!),
    enabled: q !== null,
    retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 1,
  });
}

export const last30 = (): Omit<QueryRequest, 'project'> => ({
  metrics: [],
  time_range: lastDays(30),
  grain: 'day',
  compare: 'previous_period',
});

const change = (now: number | null | undefined, before: number | null | undefined) =>
  now == null || before == null || before === 0 ? null : (now - before) / before;

function NotYet() {
  const { t } = useI18n();
  return (
    <Empty>
      <strong>{t('noDataYet')}.</strong> {t('queryNotAvailable')}
    </Empty>
  );
}

function QueryFailed({ error, retry }: { error: unknown; retry: () => void }) {
  const { t } = useI18n();
  // The warehouse not built yet (no pipeline run so far) is an empty state, not a failure.
  if (error instanceof ApiError && error.code === 'no_data_yet') {
    return (
      <Empty>
        <strong>{t('noDataYet')}.</strong> {t('warehouseNotBuilt')}
      </Empty>
    );
  }
  return <ErrorState error={error} retry={retry} />;
}

/**
 * The states every semantic-query card shares: loading, failed, endpoint missing (`null`), and, unless
 * `allowEmpty`, no rows yet; otherwise the content of the answer.
 */
function SemanticState({
  r,
  allowEmpty = false,
  children,
}: {
  r: ReturnType<typeof useSemanticQuery>;
  allowEmpty?: boolean;
  children: (data: NonNullable<ReturnType<typeof useSemanticQuery>['data']>) => ReactNode;
}) {
  const { t } = useI18n();
  if (r.isPending) return <Loading />;
  if (r.isError) return <QueryFailed error={r.error} retry={() => void r.refetch()} />;
  if (r.data === null) return <NotYet />;
  if (!allowEmpty && r.data.rows.length === 0) return <Empty>{t('noDataYet')}</Empty>;
  return <>{children(r.data)}</>;
}

/** KPI tiles with the change against the previous period. */
export function KpiTiles({
  q,
  metrics,
}: {
  q: QueryRequest | null;
  /**
   * `ratio`: a ratio shown as money (average order value); ratios and percentages without data show "–",
   * counts and sums show 0 (no rows in the period means none happened).
   */
  metrics: { metric: string; label: Key; money?: boolean; percent?: boolean; ratio?: boolean }[];
}) {
  const { t, num } = useI18n();
  const r = useSemanticQuery(q && { ...q, metrics: metrics.map((m) => m.metric) });
  return (
    <Card title={t('kpis')} testId="kpis">
      <SemanticState r={r} allowEmpty>
        {(data) => (
          <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
            {metrics.map((m) => {
              const v = data.totals[m.metric] ?? (m.percent || m.ratio ? null : 0);
              const before = data.compare?.totals?.[m.metric];
              return (
                <Stat
                  key={m.metric}
                  testId={`kpi-${m.metric}`}
                  label={t(m.label)}
                  value={
                    v == null
                      ? '–'
                      : num(
                          v,
                          m.percent
                            ? { style: 'percent', maximumFractionDigits: 1 }
                            : { maximumFractionDigits: m.money ? 0 : 2 },
                        )
                  }
                  change={change(v, before)}
                />
              );
            })}
          </div>
        )}
      </SemanticState>
    </Card>
  );
}

const timeKeyOf = (row: QueryRow) => ['date', 'day', 'week', 'month', 'period', 'time'].find((k) => k in row);

/** A line chart of metrics per day. */
export function OverTime({
  q,
  metrics,
}: {
  q: QueryRequest | null;
  metrics: { metric: string; label: Key }[];
}) {
  const { t } = useI18n();
  const r = useSemanticQuery(q && { ...q, metrics: metrics.map((m) => m.metric), dimensions: ['date'] });
  const colors = ['#4f46e5', '#059669', '#d97706'];
  return (
    <Card title={t('overTime')} testId="over-time">
      <SemanticState r={r}>
        {(data) => (
          <div className="h-64 w-full">
            <ResponsiveContainer>
              <LineChart data={data.rows}>
                <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
                <XAxis dataKey={timeKeyOf(data.rows[0]!) ?? 'date'} fontSize={11} />
                <YAxis fontSize={11} width={48} />
                <Tooltip />
                {metrics.map((m, i) => (
                  <Line
                    key={m.metric}
                    type="monotone"
                    dataKey={m.metric}
                    name={t(m.label)}
                    stroke={colors[i % 3]}
                    dot={false}
                  />
                ))}
              </LineChart>
            </ResponsiveContainer>
          </div>
        )}
      </SemanticState>
    </Card>
  );
}

/** The top rows of one dimension by the first metric. */
export function TopTable({
  q,
  dimension,
  dimensionLabel,
  metrics,
  title,
  linkTo,
}: {
  q: QueryRequest | null;
  dimension: string;
  dimensionLabel: Key;
  metrics: { metric: string; label: Key }[];
  title: Key;
  /** Where a row's dimension value links to (e.g. a listing's page); plain text when absent. */
  linkTo?: (value: string) => string;
}) {
  const { t, num } = useI18n();
  const r = useSemanticQuery(
    q && {
      ...q,
      metrics: metrics.map((m) => m.metric),
      dimensions: [dimension],
      order: [{ field: metrics[0]!.metric, direction: 'desc' }],
      limit: 10,
      grain: undefined,
      compare: undefined,
    },
  );
  return (
    <Card title={t(title)} testId={`top-${dimension}`}>
      <SemanticState r={r}>
        {(data) => (
          <Table
            head={[t(dimensionLabel), ...metrics.map((m) => t(m.label))]}
            rows={data.rows.map((row) => [
              linkTo && row[dimension] != null ? (
                <Link
                  key="link"
                  to={linkTo(String(row[dimension]))}
                  className="text-indigo-700 underline"
                  testId={`${dimension}-link`}
                >
                  {String(row[dimension])}
                </Link>
              ) : (
                String(row[dimension] ?? '–')
              ),
              ...metrics.map((m) => {
                const v = row[m.metric];
                return typeof v === 'number' ? num(v) : String(v ?? '–');
              }),
            ])}
          />
        )}
      </SemanticState>
    </Card>
  );
}
