import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeEvent } from '../src/collector/collector.js';
import { blankContext } from '../src/collector/normalize/fields.js';
import type { PlazaEvent } from '../src/core/envelope.js';
import { localDay } from '../src/core/time-zone.js';
import { IdentityMap } from '../src/stream/identity/identity-map.js';
import { readSessionEvent, type SessionEvent, sessionEventOf } from '../src/stream/sessions/event-reader.js';
import { Sessionizer } from '../src/stream/sessions/sessionizer.js';
import { classifyReferrer, trafficSource } from '../src/stream/sessions/traffic-source.js';

const min = 60_000;
const t0 = Date.parse('2026-03-10T14:00:00.000Z'); // 10:00 in Santo Domingo
const tz = 'America/Santo_Domingo';
let seq = 0;

function event(anon: string, t: number, type = 'page_view'): SessionEvent {
  const e = sessionEventOf({
    event_id: `r-${++seq}`,
    project_id: 'p',
    event_type: type,
    timestamp: new Date(t).toISOString(),
    received_at: new Date(t).toISOString(),
    sent_at: null,
    original_timestamp: null,
    anonymous_id: anon,
    user_id: null,
    session_id: null,
    seller_id: null,
    listing_id: null,
    schema_version: null,
    source: { shape: 'native', key_id: 'k', segment_type: null },
    context: null as unknown as PlazaEvent['context'],
    properties: {},
    traits: null,
    flags: [],
  });
  assert.ok(e);
  return e;
}

function run(times: number[], o = { timeoutMs: 30 * min, latenessMs: 10 * min }) {
  const s = new Sessionizer(o, new IdentityMap());
  for (const t of times) s.add('user-events/0', event('v', t), tz);
  s.finalize(['user-events/0']);
  return {
    s,
    rows: s
      .takeRows()
      .map((r) => ({
        start: (Number(r.started_at) - t0) / min,
        end: (Number(r.ended_at) - t0) / min,
        events: r.events,
        final: r.is_final,
      }))
      .sort((a, b) => a.start - b.start),
  };
}

