import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  anonymizeIp,
  clearUserAgentCache,
  enrich,
  pageUrlParts,
  parseUserAgent,
  urlHost,
  utmFromQuery,
} from '../src/collector/enrich/index.js';
import { normalizeNative } from '../src/collector/normalize/native.js';
import { normalizeSegment } from '../src/collector/normalize/segment.js';
import { defaultProjectSettings, type IngestContext, type ProjectSettings } from '../src/collector/types.js';
import type { PlazaEvent } from '../src/core/envelope.js';

const receivedAt = new Date('2024-05-01T12:00:10.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function ingestContext(
  over: Partial<IngestContext> = {},
  settings: Partial<ProjectSettings> = {},
): IngestContext {
  return {
    projectId: 'tiendi',
    keyId: 'key-1',
    receivedAt,
    requestIp: null,
    requestUserAgent: null,
    sentAt: null,
    settings: { ...defaultProjectSettings, ...settings },
    ...over,
  };
}

const UA = {
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
  // iPadOS 13+ Safari asks for desktop sites and sends a Mac UA; this is Safari on an iPad that still says iPad.
  ipad: 'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  firefoxWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  curl: 'curl/8.5.0',
};

/** A valid native event, normalised, with overrides of the raw envelope. */
function nativeEvent(over: Record<string, unknown> = {}, ctx = ingestContext()): PlazaEvent {
  const r = normalizeNative(
    {
      event_id: 'e-1',
      event_type: 'listing_viewed',
      timestamp: '2024-05-01T12:00:00.000Z',
      anonymous_id: 'anon-1',
      context: {},
      ...over,
    },
    ctx,
  );
  assert.equal(r.type, 'ok', JSON.stringify(r));
  return (r as { value: PlazaEvent }).value;
}

describe('user agent parsing', () => {
  it('reads device type, OS and browser of real user agents', () => {
    const expected: Record<keyof typeof UA, unknown> = {
      chromeAndroid: ['mobile', 'Android', '13', 'Chrome', '120.0.0.0', false],
      safariIphone: ['mobile', 'iOS', '17.4.1', 'Mobile Safari', '17.4.1', false],
      ipad: ['tablet', 'iOS', '16.6', 'Mobile Safari', '16.6', false],
      firefoxWindows: ['desktop', 'Windows', '10', 'Firefox', '125.0', false],
      googlebot: ['bot', null, null, null, null, true],
      curl: ['bot', null, null, null, null, true],
    };
    for (const [name, ua] of Object.entries(UA)) {
      const i = parseUserAgent(ua);
      assert.deepEqual(
        [i.device_type, i.os, i.os_version, i.browser, i.browser_version, i.is_bot],
        expected[name as keyof typeof UA],
        name,
      );
    }
    const tv =
      'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36';
    assert.equal(parseUserAgent(tv).device_type, 'other', 'TVs, consoles, wearables');
  });

  it('caches: a repeated user agent returns the same frozen result', () => {
    clearUserAgentCache();
    const first = parseUserAgent(UA.safariIphone);
    assert.equal(parseUserAgent(UA.safariIphone), first);
    assert.ok(Object.isFrozen(first));
    clearUserAgentCache();
    const again = parseUserAgent(UA.safariIphone);
    assert.notEqual(again, first);
    assert.deepEqual(again, first);
  });
});

