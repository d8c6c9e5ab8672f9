import { date, inProjects } from '../common/duckdb.js';
import type { ActivePeopleSql } from './active-people.js';

export const duckdbActivePeopleSql: ActivePeopleSql = {
  inputCount: (days) =>
    `SELECT count(*) AS n FROM stg_events WHERE local_date = ${date(days[0]!.date)} AND ${inProjects(days)}`,

  replace(days) {
    const d = date(days[0]!.date);
    const inP = inProjects(days);
    return {
      statements: [
        `DELETE FROM mart_active_people_daily WHERE local_date = ${d} AND ${inP}`,
        // arg_min on (timestamp, event_id) so that two first events at the same instant pick one device stably.
        `INSERT INTO mart_active_people_daily
         SELECT project_id, ${d}, person_id, arg_min(device_type, ("timestamp", event_id)), count(*)
         FROM stg_events
         WHERE local_date = ${d} AND ${inP} AND NOT is_bot AND person_id IS NOT NULL
         GROUP BY project_id, person_id`,
      ],
      inserted: [1],
    };
  },
};