describe('sessionizer rules', () => {
  it('a gap of the timeout or more starts a new session; less does not', () => {
    assert.deepEqual(run([t0, t0 + 30 * min - 1]).rows, [
      { start: 0, end: 30 - 1 / min, events: 2, final: false },
    ]);
    assert.deepEqual(run([t0, t0 + 30 * min]).rows, [
      { start: 0, end: 0, events: 1, final: false },
      { start: 30, end: 30, events: 1, final: false },
    ]);
  });

  it('a late event that bridges two sessions joins the earlier one: sessions are never merged', () => {
    // Sessions [0, 10] and [45]; 36 arrives late (within 10 min of the watermark 45) and is less than
    // 30 min from both: it extends the first, the second stays.
    const { rows } = run([t0, t0 + 10 * min, t0 + 45 * min, t0 + 36 * min]);
    assert.deepEqual(rows, [
      { start: 0, end: 36, events: 3, final: false },
      { start: 45, end: 45, events: 1, final: false },
    ]);
  });

  it('a late event before a session extends it backwards; one beyond the lateness is dropped', () => {
    const { rows, s } = run([t0 + 20 * min, t0 + 12 * min, t0 + 5 * min]);
    // 12 is 8 min behind the watermark (20): extends the session; 5 is 15 min behind: too late.
    assert.deepEqual(rows, [{ start: 12, end: 20, events: 2, final: false }]);
    assert.equal(s.stats.lateDropped, 1);
  });

  it('a session is final once watermark − lateness reaches its last event + timeout', () => {
    const { rows } = run([t0, t0 + 70 * min - 1, t0 + 70 * min]);
    // Session 0 can take events until 30; final when watermark − 10 ≥ 30, i.e. at 40 and after.
    assert.deepEqual(rows, [
      { start: 0, end: 0, events: 1, final: true },
      { start: 70 - 1 / min, end: 70, events: 2, final: false },
    ]);
  });

  it('cuts sessions at local midnight and finalizes them at midnight', () => {
    const beforeMidnight = Date.parse('2026-03-11T03:55:00.000Z'); // 23:55 local
    const s = new Sessionizer({ timeoutMs: 30 * min, latenessMs: 10 * min }, new IdentityMap());
    s.add('x/0', event('v', beforeMidnight), tz);
    s.add('x/0', event('v', beforeMidnight + 10 * min), tz); // 00:05 local
    s.add('x/0', event('w', beforeMidnight + 15 * min), tz); // watermark 00:10 local: the first is final
    s.finalize(['x/0']);
    const rows = s.takeRows().map((r) => [r.visitor, r.local_date, r.is_final]);
    assert.deepEqual(rows.sort(), [
      ['v', '2026-03-10', true],
      ['v', '2026-03-11', false],
      ['w', '2026-03-11', false],
    ]);
  });

  it('local days follow the zone, DST included', () => {
    const ny23 = localDay('America/New_York', Date.parse('2026-03-08T12:00:00Z'));
    assert.deepEqual(
      [ny23.date, new Date(ny23.start).toISOString(), (ny23.end - ny23.start) / 3_600_000],
      ['2026-03-08', '2026-03-08T05:00:00.000Z', 23],
    );
    const ny25 = localDay('America/New_York', Date.parse('2026-11-01T12:00:00Z'));
    assert.equal((ny25.end - ny25.start) / 3_600_000, 25);
    const sd = localDay(tz, Date.parse('2026-03-11T03:59:59.999Z'));
    assert.deepEqual([sd.date, new Date(sd.end).toISOString()], ['2026-03-10', '2026-03-11T04:00:00.000Z']);
  });

  it('classifies traffic sources', () => {
    const cases: [string | null, string, string | null][] = [
      [null, '(direct)', '(none)'],
      ['okla.do', '(direct)', '(none)'],
      ['www.okla.do', '(direct)', '(none)'],
      ['www.google.com', 'google', 'organic'],
      ['www.google.com.do', 'google', 'organic'],
      ['search.yahoo.com', 'yahoo', 'organic'],
      ['duckduckgo.com', 'duckduckgo', 'organic'],
      ['l.facebook.com', 'facebook', 'social'],
      ['m.facebook.com', 'facebook', 'social'],
      ['l.instagram.com', 'instagram', 'social'],
      ['t.co', 'twitter', 'social'],
      ['www.reddit.com', 'reddit', 'social'],
      ['www.diariolibre.com', 'diariolibre.com', 'referral'],
    ];
    for (const [host, source, medium] of cases) {
      const got = classifyReferrer(host, 'okla.do');
      assert.deepEqual([got.source, got.medium], [source, medium], String(host));
    }
    assert.deepEqual(
      trafficSource({
        utmSource: 'whatsapp',
        utmMedium: 'share',
        utmCampaign: 'compartir',
        referrerHost: null,
        pageHost: 'okla.do',
      }),
      { source: 'whatsapp', medium: 'share', campaign: 'compartir' },
    );
    assert.deepEqual(
      trafficSource({
        utmSource: null,
        utmMedium: null,
        utmCampaign: 'spring',
        referrerHost: 'www.google.com',
        pageHost: 'okla.do',
      }),
      { source: 'google', medium: 'organic', campaign: 'spring' },
    );
  });

  it('reads the fields it needs from the logged JSON exactly as a full parse does', () => {
    const base = (over: Partial<PlazaEvent>, ctx: Partial<PlazaEvent['context']> = {}): PlazaEvent => ({
      event_id: `f-${++seq}`,
      project_id: 'shop',
      event_type: 'page_view',
      timestamp: '2026-03-10T14:00:00.123Z',
      received_at: '2026-03-10T14:00:01.000Z',
      sent_at: null,
      original_timestamp: '2026-03-10T14:00:00.123Z',
      anonymous_id: 'a-1',
      user_id: null,
      session_id: 's',
      seller_id: null,
      listing_id: null,
      schema_version: 1,
      source: { shape: 'native', key_id: 'k', segment_type: null },
      context: {
        ...blankContext(),
        user_agent: 'Mozilla/5.0 (X11; Linux x86_64) "quoted" {braces}',
        page_url: 'https://okla.do/a?utm_source=x',
        page_path: '/a',
        device_type: 'desktop',
        os: 'Linux',
        browser: 'Firefox',
        ...ctx,
      },
      properties: { listing_id: 'l-1', nested: { page_path: '/not-this', is_bot: true } },
      traits: null,
      flags: [],
      ...over,
    });
    const cases: PlazaEvent[] = [
      base({}),
      base({ user_id: 'u-1', listing_id: 'l-9', event_type: 'listing_viewed' }),
      base({ anonymous_id: null, user_id: 'ü-ñ-💡' }),
      base({ anonymous_id: 'with "quote"' }),
      base({ event_type: 'alias', anonymous_id: null, user_id: 'u-2', properties: { previous_id: 'a-7' } }),
      base({}, { page_path: '/ruta/ñandú', is_bot: true }),
      base({}, { page_path: 'C:\\path', browser: null, os: null, device_type: null }),
      base({}, { extra: { location: { country: 'DO', region: 'Santiago' } } }),
      base({}, { extra: { screen: { width: 390 } } }),
      base({}, { page_path: null, library: { name: 'x', version: null } }),
      base({ timestamp: '2026-03-10T14:00:00Z' }),
    ];
    for (const e of cases) {
      const fast = readSessionEvent(encodeEvent(e));
      const slow = sessionEventOf(JSON.parse(JSON.stringify(e)));
      assert.ok(fast && slow);
      const fields = (x: SessionEvent) => ({
        eventId: x.eventId,
        projectId: x.projectId,
        type: x.type,
        t: x.t,
        anon: x.anon,
        user: x.user,
        listingId: x.listingId,
        pagePath: x.pagePath,
        deviceType: x.deviceType,
        os: x.os,
        browser: x.browser,
        isBot: x.isBot,
      });
      assert.deepEqual(fields(fast), fields(slow), JSON.stringify(e));
      const x = e.context.extra;
      if (x.location || x.country || x.province || x.region)
        assert.ok(fast.maybeGeo, 'a location is never missed');
      assert.deepEqual(fast.full(), e);
    }
    assert.equal(readSessionEvent(new TextEncoder().encode('not json')), null);
  });
});
