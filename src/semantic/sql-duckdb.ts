/**
 * The semantic layer's DuckDB dialect: plans to SQL. Everything engine-specific in the layer is here, so a
 * ClickHouse warehouse needs one sibling module. Identifiers come from the catalogue; every value a request
 * carries is a positional parameter.
 */
import { dimensionById, type SourceTable, tables } from './catalogue.js';
import { type Filter, type Grain, type Plan, type PlanGroup, shiftRange } from './plan.js';

export interface CompiledQuery {
  sql: string;
  params: unknown[];
}

const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

function dimExpr(group: PlanGroup, dim: string, grain: Grain | null): string {
  if (dim === 'date') {
    return grain === null || grain === 'day'
      ? `CAST(${group.table.date} AS DATE)`
      : `CAST(date_trunc('${grain}', ${group.table.date}) AS DATE)`;
  }
  return group.table.dimensions[dim] as string;
}

const comparison = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

function filterSql(group: PlanGroup, f: Filter, p: Params): string {
  const expr = dimExpr(group, f.dimension, null);
  const isDate = dimensionById.get(f.dimension)?.type === 'date';
  const val = (v: unknown) => (isDate ? `CAST(${p.add(v)} AS DATE)` : p.add(v));
  switch (f.op) {
    case 'in':
    case 'not_in': {
      const list = (f.value as unknown[]).map(val).join(', ');
      // NOT IN keeps rows without a value: "not Toyota" includes listings of no known make.
      return f.op === 'in' ? `${expr} IN (${list})` : `(${expr} IS NULL OR ${expr} NOT IN (${list}))`;
    }
    case 'contains':
      return `contains(lower(CAST(${expr} AS VARCHAR)), lower(${p.add(f.value)}))`;
    case 'neq':
      return `(${expr} IS NULL OR ${expr} <> ${val(f.value)})`;
    default:
      return `${expr} ${comparison[f.op]} ${val(f.value)}`;
  }
}

const relation = (t: SourceTable) => (t.from === undefined ? t.name : `(${t.from}) AS ${ident(t.name)}`);

/** The WHERE of one table's part over `range`: project, days, the table's own rule, seller and filters. */
function whereSql(plan: Plan, group: PlanGroup, range: [string, string], p: Params): string[] {
  const t = group.table;
  const where = [
    `project_id = ${p.add(plan.project)}`,
    `${t.date} >= CAST(${p.add(range[0])} AS DATE)`,
    `${t.date} <= CAST(${p.add(range[1])} AS DATE)`,
  ];
  if (t.where) where.push(t.where);
  if (plan.sellerId !== undefined) where.push(`${t.seller as string} = ${p.add(plan.sellerId)}`);
  for (const f of plan.input.filters) where.push(filterSql(group, f, p));
  return where;
}

/** One table's part: its metrics grouped by the requested dimensions, over the range and scope. */
function groupSql(plan: Plan, group: PlanGroup, dims: string[], range: [string, string], p: Params): string {
  const t = group.table;
  if (t.periods) return periodsSql(plan, group, dims, range, p);
  const where = whereSql(plan, group, range, p);
  const daily = dims.includes('date') && plan.input.grain === 'day';
  const select = [
    ...dims.map((d) => `${dimExpr(group, d, plan.input.grain)} AS ${ident(d)}`),
    ...group.metrics.map((m) => `${(daily && m.perDay) || m.sql} AS ${ident(m.id)}`),
  ];
  return `SELECT ${select.join(', ')} FROM ${relation(t)} WHERE ${where.join(' AND ')}${
    dims.length ? ` GROUP BY ${dims.map((_, i) => i + 1).join(', ')}` : ''
  }`;
}

/** First day of the bucket of the grain before the one holding `day` (weeks start on Monday, as in DuckDB). */
function bucketBefore(day: string, grain: Grain): string {
  const d = new Date(`${day}T00:00:00Z`);
  if (grain === 'day') d.setUTCDate(d.getUTCDate() - 1);
  else if (grain === 'week') d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7) - 7);
  else d.setUTCMonth(d.getUTCMonth() - 1, 1);
  return d.toISOString().slice(0, 10);
}

/**
 * Period-over-period part (churn): rows (entity, prev, cur) that the metrics aggregate. Without `date` the
 * period is the range and the previous one the same number of days before it. By `date`, each bucket of the
 * grain (clipped to the range's first day, like every metric's first bucket) against the whole bucket before
 * it; the entities in a row are those active in that previous bucket, as churn only asks about them.
 */
