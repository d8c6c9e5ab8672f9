import { date, inProjects } from '../common/duckdb.js';
import type { TrafficSql } from './traffic.js';

export const duckdbTrafficSql: TrafficSql = {
  inputCount: (days) =>
    `SELECT count(*) AS n FROM sessions WHERE local_date = ${date(days[0]!.date)} AND ${inProjects(days)}`,

  replace(days) {
    const d = date(days[0]!.date);
    const inP = inProjects(days);
    // Durations are summed as decimals (milliseconds) so that the total never depends on summation order.
    const duration = 'sum(round(duration_s, 3)::DECIMAL(18, 3))::DOUBLE';
    return {
      statements: [
        `DELETE FROM mart_traffic_daily WHERE local_date = ${d} AND ${inP}`,
        `INSERT INTO mart_traffic_daily
         SELECT project_id, ${d}, source, coalesce(medium, '(none)'), coalesce(device_type, 'unknown'),
           count(*), count(DISTINCT visitor), count(DISTINCT user_id), count(*) FILTER (WHERE bounce),
           (count(*) FILTER (WHERE bounce))::DOUBLE / count(*), sum(page_views), sum(page_views)::DOUBLE / count(*),
           ${duration}, ${duration} / count(*)
         FROM sessions
         WHERE local_date = ${d} AND ${inP} AND coalesce(device_type, '') <> 'bot'
         GROUP BY project_id, source, coalesce(medium, '(none)'), coalesce(device_type, 'unknown')`,
      ],
      inserted: [1],
    };
  },
};
