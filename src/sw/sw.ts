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
import { SurveyRepository } from '../store';
import { RunRepository } from '../store/run-repository';
import { createOutbox, flushForBackgroundSync, OUTBOX_SYNC_TAG } from '../sync';
import { uploadRunsTo } from '../sync/run-upload';
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

// Deep links (/surveys/<id>, /about) open the shell, which routes on the client. The office's
// pages (office.html, served by the sync server) are not the phone's: the network serves them.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), {
    denylist: [/^\/api\//, /^\/office/],
  }),
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

// Background Sync (Chromium): the page registers OUTBOX_SYNC_TAG when surveys wait for the
// network; the browser wakes this worker once it is back, even with the app closed. The same
// outbox and Web Lock as the page, so a tab and this worker never upload at once.
self.addEventListener('sync', (event) => {
  const sync = event as ExtendableEvent & { tag: string };
  if (sync.tag !== OUTBOX_SYNC_TAG) return;
  sync.waitUntil(
    (async () => {
      const repository = await SurveyRepository.open();
      // Ended drive runs go up after the surveys, as the page sends them (and those the server
      // check marks as lost); runs that cannot be opened never hold back the surveys' upload.
      const runs = await RunRepository.open().catch(() => undefined);
      // Short waits: the browser gives a sync event a few minutes at most, and retries itself.
      const outbox = await createOutbox({
        repository,
        runs,
        maxWaitInFlushMs: 10_000,
        pullOfficeCorrections: true,
        checkServerHolds: true,
      });
      try {
        await flushForBackgroundSync(outbox); // rejects while work remains: the browser retries
        if (runs) await uploadRunsTo(outbox.connection, runs);
      } finally {
        await outbox.close();
        runs?.close();
        repository.close();
      }
    })(),
  );
});
