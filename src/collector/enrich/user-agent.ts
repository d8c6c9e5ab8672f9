/** User agent → device, OS, browser and bot flag; ua-parser-js and isbot behind a cache (UA strings repeat a lot). */
import { isbot } from 'isbot';
import { LRUCache } from 'lru-cache';
import UAParser from 'ua-parser-js';

export type DeviceType = 'desktop' | 'mobile' | 'tablet' | 'bot' | 'other';

export interface UserAgentInfo {
  device_type: DeviceType;
  os: string | null;
  os_version: string | null;
  browser: string | null;
  browser_version: string | null;
  is_bot: boolean;
}

/** Parsing one UA costs tens of microseconds; a hit costs well under one. */
const CACHE_ENTRIES = 10_000;
/** Longer strings are parsed but not cached: real browsers stay far below this, and keys cost memory. */
const MAX_CACHED_LENGTH = 1_024;

const cache = new LRUCache<string, UserAgentInfo>({ max: CACHE_ENTRIES });
const parser = new UAParser();

function deviceType(bot: boolean, type: string | undefined, recognised: boolean): DeviceType {
  if (bot) return 'bot';
  if (type === 'mobile') return 'mobile';
  if (type === 'tablet') return 'tablet';
  // ua-parser names no device type for desktops; console, smarttv, wearable, embedded, xr are 'other'.
  if (type === undefined) return recognised ? 'desktop' : 'other';
  return 'other';
}

export function parseUserAgentUncached(ua: string): UserAgentInfo {
  const r = parser.setUA(ua).getResult();
  const bot = isbot(ua);
  return Object.freeze({
    device_type: deviceType(bot, r.device.type, r.os.name !== undefined || r.browser.name !== undefined),
    os: r.os.name ?? null,
    os_version: r.os.version ?? null,
    browser: r.browser.name ?? null,
    browser_version: r.browser.version ?? null,
    is_bot: bot,
  });
}

/** Cached; the returned object is frozen and shared between calls. */
export function parseUserAgent(ua: string): UserAgentInfo {
  const hit = cache.get(ua);
  if (hit !== undefined) return hit;
  const info = parseUserAgentUncached(ua);
  if (ua.length <= MAX_CACHED_LENGTH) cache.set(ua, info);
  return info;
}

/** For benchmarks and tests that need the uncached path. */
export function clearUserAgentCache(): void {
  cache.clear();
}
