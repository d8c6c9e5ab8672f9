import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requireEnv } from './helpers/engines.js';
import { eventually, nativeEvent, post, startPlaza, type TestPlaza } from './helpers/plaza.js';

/** Reads Server-Sent Events from a fetch body. */
class SseReader {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /** The next `event: live` message's data. */
  async next(timeoutMs = 10_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const lines = block.split('\n');
        if (lines.includes('event: live')) {
          const data = lines.find((l) => l.startsWith('data: '))!;
          return JSON.parse(data.slice(6));
        }
        continue;
      }
      if (Date.now() > deadline) throw new Error('no SSE message in time');
      const { value, done } = await this.reader.read();
      if (done) throw new Error('the stream ended');
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }
}

function liveApiSuite(name: string, overrides: Record<string, unknown>) {
  describe(`live API (${name})`, () => {
    let t: TestPlaza;
    const get = async (path: string, auth: string | null = `Bearer ${t.plaza.adminToken}`) => {
      const res = await fetch(t.url + path, { headers: auth ? { authorization: auth } : {} });
      return { status: res.status, body: (await res.json()) as any };
    };

    before(async () => {
      t = await startPlaza({ overrides, projectId: `live${Math.floor(Math.random() * 1e6)}` });
    });
    after(async () => t?.close(true));

    it('answers live counters for a project, a seller and a listing', async () => {
      const now = Date.now();
      const events = [
        nativeEvent({ anonymous_id: 'buyer-1', properties: { listing_id: 'lst-a', seller_id: 'dlr-1' } }),
        nativeEvent({ anonymous_id: 'buyer-2', properties: { listing_id: 'lst-a', seller_id: 'dlr-1' } }),
        nativeEvent({ anonymous_id: 'buyer-2', properties: { listing_id: 'lst-b', seller_id: 'dlr-2' } }),
        nativeEvent({
          event_type: 'contact_sent',
          anonymous_id: 'buyer-1',
          timestamp: new Date(now - 1000).toISOString(),
          properties: { channel: 'whatsapp', listing_id: 'lst-a', seller_id: 'dlr-1' },
        }),
      ];
      const r = await post(t.url, '/v1/events', { events }, { writeKey: t.writeKey });
      assert.equal(r.body.accepted, 4, JSON.stringify(r.body));
      await t.plaza.drain();

      const project = await get(`/v1/live/projects/${t.projectId}`);
      assert.equal(project.status, 200, JSON.stringify(project.body));
      assert.equal(project.body.project_id, t.projectId);
      assert.equal(project.body.time_zone, 'America/Santo_Domingo');
      assert.deepEqual([project.body.views_today, project.body.live_visitors], [3, 2]);
      assert.equal(project.body.trending[0].listing_id, 'lst-a');

      const seller = await get(`/v1/live/sellers/dlr-1?project=${t.projectId}`);
      assert.equal(seller.status, 200);
      assert.deepEqual([seller.body.views_today, seller.body.live_visitors], [2, 2]);

      const listing = await get(`/v1/live/listings/lst-a?project=${t.projectId}`);
      assert.equal(listing.status, 200);
      assert.equal(listing.body.views_today, 2);
      assert.equal(listing.body.stats.views, 2);
      assert.equal(listing.body.stats.leads, 1);

      const quiet = await get(`/v1/live/listings/never-seen?project=${t.projectId}`);
      assert.deepEqual([quiet.status, quiet.body.views_today, quiet.body.stats], [200, 0, null]);

      // The windowed aggregates are written by their own processor.
      const rows = await t.plaza.stores.warehouse.query<{ views: number; leads: number }>(
        `SELECT sum(views) AS views, sum(leads) AS leads FROM agg_hour WHERE project_id = $1 AND entity_type = 'project'`,
        [t.projectId],
      );
      assert.deepEqual([Number(rows[0]!.views), Number(rows[0]!.leads)], [3, 1]);
    });

    it('refuses missing or wrong credentials, and names bad input', async () => {
      const path = `/v1/live/projects/${t.projectId}`;
      assert.equal((await get(path, null)).status, 401);
      // Analysts and service keys read live counters too, so the refusal names every kind of credential.
      assert.equal((await get(path, 'Bearer not-the-admin-token')).body.error.code, 'auth_required');
      const withKey = await get(path, `Basic ${Buffer.from(`${t.writeKey}:`).toString('base64')}`);
      assert.deepEqual([withKey.status, withKey.body.error.code], [403, 'write_key_not_allowed']);

      const unknown = await get('/v1/live/projects/no-such-project');
      assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'project_not_found']);
      const bad = await get('/v1/live/projects/Not_Valid!');
      assert.deepEqual([bad.status, bad.body.error.code], [400, 'invalid_project_id']);
      const noProject = await get('/v1/live/listings/lst-a');
      assert.equal(noProject.status, 400);
      assert.match(noProject.body.error.message, /project/);
      const unknownInQuery = await get('/v1/live/sellers/dlr-1?project=nope');
      assert.equal(unknownInQuery.status, 404);
      // Fastify refuses path parameters over its maxParamLength (100) before routing.
      const tooLong = await get(`/v1/live/listings/${'x'.repeat(101)}?project=${t.projectId}`);
      assert.equal(tooLong.status, 414, JSON.stringify(tooLong.body));
      assert.equal((await get(`/v1/live/projects/no-such-project/stream`)).status, 404);
    });

    it('streams the project counters as Server-Sent Events, again when they change', async () => {
      const controller = new AbortController();
      const res = await fetch(`${t.url}/v1/live/projects/${t.projectId}/stream`, {
        headers: { authorization: `Bearer ${t.plaza.adminToken}` },
        signal: controller.signal,
      });
      try {
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
        const sse = new SseReader(res.body!.getReader());
        const first = await sse.next();
        assert.equal(first.project_id, t.projectId);
        const before = first.views_today as number;
        await post(
          t.url,
          '/v1/events',
          nativeEvent({ anonymous_id: 'buyer-9', properties: { listing_id: 'lst-z', seller_id: 'dlr-9' } }),
          { writeKey: t.writeKey },
        );
        const next = await eventually(async () => {
          const m = await sse.next();
          return m.views_today > before ? m : null;
        });
        assert.equal(next.views_today, before + 1);
      } finally {
        controller.abort();
      }
    });

    it('lists its consumer groups in the ingestion health', async () => {
      const h = await get('/v1/health/ingestion', null);
      const groups = new Set((h.body.consumers as { group: string }[]).map((c) => c.group));
      assert.ok(groups.has('window-aggregator') && groups.has('live-counters'), [...groups].join(', '));
    });
  });
}

liveApiSuite('embedded', {});
liveApiSuite('Redis', { kvUrl: requireEnv('PLAZA_TEST_REDIS_URL') });
