/**
 * The analytics API's answers: metric queries, funnels, retention and listing stats, read from the
 * warehouse through the catalogue and cached per data version.
 */
import { PlazaError } from '../core/errors.js';
import type { Row, Warehouse } from '../ports/warehouse.js';
import { cached, type ResultCache } from './cache.js';
import { tables } from './catalogue.js';
import {
  checkFilter,
  type Filter,
  type Grain,
  plan,
  type QueryInput,
  shiftRange,
  validateRange,
} from './plan.js';
import {
  type CompiledQuery,
  compileFunnel,
  compileQuery,
  compileRetention,
  listingDailySql,
  listingSql,
  photoEffectSql,
  similarSql,
} from './sql-duckdb.js';

export interface Scope {
  project: string;
  sellerId: string | undefined;
}

export interface QueryRequest extends QueryInput {
  compare?: 'previous_period' | 'previous_year';
}

export interface QueryResult {
  rows: Row[];
  totals: Row;
  compare?: { rows: Row[]; totals: Row; time_range: { from: string; to: string } };
  meta: { sql_ms: number; cached: boolean; tables: string[] };
}

export interface FunnelRequest {
  steps: { event_type: string; filters: Filter[] }[];
  windowMs: number;
  from: string;
  to: string;
  breakdown?: string;
}

export interface RetentionRequest {
  cohort: 'first_event' | 'first_purchase';
  period: Grain;
  from: string;
  to: string;
  periods: number;
}

/** Plain JSON numbers: bigints only appear past 2^53, which no count here reaches. */
const plain = (rows: Row[]): Row[] =>
  rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
  );

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

export class SemanticLayer {
  constructor(
    private readonly warehouse: Warehouse,
    /** null: every answer computed afresh (benchmarks measure the SQL, not the cache). */
    private readonly cache: ResultCache | null,
    private readonly maxRangeDays: number,
  ) {}

  private async run(q: CompiledQuery): Promise<Row[]> {
    try {
      return plain(await this.warehouse.query(q.sql, q.params));
    } catch (e) {
      // Before the first daily build the marts do not exist yet: that is no data, not a failure.
      if (e instanceof Error && /Table with name \w+ does not exist/.test(e.message)) {
        throw new PlazaError(
          'no_data_yet',
          'the warehouse has not been built yet: run the daily pipeline',
          409,
        );
      }
      throw e;
    }
  }

  /** `compute` through the result cache, answered with how long it took, whether it was cached, and what it read. */
  private async measured<T extends object>(
    kind: string,
    request: unknown,
    tables: string[],
    compute: () => Promise<T>,
  ): Promise<T & { meta: QueryResult['meta'] }> {
    const started = performance.now();
    const { value, cached: hit } = await cached(this.cache, kind, request, compute);
    return { ...value, meta: { sql_ms: Math.round(performance.now() - started), cached: hit, tables } };
  }

  async query(scope: Scope, req: QueryRequest): Promise<QueryResult> {
    const p = plan(scope.project, scope.sellerId, req, this.maxRangeDays);
    const tablesRead = p.groups.map((g) => g.table.name);
    return this.measured('query', { scope, req }, tablesRead, async () => {
      const range: [string, string] = [req.from, req.to];
      const answer = async (r: [string, string]) => {
        // Without dimensions the one row is the totals: one query. Otherwise both run at once.
        if (req.dimensions.length === 0) {
          const rows = await this.run(compileQuery(p, { dimensions: true, range: r }));
          return { rows, totals: rows[0] ?? {} };
        }
        const [rows, totals] = await Promise.all([
          this.run(compileQuery(p, { dimensions: true, range: r })),
          this.run(compileQuery(p, { dimensions: false, range: r })),
        ]);
        return { rows, totals: totals[0] ?? {} };
      };
      if (!req.compare) return answer(range);
      const prev = shiftRange(req.from, req.to, req.compare);
      const [main, before] = await Promise.all([answer(range), answer(prev)]);
      return { ...main, compare: { ...before, time_range: { from: prev[0], to: prev[1] } } };
    });
  }

  async funnel(scope: Scope, req: FunnelRequest) {
    validateRange(req.from, req.to, this.maxRangeDays);
    if (req.breakdown !== undefined && !(req.breakdown in (tables.stg_events?.dimensions ?? {}))) {
      throw new PlazaError(
        'unknown_dimension',
        `breakdown "${req.breakdown}" is not a dimension of events; valid: ${Object.keys(tables.stg_events?.dimensions ?? {}).join(', ')}`,
        400,
      );
    }
    for (const s of req.steps) {
      for (const f of s.filters) {
        if (!(f.dimension in (tables.stg_events?.dimensions ?? {}))) {
          throw new PlazaError(
            'unknown_dimension',
            `step filter on "${f.dimension}": valid dimensions of events: ${Object.keys(tables.stg_events?.dimensions ?? {}).join(', ')}`,
            400,
          );
        }
      }
      s.filters.forEach(checkFilter);
    }
    return this.measured('funnel', { scope, req }, ['stg_events'], async () => {
      const rows = await this.run(
        compileFunnel({
          project: scope.project,
          sellerId: scope.sellerId,
          steps: req.steps.map((s) => ({ eventType: s.event_type, filters: s.filters })),
          windowMs: req.windowMs,
          range: [req.from, req.to],
          breakdown: req.breakdown,
        }),
      );
      const shape = (r: Row) =>
        req.steps.map((s, i) => {
          const count = Number(r[`c${i}`] ?? 0);
          const first = Number(r.c0 ?? 0);
          const prev = Number(r[`c${i - 1}`] ?? 0);
          return {
            step: i + 1,
            event_type: s.event_type,
            count,
            conversion_from_first: i === 0 ? (first > 0 ? 1 : null) : ratio(count, first),
            conversion_from_previous: i === 0 ? null : ratio(count, prev),
            median_seconds_from_previous: i === 0 ? null : ((r[`m${i}`] as number | null) ?? null),
          };
        });
      const sum = (k: string) => rows.reduce((a, r) => a + Number(r[k] ?? 0), 0);
      const overall = req.breakdown === undefined ? rows[0] : undefined;
      return {
        steps: overall
          ? shape(overall)
          : shape(Object.fromEntries(req.steps.map((_, i) => [`c${i}`, sum(`c${i}`)]))),
        ...(req.breakdown === undefined
          ? {}
          : { breakdown: rows.map((r) => ({ value: r.breakdown ?? null, steps: shape(r) })) }),
      };
    });
  }

