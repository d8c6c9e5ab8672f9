import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  batchLimitIssues,
  checkEventLimits,
  eventLimitIssues,
  jsonStringBytes,
  MAX_ISSUES_PER_EVENT,
} from '../src/collector/limits.js';
import {
  eventTypeFromName,
  segmentTrackEventType,
  toSnakeCase,
} from '../src/collector/normalize/event-name.js';
import { parseIsoTimestamp, toIso } from '../src/collector/normalize/fields.js';
import { normalizeNative } from '../src/collector/normalize/native.js';
import { mergeBatchContext, normalizeSegment } from '../src/collector/normalize/segment.js';
import { defaultProjectSettings, type IngestContext } from '../src/collector/types.js';
import type { PlazaEvent } from '../src/core/envelope.js';
import type { StepIssue, StepResult } from '../src/core/result.js';

const receivedAt = new Date('2024-05-01T12:00:10.000Z');

function ingestContext(over: Partial<IngestContext> = {}): IngestContext {
  return {
    projectId: 'tiendi',
    keyId: 'key-1',
    receivedAt,
    requestIp: '190.80.12.34',
    requestUserAgent: null,
    sentAt: null,
    settings: defaultProjectSettings,
    ...over,
  };
}

function accepted(r: StepResult<PlazaEvent>): PlazaEvent {
  assert.equal(r.type, 'ok', JSON.stringify(r));
  return (r as { value: PlazaEvent }).value;
}

function rejected(r: StepResult<PlazaEvent>): StepIssue[] {
  assert.equal(r.type, 'dead_letter', JSON.stringify(r));
  return (r as { issues: StepIssue[] }).issues;
}

const chromeAndroid =
  'Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';

/** Tiendi's product_viewed from seed 002, as the browser tracker sends it. */
function nativeProductViewed(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: '8f1c2b0e-52a4-4c1e-9f0e-0d4f3c2b1a00',
    event_type: 'product_viewed',
    timestamp: '2024-05-01T07:59:58.250-04:00',
    sent_at: '2024-05-01T12:00:01.000Z',
    session_id: 'sess-41',
    anonymous_id: 'anon-7d3f',
    context: {
      ip: '190.80.12.34',
      user_agent: chromeAndroid,
      referrer: 'https://www.google.com/',
      page_url: 'https://tiendi.do/p/zapatos-rojos-123?utm_source=google&utm_medium=cpc',
      page_title: 'Zapatos rojos | Tiendi',
      locale: 'es-DO',
      timezone: 'America/Santo_Domingo',
      library: { name: 'plaza.js', version: '0.1.0' },
      screen: { width: 412, height: 915 },
    },
    properties: {
      product_id: 'prod-123',
      product_name: 'Zapatos rojos',
      product_price: 2450,
      product_category: 'calzado',
      store_id: 'store-9',
      store_name: 'Calzados Quisqueya',
    },
    ...over,
  };
}

describe('parseIsoTimestamp', () => {
  it('reads ISO-8601 date-times that carry a zone, to epoch ms', () => {
    assert.equal(parseIsoTimestamp('2024-05-01T12:00:00Z'), Date.UTC(2024, 4, 1, 12));
    assert.equal(parseIsoTimestamp('2024-05-01T08:00:00-04:00'), Date.UTC(2024, 4, 1, 12));
    assert.equal(parseIsoTimestamp('2024-05-01T17:30:00+0530'), Date.UTC(2024, 4, 1, 12));
    assert.equal(parseIsoTimestamp('2024-05-01t12:00:00.123456z'), Date.UTC(2024, 4, 1, 12, 0, 0, 123));
    assert.equal(parseIsoTimestamp('2024-05-01 12:00:00.5Z'), Date.UTC(2024, 4, 1, 12, 0, 0, 500));
    assert.equal(parseIsoTimestamp('2024-02-29T00:00Z'), Date.UTC(2024, 1, 29));
    assert.equal(parseIsoTimestamp('0050-01-01T00:00:00Z'), new Date('0050-01-01T00:00:00Z').getTime());
  });

  it('agrees with Date on canonical strings across the calendar, and toIso with toISOString', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const min = Date.UTC(1, 0, 1);
    const max = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    const samples = [min, max, 0, -1, Date.UTC(2000, 1, 29), Date.UTC(1900, 1, 28, 23, 59, 59, 999)];
    for (let i = 0; i < 20_000; i++) samples.push(Math.floor(min + random() * (max - min)));
    for (const ms of samples) {
      const iso = new Date(ms).toISOString();
      assert.equal(toIso(ms), iso, String(ms));
      assert.equal(parseIsoTimestamp(iso), ms, iso);
      const offset = iso.replace('Z', '+02:30');
      assert.equal(parseIsoTimestamp(offset), ms - 150 * 60_000, offset);
    }
  });

  it('refuses zone-less, impossible and non-ISO values', () => {
    for (const s of [
      '2024-05-01T12:00:00',
      '2024-05-01',
      '2024-02-30T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-05-01T24:00:00Z',
      '2024-05-01T12:00:00+25:00',
      'Wed, 01 May 2024 12:00:00 GMT',
      '1714564800000',
      '2024-05-01T12:00:00.00xZ',
      '2024-0a-01T12:00:00.000Z',
      '',
    ]) {
      assert.ok(Number.isNaN(parseIsoTimestamp(s)), s);
    }
  });
});

