import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { parseReplayFrom } from '../src/http/routes/stream.js';
import { eventually, nativeEvent, plazaBin, post, startPlaza, type TestPlaza } from './helpers/plaza.js';

const HOUR = 3_600_000;

/** Three hours of traffic from 40 visitors, some of whom identify, in event-time order. */
function traffic(now: number): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  const start = now - 3 * HOUR;
  for (let i = 0; i < 600; i++) {
    const t = start + Math.floor((i / 600) * 3 * HOUR);
    const visitor = `replay-visitor-${(i * 7) % 40}`;
    const listing = { listing_id: `lst-${i % 13}`, seller_id: `dealer-${i % 3}` };
    const timestamp = new Date(t).toISOString();
    if (i % 50 === 25) {
      events.push(
        nativeEvent({
          event_type: 'identify',
          anonymous_id: visitor,
          user_id: `user-${i % 7}`,
          timestamp,
          properties: {},
        }),
      );
    } else if (i % 9 === 0) {
      events.push(
        nativeEvent({
          event_type: 'contact_sent',
          anonymous_id: visitor,
          timestamp,
          properties: { channel: 'whatsapp', ...listing },
        }),
      );
    } else {
      events.push(
        nativeEvent({
          anonymous_id: visitor,
          timestamp,
          properties: { ...(nativeEvent().properties as object), ...listing },
        }),
      );
    }
  }
  return events;
}

