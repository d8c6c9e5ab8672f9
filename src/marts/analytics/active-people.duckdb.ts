import { date, inProjects } from '../common/duckdb.js';
import type { ActivePeopleSql } from './active-people.js';

export const duckdbActivePeopleSql: ActivePeopleSql = {
  inputCount: (days) =>
    `SELECT count(*) AS n FROM stg_events WHERE local_date = ${date(days[0]!.date)} AND ${inProjects(days)}`,

  replace(days) {
    const d = date(days[0]!.date);
    const inP = inProjects(days);
    const people = `stg_events WHERE local_date = ${d} AND ${inP} AND NOT is_bot AND person_id IS NOT NULL`;
    return {
      statements: [
        // The people whose first day may change: on the day now, or on it before this build.
        `DELETE FROM mart_people m USING (
           SELECT project_id, person_id FROM mart_active_people_daily WHERE local_date = ${d} AND ${inP}
           UNION SELECT project_id, person_id FROM ${people}) t
         WHERE m.project_id = t.project_id AND m.person_id = t.person_id`,
        `DELETE FROM mart_active_people_daily WHERE local_date = ${d} AND ${inP}`,
        // arg_min on (timestamp, event_id) so that two first events at the same instant pick one device stably.
        `INSERT INTO mart_active_people_daily
         SELECT project_id, ${d}, person_id, arg_min(device_type, ("timestamp", event_id)), count(*)
         FROM ${people}
         GROUP BY project_id, person_id`,
        // Everyone of the daily mart missing here: the people just deleted who still have a day, and on the
        // first build after an upgrade, everyone.
        `INSERT INTO mart_people
         SELECT a.project_id, a.person_id, min(a.local_date), arg_min(a.device_type, a.local_date)
         FROM mart_active_people_daily a
         ANTI JOIN mart_people m ON m.project_id = a.project_id AND m.person_id = a.person_id
         GROUP BY a.project_id, a.person_id`,
      ],
      inserted: [2],
    };
  },
};
