/** Paths the app answers (the service worker serves the shell for each, offline too). */
export type Route =
  | { name: 'survey' }
  | { name: 'list' }
  | { name: 'detail'; id: string }
  | { name: 'map' }
  | { name: 'about' }
  | { name: 'lab' };

export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/surveys') return { name: 'list' };
  const detail = /^\/surveys\/([0-9a-f-]{36})$/.exec(path);
  if (detail) return { name: 'detail', id: detail[1] };
  if (path === '/map') return { name: 'map' };
  if (path === '/about') return { name: 'about' };
  if (path === '/lab') return { name: 'lab' };
  return { name: 'survey' };
}

export function routePath(route: Route): string {
  switch (route.name) {
    case 'list':
      return '/surveys';
    case 'detail':
      return `/surveys/${route.id}`;
    case 'map':
      return '/map';
    case 'about':
      return '/about';
    case 'lab':
      return '/lab';
    default:
      return '/';
  }
}

/** Raised by a page that sends the engineer elsewhere; the shell navigates. */
export function navigateEvent(route: Route): CustomEvent<Route> {
  return new CustomEvent('navigate', { detail: route, bubbles: true, composed: true });
}
