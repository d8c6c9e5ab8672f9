import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { accountMigrations } from '../src/accounts/migrations.js';
import { Users } from '../src/accounts/users.js';
import { PgliteState } from '../src/adapters/state/pglite.js';
import { DuckDbWarehouse } from '../src/adapters/warehouse/duckdb/duckdb-warehouse.js';
import { migrate } from '../src/core/migrate.js';
import { startDelivery } from '../src/notify/delivery.js';
import { createEmailNotifier } from '../src/notify/email.js';
import { Notifications, notifyMigrations, Outbox } from '../src/notify/index.js';
import { createWebhookNotifier } from '../src/notify/webhook.js';
import { createLogger } from '../src/observability/logger.js';
import type { Row } from '../src/ports/warehouse.js';
import { projectMigrations } from '../src/projects/migrations.js';
import { Projects } from '../src/projects/projects.js';
import { createAnomalyTask, createSellerSummaryTask, detect } from '../src/reports/index.js';
import { aggHourTable } from '../src/warehouse/agg-tables.js';
import { rawEventsTable } from '../src/warehouse/raw-events-table.js';
import { SmtpReceiver, textOf } from './helpers/smtp-receiver.js';
import { taskContext } from './helpers/task-context.js';
import { WebhookReceiver } from './helpers/webhook-receiver.js';

/** The report day; okla is in Santo Domingo (UTC-4), so its local day is [04:00Z, 04:00Z next day). */
const D = '2024-06-30';
const secret = 'reports-webhook-secret';
const projects = [{ id: 'okla', timeZone: 'America/Santo_Domingo' }];

/** Local day `i` days before D, as 'YYYY-MM-DD'. */
const dayBefore = (i: number) => new Date(Date.UTC(2024, 5, 30 - i)).toISOString().slice(0, 10);
const utc = (day: string, hour: number) => new Date(`${day}T${String(hour).padStart(2, '0')}:00:00Z`);
const nextDay = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

interface Day {
  views: number;
  orders?: number;
  leads?: number;
  favourites?: number;
  revenue?: Record<string, number>;
}

/**
 * Daily totals written as two agg_hour windows: local 10:00 (14:00Z) and local 23:00 (03:00Z of the next UTC
 * day, which must still count for the local day). Revenue goes entirely to the first window.
 */
function hours(entityType: string, entityId: string, day: string, d: Day): Row[] {
  const first = Math.ceil(d.views / 2);
  const base = {
    project_id: 'okla',
    entity_type: entityType,
    entity_id: entityId,
    unique_viewers: 0,
    searches: 0,
    test_drives: 0,
    add_to_cart: 0,
    checkouts: 0,
    updated_at: new Date(),
  };
  return [
    {
      ...base,
      window_start: utc(day, 14),
      views: first,
      favourites: d.favourites ?? 0,
      leads: d.leads ?? 0,
      purchases: d.orders ?? 0,
      revenue: d.revenue ?? {},
    },
    {
      ...base,
      window_start: utc(nextDay(day), 3),
      views: d.views - first,
      favourites: 0,
      leads: 0,
      purchases: 0,
      revenue: {},
    },
  ];
}

/** dealer-7: ~100 views with a spike to 400 on D. dealer-9: ~50 views, orders jump to 12 on D. dealer-3:
 * ~60 views, nothing at all on D. newbie: active only the last 3 days. */
function fixture(): Row[] {
  const rows: Row[] = [];
  const project: Map<string, Day> = new Map();
  const add = (seller: string, day: string, d: Day) => {
    rows.push(...hours('seller', seller, day, d));
    const p = project.get(day) ?? { views: 0, orders: 0 };
    project.set(day, { views: p.views + d.views, orders: (p.orders ?? 0) + (d.orders ?? 0) });
  };
  for (let i = 28; i >= 1; i--) {
    const day = dayBefore(i);
    const orders = 2 + (i % 2);
    add('dealer-7', day, {
      views: 100 + ((i * 37) % 21) - 10,
      orders,
      leads: 5,
      favourites: 10,
      revenue: { DOP: orders * 1000.25 },
    });
    add('dealer-9', day, { views: 50 + ((i * 13) % 11) - 5, orders: 1 + (i % 2) });
    add('dealer-3', day, { views: 60 + ((i * 7) % 9) - 4 });
  }
  add('dealer-7', D, { views: 400, orders: 3, leads: 8, favourites: 12, revenue: { DOP: 3000.75, USD: 50 } });
  add('dealer-9', D, { views: 52, orders: 12 });
  for (const i of [2, 1, 0]) add('newbie', dayBefore(i), { views: i === 0 ? 100 : 5 });
  for (const [day, d] of project) rows.push(...hours('project', 'okla', day, d));
  return rows;
}

