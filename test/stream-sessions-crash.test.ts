import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rng } from '../bench/stream/events.js';
import { DuckDbWarehouse } from '../src/adapters/warehouse/duckdb/duckdb-warehouse.js';
import { dataPaths } from '../src/app/data-dir.js';
import { sessionizerGroup } from '../src/stream/sessions/processor.js';
import { type Snapshot, snapshot } from './fixtures/stream/sessions-fixture.js';
import { post, spawnServer, startPlaza, tempDir } from './helpers/plaza.js';

const types = ['page_view', 'page_view', 'page_view', 'listing_viewed', 'click', 'search', 'engagement'];

/**
 * Visitors over 24 hours (crossing the marketplace's midnight): visits of a few events, gaps around the
 * 30-minute timeout, logins (events with both ids), second users on a shared browser, server-side aliases.
 * Sent in time order with up to 2 minutes of jitter, so some events arrive a little late.
 */
function workload(visitors: number): Record<string, unknown>[][] {
  const r = rng(20260310);
  const base = Math.floor((Date.now() - 30 * 3_600_000) / 3_600_000) * 3_600_000;
  const events: { at: number; sortKey: number; e: Record<string, unknown> }[] = [];
  let id = 0;
  const push = (at: number, e: Record<string, unknown>) =>
    events.push({ at, sortKey: at + r() * 120_000, e: { event_id: `w-${++id}`, ...e } });
  for (let v = 0; v < visitors; v++) {
    const anon = `anon-${v}`;
    const user = r() < 0.3 ? `user-${Math.floor(r() * visitors * 0.25)}` : null;
    const visits = 1 + Math.floor(r() * 4);
    for (let k = 0; k < visits; k++) {
      let at = base + Math.floor(r() * 24 * 3_600_000);
      const n = 1 + Math.floor(r() * 8);
      const loggedIn = user !== null && r() < 0.5;
      const referrer =
        r() < 0.3 ? 'https://www.google.com/' : r() < 0.2 ? 'https://l.facebook.com/' : undefined;
      for (let i = 0; i < n; i++) {
        const type = i === 0 ? 'page_view' : types[Math.floor(r() * types.length)]!;
        const shared = loggedIn && r() < 0.05 ? `user-x${v}` : user;
        push(at, {
          event_type: type,
          timestamp: new Date(at).toISOString(),
          anonymous_id: anon,
          ...(loggedIn ? { user_id: shared } : {}),
          context: {
            page_url: `https://okla.do/p/${Math.floor(r() * 50)}`,
            ...(i === 0 && referrer ? { referrer } : {}),
            ...(v % 2
              ? { user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0 Safari/537.36' }
              : {}),
          },
          properties: type === 'listing_viewed' ? { listing_id: `l-${Math.floor(r() * 200)}` } : {},
        });
        if (loggedIn && i === 0) {
          push(at + 1000, {
            event_type: 'identify',
            timestamp: new Date(at + 1000).toISOString(),
            anonymous_id: anon,
            user_id: user,
          });
        }
        // Mostly short steps; sometimes a pause near the 30-minute timeout.
        at += r() < 0.1 ? 25 * 60_000 + Math.floor(r() * 10 * 60_000) : 10_000 + Math.floor(r() * 300_000);
      }
    }
    if (user !== null && r() < 0.1) {
      const at = base + Math.floor(r() * 24 * 3_600_000);
      push(at, {
        event_type: 'alias',
        timestamp: new Date(at).toISOString(),
        user_id: `user-a${v}`,
        properties: { previous_id: anon },
      });
    }
  }
  events.sort((a, b) => a.sortKey - b.sortKey);
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < events.length; i += 250) batches.push(events.slice(i, i + 250).map((x) => x.e));
  return batches;
}

describe('sessionizer under kill -9', () => {
  it('a worker killed mid-stream and restarted ends with the same sessions as an uninterrupted run', async () => {
    const batches = workload(1500);
    const total = batches.reduce((n, b) => n + b.length, 0);

    // Uninterrupted reference run.
    const ref = await startPlaza({ projectId: 'crash' });
    let expected: Snapshot;
    try {
      for (const b of batches) {
        const r = await post(ref.url, '/v1/events', { events: b }, { writeKey: ref.writeKey });
        assert.equal(r.body.accepted, b.length, JSON.stringify(r.body));
      }
      await ref.plaza.drain(120_000);
      expected = await snapshot(ref.plaza.stores.warehouse);
    } finally {
      await ref.close(true);
    }
    assert.ok(expected.sessions.length > 1000, `${expected.sessions.length} sessions`);
    assert.ok(
      expected.identities.some((i) => i.status === 'rejected'),
      'the workload has conflicts',
    );

    // The same events into `plaza up`, killed with SIGKILL while it ingests and sessionizes.
    const dataDir = tempDir();
    let server = await spawnServer(dataDir);
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const admin = { authorization: `Bearer ${token}` };
    await post(server.url, '/v1/admin/projects', { id: 'crash' }, { headers: admin });
    const key = (await post(server.url, '/v1/admin/projects/crash/keys', { name: 'k' }, { headers: admin }))
      .body.secret as string;
    const killAfter = Math.floor(batches.length * (0.3 + Math.random() * 0.4));
    let next = 0;
    const caughtUp = async (url: string) => {
      for (;;) {
        const h = (await (await fetch(`${url}/v1/health/ingestion`, { headers: admin })).json()) as {
          consumers: { group: string; lag: number }[];
        };
        if (h.consumers.filter((c) => c.group === sessionizerGroup).every((c) => c.lag === 0)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const sending = (async () => {
      for (; next < batches.length; next++) {
        // Half-way to the kill, let the sessionizer catch up once, so that it has written part of the stream
        // (it writes when caught up, or every few seconds while behind) and the kill lands after that.
        if (next === Math.floor(killAfter / 2)) await caughtUp(server.url);
        const r = await post(server.url, '/v1/events', { events: batches[next] }, { writeKey: key });
        if (r.status !== 200) throw new Error(`status ${r.status}`);
      }
    })().catch(() => undefined);
    while (next < killAfter) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, Math.random() * 100));
    server.child.kill('SIGKILL');
    await sending;
    await server.exited;

    // Restart and send again from the first batch that was not acknowledged (the collector deduplicates).
    server = await spawnServer(dataDir);
    for (let i = next; i < batches.length; i++) {
      const r = await post(server.url, '/v1/events', { events: batches[i] }, { writeKey: key });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    server.child.kill('SIGTERM');
    assert.equal((await server.exited).code, 0);
    // The restarted sessionizer resumed from the positions stored with its rows: past the start, before the end.
    const loaded = server.lines
      .flatMap((l) => {
        try {
          return [JSON.parse(l)];
        } catch {
          return [];
        }
      })
      .find((l) => l.msg === 'sessionizer state loaded');
    assert.ok(loaded, 'the sessionizer started');
    assert.ok(loaded.resumeFrom > 0 && loaded.resumeFrom < total, JSON.stringify(loaded));

    const w = await DuckDbWarehouse.open(dataPaths(dataDir).warehouse);
    try {
      const got = await snapshot(w);
      const logged = got.offsets.reduce((n, o) => n + Number(o.next_offset), 0);
      assert.equal(logged, total, 'every event read exactly once');
      assert.equal(got.sessions.length, expected.sessions.length);
      assert.deepEqual(got, expected);
    } finally {
      await w.close();
    }
  });
});