function periodsSql(
  plan: Plan,
  group: PlanGroup,
  dims: string[],
  range: [string, string],
  p: Params,
): string {
  const t = group.table;
  const { entity, active } = t.periods as NonNullable<SourceTable['periods']>;
  const metrics = group.metrics.map((m) => `${m.sql} AS ${ident(m.id)}`).join(', ');
  if (!dims.includes('date')) {
    const prev = shiftRange(range[0], range[1], 'previous_period');
    const from = p.add(range[0]);
    const where = whereSql(plan, group, [prev[0], range[1]], p);
    return `SELECT ${metrics} FROM (SELECT ${entity}, bool_or(${t.date} < CAST(${from} AS DATE)) AS prev,
      bool_or(${t.date} >= CAST(${from} AS DATE)) AS cur FROM ${relation(t)}
      WHERE ${where.join(' AND ')} AND ${active} GROUP BY ${entity})`;
  }
  const grain = plan.input.grain;
  const step = `INTERVAL 1 ${grain}`;
  const from = p.add(range[0]);
  const where = whereSql(plan, group, [bucketBefore(range[0], grain), range[1]], p);
  where.push(active);
  const bucket = `CAST(date_trunc('${grain}', ${t.date}) AS DATE)`;
  const to = p.add(range[1]);
  return `WITH a AS (SELECT ${entity} AS e, ${bucket} AS b, bool_or(${t.date} >= CAST(${from} AS DATE)) AS cur
      FROM ${relation(t)} WHERE ${where.join(' AND ')} GROUP BY 1, 2)
    SELECT CAST(x.b + ${step} AS DATE) AS ${ident('date')}, ${metrics}
    FROM (SELECT pa.b, true AS prev, coalesce(ca.cur, false) AS cur FROM a pa
      LEFT JOIN a ca ON ca.e = pa.e AND ca.b = CAST(pa.b + ${step} AS DATE)) x
    WHERE CAST(x.b + ${step} AS DATE) <= CAST(${to} AS DATE) GROUP BY 1`;
}

/**
 * The whole query: one part per table, joined on the dimensions (a full join, so a day with sales and no
 * sessions keeps its row). Dimension values are compared with IS NOT DISTINCT FROM so that "unknown" (NULL)
 * joins "unknown".
 */
export function compileQuery(plan: Plan, o: { dimensions: boolean; range: [string, string] }): CompiledQuery {
  const p = new Params();
  const dims = o.dimensions ? plan.input.dimensions : [];
  const parts = plan.groups.map((g, i) => `q${i} AS (${groupSql(plan, g, dims, o.range, p)})`);
  const metricCols = plan.groups.flatMap((g, i) => g.metrics.map((m) => `q${i}.${ident(m.id)}`));
  const dimCols = dims.map((d) =>
    plan.groups.length === 1
      ? `q0.${ident(d)}`
      : `coalesce(${plan.groups.map((_, i) => `q${i}.${ident(d)}`).join(', ')}) AS ${ident(d)}`,
  );
  let from = 'q0';
  plan.groups.slice(1).forEach((_, k) => {
    const i = k + 1;
    if (dims.length === 0) {
      from += ` CROSS JOIN q${i}`;
    } else {
      // Joined against the key built so far: any earlier part may hold the row.
      const left = (d: string) =>
        `coalesce(${Array.from({ length: i }, (_, j) => `q${j}.${ident(d)}`).join(', ')})`;
      from += ` FULL OUTER JOIN q${i} ON ${dims.map((d) => `${left(d)} IS NOT DISTINCT FROM q${i}.${ident(d)}`).join(' AND ')}`;
    }
  });
  const order = o.dimensions
    ? (plan.input.order.length
        ? plan.input.order
        : dims.includes('date')
          ? [{ field: 'date', direction: 'asc' as const }]
          : [{ field: plan.input.metrics[0] as string, direction: 'desc' as const }]
      ).map((x) => `${ident(x.field)} ${x.direction === 'desc' ? 'DESC' : 'ASC'} NULLS LAST`)
    : [];
  // A stable tie-break so that limits and comparisons are deterministic.
  const tie = dims.map((d) => `${ident(d)} ASC NULLS LAST`);
  const sql = `WITH ${parts.join(', ')} SELECT ${[...dimCols, ...metricCols].join(', ')} FROM ${from}${
    o.dimensions ? ` ORDER BY ${[...order, ...tie].join(', ') || '1'} LIMIT ${p.add(plan.input.limit)}` : ''
  }`;
  return { sql, params: p.values };
}

