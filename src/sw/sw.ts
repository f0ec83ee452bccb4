/// <reference lib="webworker" />
/**
 * RoadCAM's service worker: the app shell, the three tfjs wasm binaries and the default models
 * are precached at install, so the app opens and analyses photos with no network. Navigations
 * fall back to the shell (deep links open offline). Every response it serves carries the
 * cross-origin isolation headers. A new version waits until the page asks it to take over
 * (the engineer taps "reload"): no surprise reload mid-edit.
 */
import { clientsClaim, type WorkboxPlugin } from 'workbox-core';
import {
  addPlugins,
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { CacheFirst } from 'workbox-strategies';
import { withIsolationHeaders } from './isolation';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: (string | { url: string; revision: string | null })[];
};

const isolation: WorkboxPlugin = {
  handlerWillRespond: async ({ response }) => withIsolationHeaders(response),
};

addPlugins([isolation]);
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Deep links (/surveys/<id>, /about) open the shell, which routes on the client.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api\//] }),
);

// Models that are not precached (opened later from another URL) are kept once fetched.
registerRoute(
  ({ url, request }) =>
    url.origin === self.location.origin &&
    url.pathname.startsWith('/models/') &&
    request.method === 'GET',
  new CacheFirst({ cacheName: 'roadcam-models', plugins: [isolation] }),
);

// First install: take the open page at once so it works offline without a reload. Updates
// wait (see below).
clientsClaim();

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') void self.skipWaiting();
});
