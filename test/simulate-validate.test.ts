/**
 * Every simulated event goes through the real Node client (to a local HTTP sink), then Plaza's own native
 * normaliser and schema validator, with unknown event types rejected: what the simulator emits is exactly
 * what a Plaza server would accept.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PlazaClient } from '../sdk/node/src/client.js';
import { PgliteState } from '../src/adapters/state/pglite.js';
import { normalizeNative } from '../src/collector/normalize/native.js';
import { defaultProjectSettings } from '../src/collector/types.js';
import { SchemaRegistry } from '../src/schemas/registry.js';
import { validateEvent } from '../src/schemas/validate.js';
import { createSimulation, type SimEvent } from '../src/simulate/index.js';

const DAY = 86_400_000;
const start = Date.UTC(2026, 2, 2);
// Small population, long enough for sales, price drops, moderation, reviews and spam to happen.
const options = { vertical: 'vehicles' as const, seed: 11, start, days: 40, users: 900, sellers: 120 };

/** A stand-in collector: keeps what the client posts and accepts everything. */
function sink(received: unknown[]): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events: unknown[] };
      received.push(...body.events);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accepted: body.events.length, deduplicated: 0, rejected: [] }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function send(client: PlazaClient, e: SimEvent): boolean {
  if (e.call === 'track') return client.track(e.input);
  if (e.call === 'identify') return client.identify(e.input);
  return client.page(e.input);
}

describe('simulated events validate against the catalogue', () => {
  let dir: string;
  let state: PgliteState;
  let registry: SchemaRegistry;
  let server: Server;
  const received: Record<string, unknown>[] = [];
  const generated: SimEvent[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plaza-simulate-validate-'));
    state = await PgliteState.open(dir);
    registry = await SchemaRegistry.open(state, { refreshMs: 0 });
    server = await sink(received as unknown[]);
    const { port } = server.address() as AddressInfo;
    const client = new PlazaClient({
      writeKey: 'wk_test',
      host: `http://127.0.0.1:${port}`,
      gzip: false,
      flushAt: 500,
      flushOnExit: false,
      onError: (err) => assert.fail(String(err)),
    });
    const sim = createSimulation(options);
    const end = start + options.days * DAY;
    const it = sim.events();
    for (;;) {
      const e = it.next().value as SimEvent;
      if (Date.parse(e.input.timestamp as string) >= end) break;
      generated.push(e);
      if (!send(client, e)) await client.waitForCapacity();
    }
    await client.close();
    await sim.close();
  });

  after(async () => {
    server.close();
    await registry.close();
    await state.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the client delivers every event', () => {
    assert.ok(generated.length > 30_000, `enough events to mean something (${generated.length})`);
    assert.equal(received.length, generated.length);
  });

  test('every event passes the native normaliser and its catalogue schema', () => {
    const ctx = {
      projectId: 'okla',
      keyId: 'key-1',
      receivedAt: new Date(start + options.days * DAY),
      requestIp: '127.0.0.1',
      requestUserAgent: null,
      sentAt: null,
      settings: defaultProjectSettings,
    };
    const failures = new Map<string, string>();
    const types = new Map<string, number>();
    for (const raw of received) {
      const normalized = normalizeNative(raw, ctx);
      const type = String(raw['event_type']);
      types.set(type, (types.get(type) ?? 0) + 1);
      if (normalized.type !== 'ok') {
        failures.set(type, JSON.stringify(normalized));
        continue;
      }
      const validated = validateEvent(registry, normalized.value, 'reject');
      if (validated.type !== 'ok')
        failures.set(type, `${JSON.stringify(validated)} in ${JSON.stringify(raw)}`);
    }
    assert.deepEqual([...failures.values()].slice(0, 3), []);
    // The vertical's whole repertoire shows up.
    for (const t of [
      'page_view',
      'search',
      'click',
      'listing_viewed',
      'engagement',
      'favorite',
      'contact_sent',
      'test_drive_requested',
      'message_sent',
      'signed_up',
      'logged_in',
      'identify',
      'group',
      'listing_created',
      'listing_updated',
      'listing_sold',
      'listing_removed',
      'inventory_imported',
      'review_written',
    ]) {
      assert.ok((types.get(t) ?? 0) > 0, `no ${t} in ${JSON.stringify(Object.fromEntries(types))}`);
    }
  });

  test('events come in non-decreasing time order with unique uuid ids', () => {
    const ids = new Set<string>();
    let last = 0;
    for (const e of generated) {
      const t = Date.parse(e.input.timestamp as string);
      assert.ok(t >= last, `out of order at ${e.input.timestamp}`);
      last = t;
      const id = e.input.eventId as string;
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.ok(!ids.has(id), `duplicate id ${id}`);
      ids.add(id);
    }
  });

  test('buyer events carry a session and the browser context', () => {
    let buyerEvents = 0;
    for (const e of generated) {
      if (e.call !== 'page' && e.input.sessionId === undefined) continue;
      buyerEvents++;
      assert.ok(e.input.sessionId, 'session id');
      assert.ok(e.input.anonymousId, 'anonymous id');
      const c = e.input.context as Record<string, unknown>;
      for (const key of ['ip', 'user_agent', 'page_url', 'locale'])
        assert.equal(typeof c[key], 'string', key);
    }
    assert.ok(buyerEvents > generated.length / 2);
  });
});
