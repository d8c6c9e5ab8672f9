import { useEffect, useState } from 'react';
import { useSemanticQuery } from '../analytics';
import { ApiError, type QueryRequest } from '../api';
import { type Key, useI18n } from '../i18n';
import { Card, Empty, ErrorState, Loading, Table } from '../ui';

const columns: { metric: string; label: Key; money?: boolean }[] = [
  { metric: 'gmv', label: 'gmv', money: true },
  { metric: 'orders', label: 'orders' },
  { metric: 'views', label: 'views' },
  { metric: 'leads', label: 'leads' },
  { metric: 'new_listings', label: 'newListings' },
];

const SELLERS_LIMIT = 50;

/** The table's question: one seller per row, the chosen metric first, at most 50. */
function sellersQuery(base: Omit<QueryRequest, 'metrics'>, sort: string, filter: string): QueryRequest {
  return {
    project: base.project,
    time_range: base.time_range,
    metrics: columns.map((c) => c.metric),
    dimensions: ['seller'],
    filters: filter ? [{ dimension: 'seller', op: 'contains', value: filter }] : [],
    order: [{ field: sort, direction: 'desc' }],
    limit: SELLERS_LIMIT,
  };
}

/** Typing settles before a query is sent. */
function useDebounced(value: string, ms: number): string {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return v;
}

/**
 * The project's sellers by the chosen metric (top 50) with their plan; the filter box narrows by seller id on
 * the server, so the top 50 are of the matching sellers, not of a page already loaded.
 */
export function SellersTable({ base }: { base: Omit<QueryRequest, 'metrics'> }) {
  const { t, num } = useI18n();
  const [sort, setSort] = useState('gmv');
  const [text, setText] = useState('');
  const filter = useDebounced(text.trim(), 300);
  const r = useSemanticQuery(sellersQuery(base, sort, filter));
  const ids = (r.data?.rows ?? []).map((row) => String(row.seller ?? '')).filter(Boolean);
  // Plans live in the sellers mart: one small query for the sellers shown.
  const plans = useSemanticQuery(
    ids.length === 0
      ? null
      : {
          project: base.project,
          time_range: base.time_range,
          metrics: ['mrr'],
          dimensions: ['seller', 'plan'],
          filters: [{ dimension: 'seller', op: 'in', value: ids }],
          limit: 1000,
        },
  );
  const planOf = new Map<string, string[]>();
  for (const row of plans.data?.rows ?? []) {
    if (row.plan == null) continue;
    const key = String(row.seller);
    planOf.set(key, [...(planOf.get(key) ?? []), String(row.plan)]);
  }
  const cell = (metric: string, v: unknown, money?: boolean) => (
    <span key={metric} data-metric={metric} data-raw={v == null ? '' : String(v)}>
      {typeof v === 'number' ? num(v, { maximumFractionDigits: money ? 0 : 2 }) : '–'}
    </span>
  );
  return (
    <Card title={t('sellersTable')} testId="sellers">
      <div className="mb-3 flex flex-wrap items-center gap-2 text-sm">
        <input
          type="search"
          data-testid="sellers-filter"
          aria-label={t('filterSellers')}
          placeholder={t('filterSellers')}
          className="min-w-0 flex-1 rounded border border-slate-300 px-2 py-1"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <label className="flex items-center gap-1">
          {t('sortBy')}
          <select
            data-testid="sellers-sort"
            className="rounded border border-slate-300 bg-white px-2 py-1"
            value={sort}
            onChange={(e) => setSort(e.target.value)}
          >
            {columns.map((c) => (
              <option key={c.metric} value={c.metric}>
                {t(c.label)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {r.isPending ? (
        <Loading />
      ) : r.isError ? (
        r.error instanceof ApiError && r.error.code === 'no_data_yet' ? (
          <Empty>{t('warehouseNotBuilt')}</Empty>
        ) : (
          <ErrorState error={r.error} retry={() => void r.refetch()} />
        )
      ) : r.data === null ? (
        <Empty>{t('queryNotAvailable')}</Empty>
      ) : r.data.rows.length === 0 ? (
        <Empty>{t('noSellers')}</Empty>
      ) : (
        <Table
          testId="sellers-table"
          head={[t('seller'), t('plan'), ...columns.map((c) => t(c.label))]}
          rows={r.data.rows.map((row) => [
            <span key="id" data-testid="seller-id">
              {String(row.seller ?? '–')}
            </span>,
            planOf.get(String(row.seller))?.join(', ') ?? '–',
            ...columns.map((c) => cell(c.metric, row[c.metric], c.money)),
          ])}
        />
      )}
    </Card>
  );
}
