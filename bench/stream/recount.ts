/**
 * The windowed aggregates recomputed in one batch query over `raw_events`, with the same rules as the stream
 * aggregator (src/stream/windows/window-state.ts): each event's watermark is recomputed from the events
 * before it in its (partition, project), in log order, that its partition's clock had left behind by the
 * receive grace. Tests and the benchmark compare agg_minute / agg_hour
 * against it.
 */
import type { Warehouse } from '../../src/ports/warehouse.js';
import { receiveGraceMs } from '../../src/stream/windows/window-state.js';
import { aggCounterColumns } from '../../src/warehouse/agg-tables.js';

export interface AggRow {
  table: 'agg_minute' | 'agg_hour';
  project_id: string;
  entity_type: string;
  entity_id: string;
  window_start: number;
  counts: Record<string, number>;
  revenue: Record<string, number>;
}

const rowKey = (r: AggRow) => `${r.table}|${r.project_id}|${r.entity_type}|${r.entity_id}|${r.window_start}`;

/** The stream aggregator's rows, keyed. */
export async function aggRows(warehouse: Warehouse): Promise<Map<string, AggRow>> {
  const out = new Map<string, AggRow>();
  for (const table of ['agg_minute', 'agg_hour'] as const) {
    const rows = await warehouse.query<Record<string, unknown>>(`SELECT * FROM ${table}`);
    for (const r of rows) {
      const row: AggRow = {
        table,
        project_id: String(r['project_id']),
        entity_type: String(r['entity_type']),
        entity_id: String(r['entity_id']),
        window_start: (r['window_start'] as Date).getTime(),
        counts: Object.fromEntries(aggCounterColumns.map((c) => [c, Number(r[c])])),
        revenue: (r['revenue'] as Record<string, number>) ?? {},
      };
      out.set(rowKey(row), row);
    }
  }
  return out;
}

const counterSql = `CASE event_type
  WHEN 'listing_viewed' THEN 'views' WHEN 'product_viewed' THEN 'views'
  WHEN 'favorite' THEN CASE WHEN (properties->>'action') IS NOT DISTINCT FROM 'remove' THEN NULL ELSE 'favourites' END
  WHEN 'search' THEN 'searches' WHEN 'contact_sent' THEN 'leads' WHEN 'test_drive_requested' THEN 'test_drives'
  WHEN 'add_to_cart' THEN 'add_to_cart' WHEN 'checkout_started' THEN 'checkouts'
  WHEN 'purchase_completed' THEN 'purchases' END`;

