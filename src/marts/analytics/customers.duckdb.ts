import { date, inProjects, list, moneySum, ratio } from '../common/duckdb.js';
import type { CustomersSql } from './customers.js';

export const duckdbCustomersSql: CustomersSql = {
  inputCount: (days) =>
    `SELECT count(*) AS n FROM stg_orders WHERE local_date <= ${date(days[0]!.date)} AND ${inProjects(days)}`,

  replace(days, { churnDays }) {
    const d = date(days[0]!.date);
    const inP = inProjects(days);
    const history = `SELECT * FROM stg_orders WHERE local_date <= ${d} AND status <> 'cancelled'`;
    return {
      statements: [
        // Projects whose snapshot is not newer than this day.
        `CREATE OR REPLACE TEMP TABLE _cust_projects AS
         SELECT project_id FROM (VALUES ${days.map((x) => `(${list([x.projectId])})`).join(', ')}) v(project_id)
         WHERE NOT EXISTS (SELECT 1 FROM mart_customers c WHERE c.project_id = v.project_id AND c.as_of_date > ${d})`,
        'DELETE FROM mart_customers WHERE project_id IN (SELECT project_id FROM _cust_projects)',
        `INSERT INTO mart_customers
         SELECT project_id, person_id, last(user_id ORDER BY placed_at, order_id) FILTER (WHERE user_id IS NOT NULL),
           ${d}, min(placed_at), max(placed_at), date_trunc('month', min(local_date))::DATE, count(*),
           ${moneySum('total')}, ${moneySum('refunded_amount')}, ${moneySum('net_total')},
           ${ratio(moneySum('total'), 'count(*)')}, count(*) >= 2, ${d} - max(local_date), ${churnDays},
           ${d} - max(local_date) > ${churnDays}
         FROM (${history}) WHERE project_id IN (SELECT project_id FROM _cust_projects)
         GROUP BY project_id, person_id`,
        'DROP TABLE _cust_projects',
        `DELETE FROM mart_customers_daily WHERE local_date = ${d} AND ${inP}`,
        `INSERT INTO mart_customers_daily
         WITH h AS (
           SELECT project_id, person_id, min(local_date) AS first_date, max(local_date) AS last_date
           FROM (${history}) WHERE ${inP} GROUP BY project_id, person_id),
         t AS (
           SELECT o.project_id, o.person_id, o.total, h.first_date = ${d} AS is_new
           FROM (${history}) o JOIN h ON h.project_id = o.project_id AND h.person_id = o.person_id
           WHERE o.local_date = ${d}),
         today AS (
           SELECT project_id, count(DISTINCT person_id) AS customers,
             count(DISTINCT person_id) FILTER (WHERE is_new) AS new_customers,
             count(DISTINCT person_id) FILTER (WHERE NOT is_new) AS returning_customers, count(*) AS orders,
             count(*) FILTER (WHERE is_new) AS new_orders, count(*) FILTER (WHERE NOT is_new) AS returning_orders,
             ${moneySum('total')} AS revenue, ${moneySum('total', 'is_new')} AS new_revenue,
             ${moneySum('total', 'NOT is_new')} AS returning_revenue
           FROM t GROUP BY project_id),
         stock AS (
           SELECT project_id, count(*) AS total, count(*) FILTER (WHERE ${d} - last_date > ${churnDays}) AS churned
           FROM h GROUP BY project_id)
         SELECT s.project_id, ${d}, coalesce(customers, 0), coalesce(new_customers, 0),
           coalesce(returning_customers, 0), coalesce(orders, 0), coalesce(new_orders, 0),
           coalesce(returning_orders, 0), coalesce(revenue, 0), coalesce(new_revenue, 0),
           coalesce(returning_revenue, 0), s.total, s.churned, s.total - s.churned
         FROM stock s LEFT JOIN today USING (project_id)`,
      ],
      inserted: [2, 5],
    };
  },
};
