import { changedKeys, fingerprint, list, money, ts, usable } from '../common/duckdb.js';
import {
  type DimsSql,
  dimListingsTable,
  dimSellersTable,
  dimUsersTable,
  listingEventTypes,
  type SyncScope,
  type SyncStatements,
  sellerEventTypes,
} from './dims.js';

const names = (t: { columns: { name: string }[] }) => t.columns.map((c) => c.name).join(', ');

const listingSpec = JSON.stringify({
  title: 'VARCHAR',
  product_name: 'VARCHAR',
  make: 'VARCHAR',
  model: 'VARCHAR',
  trim: 'VARCHAR',
  year: 'BIGINT',
  body_type: 'VARCHAR',
  condition: 'VARCHAR',
  mileage_km: 'DOUBLE',
  category: 'VARCHAR',
  brand: 'VARCHAR',
  province: 'VARCHAR',
  photo_count: 'BIGINT',
  price: 'DOUBLE',
  currency: 'VARCHAR',
  status: 'VARCHAR',
  stock: 'BIGINT',
  published_at: 'VARCHAR',
  sold_price: 'DOUBLE',
  sold_on_platform: 'BOOLEAN',
});

const sellerSpec = JSON.stringify({
  seller_type: 'VARCHAR',
  store_id: 'VARCHAR',
  group_type: 'VARCHAR',
  store_name: 'VARCHAR',
  province: 'VARCHAR',
  category: 'VARCHAR',
  plan: 'VARCHAR',
  commission_rate: 'DOUBLE',
  subscription_id: 'VARCHAR',
  period: 'VARCHAR',
  amount: 'DOUBLE',
  currency: 'VARCHAR',
  ends_on: 'VARCHAR',
});

const w = (key: string) =>
  `(PARTITION BY project_id, ${key} ORDER BY "timestamp", event_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`;
const carry = (e: string, key: string) => `last_value(${e} IGNORE NULLS) OVER ${w(key)}`;
const latest = (e: string) => `last(${e} ORDER BY "timestamp", event_id)`;
const earliest = (e: string) => `first(${e} ORDER BY "timestamp", event_id)`;

/**
 * Statements shared by the dimensions: find the keys whose change events differ from what the stored rows
 * were built from, delete their rows, insert `insertSql` (which reads `_dim_src`), clean up.
 */
/** A no-op whose changed-row count is the number of stale keys (transactions report changed rows only). */
const staleCount = 'UPDATE _dim_stale SET fp = fp';

function sync(o: {
  table: string;
  key: string;
  types: readonly string[];
  projects: readonly string[];
  scope: SyncScope;
  spec: string;
  insertSql: string;
}): SyncStatements {
  const k = (a: string, b: string) => `${a}.project_id = ${b}.project_id AND ${a}.${o.key} = ${b}.${o.key}`;
  return {
    statements: [
      `CREATE OR REPLACE TEMP TABLE _dim_stale AS
       SELECT f.* FROM (
         SELECT c.project_id, c.${o.key}, ${fingerprint('c')} AS fp FROM stg_changes c
         WHERE c.event_type IN (${list(o.types)}) AND c.${o.key} IS NOT NULL AND c.project_id IN (${list(o.projects)})
           AND ${changedKeys(o.key, o.types, o.scope)}
         GROUP BY c.project_id, c.${o.key}) f
       WHERE NOT EXISTS (
         SELECT 1 FROM ${o.table} d WHERE ${k('d', 'f')} AND d.is_current AND d.source_fingerprint = f.fp)`,
      staleCount,
      `DELETE FROM ${o.table} d USING _dim_stale s WHERE ${k('d', 's')}`,
      `CREATE OR REPLACE TEMP TABLE _dim_src AS
       SELECT c.project_id, c.${o.key}, c.event_id, c.event_type, c."timestamp",${
         o.key === 'seller_id' ? '' : ' c.seller_id,'
       } s.fp,
         json_transform(c.properties, '${o.spec}') AS p
       FROM stg_changes c JOIN _dim_stale s ON ${k('c', 's')}
       WHERE c.event_type IN (${list(o.types)})`,
      o.insertSql,
      'DROP TABLE _dim_src',
      'DROP TABLE _dim_stale',
    ],
    staleKeys: 1,
    inserted: [4],
  };
}