describe('normalizeNative', () => {
  it('maps the seed 002 envelope; seller and listing come from store_id/product_id', () => {
    const e = accepted(normalizeNative(nativeProductViewed(), ingestContext()));
    assert.equal(e.event_id, '8f1c2b0e-52a4-4c1e-9f0e-0d4f3c2b1a00');
    assert.equal(e.project_id, 'tiendi');
    assert.equal(e.event_type, 'product_viewed');
    assert.equal(e.timestamp, '2024-05-01T11:59:58.250Z', 'normalised to UTC');
    assert.equal(e.original_timestamp, '2024-05-01T11:59:58.250Z');
    assert.equal(e.sent_at, '2024-05-01T12:00:01.000Z');
    assert.equal(e.received_at, '2024-05-01T12:00:10.000Z');
    assert.equal(e.anonymous_id, 'anon-7d3f');
    assert.equal(e.user_id, null);
    assert.equal(e.session_id, 'sess-41');
    assert.equal(e.seller_id, 'store-9');
    assert.equal(e.listing_id, 'prod-123');
    assert.equal(e.schema_version, null);
    assert.deepEqual(e.source, { shape: 'native', key_id: 'key-1', segment_type: null });
    assert.equal(e.context.ip, '190.80.12.34', 'anonymised by enrich, not here');
    assert.equal(e.context.user_agent, chromeAndroid);
    assert.equal(e.context.page_title, 'Zapatos rojos | Tiendi');
    assert.equal(e.context.locale, 'es-DO');
    assert.deepEqual(e.context.library, { name: 'plaza.js', version: '0.1.0' });
    assert.deepEqual(e.context.extra, { screen: { width: 412, height: 915 } });
    assert.equal(e.properties.product_price, 2450);
    assert.equal(e.traits, null);
    assert.deepEqual(e.flags, []);
  });

  it('top-level seller_id/listing_id win over properties; numeric ids in properties become strings', () => {
    const top = accepted(
      normalizeNative(nativeProductViewed({ seller_id: 'dealer-1', listing_id: 'lst-1' }), ingestContext()),
    );
    assert.deepEqual([top.seller_id, top.listing_id], ['dealer-1', 'lst-1']);
    const numeric = accepted(
      normalizeNative(
        nativeProductViewed({ properties: { listing_id: 77, product_id: 'ignored', seller_id: 5 } }),
        ingestContext(),
      ),
    );
    assert.deepEqual([numeric.seller_id, numeric.listing_id], ['5', '77']);
  });

  it('reads utm and Segment-style campaign objects, schema_version, traits; falls back to the batch sentAt', () => {
    const withUtm = accepted(
      normalizeNative(
        nativeProductViewed({
          sent_at: undefined,
          user_id: 'u-1',
          schema_version: 2,
          traits: { plan: 'pro' },
          context: { utm: { source: 'newsletter', campaign: 'may', medium: '' } },
        }),
        ingestContext({ sentAt: '2024-05-01T12:00:02Z' }),
      ),
    );
    assert.deepEqual(withUtm.context.utm, {
      source: 'newsletter',
      medium: null,
      campaign: 'may',
      term: null,
      content: null,
    });
    assert.equal(withUtm.sent_at, '2024-05-01T12:00:02.000Z');
    assert.equal(withUtm.schema_version, 2);
    assert.deepEqual(withUtm.traits, { plan: 'pro' });
    const withCampaign = accepted(
      normalizeNative(
        nativeProductViewed({ context: { campaign: { name: 'may', source: 'fb' } } }),
        ingestContext(),
      ),
    );
    assert.equal(withCampaign.context.utm.campaign, 'may');
    assert.equal(withCampaign.context.utm.source, 'fb');
  });

  it('rejects what is not an object', () => {
    for (const [raw, got] of [
      [[], 'array'],
      ['event', 'string'],
      [null, 'null'],
      [7, 'number'],
    ] as const) {
      assert.deepEqual(rejected(normalizeNative(raw, ingestContext())), [
        { kind: 'malformed', pointer: '', message: `an event must be a JSON object, got ${got}` },
      ]);
    }
  });

  it('reports every problem of an event at once, each with its pointer and an actionable message', () => {
    const issues = rejected(
      normalizeNative(
        {
          event_id: 42,
          event_type: 'Product Viewed',
          timestamp: '2024-05-01 12:00',
          user_id: 42,
          session_id: ['s'],
          properties: [],
          context: { ip: 190, library: { name: 5 }, campaign: 'spring' },
          schema_version: 1.5,
        },
        ingestContext(),
      ),
    );
    assert.deepEqual(issues, [
      { kind: 'malformed', pointer: '/event_id', message: '/event_id must be a string, got number' },
      {
        kind: 'malformed',
        pointer: '/event_type',
        message:
          '/event_type must be snake_case: a lowercase letter, then up to 63 lowercase letters, digits or ' +
          'underscores; got "Product Viewed" (did you mean "product_viewed"?)',
      },
      {
        kind: 'malformed',
        pointer: '/timestamp',
        message:
          '/timestamp must be an ISO-8601 date-time with a time zone, like 2024-05-01T12:30:00Z or ' +
          '2024-05-01T08:30:00-04:00; got "2024-05-01 12:00"',
      },
      { kind: 'malformed', pointer: '/user_id', message: '/user_id must be a string, got number' },
      { kind: 'malformed', pointer: '/session_id', message: '/session_id must be a string, got array' },
      {
        kind: 'malformed',
        pointer: '/schema_version',
        message: '/schema_version must be a whole number from 1 up, got 1.5',
      },
      { kind: 'malformed', pointer: '/properties', message: '/properties must be an object, got array' },
      { kind: 'malformed', pointer: '/context/ip', message: '/context/ip must be a string, got number' },
      {
        kind: 'malformed',
        pointer: '/context/library/name',
        message: '/context/library/name must be a string, got number',
      },
      {
        kind: 'malformed',
        pointer: '/context/campaign',
        message: '/context/campaign must be an object, got string',
      },
    ]);
  });

  it('names missing required fields and points Segment-shaped senders at the right endpoint', () => {
    const issues = rejected(
      normalizeNative({ userId: 'u', event: 'Signed Up', messageId: 'm' }, ingestContext()),
    );
    const hint =
      ' (this endpoint takes Plaza’s native envelope with snake_case fields; Segment-shaped calls go to the ' +
      'Segment-compatible endpoints such as /v1/track and /v1/batch)';
    assert.deepEqual(issues, [
      {
        kind: 'malformed',
        pointer: '/event_id',
        message: `/event_id is required: a unique id for this event, e.g. a UUID, so retries are not counted twice${hint}`,
      },
      {
        kind: 'malformed',
        pointer: '/event_type',
        message: `/event_type is required: the kind of event, e.g. page_view or product_viewed${hint}`,
      },
      {
        kind: 'malformed',
        pointer: '/timestamp',
        message: '/timestamp is required: when the event happened, as ISO-8601 with a time zone',
      },
      {
        kind: 'missing_identity',
        pointer: '',
        message:
          'an event needs user_id or anonymous_id: send anonymous_id (a random id kept on the device) for ' +
          `visitors who are not logged in${hint}`,
      },
    ]);
  });

  it('checks event_id length and calendar validity; empty ids do not count as identity', () => {
    const long = rejected(
      normalizeNative(nativeProductViewed({ event_id: 'e'.repeat(101) }), ingestContext()),
    );
    assert.deepEqual(long, [
      {
        kind: 'malformed',
        pointer: '/event_id',
        message: '/event_id must be 1–100 characters long, got 101',
      },
    ]);
    assert.equal(
      accepted(normalizeNative(nativeProductViewed({ event_id: 'e'.repeat(100) }), ingestContext())).event_id
        .length,
      100,
    );
    const empty = rejected(normalizeNative(nativeProductViewed({ event_id: '' }), ingestContext()));
    assert.equal(empty[0]?.message, '/event_id must be 1–100 characters long, got 0');
    const feb30 = rejected(
      normalizeNative(nativeProductViewed({ timestamp: '2024-02-30T10:00:00Z' }), ingestContext()),
    );
    assert.equal(feb30[0]?.pointer, '/timestamp');
    const noIdentity = rejected(
      normalizeNative(nativeProductViewed({ anonymous_id: '', user_id: null }), ingestContext()),
    );
    assert.deepEqual(
      noIdentity.map((i) => i.kind),
      ['missing_identity'],
    );
  });
});

