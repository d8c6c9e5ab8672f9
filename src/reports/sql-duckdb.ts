import { date, list, str, ts } from '../marts/common/duckdb.js';

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

/** Statements of src/reports/store.ts (the kept summaries and alerts). */
export const entriesSql = {
  /** Deletes the day's rows of `kind` for the projects, then inserts the new ones: one transaction. */
  replace(
    kind: string,
    day: string,
    projectIds: readonly string[],
    entries: readonly {
      project_id: string;
      entity_type: string;
      entity_id: string;
      payload: Record<string, unknown>;
    }[],
    now: Date,
  ): string[] {
    const statements = [
      `DELETE FROM report_entries WHERE kind = ${str(kind)} AND day = ${date(day)} AND project_id IN (${list(projectIds)})`,
    ];
    if (entries.length > 0) {
      const values = entries.map(
        (e) =>
          `(${str(e.project_id)}, ${str(e.entity_type)}, ${str(e.entity_id)}, ${date(day)}, ${str(kind)}, ` +
          `${str(JSON.stringify(e.payload))}::JSON, ${ts(now)})`,
      );
      statements.push(
        `INSERT INTO report_entries (project_id, entity_type, entity_id, day, kind, payload, created_at) VALUES ${values.join(', ')}`,
      );
    }
    return statements;
  },

  list(f: { project: string; sellerId: string | undefined; kind: string | undefined; limit: number }): {
    sql: string;
    params: unknown[];
  } {
    const params: unknown[] = [f.project];
    const where = ['project_id = $1'];
    if (f.sellerId !== undefined) {
      params.push(f.sellerId);
      where.push(`entity_type = 'seller' AND entity_id = $${params.length}`);
    }
    if (f.kind !== undefined) {
      params.push(f.kind);
      where.push(`kind = $${params.length}`);
    }
    params.push(f.limit);
    return {
      sql: `SELECT project_id, entity_type, entity_id, day, kind, payload, created_at FROM report_entries
        WHERE ${where.join(' AND ')} ORDER BY day DESC, kind, entity_type, entity_id LIMIT $${params.length}`,
      params,
    };
  },
};
