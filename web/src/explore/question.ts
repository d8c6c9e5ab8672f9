/**
 * The Explore page's question and its place in the URL's query string, so a reload or a shared link shows
 * the same view. Also the validity rule of catalogue breakdowns, the same the server's planner applies.
 */
import type { Catalogue, CatalogueMetric, QueryRequest } from '../api';

export type Preset = '7' | '30' | '90' | 'custom';
export type Compare = '' | 'previous_period' | 'previous_year';
export type Grain = 'day' | 'week' | 'month';

export interface FilterRow {
  dimension: string;
  op: string;
  /** As typed; a list (in, not_in) is comma-separated. */
  value: string;
}

export interface Question {
  project: string | null;
  metrics: string[];
  dimensions: string[];
  filters: FilterRow[];
  preset: Preset;
  from: string;
  to: string;
  grain: Grain;
  compare: Compare;
}

const day = (d: Date) =>
  `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** The last n days up to today (local dates, inclusive, as the API takes them). */
export function presetRange(n: number, today = new Date()): { from: string; to: string } {
  const from = new Date(today);
  from.setDate(from.getDate() - (n - 1));
  return { from: day(from), to: day(today) };
}

const list = (s: string | null) => (s ? s.split(',').filter(Boolean) : []);
const isDay = (s: string | null): s is string => !!s && /^\d{4}-\d{2}-\d{2}$/.test(s);

export function readQuestion(search: URLSearchParams, defaultMetric: string): Question {
  const preset = (['7', '30', '90', 'custom'] as const).find((p) => p === search.get('range')) ?? '30';
  const custom = preset === 'custom' ? { from: search.get('from'), to: search.get('to') } : null;
  const range =
    custom && isDay(custom.from) && isDay(custom.to)
      ? { from: custom.from, to: custom.to }
      : presetRange(preset === 'custom' ? 30 : Number(preset));
  return {
    project: search.get('project'),
    metrics: search.has('m') ? list(search.get('m')) : [defaultMetric],
    dimensions: search.has('d') ? list(search.get('d')).slice(0, 2) : ['date'],
    filters: search.getAll('f').flatMap((f) => {
      // dimension|op|value: the value may hold anything, the names never hold `|`.
      const [dimension, op, ...rest] = f.split('|');
      return dimension && op ? [{ dimension, op, value: rest.join('|') }] : [];
    }),
    preset,
    ...range,
    grain: (['day', 'week', 'month'] as const).find((g) => g === search.get('g')) ?? 'day',
    compare: (['previous_period', 'previous_year'] as const).find((c) => c === search.get('c')) ?? '',
  };
}

export function writeQuestion(q: Question): string {
  const s = new URLSearchParams();
  if (q.project) s.set('project', q.project);
  s.set('m', q.metrics.join(','));
  s.set('d', q.dimensions.join(','));
  for (const f of q.filters) s.append('f', `${f.dimension}|${f.op}|${f.value}`);
  s.set('range', q.preset);
  if (q.preset === 'custom') {
    s.set('from', q.from);
    s.set('to', q.to);
  }
  if (q.dimensions.includes('date')) s.set('g', q.grain);
  if (q.compare) s.set('c', q.compare);
  return s.toString();
}

/** Whether one table of the metric holds every one of these dimensions (the planner reads one per metric). */
export const fits = (m: CatalogueMetric, dims: string[]) =>
  m.breakdowns.some((b) => dims.every((d) => b.includes(d)));

/** Dimensions a seller may not choose: the server forces their own seller. */
export const hiddenFor = (cat: Catalogue) => new Set(cat.seller_scoped ? ['seller'] : []);

const complete = (f: FilterRow) => f.value.trim() !== '';

/** The request for /v1/query; incomplete filter rows are left out. */
export function toRequest(q: Question, cat: Catalogue): QueryRequest {
  const types = new Map(cat.dimensions.map((d) => [d.id, d.type]));
  return {
    ...(q.project ? { project: q.project } : {}),
    metrics: q.metrics,
    dimensions: q.dimensions,
    filters: q.filters.filter(complete).map((f) => {
      const one = (v: string) => (types.get(f.dimension) === 'number' ? Number(v) : v.trim());
      const many = f.op === 'in' || f.op === 'not_in';
      return {
        dimension: f.dimension,
        op: f.op,
        value: many
          ? f.value
              .split(',')
              .map(one)
              .filter((v) => v !== '')
          : one(f.value),
      };
    }),
    time_range: { from: q.from, to: q.to },
    ...(q.dimensions.includes('date') ? { grain: q.grain } : {}),
    ...(q.compare ? { compare: q.compare } : {}),
    limit: 1000,
  };
}

/** Every dimension the question already uses, filters included. */
export const usedDimensions = (q: Question, except?: number) => [
  ...q.dimensions.filter((_, i) => i !== except),
  ...q.filters.filter(complete).map((f) => f.dimension),
];
