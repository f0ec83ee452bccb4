/**
 * Where a model installed from the sync server lives on the phone (issue 11, model roll-out):
 * each release in its own Cache Storage cache, every file under a same-origin URL
 * `/installed-models/<version>/<path>` that no server answers. The page writes them (only a
 * complete, verified set: src/features/model-update); the analysis worker reads them here, with
 * no network and no service worker needed. Cache Storage because page, worker and service
 * worker all read it, it keeps Response bodies as bytes, and one call drops a whole release.
 */
import { ModelLoadError } from '../model/model-load-error';

import type { ModelFetch } from '../model/load-model';

export type { ModelFetch };

export const INSTALLED_MODELS_PREFIX = 'installed-models/';
const CACHE_PREFIX = 'roadcam-model-';

export function installedModelCacheName(version: string): string {
  return `${CACHE_PREFIX}${version}`;
}

/** The version a cache name belongs to, or null for other caches (Workbox's, the SW's). */
export function versionOfModelCache(cacheName: string): string | null {
  return cacheName.startsWith(CACHE_PREFIX) ? cacheName.slice(CACHE_PREFIX.length) : null;
}

/** The URL a release's file is stored under, on the app's origin `base`. */
export function installedFileUrl(base: string, version: string, path: string): string {
  return new URL(`/${INSTALLED_MODELS_PREFIX}${encodeURIComponent(version)}/${path}`, base).href;
}

/** The version an installed file's URL names, or null for any other URL. */
export function installedVersionOf(url: string): string | null {
  const match = new URL(url).pathname.match(/^\/installed-models\/([^/]+)\//);
  return match ? decodeURIComponent(match[1]) : null;
}

/** fetch() for model files: installed ones from their cache only, the rest from the network. */
export const modelFetch: ModelFetch = async (input, init) => {
  const version = installedVersionOf(input);
  if (version === null) return fetch(input, init);
  const cache = await caches.open(installedModelCacheName(version));
  const stored = await cache.match(input);
  if (!stored) {
    throw new ModelLoadError(
      'model-missing',
      `Model ${version} is no longer complete on this phone (the browser may have removed ` +
        'its files to free space). The app uses the model it came with; the next sync ' +
        'downloads the new one again.',
      input,
    );
  }
  return stored;
};
