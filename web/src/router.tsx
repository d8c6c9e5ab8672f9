import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';

/** A minimal history router: the app has a handful of pages, so no routing library. */
interface Route {
  /** The pathname, without the query string. */
  path: string;
  /** The query string's parameters (Explore keeps its question there so a URL can be shared). */
  search: URLSearchParams;
  navigate(to: string, replace?: boolean): void;
}

const RouteContext = createContext<Route>({
  path: '/',
  search: new URLSearchParams(),
  navigate: () => {},
});

const here = () => ({ path: window.location.pathname, search: window.location.search });

export function Router({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState(here);
  useEffect(() => {
    const onPop = () => setLocation(here());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = (to: string, replace = false) => {
    if (to === window.location.pathname + window.location.search) return;
    if (replace) window.history.replaceState(null, '', to);
    else window.history.pushState(null, '', to);
    setLocation(here());
  };
  return (
    <RouteContext.Provider
      value={{ path: location.path, search: new URLSearchParams(location.search), navigate }}
    >
      {children}
    </RouteContext.Provider>
  );
}

export const useRoute = () => useContext(RouteContext);

/**
 * Matches a path against a pattern such as `/seller/listings/:id`: the decoded parameters, or null.
 */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    const value = got[i]!;
    if (part.startsWith(':')) {
      try {
        params[part.slice(1)] = decodeURIComponent(value);
      } catch {
        return null;
      }
    } else if (part !== value) return null;
  }
  return params;
}

export function Link({
  to,
  children,
  className,
  testId,
}: {
  to: string;
  children: ReactNode;
  className?: string;
  testId?: string;
}) {
  const { navigate } = useRoute();
  return (
    <a
      href={to}
      className={className}
      data-testid={testId}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

/** Navigates once rendered (a redirect). */
export function Redirect({ to }: { to: string }) {
  const { navigate } = useRoute();
  useEffect(() => navigate(to, true), [navigate, to]);
  return null;
}