export interface FunnelStepSql {
  eventType: string;
  filters: Filter[];
}

/** stg_events as one table plan part, so funnel step filters reuse the query filters' SQL. */
const eventsGroup = (): PlanGroup => ({ table: tables.stg_events as SourceTable, metrics: [] });

/**
 * A funnel over identity-resolved people: step 1 is each person's first matching event in the range; step
 * k is the first matching event after step k−1 and within the window from step 1.
 */
export function compileFunnel(o: {
  project: string;
  sellerId: string | undefined;
  steps: FunnelStepSql[];
  windowMs: number;
  range: [string, string];
  breakdown: string | undefined;
}): CompiledQuery {
  const p = new Params();
  const g = eventsGroup();
  const stepCond = o.steps.map((s) =>
    [`event_type = ${p.add(s.eventType)}`, ...s.filters.map((f) => filterSql(g, f, p))].join(' AND '),
  );
  const where = [
    `project_id = ${p.add(o.project)}`,
    `local_date >= CAST(${p.add(o.range[0])} AS DATE)`,
    // Conversions may finish after the range ends, within the window.
    `local_date <= CAST(${p.add(o.range[1])} AS DATE) + CAST(ceil(${p.add(o.windowMs)} / 86400000.0) AS INTEGER)`,
    'NOT is_bot',
  ];
  if (o.sellerId !== undefined) where.push(`seller_id = ${p.add(o.sellerId)}`);
  // Only events of some step take part: the joins below then work on a few rows per person, not all of them.
  where.push(`(${stepCond.map((c) => `(${c})`).join(' OR ')})`);
  const flags = stepCond.map((c, i) => `(${c}) AS f${i}`).join(', ');
  const bd = o.breakdown ? `${dimExpr(g, o.breakdown, 'day')}` : 'NULL';
  const win = p.add(o.windowMs);
  const last = p.add(o.range[1]);
  const ctes = [
    `e AS (SELECT person_id, epoch_ms("timestamp") AS ts, local_date, ${bd} AS bd, ${flags} FROM stg_events WHERE ${where.join(' AND ')})`,
    `s0 AS (SELECT person_id, arg_min(bd, ts) AS bd, min(ts) AS t0 FROM e WHERE f0 AND local_date <= CAST(${last} AS DATE) GROUP BY person_id)`,
  ];
  for (let i = 1; i < o.steps.length; i++) {
    ctes.push(
      `s${i} AS (SELECT s.person_id, min(e.ts) AS t${i} FROM s${i - 1} s JOIN s0 USING (person_id) JOIN e ON e.person_id = s.person_id AND e.f${i} AND e.ts >= s.t${i - 1} AND e.ts <= s0.t0 + ${win} GROUP BY s.person_id)`,
    );
  }
  const joins = o.steps
    .slice(1)
    .map((_, k) => `LEFT JOIN s${k + 1} USING (person_id)`)
    .join(' ');
  const counts = o.steps.map((_, i) => `count(t${i}) AS c${i}`);
  const medians = o.steps.slice(1).map((_, k) => `median(t${k + 1} - t${k}) / 1000.0 AS m${k + 1}`);
  const sql = `WITH ${ctes.join(', ')} SELECT bd AS breakdown, ${[...counts, ...medians].join(', ')} FROM s0 ${joins} GROUP BY 1 ORDER BY c0 DESC, 1 NULLS LAST`;
  return { sql, params: p.values };
}

/**
 * Cohorts: people by the period of their first event (or first order); for each later period k, how many
 * of them were active (any event, or an order) in it.
 */