describe('IP anonymisation', () => {
  it('truncates IPv4 to /24 and IPv6 to /48; IPv4-mapped IPv6 is treated as IPv4', () => {
    const cases: [string, string][] = [
      ['190.80.12.34', '190.80.12.0'],
      ['10.0.0.255', '10.0.0.0'],
      ['2001:db8:85a3::8a2e:370:7334', '2001:db8:85a3::'],
      ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::'],
      ['2800:810:4d2:9f00:1d3e:4c5a:66b7:1234', '2800:810:4d2::'],
      ['fe80::1ff:fe23:4567:890a%eth0', 'fe80::'],
      ['::ffff:190.80.12.34', '190.80.12.0'],
      ['::ffff:be50:c22', '190.80.12.0'],
      ['::1', '::'],
    ];
    for (const [ip, out] of cases) assert.equal(anonymizeIp(ip, 'truncate'), out, ip);
  });

  it('keep stores the address as received, drop stores nothing, non-addresses are null', () => {
    assert.equal(anonymizeIp('2001:db8::1', 'keep'), '2001:db8::1');
    assert.equal(anonymizeIp('190.80.12.34', 'drop'), null);
    for (const bad of ['unknown', '190.80.12', '190.80.12.256', '01.2.3.4', '1.2.3.4:8080', '[::1]', '']) {
      assert.equal(anonymizeIp(bad, 'truncate'), null, bad);
      assert.equal(anonymizeIp(bad, 'keep'), null, bad);
    }
  });

  it('enrich uses the event’s ip, else the request’s, per the project’s ipMode', () => {
    const own = enrich(
      nativeEvent({ context: { ip: '190.80.12.34' } }),
      ingestContext({ requestIp: '203.0.113.9' }),
    );
    assert.equal(own.context.ip, '190.80.12.0');
    const fromRequest = enrich(nativeEvent(), ingestContext({ requestIp: '::ffff:203.0.113.9' }));
    assert.equal(fromRequest.context.ip, '203.0.113.0');
    const kept = enrich(nativeEvent(), ingestContext({ requestIp: '203.0.113.9' }, { ipMode: 'keep' }));
    assert.equal(kept.context.ip, '203.0.113.9');
    const dropped = enrich(
      nativeEvent({ context: { ip: '190.80.12.34' } }),
      ingestContext({}, { ipMode: 'drop' }),
    );
    assert.equal(dropped.context.ip, null);
    assert.deepEqual(dropped.flags, []);
    const invalid = enrich(nativeEvent({ context: { ip: 'localhost' } }), ingestContext());
    assert.equal(invalid.context.ip, null);
    assert.deepEqual(invalid.flags, ['ip_invalid']);
  });
});

describe('URLs: referrer host, page path, UTM', () => {
  it('takes host, path and decoded campaign parameters from URLs', () => {
    assert.equal(urlHost('https://WWW.Google.com/'), 'www.google.com');
    assert.equal(urlHost('android-app://com.google.android.gm/'), 'com.google.android.gm');
    assert.equal(urlHost('not a url'), null);
    assert.deepEqual(
      pageUrlParts(
        'https://tiendi.do/c/zapatos%20rojos?utm_source=news+letter&utm_campaign=verano%202024&utm_content=&x=1#top',
      ),
      {
        path: '/c/zapatos%20rojos',
        utm: { source: 'news letter', medium: null, campaign: 'verano 2024', term: null, content: null },
      },
    );
    assert.deepEqual(
      utmFromQuery('?utm_source=a&utm_source=b&utm_medium=50%&utm_term&utm_campaign=%C3%B1u'),
      {
        source: 'a',
        medium: '50%',
        campaign: 'ñu',
        term: null,
        content: null,
      },
    );
    assert.equal(pageUrlParts('/p/123?utm_medium=cpc').path, '/p/123');
    assert.equal(pageUrlParts('/p/123?utm_medium=cpc').utm.medium, 'cpc');
    assert.deepEqual(pageUrlParts('garbage'), {
      path: null,
      utm: { source: null, medium: null, campaign: null, term: null, content: null },
    });
  });

  it('enrich: UTM from context.campaign when given, else from the page URL query', () => {
    const url = 'https://okla.do/vehiculos/toyota-rav4-2019?utm_source=google&utm_medium=cpc&utm_term=suv';
    const fromUrl = enrich(
      nativeEvent({ context: { page_url: url, referrer: 'https://www.google.com/' } }),
      ingestContext(),
    );
    assert.deepEqual(fromUrl.context.utm, {
      source: 'google',
      medium: 'cpc',
      campaign: null,
      term: 'suv',
      content: null,
    });
    assert.equal(fromUrl.context.page_path, '/vehiculos/toyota-rav4-2019');
    assert.equal(fromUrl.context.referrer_host, 'www.google.com');
    const fromCampaign = enrich(
      nativeEvent({ context: { page_url: url, campaign: { source: 'facebook', name: 'verano' } } }),
      ingestContext(),
    );
    assert.deepEqual(fromCampaign.context.utm, {
      source: 'facebook',
      medium: null,
      campaign: 'verano',
      term: null,
      content: null,
    });
    const givenPath = enrich(
      nativeEvent({ context: { page_url: url, page_path: '/v/rav4' } }),
      ingestContext(),
    );
    assert.equal(givenPath.context.page_path, '/v/rav4', 'a path the sender gave is kept');
  });
});

