/**
 * Enrichment of a normalised, validated event: device/OS/browser and bot flag from the user agent, anonymised IP,
 * referrer host, page path, campaign (UTM) fields, received_at and the corrected event time. Pure apart from
 * caches: the input event is not modified.
 */
import type { EventContext, PlazaEvent } from '../../core/envelope.js';
import { toIso } from '../normalize/fields.js';
import type { IngestContext } from '../types.js';
import { anonymizeIp } from './ip.js';
import { eventTime } from './timestamp.js';
import { hasUtm, pageUrlParts, urlHost } from './url.js';
import { parseUserAgent } from './user-agent.js';

export { anonymizeIp } from './ip.js';
export { eventTime, SKEW_NOTICE_MS } from './timestamp.js';
export { pageUrlParts, urlHost, utmFromQuery } from './url.js';
export { clearUserAgentCache, type DeviceType, parseUserAgent, type UserAgentInfo } from './user-agent.js';

/**
 * The request's own user agent stands in for a missing one only when it is a browser's (a tracker's beacon):
 * a server relaying events sends its HTTP client's name (node, python-requests), which says nothing about the
 * user's device and would mark every relayed event as bot traffic.
 */
function userAgentOf(context: EventContext, ctx: IngestContext): string | null {
  if (context.user_agent !== null) return context.user_agent;
  const req = ctx.requestUserAgent;
  return req?.startsWith('Mozilla/') ? req : null;
}

/** Apps send no user agent; Segment's mobile libraries describe the OS in context.os instead. */
function appOs(extra: Record<string, unknown>): { name: string | null; version: string | null } {
  const os = extra.os;
  if (typeof os !== 'object' || os === null) return { name: null, version: null };
  const { name, version } = os as Record<string, unknown>;
  return {
    name: typeof name === 'string' && name !== '' ? name : null,
    version: typeof version === 'string' && version !== '' ? version : null,
  };
}

export function enrich(event: PlazaEvent, ctx: IngestContext): PlazaEvent {
  const c = event.context;
  const flags = [...event.flags];
  const addFlag = (f: string): void => {
    if (!flags.includes(f)) flags.push(f);
  };

  const userAgent = userAgentOf(c, ctx);
  const ua = userAgent === null ? null : parseUserAgent(userAgent);
  const os = ua === null && c.os === null ? appOs(c.extra) : { name: null, version: null };

  const rawIp = c.ip ?? ctx.requestIp;
  let ip: string | null = null;
  if (rawIp !== null && ctx.settings.ipMode !== 'drop') {
    ip = anonymizeIp(rawIp, ctx.settings.ipMode);
    if (ip === null) addFlag('ip_invalid');
  }

  let pagePath = c.page_path;
  let utm = c.utm;
  const wantUtm = !hasUtm(utm) && c.page_url?.includes('utm_') === true;
  if (c.page_url !== null && (pagePath === null || wantUtm)) {
    const parts = pageUrlParts(c.page_url);
    pagePath ??= parts.path;
    if (wantUtm) utm = parts.utm;
  }

  const receivedAt = ctx.receivedAt.getTime();
  const time = eventTime(event, receivedAt, ctx.settings);
  for (const f of time.flags) addFlag(f);

  return {
    ...event,
    timestamp: time.changed ? toIso(time.timestamp) : event.timestamp,
    received_at: toIso(receivedAt),
    context: {
      ...c,
      ip,
      user_agent: userAgent,
      referrer_host: c.referrer === null ? null : urlHost(c.referrer),
      page_path: pagePath,
      device_type: ua?.device_type ?? c.device_type,
      os: ua?.os ?? c.os ?? os.name,
      os_version: ua?.os_version ?? c.os_version ?? os.version,
      browser: ua?.browser ?? c.browser,
      browser_version: ua?.browser_version ?? c.browser_version,
      is_bot: ua?.is_bot ?? c.is_bot,
      utm,
    },
    flags,
  };
}