/**
 * Versions from carried-forward state: `filled` has one row per event with the state after it (the
 * `attributes`); a row whose attributes differ from the previous row's opens a version, which keeps its
 * first event's time, type and id. Every attribute is versioned, so the state as of any instant depends
 * only on the events before it: a change arriving later adds versions after it and never rewrites it.
 */
function versions(
  key: string,
  attributes: readonly string[],
  filled: string,
  previous: readonly string[],
): string {
  const changed = attributes.map((c) => `${c} IS DISTINCT FROM lag(${c}) OVER k`).join(' OR ');
  return `marked AS (
      SELECT *, CASE WHEN row_number() OVER k = 1 OR ${changed} THEN 1 ELSE 0 END AS opens
      FROM (${filled}) WINDOW k AS (PARTITION BY project_id, ${key} ORDER BY "timestamp", event_id)),
    numbered AS (
      SELECT *, sum(opens) OVER ${w(key)} AS version FROM marked),
    versions AS (
      SELECT project_id, ${key}, version, min("timestamp") AS valid_from,
        ${earliest('event_type')} AS change_type, ${earliest('event_id')} AS event_id, any_value(fp) AS fp,
        ${attributes.map((c) => `any_value(${c}) AS ${c}`).join(', ')}
      FROM numbered GROUP BY project_id, ${key}, version),
    dated AS (
      SELECT *, lead(valid_from) OVER v AS valid_to${previous.map((c) => `, lag(${c}) OVER v AS previous_${c}`).join('')}
      FROM versions WINDOW v AS (PARTITION BY project_id, ${key} ORDER BY version))`;
}

const lc = (e: string) => carry(e, 'listing_id');

const listingAttributes = [
  'seller_id',
  'title',
  'make',
  'model',
  'trim',
  'year',
  'body_type',
  'condition',
  'mileage_km',
  'category',
  'brand',
  'province',
  'photo_count',
  'price',
  'currency',
  'status',
  'stock',
  'sold_price',
  'sold_on_platform',
];

const listingsInsert = `INSERT INTO dim_listings (${names(dimListingsTable)})
  WITH ${versions(
    'listing_id',
    listingAttributes,
    `SELECT project_id, listing_id, event_id, event_type, "timestamp", fp,
       ${lc('seller_id')} AS seller_id,
       ${lc("nullif(trim(coalesce(p.title, p.product_name)), '')")} AS title,
       ${lc('p.make')} AS make, ${lc('p.model')} AS model, ${lc('p.trim')} AS trim, ${lc('p.year')} AS year,
       ${lc('lower(p.body_type)')} AS body_type, ${lc('lower(p.condition)')} AS condition,
       ${lc('p.mileage_km')} AS mileage_km, ${lc('p.category')} AS category, ${lc('p.brand')} AS brand,
       ${lc('p.province')} AS province, ${lc('p.photo_count')} AS photo_count, ${lc('p.price')} AS price,
       ${lc('upper(p.currency)')} AS currency,
       coalesce(${lc(
         `CASE event_type WHEN 'listing_sold' THEN 'sold' WHEN 'listing_removed' THEN 'removed'
            WHEN 'listing_created' THEN coalesce(lower(p.status), 'active') ELSE lower(p.status) END`,
       )}, 'active') AS status,
       ${lc('p.stock')} AS stock,
       ${lc("CASE WHEN event_type = 'listing_sold' THEN p.sold_price END")} AS sold_price,
       ${lc("CASE WHEN event_type = 'listing_sold' THEN p.sold_on_platform END")} AS sold_on_platform
     FROM _dim_src`,
    ['price', 'status'],
  )},
    listing AS (
      SELECT project_id, listing_id,
        coalesce(
          timezone('UTC', min(TRY_CAST(p.published_at AS TIMESTAMPTZ))),
          min("timestamp") FILTER (WHERE event_type = 'listing_created'),
          min("timestamp")) AS published_at,
        min("timestamp") FILTER (WHERE event_type = 'listing_sold') AS sold_at,
        min("timestamp") FILTER (WHERE event_type = 'listing_removed') AS removed_at
      FROM _dim_src GROUP BY project_id, listing_id)
  SELECT d.project_id, d.listing_id, d.version, d.valid_from, d.valid_to, d.valid_to IS NULL, d.seller_id,
    CASE WHEN d.make IS NOT NULL THEN 'vehicle' ELSE 'product' END, d.title, d.make, d.model, d.trim, d.year,
    d.body_type, d.condition, d.mileage_km, d.category, split_part(d.category, ' > ', 1), d.brand, d.province,
    d.photo_count, d.price, d.previous_price, d.currency, d.status, d.previous_status, d.stock,
    l.published_at, l.sold_at, d.sold_price, d.sold_on_platform, l.removed_at, d.change_type, d.event_id, d.fp
  FROM dated d JOIN listing l ON l.project_id = d.project_id AND l.listing_id = d.listing_id`;

