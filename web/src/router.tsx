import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';

/** A minimal history router: the app has a handful of pages, so no routing library. */
const PathContext = createContext<{ path: string; navigate(to: string, replace?: boolean): void }>({
  path: '/',
  navigate: () => {},
});

export function Router({ children }: { children: ReactNode }) {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = (to: string, replace = false) => {
    if (to === window.location.pathname) return;
    if (replace) window.history.replaceState(null, '', to);
    else window.history.pushState(null, '', to);
    setPath(to);
  };
  return <PathContext.Provider value={{ path, navigate }}>{children}</PathContext.Provider>;
}

export const useRoute = () => useContext(PathContext);

export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  const { navigate } = useRoute();
  return (
    <a
      href={to}
      className={className}
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
