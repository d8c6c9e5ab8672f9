/** What analytics needs from page and referrer URLs: path, host, campaign parameters. */
import { LRUCache } from 'lru-cache';
import type { EventContext } from '../../core/envelope.js';

type Utm = EventContext['utm'];

// Cross-origin referrers are origin-only under browsers' default referrer policy, so they repeat a lot.
const hostCache = new LRUCache<string, string | false>({ max: 5_000 });
const MAX_CACHED_LENGTH = 512;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Host name of an absolute URL (lowercase, punycode), or null. */
export function urlHost(url: string): string | null {
  const hit = hostCache.get(url);
  if (hit !== undefined) return hit === false ? null : hit;
  const host = parse(url)?.hostname || null;
  if (url.length <= MAX_CACHED_LENGTH) hostCache.set(url, host ?? false);
  return host;
}

/** application/x-www-form-urlencoded value decoding, as URLSearchParams does it ('+' is a space). */
function formDecode(v: string): string {
  const plus = v.includes('+') ? v.replace(/\+/g, ' ') : v;
  if (!plus.includes('%')) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus; // a stray '%': kept as sent, like URLSearchParams
  }
}

/** The first `name=` parameter of a query string, decoded; null when absent or empty. */
function queryParam(search: string, nameEq: string): string | null {
  for (let from = 0; ; ) {
    const at = search.indexOf(nameEq, from);
    if (at === -1) return null;
    const before = at === 0 ? '&' : search[at - 1];
    if (before === '&' || before === '?') {
      const end = search.indexOf('&', at);
      const value = search.slice(at + nameEq.length, end === -1 ? search.length : end);
      return value === '' ? null : formDecode(value);
    }
    from = at + nameEq.length;
  }
}

/**
 * utm_* parameters of a query string ('?a=1&utm_source=x'); the first of a repeated parameter wins, as with
 * URLSearchParams#get. Looked up here rather than with URLSearchParams, which decodes every parameter of the URL
 * (click ids and all) and costs more than the rest of the enrichment.
 */
export function utmFromQuery(search: string): Utm {
  if (!search.includes('utm_'))
    return { source: null, medium: null, campaign: null, term: null, content: null };
  return {
    source: queryParam(search, 'utm_source='),
    medium: queryParam(search, 'utm_medium='),
    campaign: queryParam(search, 'utm_campaign='),
    term: queryParam(search, 'utm_term='),
    content: queryParam(search, 'utm_content='),
  };
}

export const hasUtm = (utm: Utm): boolean =>
  utm.source !== null ||
  utm.medium !== null ||
  utm.campaign !== null ||
  utm.term !== null ||
  utm.content !== null;

/** Path and campaign parameters of a page URL; a site-relative URL ('/p/1?utm_source=x') is understood too. */
export function pageUrlParts(url: string): { path: string | null; utm: Utm } {
  const u =
    parse(url) ??
    (url.startsWith('/') && !url.startsWith('//') ? parse(`http://relative.invalid${url}`) : null);
  if (u === null) return { path: null, utm: utmFromQuery('') };
  return { path: u.pathname, utm: utmFromQuery(u.search) };
}