  async retention(scope: Scope, req: RetentionRequest) {
    validateRange(req.from, req.to, this.maxRangeDays);
    const tablesRead = [req.cohort === 'first_event' ? 'stg_events' : 'stg_orders'];
    return this.measured('retention', { scope, req }, tablesRead, async () => {
      const rows = await this.run(
        compileRetention({
          project: scope.project,
          sellerId: scope.sellerId,
          cohort: req.cohort,
          period: req.period,
          range: [req.from, req.to],
          periods: req.periods,
        }),
      );
      const cohorts = new Map<
        string,
        { cohort: string; size: number; periods: { period: number; active: number; rate: number }[] }
      >();
      for (const r of rows) {
        const key = String(r.cohort);
        const c = cohorts.get(key) ?? { cohort: key, size: 0, periods: [] };
        const active = Number(r.people);
        if (Number(r.k) === 0) c.size = active;
        c.periods.push({ period: Number(r.k), active, rate: 0 });
        cohorts.set(key, c);
      }
      for (const c of cohorts.values())
        for (const x of c.periods) x.rate = c.size > 0 ? x.active / c.size : 0;
      return { cohorts: [...cohorts.values()] };
    });
  }

  async listingStats(scope: Scope, listingId: string, from: string, to: string) {
    validateRange(from, to, this.maxRangeDays);
    const [listing] = await this.run({ sql: listingSql, params: [scope.project, listingId] });
    // Another seller's listing answers exactly like a missing one: its existence is not theirs to know.
    if (!listing || (scope.sellerId !== undefined && listing.seller_id !== scope.sellerId)) {
      throw new PlazaError(
        'listing_not_found',
        `no listing "${listingId}" in project "${scope.project}"`,
        404,
      );
    }
    return this.measured(
      'listing',
      { scope, listingId, from, to },
      ['dim_listings', 'mart_listing_daily'],
      async () => {
        const args = [scope.project, listingId, from, to];
        const [days, [similar], effect] = await Promise.all([
          this.run({ sql: listingDailySql, params: args }),
          this.run({ sql: similarSql, params: args }),
          this.run({ sql: photoEffectSql, params: [scope.project, listing.kind, from, to] }),
        ]);
        const views = days.reduce((a, d) => a + Number(d.views), 0);
        const contacts = days.reduce((a, d) => a + Number(d.leads), 0);
        const conversion = ratio(contacts, views);
        const tips: { code: string; text: string; evidence: Record<string, unknown> }[] = [];
        const comparables = Number(similar?.listings ?? 0);
        const median = similar?.median_price as number | null;
        const price = listing.price as number | null;
        // Only with enough comparables: a median of one or two listings says nothing about a market.
        if (comparables >= 3 && median && price) {
          const diff = (price - median) / median;
          if (Math.abs(diff) >= 0.05) {
            const pct = Math.round(Math.abs(diff) * 100);
            tips.push({
              code: diff > 0 ? 'price_above_similar' : 'price_below_similar',
              text: `price ${pct} % ${diff > 0 ? 'above' : 'below'} similar listings (median ${median} ${listing.currency ?? ''}, ${comparables} listings)`.trim(),
              evidence: { price, median_price: median, similar_listings: comparables },
            });
          }
        }
        const many = effect.find((r) => r.many === true);
        const few = effect.find((r) => r.many === false);
        if (
          Number(listing.photo_count ?? 0) < 10 &&
          many &&
          few &&
          Number(many.listings) >= 5 &&
          Number(few.listings) >= 5 &&
          Number(few.leads_per_listing) > 0 &&
          Number(many.leads_per_listing) / Number(few.leads_per_listing) >= 1.2
        ) {
          const x = Number(many.leads_per_listing) / Number(few.leads_per_listing);
          tips.push({
            code: 'more_photos',
            text: `listings with 10+ photos get ${x.toFixed(1)}× more leads`,
            evidence: { with_10_plus: many, with_fewer: few, photo_count: listing.photo_count },
          });
        }
        const simConv = similar?.lead_conversion as number | null;
        if (conversion !== null && simConv && views >= 20 && conversion < simConv * 0.5) {
          tips.push({
            code: 'low_conversion',
            text: `view → contact conversion ${(conversion * 100).toFixed(1)} % against ${(simConv * 100).toFixed(1)} % for similar listings`,
            evidence: { conversion, similar_conversion: simConv },
          });
        }
        return {
          listing,
          time_range: { from, to },
          days,
          totals: { views, contacts, view_to_contact: conversion },
          similar: {
            listings: comparables,
            median_price: median ?? null,
            price_vs_median: comparables > 0 && median && price ? (price - median) / median : null,
            views_per_listing: similar?.views_per_listing ?? null,
            leads_per_listing: similar?.leads_per_listing ?? null,
            view_to_contact: simConv ?? null,
          },
          tips,
        };
      },
    );
  }
}