describe('stream replay', () => {
  let t: TestPlaza;
  const sentAt = Date.now();

  /** Everything the processors derived, in a comparable form (processing times left out). */
  async function snapshot() {
    await t.plaza.drain(60_000);
    const w = t.plaza.stores.warehouse;
    const q = (sql: string) => w.query(sql).then((rows) => JSON.parse(JSON.stringify(rows, big)));
    const live = await t.admin('GET', `/v1/live/projects/${t.projectId}`);
    const listing = await t.admin('GET', `/v1/live/listings/lst-3?project=${t.projectId}`);
    return {
      raw: await q(
        'SELECT log_topic, log_partition, log_offset, event_id FROM raw_events ORDER BY log_topic, log_partition, log_offset',
      ),
      sessions: await q(`SELECT * EXCLUDE (state) FROM sessions ORDER BY project_id, session_id`),
      identities: await q('SELECT project_id, anonymous_id, user_id FROM identities ORDER BY ALL'),
      minute: await q('SELECT * EXCLUDE (updated_at) FROM agg_minute ORDER BY ALL'),
      hour: await q('SELECT * EXCLUDE (updated_at) FROM agg_hour ORDER BY ALL'),
      live: {
        views: [live.body.views_today, listing.body.views_today],
        trending: live.body.trending.map((x: { listing_id: string }) => x.listing_id).sort(),
        listing: listing.body.stats && { ...listing.body.stats, since: null, last_event_at: null },
      },
    };
  }

  async function processed(): Promise<Map<string, number>> {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const out = new Map<string, number>();
    for (const m of text.matchAll(/^plaza_stream_records_processed_total\{group="([^"]+)"\} (\d+)/gm))
      out.set(m[1]!, Number(m[2]));
    return out;
  }

  before(async () => {
    t = await startPlaza({ projectId: `replay${Math.floor(Math.random() * 1e6)}` });
    const events = traffic(sentAt);
    for (let i = 0; i < events.length; i += 100) {
      const r = await post(
        t.url,
        '/v1/events',
        { events: events.slice(i, i + 100) },
        { writeKey: t.writeKey },
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.accepted, 100, JSON.stringify(r.body));
    }
  });
  after(async () => t?.close(true));

  it('lists the groups and recomputes every processor to the same results, from the start and from a time', async () => {
    const groups = await t.admin('GET', '/v1/admin/stream/groups');
    assert.equal(groups.status, 200);
    assert.deepEqual(groups.body.groups, [
      'raw-events-sink',
      'dead-letter-store',
      'sessionizer',
      'window-aggregator',
      'live-counters',
    ]);
    const first = await snapshot();
    assert.equal(first.raw.length, 600);
    assert.ok(first.sessions.length > 10, `sessions were computed (${first.sessions.length})`);
    assert.ok(first.identities.length > 0, 'identities were linked');
    assert.ok(first.hour.length > 0 && first.minute.length > 0);

    for (const from of [0, new Date(sentAt - 90 * 60_000).toISOString(), 60]) {
      const processedBefore = await processed();
      for (const group of groups.body.groups) {
        const r = await t.admin('POST', '/v1/admin/stream/replay', { group, from });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.ok(Array.isArray(r.body.positions) && r.body.positions.length > 0);
        for (const p of r.body.positions) assert.ok(Number.isInteger(p.offset) && p.offset >= 0);
      }
      assert.deepEqual(await snapshot(), first, `replay from ${from} gives the same results`);
      // …and not because nothing ran: every event processor read the log again.
      const processedAfter = await processed();
      for (const group of ['raw-events-sink', 'sessionizer', 'window-aggregator', 'live-counters'])
        assert.ok(
          (processedAfter.get(group) ?? 0) - (processedBefore.get(group) ?? 0) >= (from === 0 ? 600 : 1),
          `${group} processed records again after the replay from ${from}`,
        );
    }
  });

  it('a replay from a time restarts the raw sink at the first record appended at or after it', async () => {
    const r = await t.admin('POST', '/v1/admin/stream/replay', {
      group: 'raw-events-sink',
      from: new Date(Date.now() + HOUR).toISOString(),
    });
    assert.equal(r.status, 200);
    const ends = await t.plaza.stores.log.endOffsets('user-events');
    for (const p of r.body.positions.filter((x: { topic: string }) => x.topic === 'user-events'))
      assert.equal(p.offset, ends[p.partition], 'nothing was appended after a future time');
    assert.equal((await snapshot()).raw.length, 600);
  });

  it('refuses unknown groups and malformed positions with precise errors', async () => {
    const unknown = await t.admin('POST', '/v1/admin/stream/replay', { group: 'nope', from: 0 });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'unknown_group');
    assert.match(unknown.body.error.message, /groups: raw-events-sink, dead-letter-store, sessionizer/);
    for (const from of ['yesterday', -1, 1.5, '']) {
      const bad = await t.admin('POST', '/v1/admin/stream/replay', { group: 'sessionizer', from });
      assert.equal(bad.status, 400, `from ${JSON.stringify(from)}`);
    }
    const noAuth = await fetch(`${t.url}/v1/admin/stream/groups`);
    assert.equal(noAuth.status, 401);
    assert.deepEqual(parseReplayFrom('2026-11-23T10:00:00Z'), { time: Date.parse('2026-11-23T10:00:00Z') });
    assert.deepEqual(parseReplayFrom('120'), { offset: 120 });
  });

  it('plaza stream groups / replay talk to the running worker', async () => {
    // Asynchronous: the server runs in this process and must keep answering while the CLI waits.
    const cli = (...args: string[]) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          [plazaBin, '--data-dir', t.dataDir, ...args],
          { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
          (err, stdout, stderr) => resolve({ status: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const g = await cli('stream', 'groups');
    assert.equal(g.status, 0, g.stderr);
    assert.match(
      g.stdout,
      /^raw-events-sink\ndead-letter-store\nsessionizer\nwindow-aggregator\nlive-counters\n$/,
    );
    const before = await snapshot();
    const r = await cli('stream', 'replay', '--group', 'window-aggregator', '--from', '0');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^replaying window-aggregator from user-events\/0@0, /);
    await eventually(async () => {
      const s = await snapshot();
      return JSON.stringify(s.hour) === JSON.stringify(before.hour);
    }, 30_000);
    const bad = await cli('stream', 'replay', '--group', 'window-aggregator', '--from', 'soon');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /\[invalid_replay_from\]/);
  });
});

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? Number(v) : v;
}