/** An analytics-node style /v1/batch body. */
const nodeBatch = {
  batch: [
    {
      type: 'identify',
      userId: 'u-1001',
      traits: { email: 'ana@example.do', name: 'Ana', plan: 'vendedor' },
      timestamp: '2024-05-01T11:59:50.000Z',
      messageId: 'node-next-1714564790000-1',
    },
    {
      type: 'track',
      userId: 'u-1001',
      event: 'Order Completed',
      properties: {
        order_id: 'o-555',
        total: 4500,
        subtotal: 4200,
        currency: 'DOP',
        store_id: 'store-9',
        products: [{ product_id: 'prod-123', quantity: 2, price: 2100 }],
      },
      context: { ip: '2001:db8:85a3::8a2e:370:7334' },
      timestamp: '2024-05-01T11:59:55.000Z',
      messageId: 'node-next-1714564795000-2',
    },
    {
      type: 'group',
      userId: 1001,
      groupId: 'store-9',
      traits: { name: 'Calzados Quisqueya' },
      messageId: 'm-3',
    },
    { type: 'alias', userId: 'u-1001', previousId: 'anon-7d3f', messageId: 'm-4' },
  ],
  context: { library: { name: '@segment/analytics-node', version: '2.1.0' } },
  sentAt: '2024-05-01T12:00:00.000Z',
};