const activating = list([
  'seller_registered',
  'subscription_started',
  'subscription_renewed',
  'subscription_changed',
]);
const terms = list([
  'seller_registered',
  'subscription_started',
  'subscription_renewed',
  'subscription_changed',
  'subscription_cancelled',
]);
const sc = (e: string) => carry(e, 'seller_id');
const onTerms = (e: string) => `CASE WHEN event_type IN (${terms}) THEN ${e} END`;

const sellerAttributes = [
  'kind',
  'name',
  'province',
  'category',
  'plan',
  'commission_rate',
  'subscription_id',
  'period',
  'amount',
  'monthly_amount',
  'currency',
  'status',
  'ends_on_text',
];

const sellersInsert = `INSERT INTO dim_sellers (${names(dimSellersTable)})
  WITH ${versions(
    'seller_id',
    sellerAttributes,
    `SELECT *, ${money(
      "CASE period WHEN 'quarter' THEN amount / 3 WHEN 'year' THEN amount / 12 ELSE amount END",
    )}::DOUBLE AS monthly_amount
     FROM (
       SELECT project_id, seller_id, event_id, event_type, "timestamp", fp,
         ${sc(`CASE WHEN event_type IN (${terms}, 'purchase_completed') THEN 'store'
                 WHEN event_type = 'group' THEN lower(p.group_type)
                 WHEN event_type = 'listing_created'
                   THEN coalesce(lower(p.seller_type), CASE WHEN p.store_id IS NOT NULL THEN 'store' END) END`)} AS kind,
         ${sc("nullif(trim(p.store_name), '')")} AS name,
         ${sc("CASE WHEN event_type = 'seller_registered' THEN nullif(trim(p.province), '') END")} AS province,
         ${sc("CASE WHEN event_type = 'seller_registered' THEN nullif(trim(p.category), '') END")} AS category,
         ${sc(onTerms('lower(p.plan)'))} AS plan,
         ${sc(onTerms('p.commission_rate'))} AS commission_rate,
         ${sc(onTerms('p.subscription_id'))} AS subscription_id,
         ${sc(onTerms('lower(p.period)'))} AS period,
         ${sc("CASE WHEN event_type LIKE 'subscription_%' THEN p.amount END")} AS amount,
         ${sc(onTerms('upper(p.currency)'))} AS currency,
         coalesce(${sc(
           `CASE WHEN event_type IN (${activating}) THEN 'active'
                 WHEN event_type = 'subscription_cancelled' THEN 'cancelled' END`,
         )}, 'active') AS status,
         -- '' marks "no end" so that a reactivation clears the end date a cancellation set.
         ${sc(`CASE WHEN event_type = 'subscription_cancelled' THEN coalesce(p.ends_on, '')
                    WHEN event_type IN (${activating}) THEN '' END`)} AS ends_on_text
       FROM _dim_src)`,
    [],
  )},
    seller AS (
      SELECT project_id, seller_id, min("timestamp") AS joined_at FROM _dim_src GROUP BY project_id, seller_id)
  SELECT d.project_id, d.seller_id, d.version, d.valid_from, d.valid_to, d.valid_to IS NULL, d.kind, d.name,
    d.province, d.category, d.plan, d.commission_rate, d.subscription_id, d.period, d.amount, d.monthly_amount,
    d.currency, d.status, TRY_CAST(nullif(d.ends_on_text, '') AS DATE), s.joined_at, d.change_type, d.event_id, d.fp
  FROM dated d JOIN seller s ON s.project_id = d.project_id AND s.seller_id = d.seller_id`;

