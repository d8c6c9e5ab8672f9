import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DuckDbWarehouse } from '../src/adapters/warehouse/duckdb/duckdb-warehouse.js';
import { nativeEvent, post, spawnServer, startPlaza, tempDir } from './helpers/plaza.js';

async function countIds(dataDir: string): Promise<Map<string, number>> {
  const wh = await DuckDbWarehouse.open(join(dataDir, 'warehouse.duckdb'));
  try {
    const rows = await wh.query<{ event_id: string; n: number }>(
      'SELECT event_id, count(*) AS n FROM raw_events GROUP BY event_id',
    );
    return new Map(rows.map((r: { event_id: string; n: number }) => [r.event_id, Number(r.n)]));
  } finally {
    await wh.close();
  }
}

describe('durability', () => {
  it('deduplicates a retried event across a restart', async () => {
    const first = await startPlaza();
    const ev = nativeEvent();
    assert.equal((await post(first.url, '/v1/events', ev, { writeKey: first.writeKey })).body.accepted, 1);
    await first.close();
    const second = await startPlaza({ dataDir: first.dataDir, writeKey: first.writeKey });
    try {
      const r = await post(second.url, '/v1/events', ev, { writeKey: first.writeKey });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual([r.body.accepted, r.body.deduplicated], [0, 1]);
      await second.plaza.drain();
      const rows = await second.plaza.stores.warehouse.query(
        `SELECT * FROM raw_events WHERE event_id = '${ev.event_id}'`,
      );
      assert.equal(rows.length, 1);
    } finally {
      await second.close(true);
    }
  });

  it('kill -9 during load loses no acknowledged event and duplicates none after restart', async () => {
    const dataDir = tempDir();
    let server = await spawnServer(dataDir);
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const admin = { authorization: `Bearer ${token}` };
    await post(server.url, '/v1/admin/projects', { id: 'crash' }, { headers: admin });
    const key = (
      await post(server.url, '/v1/admin/projects/crash/keys', { name: 'load' }, { headers: admin })
    ).body.secret as string;

    // 8 senders post batches of 50 unique events until the server dies.
    const sent = new Map<string, Record<string, unknown>>();
    const acked = new Set<string>();
    let dead = false;
    const sender = async () => {
      while (!dead) {
        const batch = Array.from({ length: 50 }, () => nativeEvent());
        for (const e of batch) sent.set(e.event_id as string, e);
        try {
          const r = await post(server.url, '/v1/events', { events: batch }, { writeKey: key });
          if (r.status === 200) for (const e of batch) acked.add(e.event_id as string);
        } catch {
          // connection reset by the kill: these events are unacknowledged
        }
      }
    };
    const senders = Array.from({ length: 8 }, sender);
    // Kill mid-stream: once a good amount has been acknowledged (a slow CI machine gets more time), plus a
    // random delay so the kill lands at an arbitrary point of the write path.
    const deadline = Date.now() + 30_000;
    while (acked.size < 3000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, Math.random() * 200));
    server.child.kill('SIGKILL');
    dead = true;
    await Promise.all(senders);
    await server.exited;
    assert.ok(acked.size > 500, `load reached the server before the kill (${acked.size} acked)`);

    // Restart and retry everything, as a client with an at-least-once queue would.
    server = await spawnServer(dataDir);
    const all = [...sent.values()];
    for (let i = 0; i < all.length; i += 500) {
      const r = await post(server.url, '/v1/events', { events: all.slice(i, i + 500) }, { writeKey: key });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.rejected.length, 0);
    }
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    assert.equal(exit.code, 0, 'graceful stop exits 0');

    const counts = await countIds(dataDir);
    for (const id of acked) assert.equal(counts.get(id), 1, `acknowledged event ${id} stored exactly once`);
    for (const id of sent.keys()) assert.equal(counts.get(id), 1, `retried event ${id} stored exactly once`);
    assert.equal(counts.size, sent.size);
  });
});