/** An analytics.js (analytics-next) page call as the browser posts it. */
const browserPage = {
  type: 'page',
  name: 'Zapatos',
  properties: {
    path: '/c/zapatos',
    referrer: 'https://www.google.com/',
    search: '?utm_source=google&utm_medium=cpc&utm_campaign=verano',
    title: 'Zapatos | Tiendi',
    url: 'https://tiendi.do/c/zapatos?utm_source=google&utm_medium=cpc&utm_campaign=verano',
  },
  context: {
    page: {
      path: '/c/zapatos',
      referrer: 'https://www.google.com/',
      search: '?utm_source=google&utm_medium=cpc&utm_campaign=verano',
      title: 'Zapatos | Tiendi',
      url: 'https://tiendi.do/c/zapatos?utm_source=google&utm_medium=cpc&utm_campaign=verano',
    },
    campaign: { source: 'google', medium: 'cpc', name: 'verano' },
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
    userAgentData: { brands: [], mobile: true, platform: '' },
    locale: 'es-DO',
    library: { name: 'analytics.js', version: 'npm:next-1.70.0' },
    traits: { plan: 'vendedor' },
  },
  messageId: 'ajs-next-1714564795000-0b8c',
  anonymousId: '5b1c3b86-6c1e-4a43-9e0d-8fd1b0a5b0f2',
  timestamp: '2024-05-01T11:59:55.120Z',
  integrations: {},
  sentAt: '2024-05-01T11:59:55.400Z',
  _metadata: { bundled: ['Segment.io'], unbundled: [], bundledIds: [] },
  writeKey: 'wk_public',
};

