import type { EventContext, Properties } from './types.js';

export const VERSION = '0.1.0';

const UTM = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'];

function timeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
  } catch {
    return '';
  }
}

/** What the browser knows about where the visitor is, attached to every event. */
export function pageContext(referrer: string): EventContext {
  return {
    user_agent: navigator.userAgent,
    page_url: location.href,
    referrer,
    page_title: document.title,
    locale: navigator.language,
    timezone: timeZone(),
    library: { name: 'plaza-browser', version: VERSION },
    screen: { width: screen.width, height: screen.height },
  };
}

/** page_view properties: the page itself plus the campaign parameters it was reached with. */
export function pageProperties(referrer: string, extra?: Properties): Properties {
  const props: Properties = {
    url: location.href,
    path: location.pathname,
    title: document.title,
    referrer,
  };
  const q = new URLSearchParams(location.search);
  for (const k of UTM) {
    const v = q.get(k);
    if (v) props[k] = v;
  }
  return { ...props, ...extra };
}

/**
 * Calls onChange after each single-page-app navigation (history.pushState and back/forward). The call is
 * deferred one task so routers that set document.title right after pushState are seen with the new title.
 */
export function watchNavigation(onChange: () => void): void {
  const later = () => setTimeout(onChange, 0);
  const h = history;
  const push = h.pushState;
  h.pushState = function (this: History, ...args: Parameters<History['pushState']>) {
    const r = push.apply(this, args);
    later();
    return r;
  };
  addEventListener('popstate', later);
}
