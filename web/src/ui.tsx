import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useI18n } from './i18n';

export function Card({
  title,
  children,
  testId,
}: {
  title: ReactNode;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid={testId}>
      <h2 className="mb-3 text-sm font-semibold uppercase tracking-wide text-slate-500">{title}</h2>
      {children}
    </section>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="animate-pulse text-sm text-slate-500" role="status">
      {t('loading')}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <p
      className="rounded border border-dashed border-slate-300 p-3 text-sm text-slate-500"
      data-state="empty"
    >
      {children}
    </p>
  );
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const { t } = useI18n();
  return (
    <div className="rounded border border-red-200 bg-red-50 p-3 text-sm text-red-800" role="alert">
      <p>
        {t('errorLoading')}: {error instanceof Error ? error.message : String(error)}
      </p>
      {retry && (
        <button type="button" className="mt-2 underline" onClick={retry}>
          {t('retry')}
        </button>
      )}
    </div>
  );
}

/** Loading, error, or the content of a query's data. */
export function QueryState<T>({ q, children }: { q: UseQueryResult<T>; children: (data: T) => ReactNode }) {
  if (q.isPending) return <Loading />;
  if (q.isError) return <ErrorState error={q.error} retry={() => void q.refetch()} />;
  return <>{children(q.data)}</>;
}

/** The card of live counters: its title carries a pulsing dot, its content is the query's data. */
export function LiveCard<T>({ q, children }: { q: UseQueryResult<T>; children: (data: T) => ReactNode }) {
  const { t } = useI18n();
  return (
    <Card
      testId="live"
      title={
        <span className="flex items-center gap-2">
          <span className="inline-block h-2 w-2 animate-pulse rounded-full bg-emerald-500" /> {t('live')}
        </span>
      }
    >
      <QueryState q={q}>{children}</QueryState>
    </Card>
  );
}

export function Stat({
  label,
  value,
  change,
  testId,
}: {
  label: string;
  value: string;
  change?: number | null;
  testId?: string;
}) {
  const { t, num } = useI18n();
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid={testId}>
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</p>
      <p className="mt-1 text-2xl font-semibold tabular-nums" data-value>
        {value}
      </p>
      {change != null && Number.isFinite(change) && (
        <p className={`mt-1 text-xs ${change >= 0 ? 'text-emerald-700' : 'text-red-700'}`}>
          {change >= 0 ? '▲' : '▼'} {num(Math.abs(change), { style: 'percent', maximumFractionDigits: 1 })}{' '}
          {t('vsPrevious')}
        </p>
      )}
    </div>
  );
}

export function Table({ head, rows, testId }: { head: string[]; rows: ReactNode[][]; testId?: string }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid={testId}>
        <thead>
          <tr className="border-b border-slate-200 text-xs uppercase text-slate-500">
            {head.map((h) => (
              <th key={h} className="whitespace-nowrap px-2 py-1 font-medium">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity beyond their position
            <tr key={i} className="border-b border-slate-100 last:border-0">
              {r.map((c, j) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional
                <td key={j} className="whitespace-nowrap px-2 py-1 tabular-nums">
                  {c}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Badge({ ok, children }: { ok: boolean; children: ReactNode }) {
  return (
    <span
      className={`rounded px-1.5 py-0.5 text-xs font-medium ${ok ? 'bg-emerald-100 text-emerald-800' : 'bg-red-100 text-red-800'}`}
    >
      {children}
    </span>
  );
}
