import { defaultProjectSettings } from '../collector/types.js';
import { addDays, localDayBounds as dayBounds } from '../pipelines/partitions.js';
import type { ProjectInfo } from '../pipelines/types.js';

/**
 * The rows a check looks at. A daily partition of a table whose partition column is a timestamp is a *local*
 * day: each project's own day in its time zone, so a table shared by projects in different zones is cut
 * differently per project (rows of projects the registry does not know use the default zone).
 */
export type Scope =
  | { kind: 'table' }
  /** A DATE or text column holding the day itself. */
  | { kind: 'equals'; column: string; value: string }
  | { kind: 'ranges'; column: string; projectColumn: string | null; ranges: TimeRange[] };

export interface TimeRange {
  /** Rows of these projects only; null: any project. */
  projectIn: string[] | null;
  /** Rows of projects other than these. */
  projectNotIn: string[] | null;
  start: Date;
  end: Date;
}

/** Engine column types (information_schema.data_type spelling) that hold instants. */
const isInstant = (type: string) => /^TIMESTAMP|^DATETIME/i.test(type);

export const previousDay = (day: string, n = 1): string => addDays(day, -n);

/** [start, end) of a local day in a zone, as instants. */
export function localDayBounds(timeZone: string, day: string): { start: Date; end: Date } {
  const { start, end } = dayBounds(timeZone, day);
  return { start: new Date(start), end: new Date(end) };
}

/**
 * The zone a row's day is cut in: its project's; the default zone for projects the registry does not know;
 * without a project column, the projects' zone when they all share one, else the default.
 */
export function zoneOf(projects: readonly ProjectInfo[], projectId: string | null): string {
  if (projectId !== null) {
    return projects.find((p) => p.id === projectId)?.timeZone ?? defaultProjectSettings.timeZone;
  }
  const zones = new Set(projects.map((p) => p.timeZone));
  return zones.size === 1 ? [...zones][0]! : defaultProjectSettings.timeZone;
}

export function dayScope(
  day: string,
  column: string,
  columnType: string,
  projects: readonly ProjectInfo[],
  hasProjectColumn: boolean,
): Scope {
  if (!isInstant(columnType)) return { kind: 'equals', column, value: day };
  const fallbackZone = defaultProjectSettings.timeZone;
  if (!hasProjectColumn) {
    return {
      kind: 'ranges',
      column,
      projectColumn: null,
      ranges: [{ projectIn: null, projectNotIn: null, ...localDayBounds(zoneOf(projects, null), day) }],
    };
  }
  const byZone = new Map<string, string[]>();
  for (const p of projects) byZone.set(p.timeZone, [...(byZone.get(p.timeZone) ?? []), p.id]);
  const ranges: TimeRange[] = [...byZone].map(([zone, ids]) => ({
    projectIn: ids,
    projectNotIn: null,
    ...localDayBounds(zone, day),
  }));
  ranges.push({
    projectIn: null,
    projectNotIn: projects.length ? projects.map((p) => p.id) : null,
    ...localDayBounds(fallbackZone, day),
  });
  return { kind: 'ranges', column, projectColumn: 'project_id', ranges };
}