describe('event time', () => {
  const segmentTrack = (over: Record<string, unknown>): PlazaEvent => {
    const r = normalizeSegment(
      { type: 'track', event: 'Product Viewed', userId: 'u', messageId: 'm', ...over },
      ingestContext(),
    );
    assert.equal(r.type, 'ok', JSON.stringify(r));
    return (r as { value: PlazaEvent }).value;
  };

  it('corrects device clock skew: received_at − (sentAt − originalTimestamp)', () => {
    // The phone's clock is 3 min 50 s slow: it saw the event at 11:56:00 and sent the batch 5 s later (11:56:05);
    // the server received it at 12:00:10, so the event happened at 12:00:05.
    const e = enrich(
      segmentTrack({ timestamp: '2024-05-01T11:56:00.000Z', sentAt: '2024-05-01T11:56:05.000Z' }),
      ingestContext(),
    );
    assert.equal(e.timestamp, '2024-05-01T12:00:05.000Z');
    assert.equal(e.original_timestamp, '2024-05-01T11:56:00.000Z');
    assert.equal(e.received_at, '2024-05-01T12:00:10.000Z');
    assert.deepEqual(e.flags, ['timestamp_skew_corrected']);

    // A right clock: only 300 ms of latency moves the time, which is not flagged.
    const small = enrich(
      segmentTrack({ originalTimestamp: '2024-05-01T12:00:04.000Z', sentAt: '2024-05-01T12:00:09.700Z' }),
      ingestContext(),
    );
    assert.equal(small.timestamp, '2024-05-01T12:00:04.300Z');
    assert.deepEqual(small.flags, []);

    // Native events from the browser tracker carry sent_at too.
    const native = enrich(
      nativeEvent({ timestamp: '2024-05-01T13:00:00.000Z', sent_at: '2024-05-01T13:00:02.000Z' }),
      ingestContext(),
    );
    assert.equal(native.timestamp, '2024-05-01T12:00:08.000Z');
  });

  it('keeps an explicit timestamp, or one without sentAt, as sent', () => {
    const explicit = enrich(
      segmentTrack({
        timestamp: '2024-04-30T09:00:00.000Z',
        originalTimestamp: '2024-04-30T09:00:00.000Z',
        sentAt: '2024-05-01T11:00:00.000Z',
      }),
      ingestContext(),
    );
    assert.equal(explicit.timestamp, '2024-04-30T09:00:00.000Z');
    assert.deepEqual(explicit.flags, ['timestamp_explicit']);
    const server = enrich(nativeEvent({ timestamp: '2024-04-30T09:00:00.000Z' }), ingestContext());
    assert.equal(server.timestamp, '2024-04-30T09:00:00.000Z');
    assert.deepEqual(server.flags, []);
  });

  it('clamps times too far in the future to received_at and too far in the past to received_at − maxPastMs', () => {
    const ctx = ingestContext({}, { maxFutureMs: HOUR, maxPastMs: 30 * DAY });
    const nearFuture = enrich(nativeEvent({ timestamp: '2024-05-01T12:59:00.000Z' }), ctx);
    assert.equal(nearFuture.timestamp, '2024-05-01T12:59:00.000Z');
    assert.deepEqual(nearFuture.flags, []);
    const future = enrich(nativeEvent({ timestamp: '2024-05-01T14:00:00.000Z' }), ctx);
    assert.equal(future.timestamp, '2024-05-01T12:00:10.000Z');
    assert.deepEqual(future.flags, ['timestamp_clamped_future']);
    const past = enrich(nativeEvent({ timestamp: '2024-03-01T00:00:00.000Z' }), ctx);
    assert.equal(past.timestamp, new Date(receivedAt.getTime() - 30 * DAY).toISOString());
    assert.equal(past.timestamp, '2024-04-01T12:00:10.000Z');
    assert.deepEqual(past.flags, ['timestamp_clamped_past']);
    // A sentAt before the event (a broken client) would put it hours ahead: corrected, then clamped.
    const broken = enrich(
      segmentTrack({ timestamp: '2024-05-01T12:00:00.000Z', sentAt: '2024-05-01T09:00:00.000Z' }),
      ctx,
    );
    assert.equal(broken.timestamp, '2024-05-01T12:00:10.000Z');
    assert.deepEqual(broken.flags, ['timestamp_skew_corrected', 'timestamp_clamped_future']);
  });
});