export function compileRetention(o: {
  project: string;
  sellerId: string | undefined;
  cohort: 'first_event' | 'first_purchase';
  period: Grain;
  range: [string, string];
  periods: number;
}): CompiledQuery {
  const p = new Params();
  const source =
    o.cohort === 'first_event'
      ? { table: 'stg_events', seller: 'seller_id', where: 'NOT is_bot' }
      : { table: 'stg_orders', seller: 'store_id', where: 'TRUE' };
  const where = [`project_id = ${p.add(o.project)}`, source.where];
  if (o.sellerId !== undefined) where.push(`${source.seller} = ${p.add(o.sellerId)}`);
  const from = p.add(o.range[0]);
  const to = p.add(o.range[1]);
  const n = p.add(o.periods);
  const sql = `WITH act AS (SELECT DISTINCT person_id, CAST(date_trunc('${o.period}', local_date) AS DATE) AS p FROM ${source.table} WHERE ${where.join(' AND ')}),
    first AS (SELECT person_id, min(p) AS cohort FROM act GROUP BY 1)
    SELECT f.cohort, datediff('${o.period}', f.cohort, a.p) AS k, count(*) AS people
    FROM act a JOIN first f USING (person_id)
    WHERE f.cohort >= CAST(date_trunc('${o.period}', CAST(${from} AS DATE)) AS DATE) AND f.cohort <= CAST(${to} AS DATE)
      AND datediff('${o.period}', f.cohort, a.p) <= ${n}
    GROUP BY 1, 2 ORDER BY 1, 2`;
  return { sql, params: p.values };
}

/** The current version of a listing (dim_listings), to check who owns it before anything else is read. */
export const listingSql = `SELECT listing_id, seller_id, kind, title, make, model, year, category, province, photo_count,
  price, currency, status, published_at FROM dim_listings WHERE project_id = $1 AND listing_id = $2 AND is_current`;

export const listingDailySql = `SELECT local_date AS date, views, unique_viewers, favourites, leads, test_drives, add_to_cart, purchases
  FROM mart_listing_daily WHERE project_id = $1 AND listing_id = $2 AND local_date >= CAST($3 AS DATE)
  AND local_date <= CAST($4 AS DATE) ORDER BY local_date`;

/**
 * Similar listings: current and active, same kind and currency; vehicles of the same make and model within
 * two model years, products of the same category. Their price and their performance over the range.
 */
export const similarSql = `WITH me AS (SELECT * FROM dim_listings WHERE project_id = $1 AND listing_id = $2 AND is_current),
  sim AS (SELECT d.listing_id, d.price FROM dim_listings d, me
    WHERE d.project_id = $1 AND d.is_current AND d.status = 'active' AND d.listing_id <> me.listing_id
      AND d.kind = me.kind AND d.currency IS NOT DISTINCT FROM me.currency
      AND CASE WHEN me.kind = 'vehicle' THEN d.make = me.make AND d.model = me.model AND abs(d.year - me.year) <= 2
               ELSE d.category = me.category END),
  perf AS (SELECT listing_id, sum(views) AS views, sum(leads) AS leads FROM mart_listing_daily
    WHERE project_id = $1 AND listing_id IN (SELECT listing_id FROM sim)
      AND local_date >= CAST($3 AS DATE) AND local_date <= CAST($4 AS DATE) GROUP BY 1)
  SELECT count(*) AS listings, median(sim.price) AS median_price,
    CAST(coalesce(sum(perf.views), 0) AS DOUBLE) / nullif(count(*), 0) AS views_per_listing,
    CAST(coalesce(sum(perf.leads), 0) AS DOUBLE) / nullif(count(*), 0) AS leads_per_listing,
    CAST(sum(perf.leads) AS DOUBLE) / nullif(sum(perf.views), 0) AS lead_conversion
  FROM sim LEFT JOIN perf USING (listing_id)`;

/**
 * Leads per listing among the project's active listings of a kind, with 10+ photos and with fewer, over
 * the range: the evidence behind the photos tip.
 */
export const photoEffectSql = `WITH l AS (SELECT listing_id, photo_count >= 10 AS many FROM dim_listings
    WHERE project_id = $1 AND is_current AND status = 'active' AND kind = $2 AND photo_count IS NOT NULL),
  perf AS (SELECT listing_id, sum(leads) AS leads FROM mart_listing_daily WHERE project_id = $1
    AND local_date >= CAST($3 AS DATE) AND local_date <= CAST($4 AS DATE) GROUP BY 1)
  SELECT l.many, count(*) AS listings, CAST(coalesce(sum(perf.leads), 0) AS DOUBLE) / count(*) AS leads_per_listing
  FROM l LEFT JOIN perf USING (listing_id) GROUP BY 1`;
