import { list, str, ts } from '../marts/common/duckdb.js';

/**
 * The SQL of the daily reports, for DuckDB (a ClickHouse module would implement the same three functions).
 * Local days come in as a VALUES list of [start, end) instants per project, computed in TypeScript from the
 * projects' zones, so no engine time-zone support is needed and every engine cuts days the same way.
 */
export interface DayBounds {
  projectId: string;
  day: string;
  start: Date;
  end: Date;
}

function daysCte(days: readonly DayBounds[]): string {
  const rows = days.map((d) => `(${str(d.projectId)}, ${str(d.day)}, ${ts(d.start)}, ${ts(d.end)})`);
  return `days(project_id, day, day_start, day_end) AS (VALUES ${rows.join(', ')})`;
}

export const reportsSql = {
  /** Counters per (project, entity, local day) from agg_hour: columns project_id, entity_type, entity_id, day, …. */
  counters(days: readonly DayBounds[], entityTypes: readonly string[]): string {
    return `WITH ${daysCte(days)}
      SELECT a.project_id, a.entity_type, a.entity_id, d.day,
        sum(a.views) AS views, sum(a.leads) AS leads, sum(a.favourites) AS favourites, sum(a.purchases) AS orders
      FROM agg_hour AS a JOIN days AS d
        ON a.project_id = d.project_id AND a.window_start >= d.day_start AND a.window_start < d.day_end
      WHERE a.entity_type IN (${list(entityTypes)})
      GROUP BY a.project_id, a.entity_type, a.entity_id, d.day`;
  },

  /** The hours with purchases, whose revenue objects are summed per currency by the caller. */
  revenue(days: readonly DayBounds[], entityTypes: readonly string[]): string {
    return `WITH ${daysCte(days)}
      SELECT a.project_id, a.entity_type, a.entity_id, d.day, a.revenue
      FROM agg_hour AS a JOIN days AS d
        ON a.project_id = d.project_id AND a.window_start >= d.day_start AND a.window_start < d.day_end
      WHERE a.entity_type IN (${list(entityTypes)}) AND a.purchases > 0`;
  },

  /**
   * Distinct visitors with a view per (project, seller, local day), from raw_events: hourly distinct counts
   * do not add up to a day's, so this one figure is counted from the events themselves, with the stream
   * aggregator's rules (view events; the anonymous id, else the user id).
   */
  sellerVisitors(days: readonly DayBounds[]): string {
    return `WITH ${daysCte(days)}
      SELECT e.project_id, e.seller_id AS entity_id, d.day,
        count(DISTINCT coalesce(e.anonymous_id, e.user_id)) AS visitors
      FROM raw_events AS e JOIN days AS d
        ON e.project_id = d.project_id AND e."timestamp" >= d.day_start AND e."timestamp" < d.day_end
      WHERE e.event_type IN ('listing_viewed', 'product_viewed') AND e.seller_id IS NOT NULL
      GROUP BY e.project_id, e.seller_id, d.day`;
  },
};