/** The same rows recomputed from raw_events (user-events only) for an allowed lateness. */
export async function recountRows(
  warehouse: Warehouse,
  latenessMs: number,
): Promise<{ rows: Map<string, AggRow>; lateDropped: Map<string, number> }> {
  const base = `
    WITH ev AS (
      SELECT log_partition, log_offset, project_id, event_type, properties,
        coalesce(anonymous_id, user_id) AS visitor, listing_id, seller_id,
        epoch_ms("timestamp") AS t, least(epoch_ms("timestamp"), epoch_ms(received_at)) AS progress,
        epoch_ms(received_at) AS recv
      FROM raw_events WHERE log_topic = 'user-events'
    ), clocked AS (
      SELECT *, floor(recv / 1000) AS s,
        floor((max(recv) OVER (PARTITION BY log_partition, project_id ORDER BY log_offset
          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - ${receiveGraceMs}) / 1000) AS k
      FROM ev
    ), wms AS (
      SELECT e.log_partition, e.log_offset, max(x.progress) AS wm
      FROM clocked e JOIN clocked x ON x.log_partition = e.log_partition AND x.project_id = e.project_id
        AND x.log_offset < e.log_offset AND x.s < e.k
      GROUP BY e.log_partition, e.log_offset
    ), marked AS (
      SELECT c.*, w.wm, ${counterSql} AS counter
      FROM clocked c LEFT JOIN wms w ON w.log_partition = c.log_partition AND w.log_offset = c.log_offset
    ), judged AS (
      SELECT *, (wm IS NOT NULL AND floor(t / 60000) * 60000 + 60000 + ${latenessMs} <= wm) AS late
      FROM marked WHERE counter IS NOT NULL
    )`;
  const late = await warehouse.query<{ project_id: string; n: number }>(
    `${base} SELECT project_id, count(*) AS n FROM judged WHERE late GROUP BY project_id`,
  );
  const rows = new Map<string, AggRow>();
  for (const [table, size] of [
    ['agg_minute', 60_000],
    ['agg_hour', 3_600_000],
  ] as const) {
    const result = await warehouse.query<Record<string, unknown>>(
      `${base}, ok AS (SELECT *, floor(t / ${size}) * ${size} AS ws FROM judged WHERE NOT late),
      entities AS (
        SELECT 'project' AS entity_type, project_id AS entity_id, * FROM ok
        UNION ALL SELECT 'listing', listing_id, * FROM ok WHERE listing_id IS NOT NULL
        UNION ALL SELECT 'seller', seller_id, * FROM ok WHERE seller_id IS NOT NULL
      )
      SELECT project_id, entity_type, entity_id, ws,
        count(*) FILTER (WHERE counter = 'views') AS views,
        count(DISTINCT visitor) FILTER (WHERE counter = 'views') AS unique_viewers,
        count(*) FILTER (WHERE counter = 'favourites') AS favourites,
        count(*) FILTER (WHERE counter = 'searches') AS searches,
        count(*) FILTER (WHERE counter = 'leads') AS leads,
        count(*) FILTER (WHERE counter = 'test_drives') AS test_drives,
        count(*) FILTER (WHERE counter = 'add_to_cart') AS add_to_cart,
        count(*) FILTER (WHERE counter = 'checkouts') AS checkouts,
        count(*) FILTER (WHERE counter = 'purchases') AS purchases
      FROM entities GROUP BY project_id, entity_type, entity_id, ws`,
    );
    for (const r of result) {
      const row: AggRow = {
        table,
        project_id: String(r['project_id']),
        entity_type: String(r['entity_type']),
        entity_id: String(r['entity_id']),
        window_start: Number(r['ws']),
        counts: Object.fromEntries(aggCounterColumns.map((c) => [c, Number(r[c])])),
        revenue: {},
      };
      rows.set(rowKey(row), row);
    }
    // Revenue per currency, separately (simpler than folding it into the counts query).
    const revenue = await warehouse.query<{
      project_id: string;
      entity_type: string;
      entity_id: string;
      ws: number;
      cur: string;
      cents: number;
    }>(
      `${base}, ok AS (SELECT *, floor(t / ${size}) * ${size} AS ws FROM judged WHERE NOT late AND counter = 'purchases'
        AND json_type(properties->'total') IN ('DOUBLE', 'UBIGINT', 'BIGINT')),
      entities AS (
        SELECT 'project' AS entity_type, project_id AS entity_id, * FROM ok
        UNION ALL SELECT 'listing', listing_id, * FROM ok WHERE listing_id IS NOT NULL
        UNION ALL SELECT 'seller', seller_id, * FROM ok WHERE seller_id IS NOT NULL
      )
      SELECT project_id, entity_type, entity_id, ws,
        CASE WHEN regexp_full_match(coalesce(properties->>'currency', ''), '[A-Za-z]{3}')
          THEN upper(properties->>'currency') ELSE 'XXX' END AS cur,
        sum(round(TRY_CAST(properties->>'total' AS DOUBLE) * 100)::BIGINT) AS cents
      FROM entities GROUP BY ALL`,
    );
    for (const r of revenue) {
      const k = `${table}|${r.project_id}|${r.entity_type}|${r.entity_id}|${Number(r.ws)}`;
      const row = rows.get(k);
      if (row) row.revenue[r.cur] = Number(r.cents) / 100;
    }
  }
  return { rows, lateDropped: new Map(late.map((l) => [l.project_id, Number(l.n)])) };
}

/** Differences between two sets of rows (at most `limit`), for assertion messages. */
export function diffRows(actual: Map<string, AggRow>, expected: Map<string, AggRow>, limit = 10): string[] {
  const out: string[] = [];
  for (const [k, e] of expected) {
    const a = actual.get(k);
    if (!a) out.push(`missing ${k}: ${JSON.stringify(e.counts)}`);
    else if (JSON.stringify(sorted(a)) !== JSON.stringify(sorted(e)))
      out.push(`differs ${k}: got ${JSON.stringify(sorted(a))} want ${JSON.stringify(sorted(e))}`);
    if (out.length >= limit) return out;
  }
  for (const k of actual.keys()) {
    if (!expected.has(k)) out.push(`unexpected ${k}`);
    if (out.length >= limit) break;
  }
  return out;
}

function sorted(r: AggRow): unknown {
  const revenue = Object.fromEntries(Object.entries(r.revenue).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { counts: r.counts, revenue };
}
