import { useEffect, useState } from 'react';

/** A few pages, no router library: paths with pushState, and the back button. */
export type Route = { page: 'sign-in' } | { page: 'sign-up' } | { page: 'projects' } | { page: 'project'; id: string };

export function parseRoute(pathname: string): Route {
  if (pathname === '/sign-in') return { page: 'sign-in' };
  if (pathname === '/sign-up') return { page: 'sign-up' };
  const project = /^\/projects\/([^/]+)$/.exec(pathname);
  if (project) return { page: 'project', id: decodeURIComponent(project[1]!) };
  return { page: 'projects' };
}

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.pathname));
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return route;
}

/** A link that navigates without reloading (and still opens in a new tab with a modifier). */
export function onLinkClick(event: React.MouseEvent<HTMLAnchorElement>): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(event.currentTarget.getAttribute('href')!);
}
