/**
 * Millions of realistic raw events, quickly: the simulator writes a base history of both verticals (OKLA's
 * vehicles as project `okla`, a store marketplace as `tiendi`) through the collector's own steps
 * (simulated.ts), and DuckDB copies it `replicas` times with every id suffixed (`~r`: events, visitors,
 * users, sessions, sellers, listings, orders and the ids inside properties), as if the marketplace had that
 * many times more buyers and sellers doing the same things on the same days. Distributions (event mix,
 * funnels, prices, days on market, hours of the day) are the simulator's; only the scale changes. The last
 * replica keeps a hash-sampled share of the base so that the total is the number asked for.
 *
 * Rows are inserted day by day in receive order, as the sink loads them, so the table's physical order
 * matches production's (zone maps on times work as they would).
 *
 * The stream processors are not run: `sessions` and `identities` are derived in SQL from the events (a
 * session's first event gives its source and device, its page views its bounce), close enough for timing
 * the marts that read them.
 */
import { ts } from '../../src/marts/common/duckdb.js';
import type { Warehouse } from '../../src/ports/warehouse.js';
import { identitiesTable } from '../../src/warehouse/identities-table.js';
import { rawEventsTable } from '../../src/warehouse/raw-events-table.js';
import { sessionsTable } from '../../src/warehouse/sessions-table.js';
import { loadRawEvents, simulatedEvents } from './simulated.js';

const DAY = 86_400_000;

export interface GenerateOptions {
  events: number;
  days: number;
  /** UTC ms of the first simulated day. */
  start: number;
  seed: number;
}

export interface Generated {
  events: number;
  baseEvents: number;
  replicas: number;
  simulateSeconds: number;
  replicateSeconds: number;
}

/** Ids in properties are quoted values with one of the simulator's prefixes. */
const idValue = `:"((?:lst|dlr|prv|prd|str|ord|sub|cart|chk|slr|usr|lead|conv|srch|imp|ref|rev|rvw)_[^"]*)"`;

export async function generateEvents(w: Warehouse, o: GenerateOptions): Promise<Generated> {
  const t0 = performance.now();
  // About 1.1 events per buyer and day per vertical at the simulator's defaults; the base stays small
  // enough to simulate in seconds and is replicated beyond that.
  const users = Math.max(300, Math.min(8000, Math.round(o.events / o.days / 2.2)));
  const sellers = Math.max(20, Math.round(users / 16));
  let base = 0;
  for (const [vertical, project] of [
    ['vehicles', 'okla'],
    ['stores', 'tiendi'],
  ] as const) {
    base += await loadRawEvents(
      w,
      simulatedEvents({ vertical, seed: o.seed, start: o.start, days: o.days, users, sellers }, project),
    );
  }
  const t1 = performance.now();
  await w.exec('ALTER TABLE raw_events RENAME TO raw_events_base');
  await w.ensureTable(rawEventsTable);

  const replicas = Math.max(1, Math.ceil(o.events / base));
  const lastShare = (o.events - (replicas - 1) * base) / base;
  const suffix = (c: string) => `CASE WHEN ${c} IS NULL OR r = 0 THEN ${c} ELSE ${c} || '~' || r END`;
  const columns = rawEventsTable.columns.map((c) => {
    switch (c.name) {
      case 'event_id':
      case 'anonymous_id':
      case 'user_id':
      case 'session_id':
      case 'seller_id':
      case 'listing_id':
        return suffix(c.name);
      case 'properties':
        return `CASE WHEN r = 0 THEN properties ELSE regexp_replace(properties::VARCHAR, '${idValue}', ':"\\1~' || r || '"', 'g')::JSON END`;
      case 'log_offset':
        return `log_offset + r * ${base}`;
      default:
        return `"${c.name}"`;
    }
  });
  for (let d = 0; d < o.days + 1; d++) {
    await w.exec(`INSERT INTO raw_events SELECT ${columns.join(', ')}
      FROM raw_events_base, range(${replicas}) t(r)
      WHERE received_at >= ${ts(o.start + d * DAY)} AND received_at < ${ts(o.start + (d + 1) * DAY)}
        AND (r < ${replicas - 1} OR hash(event_id) % 1000000 < ${Math.round(lastShare * 1_000_000)})
      ORDER BY received_at, r`);
  }
  await w.exec('DROP TABLE raw_events_base');
  await deriveStreamTables(w);
  await w.exec('CHECKPOINT');
  const [n] = await w.query<{ n: number }>('SELECT count(*) AS n FROM raw_events');
  return {
    events: n?.n ?? 0,
    baseEvents: base,
    replicas,
    simulateSeconds: (t1 - t0) / 1000,
    replicateSeconds: (performance.now() - t1) / 1000,
  };
}

/** What the identity processor and the sessionizer would have written, approximated in SQL. */
export async function deriveStreamTables(w: Warehouse): Promise<void> {
  await w.ensureTable(identitiesTable);
  await w.ensureTable(sessionsTable);
  await w.exec(`INSERT INTO identities
    SELECT project_id, anonymous_id, arg_min(user_id, "timestamp"), 'linked', NULL, 'identify',
      arg_min(event_id, "timestamp"), min("timestamp"), min("timestamp")
    FROM raw_events WHERE event_type = 'identify' AND anonymous_id IS NOT NULL AND user_id IS NOT NULL
    GROUP BY project_id, anonymous_id`);
  await w.exec(`INSERT INTO sessions
    SELECT project_id, session_id, any_value(coalesce(anonymous_id, user_id)), max(user_id), max(user_id),
      CAST(timezone('America/Santo_Domingo', timezone('UTC', min("timestamp"))) AS DATE),
      min("timestamp"), max("timestamp"), epoch(max("timestamp") - min("timestamp")), count(*),
      count(*) FILTER (WHERE event_type = 'page_view'),
      count(*) FILTER (WHERE event_type NOT IN ('page_view', 'engagement')),
      count(*) FILTER (WHERE event_type = 'page_view') = 1
        AND count(*) FILTER (WHERE event_type NOT IN ('page_view', 'engagement')) = 0,
      arg_min(page_path, "timestamp"), arg_max(page_path, "timestamp"),
      coalesce(arg_min(utm_source, "timestamp"), arg_min(referrer_host, "timestamp"), '(direct)'),
      coalesce(arg_min(utm_medium, "timestamp"), CASE WHEN arg_min(referrer_host, "timestamp") IS NULL
        THEN '(none)' ELSE 'referral' END),
      arg_min(utm_campaign, "timestamp"), arg_min(referrer_host, "timestamp"), arg_min(device_type, "timestamp"),
      arg_min(os, "timestamp"), arg_min(browser, "timestamp"), NULL, NULL,
      arg_min(listing_id, "timestamp") FILTER (WHERE event_type = 'listing_viewed'), true, NULL
    FROM raw_events WHERE session_id IS NOT NULL
    GROUP BY project_id, session_id`);
}
