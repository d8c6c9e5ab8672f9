import { date, inDay, str } from '../common/duckdb.js';
import type { ArchiveSql } from './archive.js';

export const duckdbArchiveSql: ArchiveSql = {
  dayCounts: (days) =>
    `SELECT project_id, count(*) AS n FROM raw_events WHERE ${inDay(days, '"timestamp"')} GROUP BY project_id`,

  copyDay: (days, dir) =>
    `COPY (
       SELECT *, ${date(days[0]!.date)} AS "date" FROM raw_events WHERE ${inDay(days, '"timestamp"')}
     ) TO ${str(dir)} (FORMAT parquet, PARTITION_BY (project_id, "date"), OVERWRITE_OR_IGNORE,
       FILENAME_PATTERN 'raw_events_{i}')`,
};