let seq = 0;
/** A raw listing view of dealer-7 (only the columns the visitor count reads matter). */
const view = (
  at: string,
  anonymousId: string | null,
  userId: string | null,
  eventType = 'listing_viewed',
): Row => ({
  event_id: `e${++seq}`,
  project_id: 'okla',
  event_type: eventType,
  timestamp: new Date(at),
  received_at: new Date(at),
  anonymous_id: anonymousId,
  user_id: userId,
  seller_id: 'dealer-7',
  source_shape: 'native',
  source_key_id: 'k',
  is_bot: false,
  context_extra: {},
  properties: {},
  flags: {},
  log_topic: 'user-events',
  log_partition: 0,
  log_offset: seq,
});

describe('daily reports', () => {
  let wh: DuckDbWarehouse;
  let state: PgliteState;
  let outbox: Outbox;
  let smtp: SmtpReceiver;
  let hooks: WebhookReceiver;
  let notifications: Notifications;

  before(async () => {
    wh = await DuckDbWarehouse.open(':memory:', { threads: 1 });
    await wh.ensureTable(aggHourTable);
    await wh.insert('agg_hour', fixture());
    await wh.ensureTable(rawEventsTable);
    await wh.insert('raw_events', [
      view('2024-06-30T15:00:00Z', 'a1', null),
      view('2024-06-30T16:00:00Z', 'a1', 'u1'),
      view('2024-06-30T17:00:00Z', null, 'u2'),
      view('2024-07-01T03:30:00Z', 'a3', null), // 23:30 local on D
      view('2024-06-30T03:30:00Z', 'a4', null), // 23:30 local on D-1
      view('2024-06-30T18:00:00Z', 'a5', null, 'search'),
    ]);
    state = await PgliteState.open();
    await migrate(state, [...projectMigrations, ...accountMigrations, ...notifyMigrations]);
    const projectsStore = new Projects(state);
    await projectsStore.create('okla');
    await projectsStore.create('tienda');
    const users = new Users(state, projectsStore);
    await users.create({ email: 'ventas@dealer7.do', role: 'seller', seller_id: 'dealer-7' });
    await users.create({
      email: 'tienda@dealer7.do',
      role: 'seller',
      seller_id: 'dealer-7',
      project_id: 'tienda',
    });
    const off = await users.create({ email: 'old@dealer7.do', role: 'seller', seller_id: 'dealer-7' });
    await users.setDisabled(off.user.id, true);
    await users.create({ email: 'admin@okla.do', role: 'admin' });
    outbox = new Outbox(state);
    smtp = await SmtpReceiver.start();
    hooks = await WebhookReceiver.start(secret);
    notifications = new Notifications(outbox, {
      webhookUrls: [hooks.url],
      adminEmails: ['ops@okla.do'],
      emailEnabled: true,
    });
  });
  after(async () => {
    await smtp.close();
    await hooks.close();
    await wh.close();
    await state.close();
  });

  const ctx = () => taskContext({ warehouse: wh, state, partition: D, projects, task: 'reports' });

  it("sends each active seller's day against the previous day and the 7-day average, once", async () => {
    const task = createSellerSummaryTask({ notifications, dependsOn: ['marts'] });
    assert.equal(task.partitioning, 'daily');
    assert.deepEqual(task.dependsOn, ['marts']);
    const loop = startDelivery({
      outbox,
      notifiers: [
        createEmailNotifier({ smtpUrl: smtp.url, from: 'plaza@okla.do' }),
        createWebhookNotifier({ secret }),
      ],
      logger: createLogger('silent'),
      intervalMs: 20,
    });
    notifications.onQueued(() => loop.wake());
    try {
      const result = await task.run(ctx());
      assert.deepEqual(result.details, { day: D, sellers: 4, sellersWithRecipients: 4, queued: 5 });
      await smtp.waitFor(1);
      await hooks.waitFor(() => hooks.accepted().length === 4, 'a webhook per seller');
    } finally {
      notifications.onQueued(null);
      await loop.stop();
    }
    assert.deepEqual(
      smtp.mails.flatMap((m) => m.to),
      ['ventas@dealer7.do'],
      'enabled accounts of okla only',
    );

    const summary = hooks.accepted().find((h) => h.body.data.seller_id === 'dealer-7')!.body;
    assert.equal(summary.kind, 'seller_summary');
    assert.equal(summary.subject, `Your day on okla: 400 views, 8 leads, 3 orders (${D})`);
    const views7 = [7, 6, 5, 4, 3, 2, 1].map((i) => 100 + ((i * 37) % 21) - 10);
    const avg = Math.round((views7.reduce((a, b) => a + b, 0) / 7) * 100) / 100;
    assert.deepEqual(summary.data.figures.views, {
      day: 400,
      previous_day: views7[6],
      average_7d: avg,
      vs_previous_day: Math.round(((400 - views7[6]!) / views7[6]!) * 1000) / 1000,
      vs_average_7d: Math.round(((400 - avg) / avg) * 1000) / 1000,
    });
    assert.deepEqual(summary.data.figures.unique_visitors, {
      day: 3,
      previous_day: 1,
      average_7d: 0.14,
      vs_previous_day: 2,
      vs_average_7d: 20.429,
    });
    assert.deepEqual(summary.data.figures.leads, {
      day: 8,
      previous_day: 5,
      average_7d: 5,
      vs_previous_day: 0.6,
      vs_average_7d: 0.6,
    });
    assert.equal(summary.data.figures.favourites.day, 12);
    assert.deepEqual(summary.data.figures.orders.previous_day, 3, 'D-1 is i = 1: 2 + 1 orders');
    assert.deepEqual(summary.data.revenue.DOP, {
      day: 3000.75,
      previous_day: 3000.75,
      average_7d:
        Math.round(([7, 6, 5, 4, 3, 2, 1].reduce((a, i) => a + (2 + (i % 2)) * 1000.25, 0) / 7) * 100) / 100,
      vs_previous_day: 0,
      vs_average_7d: summary.data.revenue.DOP.vs_average_7d,
    });
    assert.deepEqual(summary.data.revenue.USD, {
      day: 50,
      previous_day: 0,
      average_7d: 0,
      vs_previous_day: null,
      vs_average_7d: null,
    });
    assert.equal(summary.data.time_zone, 'America/Santo_Domingo');

    const text = textOf(smtp.mails[0]!.raw);
    assert.match(text, /Daily summary for seller dealer-7 \(okla\), 2024-06-30 \(America\/Santo_Domingo\)/);
    assert.match(text, new RegExp(`Views\\s+400\\s+${views7[6]} \\(\\+\\d+%\\)\\s+${avg} \\(\\+\\d+%\\)`));
    assert.match(text, /Leads\s+8\s+5 \(\+60%\)\s+5 \(\+60%\)/);
    assert.match(text, /Revenue USD\s+50\s+0\s+0/);

    // dealer-3 had nothing on D but was active in the week: its summary says so.
    const quiet = hooks.accepted().find((h) => h.body.data.seller_id === 'dealer-3')!.body.data;
    assert.equal(quiet.figures.views.day, 0);
    assert.equal(quiet.figures.views.vs_previous_day, -1);

    const again = await task.run(ctx());
    assert.equal(again.rowsOut, 0, 'nothing is queued twice for the same day');
    assert.equal((await outbox.list({ kind: 'seller_summary' })).length, 5);
  });

  it('alerts on views or orders beyond 3σ of the trailing 28 days, per seller and project, once', async () => {
    const task = createAnomalyTask({ notifications });
    const result = await task.run(ctx());
    const found = (result.details!['anomalies'] as any[])
      .map((a) => `${a.entity_type}:${a.entity_id}:${a.metric}:${a.direction}`)
      .sort();
    assert.deepEqual(found, [
      'project:okla:orders:spike',
      'project:okla:views:spike',
      'seller:dealer-3:views:drop',
      'seller:dealer-7:views:spike',
      'seller:dealer-9:orders:spike',
    ]);
    const spike = (result.details!['anomalies'] as any[]).find(
      (a) => a.entity_id === 'dealer-7' && a.metric === 'views',
    );
    assert.equal(spike.value, 400);
    assert.ok(spike.z > 3 && spike.mean > 90 && spike.mean < 110);
    assert.equal(result.rowsOut, 5);

    const rows = await outbox.list({ kind: 'anomaly' });
    assert.deepEqual(
      rows.map((r) => r.recipient).sort(),
      [hooks.url, 'ops@okla.do'].sort(),
      'one message per project and day to the admins',
    );
    assert.equal(rows[0]!.subject, `[Plaza] 5 anomalies on okla (${D})`);
    assert.match(
      rows[0]!.body,
      /- seller dealer-7: views 400 \(spike; trailing mean \d+(\.\d+)? ± \d+(\.\d+)?, \+\d+(\.\d+)?σ\)/,
    );
    assert.match(rows[0]!.body, /- seller dealer-3: views 0 \(drop;/);
    assert.equal((rows[0]!.payload['anomalies'] as unknown[]).length, 5);

    assert.equal((await task.run(ctx())).details!['queued'], 0, 'a re-run sends nothing new');
    assert.equal((await outbox.list({ kind: 'anomaly' })).length, 2);
  });

  it('judges only entities with enough history, and floors the deviation of flat series at 1', () => {
    const trailing = Array.from({ length: 28 }, (_, i) => dayBefore(28 - i));
    const series = (values: number[], today: number) => ({
      projectId: 'okla',
      entityType: 'seller' as const,
      entityId: 's',
      timeZone: 'UTC',
      days: new Map(
        [...trailing.map((d, i) => [d, values[i] ?? 0] as const), [D, today] as const].map(([d, v]) => [
          d,
          { views: v, unique_visitors: 0, leads: 0, favourites: 0, orders: 0, revenue: {} },
        ]),
      ),
    });
    const opts = { sigma: 3, trailingDays: 28, minActiveDays: 7 };
    const flat = Array(28).fill(2);
    assert.deepEqual(detect(series(flat, 5), D, trailing, opts), [], '|5 - 2| = 3σ is not beyond 3σ');
    assert.equal(detect(series(flat, 6), D, trailing, opts)[0]!.z, 4);
    const sparse = [...Array(22).fill(0), ...Array(6).fill(10)];
    assert.deepEqual(detect(series(sparse, 500), D, trailing, opts), [], 'six active days are too few');
  });
});