function usersSync(projects: readonly string[], scope: SyncScope): SyncStatements {
  const inP = (c: string) => `${c} IN (${list(projects)})`;
  const k = (a: string, b: string) => `${a}.project_id = ${b}.project_id AND ${a}.user_id = ${b}.user_id`;
  // Users with changes in the window, and users whose identity links were made lately (event time: a day of
  // margin before the window, as for re-attributing stg_events).
  const scoped =
    scope.since === null
      ? 'true'
      : `((project_id, user_id) IN (
           SELECT (project_id, user_id) FROM stg_changes
           WHERE received_at >= ${ts(scope.since.getTime())} AND received_at < ${ts(scope.until.getTime())}
             AND user_id IS NOT NULL)
         OR (project_id, user_id) IN (
           SELECT (project_id, user_id) FROM identities
           WHERE status = 'linked' AND identified_at >= ${ts(scope.since.getTime() - 86_400_000)}))`;
  return {
    statements: [
      `CREATE OR REPLACE TEMP TABLE _dim_stale AS
       WITH c AS (
         SELECT c.project_id, c.user_id, ${fingerprint('c')} AS fp FROM stg_changes c
         WHERE c.user_id IS NOT NULL AND ${inP('c.project_id')} AND ${scoped} GROUP BY c.project_id, c.user_id),
       i AS (
         SELECT project_id, user_id,
           count(*)::VARCHAR || ':' || bit_xor(hash(anonymous_id, identified_at, first_seen))::VARCHAR AS fp
         FROM identities WHERE status = 'linked' AND ${inP('project_id')} AND ${usable('user_id')} AND ${scoped}
         GROUP BY project_id, user_id),
       f AS (
         SELECT coalesce(c.project_id, i.project_id) AS project_id, coalesce(c.user_id, i.user_id) AS user_id,
           coalesce(c.fp, '') || '/' || coalesce(i.fp, '') AS fp
         FROM c FULL JOIN i ON ${k('c', 'i')})
       SELECT * FROM f WHERE NOT EXISTS (SELECT 1 FROM dim_users d WHERE ${k('d', 'f')} AND d.source_fingerprint = f.fp)`,
      staleCount,
      `DELETE FROM dim_users d USING _dim_stale s WHERE ${k('d', 's')}`,
      `INSERT INTO dim_users (${names(dimUsersTable)})
       WITH ch AS (
         SELECT c.project_id, c.user_id, min(c."timestamp") AS first_at,
           min(c."timestamp") FILTER (WHERE c.event_type = 'signed_up') AS signed_up_at,
           ${latest('c.traits')} FILTER (WHERE c.event_type = 'identify' AND c.traits IS NOT NULL) AS traits,
           ${latest("coalesce(c.traits->>'role', c.properties->>'role')")}
             FILTER (WHERE coalesce(c.traits->>'role', c.properties->>'role') IS NOT NULL) AS role,
           ${latest("c.traits->>'province'")} FILTER (WHERE c.traits->>'province' IS NOT NULL) AS province
         FROM stg_changes c JOIN _dim_stale s ON ${k('c', 's')}
         GROUP BY c.project_id, c.user_id),
       id AS (
         SELECT m.project_id, m.user_id, count(*) AS anonymous_ids, min(m.first_seen) AS first_seen,
           min(m.identified_at) AS identified_at
         FROM identities m JOIN _dim_stale s ON ${k('m', 's')} WHERE m.status = 'linked'
         GROUP BY m.project_id, m.user_id)
       SELECT s.project_id, s.user_id, least(ch.first_at, id.first_seen, id.identified_at), ch.signed_up_at,
         id.identified_at, coalesce(id.anonymous_ids, 0), ch.role, ch.province, ch.traits, s.fp
       FROM _dim_stale s LEFT JOIN ch ON ${k('ch', 's')} LEFT JOIN id ON ${k('id', 's')}`,
      'DROP TABLE _dim_stale',
    ],
    staleKeys: 1,
    inserted: [3],
  };
}

export const duckdbDimsSql: DimsSql = {
  syncListings: (projects, scope) =>
    sync({
      table: 'dim_listings',
      key: 'listing_id',
      types: listingEventTypes,
      projects,
      scope,
      spec: listingSpec,
      insertSql: listingsInsert,
    }),
  syncSellers: (projects, scope) =>
    sync({
      table: 'dim_sellers',
      key: 'seller_id',
      types: sellerEventTypes,
      projects,
      scope,
      spec: sellerSpec,
      insertSql: sellersInsert,
    }),
  syncUsers: usersSync,
};