describe('enrich', () => {
  it('enriches an analytics.js page call end to end without touching its input', () => {
    const r = normalizeSegment(
      {
        type: 'page',
        name: 'Zapatos',
        anonymousId: 'a-1',
        messageId: 'ajs-1',
        timestamp: '2024-05-01T12:00:05.000Z',
        sentAt: '2024-05-01T12:00:05.100Z',
        context: {
          userAgent: UA.safariIphone,
          ip: '2800:810:4d2:9f00::1',
          page: { url: 'https://tiendi.do/c/zapatos?utm_source=google', referrer: 'https://www.google.com/' },
          library: { name: 'analytics.js', version: 'npm:next-1.70.0' },
        },
      },
      ingestContext(),
    );
    assert.equal(r.type, 'ok');
    const event = (r as { value: PlazaEvent }).value;
    const before = structuredClone(event);
    const e = enrich(event, ingestContext());
    assert.deepEqual(event, before, 'input unchanged');
    assert.deepEqual(e.context, {
      ...before.context,
      ip: '2800:810:4d2::',
      referrer_host: 'www.google.com',
      page_path: '/c/zapatos',
      device_type: 'mobile',
      os: 'iOS',
      os_version: '17.4.1',
      browser: 'Mobile Safari',
      browser_version: '17.4.1',
      is_bot: false,
      utm: { source: 'google', medium: null, campaign: null, term: null, content: null },
    });
    assert.equal(e.timestamp, '2024-05-01T12:00:09.900Z');
    assert.equal(e.received_at, receivedAt.toISOString());
  });

  it('uses the request’s user agent only when it is a browser’s', () => {
    const beacon = enrich(nativeEvent(), ingestContext({ requestUserAgent: UA.firefoxWindows }));
    assert.equal(beacon.context.user_agent, UA.firefoxWindows);
    assert.equal(beacon.context.device_type, 'desktop');
    const relayed = enrich(nativeEvent(), ingestContext({ requestUserAgent: 'python-requests/2.31.0' }));
    assert.equal(relayed.context.user_agent, null);
    assert.equal(relayed.context.is_bot, false);
    assert.equal(relayed.context.device_type, null);
    const bot = enrich(nativeEvent({ context: { user_agent: UA.googlebot } }), ingestContext());
    assert.equal(bot.context.is_bot, true);
    assert.equal(bot.context.device_type, 'bot');
  });

  it('keeps what a sender said about the device when there is no user agent; app OS from context.os', () => {
    const told = enrich(nativeEvent({ context: { device_type: 'tablet', os: 'Android' } }), ingestContext());
    assert.deepEqual([told.context.device_type, told.context.os], ['tablet', 'Android']);
    const r = normalizeSegment(
      { type: 'screen', userId: 'u', name: 'Cart', context: { os: { name: 'iOS', version: '17.4' } } },
      ingestContext(),
    );
    const app = enrich((r as { value: PlazaEvent }).value, ingestContext());
    assert.deepEqual([app.context.os, app.context.os_version, app.context.browser], ['iOS', '17.4', null]);
  });
});
