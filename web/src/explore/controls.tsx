import type { ReactNode } from 'react';
import type { Catalogue } from '../api';
import { type Key, useI18n } from '../i18n';
import {
  type Compare,
  type FilterRow,
  fits,
  type Grain,
  hiddenFor,
  type Preset,
  presetRange,
  type Question,
  usedDimensions,
} from './question';

const input = 'rounded border border-slate-300 bg-white px-2 py-1 text-sm';

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the children, inside the label
    <label className="flex min-w-0 flex-col gap-1 text-sm">
      <span className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</span>
      {children}
    </label>
  );
}

const opLabel: Record<string, string | Key> = {
  eq: '=',
  neq: '≠',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  in: 'opIn',
  not_in: 'opNotIn',
  contains: 'opContains',
};

/** The question's controls: metrics, up to two dimensions, filters, time range, grain and comparison. */
export function Controls({ cat, q, set }: { cat: Catalogue; q: Question; set: (q: Question) => void }) {
  const { t, lang } = useI18n();
  const hidden = hiddenFor(cat);
  const chosen = cat.metrics.filter((m) => q.metrics.includes(m.id));
  // A dimension is offered where every chosen metric can still answer with it (and the current choice is
  // kept in the list even if a shared link made it invalid: the API's 400 then says why).
  const offered = (base: string[], current: string, exclude: string[] = []) =>
    cat.dimensions.filter(
      (d) =>
        d.id === current ||
        (!hidden.has(d.id) && !exclude.includes(d.id) && chosen.every((m) => fits(m, [...base, d.id]))),
    );
  const used = usedDimensions(q);
  const toggleMetric = (id: string) =>
    set({
      ...q,
      metrics: q.metrics.includes(id) ? q.metrics.filter((x) => x !== id) : [...q.metrics, id],
    });
  const setDimension = (i: number, id: string) => {
    const dims = [...q.dimensions];
    if (id) dims[i] = id;
    else dims.splice(i, 1);
    set({ ...q, dimensions: dims.filter(Boolean) });
  };
  const setFilter = (i: number, f: FilterRow | null) => {
    const filters = [...q.filters];
    if (f) filters[i] = f;
    else filters.splice(i, 1);
    set({ ...q, filters });
  };
  const filterDims = offered(used, '');
  return (
    <div className="flex flex-col gap-4" data-testid="explore-controls">
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">
          {t('metrics')}
        </legend>
        <div className="grid max-h-56 grid-cols-1 gap-x-4 gap-y-1 overflow-y-auto sm:grid-cols-2 lg:grid-cols-3">
          {cat.metrics.map((m) => {
            const on = q.metrics.includes(m.id);
            const ok = fits(m, used);
            return (
              <label
                key={m.id}
                className={`flex items-center gap-2 text-sm ${ok || on ? '' : 'text-slate-400'}`}
                title={ok ? m.description : t('unavailableWithDimensions')}
              >
                <input
                  type="checkbox"
                  data-testid={`metric-${m.id}`}
                  checked={on}
                  disabled={!on && !ok}
                  onChange={() => toggleMetric(m.id)}
                />
                {m.label[lang]}
              </label>
            );
          })}
        </div>
      </fieldset>

      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
        {[0, 1].map((i) => {
          const others = usedDimensions(q, i);
          const current = q.dimensions[i] ?? '';
          // The second slot only once the first is set.
          if (i === 1 && !q.dimensions[0]) return null;
          return (
            <Field key={i} label={`${t('dimension')} ${i + 1}`}>
              <select
                className={input}
                data-testid={`dimension-${i}`}
                value={current}
                onChange={(e) => setDimension(i, e.target.value)}
              >
                <option value="">{t('none')}</option>
                {offered(others, current, others).map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.label[lang]}
                  </option>
                ))}
              </select>
            </Field>
          );
        })}
        {q.dimensions.includes('date') && (
          <Field label={t('grain')}>
            <select
              className={input}
              data-testid="grain"
              value={q.grain}
              onChange={(e) => set({ ...q, grain: e.target.value as Grain })}
            >
              {(['day', 'week', 'month'] as const).map((g) => (
                <option key={g} value={g}>
                  {t(g)}
                </option>
              ))}
            </select>
          </Field>
        )}
        <Field label={t('compare')}>
          <select
            className={input}
            data-testid="compare"
            value={q.compare}
            onChange={(e) => set({ ...q, compare: e.target.value as Compare })}
          >
            <option value="">{t('noCompare')}</option>
            <option value="previous_period">{t('previousPeriod')}</option>
            <option value="previous_year">{t('previousYear')}</option>
          </select>
        </Field>
      </div>

      <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
        <Field label={t('timeRange')}>
          <select
            className={input}
            data-testid="range"
            value={q.preset}
            onChange={(e) => {
              const preset = e.target.value as Preset;
              set({ ...q, preset, ...(preset === 'custom' ? {} : presetRange(Number(preset))) });
            }}
          >
            <option value="7">{t('last7')}</option>
            <option value="30">{t('last30')}</option>
            <option value="90">{t('last90')}</option>
            <option value="custom">{t('customRange')}</option>
          </select>
        </Field>
        {q.preset === 'custom' && (
          <>
            <Field label={t('from')}>
              <input
                type="date"
                className={input}
                data-testid="from"
                value={q.from}
                max={q.to}
                onChange={(e) => e.target.value && set({ ...q, from: e.target.value })}
              />
            </Field>
            <Field label={t('to')}>
              <input
                type="date"
                className={input}
                data-testid="to"
                value={q.to}
                min={q.from}
                onChange={(e) => e.target.value && set({ ...q, to: e.target.value })}
              />
            </Field>
          </>
        )}
      </div>

      <fieldset className="flex flex-col gap-2" data-testid="filters">
        <legend className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">
          {t('filters')}
        </legend>
        {q.filters.map((f, i) => {
          const dims = offered(
            usedDimensions({ ...q, filters: q.filters.filter((_, j) => j !== i) }),
            f.dimension,
          );
          const many = f.op === 'in' || f.op === 'not_in';
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: filter rows are positional
            <div key={i} className="flex flex-wrap items-end gap-2" data-testid={`filter-${i}`}>
              <select
                aria-label={t('dimension')}
                className={input}
                value={f.dimension}
                onChange={(e) => setFilter(i, { ...f, dimension: e.target.value })}
              >
                {dims.map((d) => (
                  <option key={d.id} value={d.id}>
                    {d.label[lang]}
                  </option>
                ))}
              </select>
              <select
                aria-label={t('operator')}
                className={input}
                value={f.op}
                onChange={(e) => setFilter(i, { ...f, op: e.target.value })}
              >
                {cat.filter_ops.map((op) => {
                  const l = opLabel[op] ?? op;
                  return (
                    <option key={op} value={op}>
                      {l.length <= 2 ? l : t(l as Key)}
                    </option>
                  );
                })}
              </select>
              <input
                aria-label={t('value')}
                className={`${input} min-w-0 flex-1`}
                placeholder={many ? t('commaSeparated') : t('value')}
                value={f.value}
                onChange={(e) => setFilter(i, { ...f, value: e.target.value })}
              />
              <button
                type="button"
                className="rounded border border-slate-300 px-2 py-1 text-sm hover:bg-slate-100"
                onClick={() => setFilter(i, null)}
              >
                {t('remove')}
              </button>
            </div>
          );
        })}
        {filterDims.length > 0 && q.filters.length < 5 && (
          <button
            type="button"
            data-testid="add-filter"
            className="self-start rounded border border-slate-300 px-2 py-1 text-sm hover:bg-slate-100"
            onClick={() =>
              set({
                ...q,
                filters: [...q.filters, { dimension: filterDims[0]!.id, op: 'eq', value: '' }],
              })
            }
          >
            + {t('addFilter')}
          </button>
        )}
      </fieldset>
    </div>
  );
}
