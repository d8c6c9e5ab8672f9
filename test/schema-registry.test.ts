import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PgliteState } from '../src/adapters/state/pglite.js';
import type { PlazaEvent } from '../src/core/envelope.js';
import { isPlazaError } from '../src/core/errors.js';
import type { StepResult } from '../src/core/result.js';
import { catalogue } from '../src/schemas/catalogue/index.js';
import { ALL_PROJECTS, SchemaRegistry } from '../src/schemas/registry.js';
import { validateEvent } from '../src/schemas/validate.js';

const listing = {
  listing_id: 'lst_8841',
  seller_id: 'dlr_052',
  make: 'Toyota',
  model: 'RAV4',
  trim: 'XLE',
  year: 2021,
  mileage_km: 38500,
  body_type: 'suv',
  fuel: 'gasoline',
  transmission: 'automatic',
  condition: 'used',
  price: 1950000,
  currency: 'DOP',
  province: 'Santo Domingo',
  photo_count: 14,
};

function event(
  projectId: string,
  eventType: string,
  properties: Record<string, unknown>,
  schemaVersion: number | null = null,
): PlazaEvent {
  const now = '2026-01-15T10:30:00.000Z';
  return {
    event_id: `ev_${Math.random().toString(36).slice(2)}`,
    project_id: projectId,
    event_type: eventType,
    timestamp: now,
    received_at: now,
    sent_at: null,
    original_timestamp: null,
    anonymous_id: 'anon_1',
    user_id: null,
    session_id: 'ses_1',
    seller_id: null,
    listing_id: null,
    schema_version: schemaVersion,
    source: { shape: 'native', key_id: 'key_1', segment_type: null },
    context: {
      ip: null,
      user_agent: null,
      referrer: null,
      referrer_host: null,
      page_url: null,
      page_path: null,
      page_title: null,
      device_type: null,
      os: null,
      os_version: null,
      browser: null,
      browser_version: null,
      is_bot: false,
      locale: 'es-DO',
      timezone: 'America/Santo_Domingo',
      library: null,
      utm: { source: null, medium: null, campaign: null, term: null, content: null },
      extra: {},
    },
    properties,
    traits: null,
    flags: [],
  };
}

const okVersion = (r: StepResult<PlazaEvent>): number | null => {
  assert.equal(r.type, 'ok', JSON.stringify(r));
  return r.type === 'ok' ? r.value.schema_version : null;
};
const issuesOf = (r: StepResult<PlazaEvent>) => {
  assert.equal(r.type, 'dead_letter', JSON.stringify(r));
  return r.type === 'dead_letter' ? r.issues : [];
};

/** Version 2 of listing_viewed for one marketplace: financing info becomes mandatory, mileage capped. */
const listingV2 = {
  type: 'object',
  description: 'listing_viewed con datos de financiamiento',
  required: ['listing_id', 'financing_available'],
  properties: {
    listing_id: { type: 'string' },
    financing_available: { type: 'boolean', description: 'Whether the dealer offers financing.' },
    mileage_km: { type: 'number', minimum: 0, maximum: 1000000 },
  },
};

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string; status: number }> {
  try {
    await p;
  } catch (err) {
    assert.ok(isPlazaError(err), String(err));
    return { code: err.code, message: err.message, status: err.status };
  }
  assert.fail('expected a rejection');
}

