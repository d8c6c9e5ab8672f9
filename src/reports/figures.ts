import { addDays, daysBetween } from '../pipelines/partitions.js';
import type { ProjectInfo } from '../pipelines/types.js';
import type { Warehouse } from '../ports/warehouse.js';
import { localDayBounds } from '../quality/scope.js';
import { aggHourTable } from '../warehouse/agg-tables.js';
import { rawEventsTable } from '../warehouse/raw-events-table.js';
import { type DayBounds, reportsSql } from './sql-duckdb.js';

export const figureNames = ['views', 'unique_visitors', 'leads', 'favourites', 'orders'] as const;
export type FigureName = (typeof figureNames)[number];

/** One entity's figures for one local day; revenue per ISO currency code (no conversion). */
export type DayFigures = Record<FigureName, number> & { revenue: Record<string, number> };

export type EntityType = 'seller' | 'project';

/** An entity's days, every requested day present (zero when nothing happened). */
export interface EntitySeries {
  projectId: string;
  entityType: EntityType;
  entityId: string;
  timeZone: string;
  days: Map<string, DayFigures>;
}

export const emptyFigures = (): DayFigures => ({
  views: 0,
  unique_visitors: 0,
  leads: 0,
  favourites: 0,
  orders: 0,
  revenue: {},
});

/** `day` and the `count` days before it, oldest first. */
export const dayRange = (day: string, count: number): string[] => daysBetween(addDays(day, -count), day);

const n = (v: unknown) => Number(v ?? 0);

/**
 * Daily figures per seller and/or project over local days, rolled up from agg_hour (the stream aggregator's
 * hourly event-time windows): an hour belongs to the local day its start falls in, in its project's zone.
 * Unique visitors come from raw_events (see reports/sql-duckdb.ts) when asked for.
 */
export async function readDailyFigures(
  warehouse: Warehouse,
  projects: readonly ProjectInfo[],
  o: { days: readonly string[]; entityTypes: readonly EntityType[]; visitors?: boolean },
): Promise<EntitySeries[]> {
  if (projects.length === 0 || o.days.length === 0) return [];
  await warehouse.ensureTable(aggHourTable);
  const bounds: DayBounds[] = projects.flatMap((p) =>
    o.days.map((day) => ({ projectId: p.id, day, ...localDayBounds(p.timeZone, day) })),
  );
  const zones = new Map(projects.map((p) => [p.id, p.timeZone]));
  const series = new Map<string, EntitySeries>();
  const at = (projectId: string, entityType: EntityType, entityId: string, day: string): DayFigures => {
    const key = `${projectId}\u0000${entityType}\u0000${entityId}`;
    let s = series.get(key);
    if (!s) {
      s = {
        projectId,
        entityType,
        entityId,
        timeZone: zones.get(projectId)!,
        days: new Map(o.days.map((d) => [d, emptyFigures()])),
      };
      series.set(key, s);
    }
    return s.days.get(day)!;
  };

  type Counters = { project_id: string; entity_type: EntityType; entity_id: string; day: string };
  const counters = await warehouse.query<Counters & Record<string, unknown>>(
    reportsSql.counters(bounds, o.entityTypes),
  );
  for (const r of counters) {
    const f = at(r.project_id, r.entity_type, r.entity_id, r.day);
    f.views = n(r['views']);
    f.leads = n(r['leads']);
    f.favourites = n(r['favourites']);
    f.orders = n(r['orders']);
  }

  // Summed in hundredths, as the aggregator does, so the result never depends on the order of addition.
  const cents = new Map<DayFigures, Record<string, number>>();
  const revenue = await warehouse.query<Counters & { revenue: Record<string, unknown> | null }>(
    reportsSql.revenue(bounds, o.entityTypes),
  );
  for (const r of revenue) {
    const f = at(r.project_id, r.entity_type, r.entity_id, r.day);
    const sums = cents.get(f) ?? {};
    for (const [currency, amount] of Object.entries(r.revenue ?? {})) {
      if (typeof amount === 'number') sums[currency] = (sums[currency] ?? 0) + Math.round(amount * 100);
    }
    cents.set(f, sums);
  }
  for (const [f, sums] of cents) {
    f.revenue = Object.fromEntries(Object.entries(sums).map(([c, v]) => [c, v / 100]));
  }

  if (o.visitors && o.entityTypes.includes('seller')) {
    await warehouse.ensureTable(rawEventsTable);
    const visitors = await warehouse.query<{
      project_id: string;
      entity_id: string;
      day: string;
      visitors: number;
    }>(reportsSql.sellerVisitors(bounds));
    for (const r of visitors) at(r.project_id, 'seller', r.entity_id, r.day).unique_visitors = n(r.visitors);
  }
  return [...series.values()];
}
