import { partitionOf } from '../marts/common/kit.js';
import type { Notifications } from '../notify/notifications.js';
import type { TaskContext, TaskDef, TaskResult } from '../pipelines/types.js';
import {
  type DayFigures,
  dayRange,
  type EntitySeries,
  emptyFigures,
  type FigureName,
  figureNames,
  readDailyFigures,
} from './figures.js';
import { sellerEmails } from './recipients.js';
import { keepReports, type ReportEntry } from './store.js';

export interface ReportTaskOptions {
  notifications: Notifications;
  /** Task id (defaults: seller_daily_summary, daily_anomalies). */
  id?: string;
  /** Tasks of the same pipeline to run after (e.g. the marts). */
  dependsOn?: readonly string[];
}

/** One figure of the summary: the day, the day before, the average of the 7 days before. */
export interface Comparison {
  day: number;
  previous_day: number;
  average_7d: number;
  /** Relative change (0.12 = +12 %); null when the base is zero. */
  vs_previous_day: number | null;
  vs_average_7d: number | null;
}

export interface SellerSummary {
  project_id: string;
  seller_id: string;
  day: string;
  time_zone: string;
  figures: Record<FigureName, Comparison>;
  /** Per currency. */
  revenue: Record<string, Comparison>;
}

const change = (value: number, base: number): number | null =>
  base === 0 ? null : Math.round(((value - base) / base) * 1000) / 1000;

function compare(day: number, previous: number, week: readonly number[]): Comparison {
  const average = Math.round((week.reduce((a, b) => a + b, 0) / week.length) * 100) / 100;
  return {
    day,
    previous_day: previous,
    average_7d: average,
    vs_previous_day: change(day, previous),
    vs_average_7d: change(day, average),
  };
}

/** The summary of `day` from a seller's series holding that day and the 7 before it. */
export function summarise(s: EntitySeries, day: string): SellerSummary {
  const days = dayRange(day, 7);
  const of = (d: string): DayFigures => s.days.get(d) ?? emptyFigures();
  const week = days.slice(0, 7).map(of);
  const today = of(day);
  const yesterday = of(days[6]!);
  const figures = Object.fromEntries(
    figureNames.map((f) => [
      f,
      compare(
        today[f],
        yesterday[f],
        week.map((w) => w[f]),
      ),
    ]),
  ) as Record<FigureName, Comparison>;
  const currencies = new Set([today, ...week].flatMap((f) => Object.keys(f.revenue)));
  const revenue = Object.fromEntries(
    [...currencies].sort().map((c) => [
      c,
      compare(
        today.revenue[c] ?? 0,
        yesterday.revenue[c] ?? 0,
        week.map((w) => w.revenue[c] ?? 0),
      ),
    ]),
  );
  return {
    project_id: s.projectId,
    seller_id: s.entityId,
    day,
    time_zone: s.timeZone,
    figures,
    revenue,
  };
}

const labels: Record<FigureName, string> = {
  views: 'Views',
  unique_visitors: 'Unique visitors',
  leads: 'Leads',
  favourites: 'Favourites',
  orders: 'Orders',
};

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const pct = (r: number | null) => (r === null ? '' : ` (${r >= 0 ? '+' : ''}${Math.round(r * 100)}%)`);

/** The e-mail text: one line per figure, the day's value and both comparisons. */
export function renderSummary(s: SellerSummary): string {
  const rows: [string, Comparison][] = [
    ...figureNames.map((f) => [labels[f], s.figures[f]] as [string, Comparison]),
    ...Object.entries(s.revenue).map(([c, v]) => [`Revenue ${c}`, v] as [string, Comparison]),
  ];
  const cells = rows.map(([label, c]) => [
    label,
    number.format(c.day),
    `${number.format(c.previous_day)}${pct(c.vs_previous_day)}`,
    `${number.format(c.average_7d)}${pct(c.vs_average_7d)}`,
  ]);
  const header = ['', s.day, 'previous day', '7-day average'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('   ');
  return [
    `Daily summary for seller ${s.seller_id} (${s.project_id}), ${s.day} (${s.time_zone})`,
    '',
    line(header),
    ...cells.map(line),
    '',
    'Changes are against the previous day and against the average of the 7 days before.',
  ].join('\n');
}

const activity = (f: DayFigures) =>
  figureNames.some((k) => f[k] !== 0) || Object.values(f.revenue).some((v) => v !== 0);

/**
 * The daily seller summary (seed 002's "resumen diario a vendedores"): for every seller with activity in the
 * day or the 7 before it, the day's figures against the previous day and the 7-day average, to the
 * seller's e-mail accounts and the webhooks. Running a day again sends nothing new: each message's dedup
 * key is (kind, project, seller, day) per recipient.
 */
export function createSellerSummaryTask(o: ReportTaskOptions): TaskDef {
  return {
    id: o.id ?? 'seller_daily_summary',
    ...(o.dependsOn ? { dependsOn: o.dependsOn } : {}),
    partitioning: 'daily',
    description:
      "Each seller's daily summary (vs the previous day and the 7-day average), by e-mail and webhook",
    async run(ctx: TaskContext): Promise<TaskResult> {
      const day = partitionOf(ctx);
      const days = dayRange(day, 7);
      const series = await readDailyFigures(ctx.warehouse, ctx.projects, {
        days,
        entityTypes: ['seller'],
        visitors: true,
      });
      const emailsOf = await sellerEmails(ctx.state);
      let sent = 0;
      let sellers = 0;
      const summaries = series
        .filter((s) => [...s.days.values()].some(activity))
        .map((s) => ({ s, summary: summarise(s, day) }));
      // Kept for the web app before anything is sent: a seller without any recipient still reads theirs.
      const kept: ReportEntry[] = summaries.map(({ summary }) => ({
        project_id: summary.project_id,
        entity_type: 'seller',
        entity_id: summary.seller_id,
        payload: { ...summary },
      }));
      await keepReports(
        ctx.warehouse,
        'summary',
        day,
        ctx.projects.map((p) => p.id),
        kept,
      );
      for (const { s, summary } of summaries) {
        ctx.signal.throwIfAborted();
        const emails = emailsOf(s.projectId, s.entityId);
        const r = await o.notifications.send({
          kind: 'seller_summary',
          subject: `Your day on ${s.projectId}: ${summary.figures.views.day} views, ${summary.figures.leads.day} leads, ${summary.figures.orders.day} orders (${day})`,
          text: renderSummary(summary),
          data: { ...summary },
          to: { emails, webhooks: true },
          dedupKey: `seller_summary|${s.projectId}|${s.entityId}|${day}`,
        });
        if (r.recipients > 0) sellers++;
        sent += r.queued;
      }
      ctx.log(`seller summaries for ${day}: ${sellers} sellers with recipients, ${sent} new messages queued`);
      return {
        rowsIn: series.length,
        rowsOut: sent,
        details: { day, sellers: series.length, sellersWithRecipients: sellers, queued: sent },
      };
    },
  };
}
