import { useQuery } from '@tanstack/react-query';
import { type Comparison, type Report, reports } from './api';
import { type Key, useI18n } from './i18n';
import { Card, Empty, QueryState } from './ui';

const figures: { id: string; label: Key }[] = [
  { id: 'views', label: 'views' },
  { id: 'leads', label: 'leads' },
  { id: 'orders', label: 'orders' },
];

function Change({ value, label }: { value: number | null; label: Key }) {
  const { t, num } = useI18n();
  if (value == null) return null;
  return (
    <span className={value > 0 ? 'text-emerald-700' : value < 0 ? 'text-red-700' : 'text-slate-500'}>
      {value > 0 ? '▲' : value < 0 ? '▼' : '='}{' '}
      {num(Math.abs(value), { style: 'percent', maximumFractionDigits: 0 })} {t(label)}
    </span>
  );
}

function Figure({ id, label, c }: { id: string; label: Key; c: Comparison }) {
  const { t, num } = useI18n();
  return (
    <div className="flex flex-col text-sm" data-figure={id} data-value={c.day}>
      <span className="text-xs uppercase text-slate-500">{t(label)}</span>
      <strong className="tabular-nums">{num(c.day)}</strong>
      <span className="flex flex-col text-xs">
        <Change value={c.vs_previous_day} label="vsPreviousDay" />
        <Change value={c.vs_average_7d} label="vs7DayAverage" />
      </span>
    </div>
  );
}

function Summary({ r }: { r: Report }) {
  const f = r.payload.figures ?? {};
  return (
    <li className="rounded border border-slate-200 p-3" data-testid={`summary-${r.day}`} data-kind="summary">
      <p className="mb-2 text-sm font-medium">{r.day}</p>
      <div className="grid grid-cols-3 gap-2">
        {figures.map((x) => (f[x.id] ? <Figure key={x.id} id={x.id} label={x.label} c={f[x.id]!} /> : null))}
      </div>
    </li>
  );
}

function Alert({ r }: { r: Report }) {
  const { t, num } = useI18n();
  return (
    <li
      className="rounded border border-amber-300 bg-amber-50 p-3"
      data-testid={`alert-${r.day}`}
      data-kind="alert"
    >
      <p className="mb-1 text-sm font-medium">
        ⚠ {r.day} · {t('alert')}
      </p>
      <ul className="text-sm">
        {(r.payload.anomalies ?? []).map((a) => (
          <li key={a.metric} data-metric={a.metric}>
            {t(a.metric === 'orders' ? 'orders' : 'views')}: <strong>{num(a.value)}</strong>{' '}
            {t(a.direction === 'spike' ? 'spike' : 'drop')} — {t('usual')} {num(a.mean)} ± {num(a.stddev)} (
            {a.z > 0 ? '+' : ''}
            {num(a.z, { maximumFractionDigits: 1 })}σ)
          </li>
        ))}
      </ul>
    </li>
  );
}

/** The daily summaries and anomaly alerts the daily pipeline kept for the seller, newest first. */
export function ReportsCard({ project, seller }: { project: string; seller: string }) {
  const { t } = useI18n();
  const q = useQuery({ queryKey: ['reports', project, seller], queryFn: () => reports(project, seller) });
  return (
    <Card title={t('summaries')} testId="summaries">
      <QueryState q={q}>
        {(data) =>
          data.reports.length === 0 ? (
            <Empty>{t('summariesEmpty')}</Empty>
          ) : (
            <ul className="flex flex-col gap-2">
              {data.reports.map((r) =>
                r.kind === 'alert' ? (
                  <Alert key={`a-${r.day}`} r={r} />
                ) : (
                  <Summary key={`s-${r.day}`} r={r} />
                ),
              )}
            </ul>
          )
        }
      </QueryState>
    </Card>
  );
}
