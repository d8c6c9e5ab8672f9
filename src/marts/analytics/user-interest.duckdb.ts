import { date, inProjects, validAt } from '../common/duckdb.js';
import { interestWeights, interestWindowDays, type UserInterestSql } from './user-interest.js';

const weight = `CASE e.event_type ${Object.entries(interestWeights)
  .map(([t, w]) => `WHEN '${t}' THEN ${w}`)
  .join(' ')} END`;

/** The attributes whose preferred value and top three are kept, as (kind, column). */
const attributes = [
  ['make', 'make'],
  ['body_type', 'body_type'],
  ['province', 'province'],
] as const;

/**
 * Weights per person and attribute value, ranked (ties by value); one pass for the three attributes,
 * ordered aggregates only over the three kept per attribute.
 */
const tops = `ranked AS (
    SELECT project_id, person_id, kind, value, w / sum(w) OVER (PARTITION BY project_id, person_id, kind) AS share,
      row_number() OVER (PARTITION BY project_id, person_id, kind ORDER BY w DESC, value) AS rk
    FROM (${attributes
      .map(
        ([kind, column]) =>
          `SELECT project_id, person_id, '${kind}' AS kind, ${column} AS value, sum(weight) AS w FROM vehicles
           WHERE ${column} IS NOT NULL GROUP BY project_id, person_id, ${column}`,
      )
      .join(' UNION ALL ')})),
  tops AS (
    SELECT project_id, person_id, kind, max(value) FILTER (WHERE rk = 1) AS preferred,
      to_json(list({'value': value, 'share': round(share, 4)} ORDER BY rk)) AS top
    FROM ranked WHERE rk <= 3 GROUP BY project_id, person_id, kind)`;

const same = (a: string, b: string) =>
  `${a}.project_id = ${b}.project_id AND ${a}.person_id = ${b}.person_id`;

export const duckdbUserInterestSql: UserInterestSql = {
  inputCount: (days) =>
    `SELECT count(*) AS n FROM stg_interactions WHERE local_date = ${date(days[0]!.date)} AND ${inProjects(days)}`,

  replace(days, { windowStart }) {
    const d = date(days[0]!.date);
    const interactions = (alias: string, from: string) =>
      `NOT (${alias}.event_type = 'favorite' AND coalesce(${alias}.action, 'add') = 'remove')
       AND ${alias}.local_date BETWEEN ${date(from)} AND ${d} AND ${inProjects(days, `${alias}.project_id`)}`;
    return {
      statements: [
        `CREATE OR REPLACE TEMP TABLE _ui_active AS
         SELECT DISTINCT e.project_id, e.person_id FROM stg_interactions e WHERE ${interactions('e', days[0]!.date)}`,
        // Profiles already built for a later day are newer than what this run would write.
        `DELETE FROM _ui_active a USING mart_user_interest u WHERE ${same('u', 'a')} AND u.as_of_date > ${d}`,
        `DELETE FROM mart_user_interest u USING _ui_active a WHERE ${same('u', 'a')}`,
        `INSERT INTO mart_user_interest
         WITH ix AS (
           SELECT e.project_id, e.person_id, e."timestamp", e.event_type, ${weight} AS weight,
             coalesce(e.make, l.make) AS make, coalesce(e.body_type, l.body_type) AS body_type,
             coalesce(e.province, l.province) AS province, coalesce(e.price, l.price) AS price,
             coalesce(e.currency, l.currency) AS currency
           FROM stg_interactions e
           SEMI JOIN _ui_active a ON ${same('a', 'e')}
           LEFT JOIN dim_listings l ON l.project_id = e.project_id AND l.listing_id = e.listing_id
             AND ${validAt('l', 'e."timestamp"')}
           WHERE ${interactions('e', windowStart)}),
         vehicles AS (SELECT * FROM ix WHERE make IS NOT NULL),
         totals AS (
           SELECT project_id, person_id, count(*) AS interactions,
             count(*) FILTER (WHERE event_type = 'listing_viewed') AS views,
             count(*) FILTER (WHERE event_type = 'favorite') AS favourites,
             count(*) FILTER (WHERE event_type = 'contact_sent') AS leads,
             count(*) FILTER (WHERE event_type = 'test_drive_requested') AS test_drives,
             sum(weight) AS weight, min("timestamp") AS first_at, max("timestamp") AS last_at
           FROM vehicles GROUP BY project_id, person_id),
         cur AS (
           SELECT project_id, person_id, first(currency ORDER BY w DESC, currency) AS currency FROM (
             SELECT project_id, person_id, currency, sum(weight) AS w FROM vehicles
             WHERE currency IS NOT NULL AND price > 0 GROUP BY ALL)
           GROUP BY project_id, person_id),
         ${tops},
         prices AS (
           SELECT v.project_id, v.person_id, quantile_cont(v.price, 0.25) AS p25, median(v.price) AS p50,
             quantile_cont(v.price, 0.75) AS p75
           FROM vehicles v JOIN cur c ON ${same('c', 'v')} AND c.currency = v.currency
           WHERE v.price > 0 GROUP BY v.project_id, v.person_id)
         SELECT t.project_id, t.person_id, ${d}, ${interestWindowDays}, t.interactions, t.views, t.favourites,
           t.leads, t.test_drives, t.weight, mk.preferred, bd.preferred, pv.preferred, mk.top, bd.top, pv.top,
           c.currency, pr.p25, pr.p50, pr.p75, t.first_at, t.last_at
         FROM totals t
         LEFT JOIN tops mk ON ${same('mk', 't')} AND mk.kind = 'make'
         LEFT JOIN tops bd ON ${same('bd', 't')} AND bd.kind = 'body_type'
         LEFT JOIN tops pv ON ${same('pv', 't')} AND pv.kind = 'province'
         LEFT JOIN cur c ON ${same('c', 't')}
         LEFT JOIN prices pr ON ${same('pr', 't')}`,
        'DROP TABLE _ui_active',
      ],
      inserted: [3],
    };
  },
};
