/**
 * Throughput of the collector's pure steps per event on one core: limits walk, normalise, enrich.
 * Run: npx tsc -p tsconfig.json && node dist/bench/collector/steps.js
 */
import { clearUserAgentCache, enrich } from '../../src/collector/enrich/index.js';
import { eventLimitIssues } from '../../src/collector/limits.js';
import { normalizeNative } from '../../src/collector/normalize/native.js';
import { normalizeSegment } from '../../src/collector/normalize/segment.js';
import { defaultProjectSettings, type IngestContext } from '../../src/collector/types.js';

const userAgents = [
  'Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
];
const N_DISTINCT = 1_000;

function nativeRaw(i: number): Record<string, unknown> {
  return {
    event_id: `evt-${i}`,
    event_type: 'product_viewed',
    timestamp: '2024-05-01T11:59:58.250Z',
    sent_at: '2024-05-01T12:00:01.000Z',
    session_id: `sess-${i % 97}`,
    anonymous_id: `anon-${i % 501}`,
    context: {
      ip: `190.80.${i % 250}.${i % 200}`,
      user_agent: userAgents[i % userAgents.length],
      referrer: 'https://www.google.com/',
      page_url: `https://tiendi.do/p/zapatos-${i}?utm_source=google&utm_medium=cpc`,
      page_title: 'Zapatos rojos | Tiendi',
      locale: 'es-DO',
      library: { name: 'plaza.js', version: '0.1.0' },
    },
    properties: {
      product_id: `prod-${i}`,
      product_name: 'Zapatos rojos',
      product_price: 2450,
      product_category: 'calzado',
      store_id: `store-${i % 40}`,
      store_name: 'Calzados Quisqueya',
    },
  };
}

function segmentRaw(i: number): Record<string, unknown> {
  return {
    type: 'page',
    name: 'Zapatos',
    properties: {
      path: `/c/zapatos-${i}`,
      title: 'Zapatos | Tiendi',
      url: `https://tiendi.do/c/zapatos-${i}`,
    },
    context: {
      page: {
        path: `/c/zapatos-${i}`,
        referrer: 'https://www.google.com/',
        title: 'Zapatos | Tiendi',
        url: `https://tiendi.do/c/zapatos-${i}`,
      },
      campaign: { source: 'google', medium: 'cpc', name: 'verano' },
      userAgent: userAgents[i % userAgents.length],
      locale: 'es-DO',
      library: { name: 'analytics.js', version: 'npm:next-1.70.0' },
    },
    messageId: `ajs-next-${i}`,
    anonymousId: `anon-${i % 501}`,
    timestamp: '2024-05-01T11:59:55.120Z',
    integrations: {},
    sentAt: '2024-05-01T11:59:55.400Z',
  };
}

const ctx: IngestContext = {
  projectId: 'tiendi',
  keyId: 'key-1',
  receivedAt: new Date('2024-05-01T12:00:10.000Z'),
  requestIp: '190.80.12.34',
  requestUserAgent: null,
  sentAt: null,
  settings: defaultProjectSettings,
};

/** Throughput per core: CPU time of this process, not wall time, so other load on the machine counts less. */
function measure(name: string, seconds: number, step: (i: number) => unknown): void {
  let sink = 0;
  for (let i = 0; i < 20_000; i++) sink += step(i) ? 1 : 0; // warm-up
  const cpuStart = process.cpuUsage();
  const deadline = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < deadline) {
    for (let k = 0; k < 1_000; k++, n++) sink += step(n) ? 1 : 0;
  }
  const cpu = process.cpuUsage(cpuStart);
  const perEvent = ((cpu.user + cpu.system) * 1000) / n; // ns
  console.log(
    `${name.padEnd(46)} ${(1e9 / perEvent).toFixed(0).padStart(9)} events/s/core  ${(perEvent / 1000).toFixed(2)} µs/event${sink < 0 ? '!' : ''}`,
  );
}

const natives = Array.from({ length: N_DISTINCT }, (_, i) => nativeRaw(i));
const segments = Array.from({ length: N_DISTINCT }, (_, i) => segmentRaw(i));
const seconds = Number(process.env.BENCH_SECONDS ?? 1);

const nativeSteps = (raw: unknown): unknown => {
  const r = normalizeNative(raw, ctx);
  return r.type === 'ok' ? enrich(r.value, ctx) : null;
};
const segmentSteps = (raw: unknown): unknown => {
  const r = normalizeSegment(raw, ctx);
  return r.type === 'ok' ? enrich(r.value, ctx) : null;
};

measure('limits walk (native product_viewed)', seconds, (i) => eventLimitIssues(natives[i % N_DISTINCT]));
measure('normalize native', seconds, (i) => normalizeNative(natives[i % N_DISTINCT], ctx));
measure('normalize+enrich native, cached UA', seconds, (i) => nativeSteps(natives[i % N_DISTINCT]));
measure('normalize+enrich Segment page, cached UA', seconds, (i) => segmentSteps(segments[i % N_DISTINCT]));
measure('limits+normalize+enrich native, cached UA', seconds, (i) => {
  const raw = natives[i % N_DISTINCT];
  return eventLimitIssues(raw).length === 0 ? nativeSteps(raw) : null;
});
clearUserAgentCache();
measure('normalize+enrich native, UA never cached', seconds / 2, (i) => {
  const raw = natives[i % N_DISTINCT] as { context: Record<string, unknown> };
  // A user agent never seen before: every lookup misses (and the cache keeps evicting).
  return nativeSteps({
    ...raw,
    context: { ...raw.context, user_agent: `${userAgents[i % userAgents.length]} u/${i}` },
  });
});