describe('SchemaRegistry on PGlite', () => {
  let dir: string;
  let state: PgliteState;
  let registry: SchemaRegistry;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plaza-schemas-'));
    state = await PgliteState.open(dir);
    registry = await SchemaRegistry.open(state, { refreshMs: 0 });
  });

  after(async () => {
    await registry.close();
    await state.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('every project sees the built-in catalogue', () => {
    const types = new Set(registry.list('proj_okla').map((e) => e.eventType));
    assert.equal(types.size, catalogue.length);
    const lv = registry.get('proj_okla', 'listing_viewed');
    assert.equal(lv?.version, 1);
    assert.equal(lv?.builtIn, true);
    assert.equal(lv?.projectId, ALL_PROJECTS);
    assert.equal(
      okVersion(validateEvent(registry, event('proj_okla', 'listing_viewed', listing), 'reject')),
      1,
    );
  });

  test('a new version is numbered after the visible ones and becomes the default', async () => {
    const reg = await registry.register('proj_okla', 'listing_viewed', listingV2);
    assert.deepEqual(reg, { eventType: 'listing_viewed', version: 2, created: true });
    const entry = registry.get('proj_okla', 'listing_viewed');
    assert.equal(entry?.version, 2);
    assert.equal(entry?.description, 'listing_viewed con datos de financiamiento');
    assert.equal(entry?.builtIn, false);
    assert.ok(entry?.createdAt !== null && !Number.isNaN(Date.parse(entry!.createdAt!)));
    assert.deepEqual(
      registry
        .list('proj_okla')
        .filter((e) => e.eventType === 'listing_viewed')
        .map((e) => e.version),
      [1, 2],
    );

    // An event naming v1 keeps validating against v1 (v2 would want financing_available).
    assert.equal(
      okVersion(validateEvent(registry, event('proj_okla', 'listing_viewed', listing, 1), 'reject')),
      1,
    );
    // Without a version it meets v2...
    const [missing] = issuesOf(
      validateEvent(registry, event('proj_okla', 'listing_viewed', listing), 'reject'),
    );
    assert.deepEqual(missing, {
      kind: 'schema_violation',
      pointer: '/properties/financing_available',
      message: '/properties/financing_available is required but missing',
    });
    // ...and passes it when it follows v2, stamped with the version used.
    const v2ok = { ...listing, financing_available: true };
    assert.equal(okVersion(validateEvent(registry, event('proj_okla', 'listing_viewed', v2ok), 'reject')), 2);
    // v1 is still v1: price must be a number there.
    const [bad] = issuesOf(
      validateEvent(
        registry,
        event('proj_okla', 'listing_viewed', { ...listing, price: 'abc' }, 1),
        'reject',
      ),
    );
    assert.equal(bad?.message, '/properties/price must be a number ≥ 0, got "abc"');
  });

  test("one project's versions do not leak into another", () => {
    assert.equal(registry.get('proj_tiendi', 'listing_viewed')?.version, 1);
    assert.equal(registry.get('proj_tiendi', 'listing_viewed', 2), null);
    assert.equal(
      okVersion(validateEvent(registry, event('proj_tiendi', 'listing_viewed', listing), 'reject')),
      1,
    );
    const [issue] = issuesOf(
      validateEvent(registry, event('proj_tiendi', 'listing_viewed', listing, 2), 'reject'),
    );
    assert.deepEqual(issue, {
      kind: 'unknown_schema_version',
      pointer: '/schema_version',
      message: '/schema_version 2 does not exist for "listing_viewed"; known versions: 1',
    });
  });

  test('registering the latest schema again changes nothing', async () => {
    const again = await registry.register('proj_okla', 'listing_viewed', structuredClone(listingV2));
    assert.deepEqual(again, { eventType: 'listing_viewed', version: 2, created: false });
    // Same for a built-in schema, whatever the key order.
    const builtIn = catalogue.find((c) => c.eventType === 'favorite')!.schema;
    const reordered = Object.fromEntries(Object.entries(builtIn).reverse());
    assert.deepEqual(await registry.register('proj_okla', 'favorite', reordered), {
      eventType: 'favorite',
      version: 1,
      created: false,
    });
  });

  test('projects add their own event types; unknown types follow the project policy', async () => {
    const financing = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      required: ['listing_id', 'bank'],
      properties: {
        listing_id: { type: 'string' },
        bank: { type: 'string', enum: ['Banreservas', 'Popular', 'BHD'] },
        down_payment: { type: 'number', minimum: 0 },
      },
    };
    assert.deepEqual(
      await registry.register('proj_okla', 'financing_requested', financing, 'Solicitud de préstamo'),
      {
        eventType: 'financing_requested',
        version: 1,
        created: true,
      },
    );
    const props = { listing_id: 'lst_8841', bank: 'Popular', down_payment: 400000 };
    assert.equal(
      okVersion(validateEvent(registry, event('proj_okla', 'financing_requested', props), 'reject')),
      1,
    );
    const [wrongBank] = issuesOf(
      validateEvent(
        registry,
        event('proj_okla', 'financing_requested', { ...props, bank: 'Scotiabank' }),
        'reject',
      ),
    );
    assert.equal(wrongBank?.pointer, '/properties/bank');

    // The other project never registered it.
    const accepted = validateEvent(registry, event('proj_tiendi', 'financing_requested', props, 3), 'accept');
    assert.equal(okVersion(accepted), null);
    const [unknown] = issuesOf(
      validateEvent(registry, event('proj_tiendi', 'financing_requested', props), 'reject'),
    );
    assert.equal(unknown?.kind, 'unknown_event_type');
    assert.equal(unknown?.pointer, '/event_type');
    assert.match(unknown!.message, /"financing_requested" has no registered schema/);
  });

  test('global registrations reach every project, behind project versions of the same number', async () => {
    const storeVisited = {
      type: 'object',
      required: ['store_id'],
      properties: { store_id: { type: 'string', minLength: 1 } },
    };
    assert.equal((await registry.register(ALL_PROJECTS, 'store_visited', storeVisited)).version, 1);
    for (const p of ['proj_okla', 'proj_tiendi', 'proj_nuevo']) {
      assert.equal(
        okVersion(validateEvent(registry, event(p, 'store_visited', { store_id: 'str_77' }), 'reject')),
        1,
      );
    }
    const withName = {
      ...storeVisited,
      properties: { ...storeVisited.properties, store_name: { type: 'string' } },
    };
    assert.equal((await registry.register('proj_tiendi', 'store_visited', withName)).version, 2);
    assert.equal(registry.get('proj_tiendi', 'store_visited')?.version, 2);
    assert.equal(registry.get('proj_okla', 'store_visited')?.version, 1);
  });

  test('invalid schemas are refused with a message naming the problem, and nothing is stored', async () => {
    const before = registry.list('proj_okla').length;
    const typo = await rejection(
      registry.register('proj_okla', 'listing_viewed', {
        type: 'object',
        properties: { price: { type: 'numbr' } },
      }),
    );
    assert.equal(typo.code, 'invalid_schema');
    assert.equal(typo.status, 400);
    assert.match(
      typo.message,
      /"listing_viewed".*at \/properties\/price\/type: must be one of .*"number".*got "numbr"/,
    );

    const misspelt = await rejection(
      registry.register('proj_okla', 'x', { type: 'object', requried: ['a'] }),
    );
    assert.match(misspelt.message, /unknown keyword "requried"/);

    const notObject = await rejection(registry.register('proj_okla', 'x', { type: 'array' }));
    assert.match(notObject.message, /always an object/);

    const dangling = await rejection(registry.register('proj_okla', 'x', { $ref: '#/$defs/nope' }));
    assert.match(dangling.message, /can't resolve reference #\/\$defs\/nope/);

    const draft4 = await rejection(
      registry.register('proj_okla', 'x', { $schema: 'http://json-schema.org/draft-04/schema#' }),
    );
    assert.match(draft4.message, /draft-04.*not supported/);

    const notJson = await rejection(registry.register('proj_okla', 'x', 'hola'));
    assert.match(notJson.message, /expected a JSON object, got "hola"/);

    const badName = await rejection(registry.register('proj_okla', ' listing_viewed', { type: 'object' }));
    assert.equal(badName.code, 'invalid_event_type');

    assert.equal(registry.list('proj_okla').length, before);
    const rows = await state.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM event_schemas WHERE project_id = 'proj_okla' AND event_type = 'x'",
    );
    assert.equal(rows[0]?.n, 0);
  });

  test('schemas survive a restart', async () => {
    await registry.close();
    await state.close();
    state = await PgliteState.open(dir);
    registry = await SchemaRegistry.open(state, { refreshMs: 0 });
    assert.equal(registry.get('proj_okla', 'listing_viewed')?.version, 2);
    assert.equal(registry.get('proj_okla', 'financing_requested')?.description, 'Solicitud de préstamo');
    assert.equal(registry.get('proj_tiendi', 'store_visited')?.version, 2);
    assert.equal(
      okVersion(validateEvent(registry, event('proj_okla', 'listing_viewed', listing, 1), 'reject')),
      1,
    );
    assert.equal(registry.loadIssues.length, 0);
  });

  test('a registry picks up what another registry on the same store registered', async () => {
    const other = await SchemaRegistry.open(state, { refreshMs: 0 });
    const watcher = await SchemaRegistry.open(state, { refreshMs: 40 });
    try {
      const schema = { type: 'object', properties: { bank: { type: 'string' } } };
      assert.equal((await other.register('proj_okla', 'financing_approved', schema)).version, 1);
      assert.equal(registry.get('proj_okla', 'financing_approved'), null, 'not seen before a reload');
      await registry.reload();
      assert.equal(registry.get('proj_okla', 'financing_approved')?.version, 1);

      // The timer does the same without being asked.
      const deadline = Date.now() + 3000;
      while (watcher.get('proj_okla', 'financing_approved') === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(watcher.get('proj_okla', 'financing_approved')?.version, 1);

      // Versions are decided by the store, so registries with stale caches never hand out the same one.
      const [a, b] = await Promise.all([
        other.register('proj_okla', 'financing_approved', { ...schema, required: ['bank'] }),
        registry.register('proj_okla', 'financing_approved', { ...schema, description: 'otra' }),
      ]);
      assert.deepEqual([a.version, b.version].sort(), [2, 3]);
    } finally {
      await other.close();
      await watcher.close();
    }
  });
});
