import { partitionOf } from '../marts/common/kit.js';
import type { TaskContext, TaskDef, TaskResult } from '../pipelines/types.js';
import { dayRange, type EntitySeries, type EntityType, readDailyFigures } from './figures.js';
import type { ReportTaskOptions } from './seller-summary.js';
import { keepReports } from './store.js';

export interface AnomalyOptions {
  /** How many standard deviations from the trailing mean count as an anomaly (default 3). */
  sigma?: number;
  /** Trailing days the mean and deviation come from (default 28). */
  trailingDays?: number;
  /**
   * Days with activity the trailing window needs before an entity is judged (default 7): a new or nearly
   * silent seller has no "normal" to depart from.
   */
  minActiveDays?: number;
}

export const anomalyMetrics = ['views', 'orders'] as const;
export type AnomalyMetric = (typeof anomalyMetrics)[number];

export interface Anomaly {
  project_id: string;
  entity_type: EntityType;
  entity_id: string;
  day: string;
  metric: AnomalyMetric;
  value: number;
  mean: number;
  stddev: number;
  /** (value − mean) / stddev, with the stddev floored at 1 (see detect). */
  z: number;
  direction: 'spike' | 'drop';
}

const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

/**
 * Anomalies of one entity on `day` against its trailing days (oldest first, days without rows as 0). The
 * sample standard deviation is floored at 1: on a flat series (a seller with exactly 2 orders every day) a
 * change of one would otherwise be infinitely many sigmas.
 */
export function detect(
  s: EntitySeries,
  day: string,
  trailing: readonly string[],
  o: Required<AnomalyOptions>,
): Anomaly[] {
  const out: Anomaly[] = [];
  for (const metric of anomalyMetrics) {
    const history = trailing.map((d) => s.days.get(d)?.[metric] ?? 0);
    if (history.filter((v) => v > 0).length < o.minActiveDays) continue;
    const mean = history.reduce((a, b) => a + b, 0) / history.length;
    const variance = history.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, history.length - 1);
    const stddev = Math.sqrt(variance);
    const value = s.days.get(day)?.[metric] ?? 0;
    const z = (value - mean) / Math.max(stddev, 1);
    if (Math.abs(z) <= o.sigma) continue;
    out.push({
      project_id: s.projectId,
      entity_type: s.entityType,
      entity_id: s.entityId,
      day,
      metric,
      value,
      mean: round(mean),
      stddev: round(stddev),
      z: round(z),
      direction: z > 0 ? 'spike' : 'drop',
    });
  }
  return out;
}

const describe = (a: Anomaly) =>
  `- ${a.entity_type === 'project' ? 'whole marketplace' : `seller ${a.entity_id}`}: ${a.metric} ${a.value} ` +
  `(${a.direction}; trailing mean ${a.mean} ± ${a.stddev}, ${a.z > 0 ? '+' : ''}${a.z}σ)`;

/**
 * Anomaly alerts (seed 002's "alertas de anomalías"): per seller and per project, a day's views or orders
 * beyond `sigma` standard deviations of the trailing days raise an alert to the admins (e-mail and
 * webhooks), one message per project and day, sent once however often the day is run.
 */
export function createAnomalyTask(o: ReportTaskOptions & AnomalyOptions): TaskDef {
  const options: Required<AnomalyOptions> = {
    sigma: o.sigma ?? 3,
    trailingDays: o.trailingDays ?? 28,
    minActiveDays: o.minActiveDays ?? 7,
  };
  return {
    id: o.id ?? 'daily_anomalies',
    ...(o.dependsOn ? { dependsOn: o.dependsOn } : {}),
    partitioning: 'daily',
    description: `Alerts on views or orders beyond ${options.sigma}σ of the trailing ${options.trailingDays} days`,
    async run(ctx: TaskContext): Promise<TaskResult> {
      const day = partitionOf(ctx);
      const days = dayRange(day, options.trailingDays);
      const trailing = days.slice(0, -1);
      const series = await readDailyFigures(ctx.warehouse, ctx.projects, {
        days,
        entityTypes: ['seller', 'project'],
      });
      const anomalies = series.flatMap((s) => detect(s, day, trailing, options));
      // Kept per entity for the web app (a seller reads their own alerts), whoever the messages go to.
      const byEntity = new Map<string, Anomaly[]>();
      for (const a of anomalies) {
        const key = `${a.project_id}\u0000${a.entity_type}\u0000${a.entity_id}`;
        byEntity.set(key, [...(byEntity.get(key) ?? []), a]);
      }
      await keepReports(
        ctx.warehouse,
        'alert',
        day,
        ctx.projects.map((p) => p.id),
        [...byEntity.values()].map((found) => ({
          project_id: found[0]!.project_id,
          entity_type: found[0]!.entity_type,
          entity_id: found[0]!.entity_id,
          payload: {
            day,
            sigma: options.sigma,
            trailing_days: options.trailingDays,
            anomalies: found,
          },
        })),
      );
      let queued = 0;
      const byProject = new Map<string, Anomaly[]>();
      for (const a of anomalies) byProject.set(a.project_id, [...(byProject.get(a.project_id) ?? []), a]);
      for (const [projectId, found] of byProject) {
        found.sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
        const r = await o.notifications.send({
          kind: 'anomaly',
          subject: `[Plaza] ${found.length} anomal${found.length === 1 ? 'y' : 'ies'} on ${projectId} (${day})`,
          text: [
            `Figures of ${day} beyond ${options.sigma}σ of the trailing ${options.trailingDays} days on ${projectId}:`,
            ...found.map(describe),
          ].join('\n'),
          data: { project_id: projectId, day, sigma: options.sigma, anomalies: found },
          to: o.notifications.admins,
          dedupKey: `anomaly|${projectId}|${day}`,
        });
        queued += r.queued;
      }
      ctx.log(`anomalies for ${day}: ${anomalies.length} found, ${queued} new messages queued`);
      return {
        rowsIn: series.length,
        rowsOut: anomalies.length,
        details: { day, anomalies: anomalies.slice(0, 100), queued },
      };
    },
  };
}