describe('normalizeSegment', () => {
  it('normalises an analytics-node batch item by item, with the batch context merged in', () => {
    const ctx = ingestContext();
    const events = nodeBatch.batch.map((item) =>
      accepted(normalizeSegment(mergeBatchContext(nodeBatch, item), ctx)),
    );
    const [identify, order, group, alias] = events as [PlazaEvent, PlazaEvent, PlazaEvent, PlazaEvent];

    assert.equal(identify.event_type, 'identify');
    assert.deepEqual(identify.traits, { email: 'ana@example.do', name: 'Ana', plan: 'vendedor' });
    assert.equal(identify.user_id, 'u-1001');
    assert.equal(identify.sent_at, '2024-05-01T12:00:00.000Z', 'batch sentAt');
    assert.deepEqual(identify.context.library, { name: '@segment/analytics-node', version: '2.1.0' });
    assert.deepEqual(identify.source, { shape: 'segment', key_id: 'key-1', segment_type: 'identify' });

    assert.equal(order.event_id, 'node-next-1714564795000-2');
    assert.equal(order.event_type, 'purchase_completed');
    assert.equal(order.context.extra.segment_event, 'Order Completed');
    assert.equal(order.context.ip, '2001:db8:85a3::8a2e:370:7334');
    assert.deepEqual(order.context.library, { name: '@segment/analytics-node', version: '2.1.0' });
    assert.equal(order.seller_id, 'store-9');
    assert.equal(order.timestamp, '2024-05-01T11:59:55.000Z');
    assert.equal(
      order.original_timestamp,
      '2024-05-01T11:59:55.000Z',
      'the device clock, corrected by enrich',
    );
    assert.equal(order.traits, null);

    assert.equal(group.event_type, 'group');
    assert.equal(group.user_id, '1001', 'numeric userId taken as its decimal string');
    assert.equal(group.properties.group_id, 'store-9');
    assert.deepEqual(group.traits, { name: 'Calzados Quisqueya' });
    assert.equal(group.timestamp, receivedAt.toISOString(), 'no timestamp: it happened when it arrived');
    assert.deepEqual(group.flags, ['timestamp_defaulted']);

    assert.equal(alias.event_type, 'alias');
    assert.equal(alias.properties.previous_id, 'anon-7d3f');
  });

  it('normalises an analytics.js page call: page context, campaign, name, leftovers kept in extra', () => {
    const e = accepted(normalizeSegment(browserPage, ingestContext()));
    assert.equal(e.event_type, 'page_view');
    assert.equal(e.event_id, 'ajs-next-1714564795000-0b8c');
    assert.equal(e.anonymous_id, '5b1c3b86-6c1e-4a43-9e0d-8fd1b0a5b0f2');
    assert.equal(e.properties.name, 'Zapatos');
    assert.equal(e.properties.path, '/c/zapatos');
    assert.equal(
      e.context.page_url,
      'https://tiendi.do/c/zapatos?utm_source=google&utm_medium=cpc&utm_campaign=verano',
    );
    assert.equal(e.context.page_path, '/c/zapatos');
    assert.equal(e.context.page_title, 'Zapatos | Tiendi');
    assert.equal(e.context.referrer, 'https://www.google.com/');
    assert.deepEqual(e.context.utm, {
      source: 'google',
      medium: 'cpc',
      campaign: 'verano',
      term: null,
      content: null,
    });
    assert.equal(e.context.locale, 'es-DO');
    assert.deepEqual(e.context.extra, {
      page: { search: '?utm_source=google&utm_medium=cpc&utm_campaign=verano' },
      userAgentData: { brands: [], mobile: true, platform: '' },
      traits: { plan: 'vendedor' },
    });
    assert.equal(e.sent_at, '2024-05-01T11:59:55.400Z');
    assert.deepEqual(e.flags, []);
    assert.ok(!JSON.stringify(e).includes('wk_public'), 'the write key is not stored');
  });

  it('takes page fields from a server-side page call’s properties; screen calls become screen_view', () => {
    const server = accepted(
      normalizeSegment(
        { userId: 'u', name: 'Home', properties: { url: 'https://tiendi.do/', title: 'Tiendi' } },
        ingestContext(),
        'page',
      ),
    );
    assert.equal(server.context.page_url, 'https://tiendi.do/');
    assert.equal(server.context.page_title, 'Tiendi');
    const screen = accepted(
      normalizeSegment(
        { type: 'screen', anonymousId: 'a', name: 'Cart', context: { os: { name: 'iOS', version: '17.4' } } },
        ingestContext(),
      ),
    );
    assert.equal(screen.event_type, 'screen_view');
    assert.equal(screen.properties.name, 'Cart');
    assert.deepEqual(screen.context.extra.os, { name: 'iOS', version: '17.4' });
  });

  it('the route’s type wins; kept integrations go to context.extra', () => {
    const e = accepted(
      normalizeSegment(
        { type: 'identify', userId: 'u', event: 'Signed Up', integrations: { All: false, Mixpanel: true } },
        ingestContext(),
        'track',
      ),
    );
    assert.equal(e.event_type, 'signed_up');
    assert.deepEqual(e.context.extra.integrations, { All: false, Mixpanel: true });
  });

  it('generates a messageId when there is none and says so in flags', () => {
    const e = accepted(normalizeSegment({ type: 'track', userId: 'u', event: 'Signed Up' }, ingestContext()));
    assert.match(e.event_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(e.flags, ['message_id_generated', 'timestamp_defaulted']);
  });

  it('timestamp and originalTimestamp together: the explicit timestamp is trusted', () => {
    const e = accepted(
      normalizeSegment(
        {
          type: 'track',
          userId: 'u',
          event: 'Order Completed',
          messageId: 'm',
          timestamp: '2024-04-01T10:00:00Z',
          originalTimestamp: '2024-04-01T10:00:07Z',
          sentAt: '2024-04-01T10:00:09Z',
        },
        ingestContext(),
      ),
    );
    assert.equal(e.timestamp, '2024-04-01T10:00:00.000Z');
    assert.equal(e.original_timestamp, '2024-04-01T10:00:07.000Z');
    assert.deepEqual(e.flags, ['timestamp_explicit']);
  });

  it('applies Segment’s rules, reporting every problem with its pointer', () => {
    const cases: [unknown, SegmentTypeArg, StepIssue[]][] = [
      [
        { messageId: 'm', event: 'X' },
        'track',
        [
          {
            kind: 'missing_identity',
            pointer: '',
            message:
              'a Segment call needs userId or anonymousId: send anonymousId (a random id kept on the device) for ' +
              'visitors who are not logged in',
          },
        ],
      ],
      [
        { messageId: 'm', userId: 'u', event: '' },
        'track',
        [
          {
            kind: 'malformed',
            pointer: '/event',
            message: '/event is required for track calls: the name of the action, e.g. "Product Viewed"',
          },
        ],
      ],
      [
        { messageId: 'm', userId: 'u', event: '!!!' },
        'track',
        [
          {
            kind: 'malformed',
            pointer: '/event',
            message: '/event "!!!" has no letters or digits to make an event type from',
          },
        ],
      ],
      [
        { messageId: 'm', userId: 'u' },
        'group',
        [
          {
            kind: 'malformed',
            pointer: '/groupId',
            message: '/groupId is required for group calls: the id of the account or company',
          },
        ],
      ],
      [
        { messageId: 'm', anonymousId: 'a' },
        'alias',
        [
          {
            kind: 'missing_identity',
            pointer: '/userId',
            message: '/userId is required for alias calls: the id the user is known by from now on',
          },
          {
            kind: 'malformed',
            pointer: '/previousId',
            message:
              '/previousId is required for alias calls: the id the user was known by before (often the anonymousId)',
          },
        ],
      ],
      [
        { messageId: 'm'.repeat(101), userId: 'u', event: 'X' },
        'track',
        [
          {
            kind: 'malformed',
            pointer: '/messageId',
            message: '/messageId must be at most 100 characters long, got 101',
          },
        ],
      ],
      [
        { userId: 'u' },
        undefined,
        [
          {
            kind: 'malformed',
            pointer: '/type',
            message: '/type is required in a batch item: one of track, identify, page, screen, group, alias',
          },
        ],
      ],
      [
        { type: 'explode', userId: 'u' },
        undefined,
        [
          {
            kind: 'malformed',
            pointer: '/type',
            message: '/type must be one of track, identify, page, screen, group, alias; got "explode"',
          },
        ],
      ],
      [
        {
          userId: true,
          anonymousId: 'a',
          event: 5,
          properties: 'x',
          traits: [],
          timestamp: 1714564800000,
          sentAt: 'yesterday',
          context: { page: { url: 42 }, campaign: { name: ['a'] }, userAgent: {} },
        },
        'track',
        [
          { kind: 'malformed', pointer: '/userId', message: '/userId must be a string, got boolean' },
          { kind: 'malformed', pointer: '/event', message: '/event must be a string, got number' },
          { kind: 'malformed', pointer: '/properties', message: '/properties must be an object, got string' },
          { kind: 'malformed', pointer: '/traits', message: '/traits must be an object, got array' },
          {
            kind: 'malformed',
            pointer: '/timestamp',
            message: '/timestamp must be an ISO-8601 date-time string, got number',
          },
          {
            kind: 'malformed',
            pointer: '/sentAt',
            message:
              '/sentAt must be an ISO-8601 date-time with a time zone, like 2024-05-01T12:30:00Z or ' +
              '2024-05-01T08:30:00-04:00; got "yesterday"',
          },
          {
            kind: 'malformed',
            pointer: '/context/userAgent',
            message: '/context/userAgent must be a string, got object',
          },
          {
            kind: 'malformed',
            pointer: '/context/page/url',
            message: '/context/page/url must be a string, got number',
          },
          {
            kind: 'malformed',
            pointer: '/context/campaign/name',
            message: '/context/campaign/name must be a string, got array',
          },
        ],
      ],
    ];
    for (const [raw, type, expected] of cases) {
      assert.deepEqual(rejected(normalizeSegment(raw, ingestContext(), type)), expected, JSON.stringify(raw));
    }
    assert.deepEqual(rejected(normalizeSegment('track', ingestContext())), [
      { kind: 'malformed', pointer: '', message: 'a Segment call must be a JSON object, got string' },
    ]);
  });
});

type SegmentTypeArg = Parameters<typeof normalizeSegment>[2];

describe('Segment event names', () => {
  it('maps the e-commerce spec onto Plaza’s event types, everything else to snake_case', () => {
    const expected: Record<string, string> = {
      'Product Viewed': 'product_viewed',
      'Products Searched': 'search',
      'Product Added': 'add_to_cart',
      'Product Removed': 'remove_from_cart',
      'Order Completed': 'purchase_completed',
      'Product Added to Wishlist': 'favorite',
      'Product Removed from Wishlist': 'favorite_removed',
      'Product Reviewed': 'review_written',
      'Checkout Started': 'checkout_started',
      'Product List Viewed': 'product_list_viewed',
      'order completed': 'purchase_completed',
      products_searched: 'search',
      'Signed Up': 'signed_up',
      productViewed: 'product_viewed',
      'HTTPError Shown': 'http_error_shown',
      'Página Vista': 'pagina_vista',
      '404 Shown': 'event_404_shown',
      'Test Drive Requested': 'test_drive_requested',
      page_view: 'page_view',
    };
    for (const [name, type] of Object.entries(expected))
      assert.equal(segmentTrackEventType(name), type, name);
    assert.equal(segmentTrackEventType('Order Completed'), 'purchase_completed', 'cached result');
    assert.equal(eventTypeFromName('購入'), null);
    const long = eventTypeFromName(`${'a'.repeat(63)} b`);
    assert.equal(long, 'a'.repeat(63), 'cut to 64 characters without a trailing underscore');
    assert.equal(toSnakeCase('  Cart -- Viewed  '), 'cart_viewed');
  });
});

describe('mergeBatchContext', () => {
  it('merges batch context and integrations under the item’s, item wins, nothing mutated', () => {
    const batch = {
      context: {
        library: { name: 'analytics-python', version: '2.3.2' },
        locale: 'es-DO',
        app: { name: 'Tiendi' },
      },
      integrations: { All: true },
      sentAt: '2024-05-01T12:00:00Z',
    };
    const item = {
      type: 'track',
      context: { library: { version: '2.3.3' }, locale: 'en-US', ip: '1.2.3.4' },
      sentAt: '2024-05-01T12:00:01Z',
    };
    const before = structuredClone({ batch, item });
    const merged = mergeBatchContext(batch, item);
    assert.deepEqual(merged, {
      type: 'track',
      context: {
        library: { name: 'analytics-python', version: '2.3.3' },
        locale: 'en-US',
        app: { name: 'Tiendi' },
        ip: '1.2.3.4',
      },
      integrations: { All: true },
      sentAt: '2024-05-01T12:00:01Z',
    });
    assert.deepEqual({ batch, item }, before);
    assert.equal(mergeBatchContext(batch, { type: 'page' }).sentAt, '2024-05-01T12:00:00Z');
    assert.equal(
      mergeBatchContext(batch, { context: 'bad' }).context,
      'bad',
      'left for the normaliser to report',
    );
    assert.deepEqual(mergeBatchContext({}, { a: 1 }), { a: 1 });
  });
});

describe('limits', () => {
  it('measures the exact serialised size in one walk', () => {
    const samples: unknown[] = [
      nodeBatch,
      browserPage,
      nativeProductViewed(),
      {
        quote: 'he said "hola" \\ ok',
        control: 'tab\there\nline\u0001\u001f',
        unicode: 'café ñ 日本語 🚗🚕',
        lone: '\ud800x\udc00',
        sep: '\u2028\u2029',
        numbers: [0, -0, 1.5, -2e-7, 1e21, 123456789012],
        flags: [true, false, null],
        nested: [[[]], {}, [{ a: [1, { b: 'c' }] }]],
        skipped: undefined,
        'key "quoted"': 1,
      },
      'just a string',
      [],
    ];
    for (const s of samples) {
      assert.equal(
        checkEventLimits(s).bytes,
        Buffer.byteLength(JSON.stringify(s), 'utf8'),
        JSON.stringify(s).slice(0, 80),
      );
    }
    assert.equal(jsonStringBytes('ñ"'), Buffer.byteLength(JSON.stringify('ñ"')));
    assert.deepEqual(eventLimitIssues(nativeProductViewed()), []);
  });

  it('allows 20 levels below the top, reports the 21st without walking further', () => {
    const nest = (levels: number): unknown => {
      let v: unknown = 'leaf';
      for (let i = 0; i < levels; i++) v = { d: v };
      return v;
    };
    assert.deepEqual(
      eventLimitIssues({ properties: nest(20) }),
      [],
      '/properties is level 1, its 20th object level 20',
    );
    const deep = eventLimitIssues({ properties: nest(21) });
    const pointer = `/properties${'/d'.repeat(20)}`;
    assert.deepEqual(deep, [
      {
        kind: 'malformed',
        pointer,
        message: `${pointer} is nested more than 20 levels deep; flatten the structure`,
      },
    ]);
    assert.equal(eventLimitIssues({ properties: nest(50_000) }).length, 1, 'no stack overflow');
  });

  it('reports long strings, crowded objects and oversized events with their pointers', () => {
    const event = {
      properties: {
        'a/b~c': 'x'.repeat(70_000),
        wide: Object.fromEntries(Array.from({ length: 1_001 }, (_, i) => [`k${i}`, i])),
      },
    };
    assert.equal(Buffer.byteLength(JSON.stringify(event)), 80_829);
    const issues = eventLimitIssues(event);
    assert.deepEqual(issues, [
      {
        kind: 'size_violation',
        pointer: '/properties/a~1b~0c',
        message:
          '/properties/a~1b~0c is a string of 70,000 bytes; strings may be at most 65,536 bytes (64 KB)',
      },
      {
        kind: 'size_violation',
        pointer: '/properties/wide',
        message: '/properties/wide has 1,001 keys; an object may have at most 1,000',
      },
      {
        kind: 'size_violation',
        pointer: '',
        message:
          'the event is 80,829 bytes serialised; at most 32,768 (32 KB) are allowed per event, as in Segment: ' +
          'move large blobs out of the event and send a reference instead',
      },
    ]);
    const atLimit = { p: 'x'.repeat(32 * 1024 - 8) };
    assert.equal(checkEventLimits(atLimit).bytes, 32 * 1024);
    assert.deepEqual(checkEventLimits(atLimit).issues, []);
    assert.equal(eventLimitIssues({ p: 'x'.repeat(32 * 1024 - 7) })[0]?.kind, 'size_violation');
  });

  it('caps the list of issues of one event', () => {
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`s${i}`, 'é'.repeat(33_000)]));
    const issues = eventLimitIssues({ properties: many });
    assert.equal(issues.length, MAX_ISSUES_PER_EVENT + 1);
    assert.equal(issues.at(-1)?.message, '31 more limit violations like the ones above were not listed');
  });

  it('checks a batch as a whole', () => {
    assert.deepEqual(batchLimitIssues(500 * 1024, 2_500), []);
    assert.deepEqual(batchLimitIssues(600_000, 2_501), [
      {
        kind: 'size_violation',
        pointer: '',
        message: 'the batch is 600,000 bytes; at most 512,000 (500 KB) are allowed per request: split it',
      },
      {
        kind: 'size_violation',
        pointer: '/batch',
        message: '/batch holds 2,501 events; at most 2,500 are allowed per request: split it',
      },
    ]);
  });
});
