import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

/**
 * Screens by name, their details in memory. The address bar only ever shows a screen's path
 * (`/queue`, `/enquiry`, `/access-log`): the enquiry, subject or person a screen is about is kept in
 * this module's memory, keyed by a random id in the history entry, so no URL, bookmark or browser
 * history holds anything about a person. A reload forgets the details (and the token) and starts
 * from the screen's own start.
 */

export type RouteParams = Record<string, string>;

export interface Route {
  path: string;
  params: RouteParams;
}

interface Navigation {
  route: Route;
  /** Opens a screen by its path (e.g. '/enquiry') with the details it needs. */
  navigate(path: string, params?: RouteParams): void;
  /** Replaces the current screen's details (e.g. after a filter changes) without a history entry. */
  replace(path: string, params?: RouteParams): void;
}

const NavigationContext = createContext<Navigation | undefined>(undefined);

export function useNavigation(): Navigation {
  const navigation = useContext(NavigationContext);
  if (navigation === undefined) throw new Error('useNavigation outside NavigationProvider');
  return navigation;
}

const paramsByEntry = new Map<string, RouteParams>();

function currentRoute(): Route {
  const key = (window.history.state as { key?: unknown } | null)?.key;
  const params = typeof key === 'string' ? paramsByEntry.get(key) : undefined;
  return { path: window.location.pathname, params: params ?? {} };
}

function remember(params: RouteParams): { key: string } {
  const key = crypto.randomUUID();
  paramsByEntry.set(key, params);
  return { key };
}

export function NavigationProvider({ children }: { children: ReactNode }) {
  const [route, setRoute] = useState<Route>(currentRoute);

  useEffect(() => {
    const onPop = () => setRoute(currentRoute());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const navigate = useCallback((path: string, params: RouteParams = {}) => {
    window.history.pushState(remember(params), '', path);
    setRoute({ path, params });
    window.scrollTo(0, 0);
  }, []);

  const replace = useCallback((path: string, params: RouteParams = {}) => {
    window.history.replaceState(remember(params), '', path);
    setRoute({ path, params });
  }, []);

  const value = useMemo(() => ({ route, navigate, replace }), [route, navigate, replace]);
  return <NavigationContext.Provider value={value}>{children}</NavigationContext.Provider>;
}

/** A link to a screen: a real link (keyboard, middle-click safe) that navigates in memory. */
export function ScreenLink({ to, params, children, className }: { to: string; params?: RouteParams; children: ReactNode; className?: string }) {
  const { navigate } = useNavigation();
  return (
    <a
      href={to}
      className={className ?? 'govuk-link'}
      onClick={(event) => {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(to, params);
      }}
    >
      {children}
    </a>
  );
}
