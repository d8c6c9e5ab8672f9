import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { Catalogue, CatalogueMetric, QueryResult, QueryRow } from '../api';
import { useI18n } from '../i18n';
import { Card, Empty, Stat, Table } from '../ui';

const colors = ['#4f46e5', '#059669', '#d97706', '#dc2626', '#0891b2', '#7c3aed', '#65a30d', '#db2777'];

/** A figure as the page shows it, by the metric's unit; the raw value stays in `data-raw` for tests. */
export function useFormat() {
  const { num } = useI18n();
  return (m: CatalogueMetric | undefined, v: unknown): string => {
    if (v === null || v === undefined) return '–';
    if (typeof v !== 'number') return String(v);
    if (m?.unit === 'ratio') return num(v, { style: 'percent', maximumFractionDigits: 1 });
    if (m?.unit === 'money') return num(v, { maximumFractionDigits: 2 });
    return num(v, { maximumFractionDigits: 2 });
  };
}

const change = (now: unknown, before: unknown) =>
  typeof now === 'number' && typeof before === 'number' && before !== 0 ? (now - before) / before : null;

/**
 * Chart rows: over `date`, one line per metric, or, with a second dimension, one line per value of it for the
 * first metric (the 8 largest); otherwise bars per row, labelled by its dimension values.
 */
function chartData(rows: QueryRow[], dims: string[], metrics: string[]) {
  const other = dims.find((d) => d !== 'date');
  if (dims.includes('date') && other) {
    const metric = metrics[0]!;
    const sums = new Map<string, number>();
    for (const r of rows) {
      const k = String(r[other] ?? '–');
      sums.set(k, (sums.get(k) ?? 0) + (Number(r[metric]) || 0));
    }
    const series = [...sums.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([k]) => k);
    const byDate = new Map<string, Record<string, string | number | null>>();
    for (const r of rows) {
      const k = String(r[other] ?? '–');
      if (!series.includes(k)) continue;
      const date = String(r.date);
      const point = byDate.get(date) ?? { date };
      point[k] = r[metric] ?? null;
      byDate.set(date, point);
    }
    return { x: 'date', line: true, series, data: [...byDate.values()] };
  }
  if (dims.includes('date')) return { x: 'date', line: true, series: metrics, data: rows };
  const data = rows.slice(0, 30).map((r) => ({ ...r, _x: dims.map((d) => String(r[d] ?? '–')).join(' · ') }));
  return { x: '_x', line: false, series: metrics, data };
}

export function Results({
  cat,
  result,
  dims,
  metrics,
}: {
  cat: Catalogue;
  result: QueryResult;
  dims: string[];
  metrics: string[];
}) {
  const { t, lang } = useI18n();
  const format = useFormat();
  const metricOf = new Map(cat.metrics.map((m) => [m.id, m]));
  const dimOf = new Map(cat.dimensions.map((d) => [d.id, d]));
  const nameOf = (id: string) => metricOf.get(id)?.label[lang] ?? dimOf.get(id)?.label[lang] ?? id;
  const cell = (id: string, v: unknown) => (
    <span data-raw={v === null || v === undefined ? '' : String(v)}>{format(metricOf.get(id), v)}</span>
  );
  const totals = (
    <div className="grid grid-cols-2 gap-3 md:grid-cols-4" data-testid="explore-totals">
      {metrics.map((m) => (
        <Stat
          key={m}
          testId={`total-${m}`}
          label={nameOf(m)}
          value={format(metricOf.get(m), result.totals[m])}
          change={result.compare ? change(result.totals[m], result.compare.totals[m]) : undefined}
        />
      ))}
    </div>
  );
  if (dims.length === 0) return totals;
  if (result.rows.length === 0) {
    return (
      <>
        {totals}
        <Empty>{t('exploreNoRows')}</Empty>
      </>
    );
  }
  const chart = chartData(result.rows, dims, metrics);
  const Chart = chart.line ? LineChart : BarChart;
  const names = chart.series.map((s) => (metricOf.has(s) ? nameOf(s) : s));
  const totalRow = [
    <strong key="t">{t('total')}</strong>,
    ...dims.slice(1).map((d) => <span key={d} />),
    ...metrics.map((m) => <strong key={m}>{cell(m, result.totals[m])}</strong>),
  ];
  const previousRow = result.compare && [
    <span key="p" className="text-slate-500">
      {t('previousTotal')} ({result.compare.time_range.from} – {result.compare.time_range.to})
    </span>,
    ...dims.slice(1).map((d) => <span key={d} />),
    ...metrics.map((m) => (
      <span key={m} className="text-slate-500">
        {cell(m, result.compare?.totals[m])}
      </span>
    )),
  ];
  return (
    <>
      {totals}
      <Card title={t('chart')} testId="explore-chart">
        <div className="h-72 w-full">
          <ResponsiveContainer>
            <Chart data={chart.data}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
              <XAxis dataKey={chart.x} fontSize={11} />
              <YAxis fontSize={11} width={56} />
              <Tooltip />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              {chart.series.map((s, i) =>
                chart.line ? (
                  <Line
                    key={s}
                    type="monotone"
                    dataKey={s}
                    name={names[i]}
                    stroke={colors[i % colors.length]}
                    dot={false}
                    connectNulls
                  />
                ) : (
                  <Bar key={s} dataKey={s} name={names[i]} fill={colors[i % colors.length]} />
                ),
              )}
            </Chart>
          </ResponsiveContainer>
        </div>
      </Card>
      <Card title={`${t('table')} · ${result.rows.length}`} testId="explore-table">
        <Table
          testId="explore-rows"
          head={[...dims, ...metrics].map(nameOf)}
          rows={[
            ...result.rows.map((r) => [
              ...dims.map((d) => <span key={d}>{String(r[d] ?? '–')}</span>),
              ...metrics.map((m) => cell(m, r[m])),
            ]),
            totalRow,
            ...(previousRow ? [previousRow] : []),
          ]}
        />
      </Card>
    </>
  );
}
