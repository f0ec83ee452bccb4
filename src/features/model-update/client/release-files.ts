/**
 * A release's files on the phone: downloaded from the sync server with the device token, each
 * checked (size, SHA-256) as it arrives, then stored together in the release's own Cache Storage
 * cache (src/workers/installed-model.ts says why there). Nothing is stored until every file has
 * arrived and passed; a failure while storing drops the release's cache, so a half-stored model
 * is never there to load.
 */
import type { ModelReleaseResponse } from '../../../schema/model-release';
import {
  installedFileUrl,
  installedModelCacheName,
  versionOfModelCache,
} from '../../../workers/installed-model';
import { checkFile } from '../shared/file-check';
import { ModelUpdateError } from '../shared/release-check';
import type { DownloadProgress } from '../shared/update-view';

export interface DownloadOptions {
  /** The sync server's base URL (ends with '/'). */
  base: URL;
  token: string;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** A file gets this long plus its size at 20 kB/s (a slow mobile link), ms. */
  timeoutMs?: number;
}

/** Every file of the release, checked; throws ModelUpdateError naming the file that failed. */
export async function downloadRelease(
  release: ModelReleaseResponse,
  options: DownloadOptions,
): Promise<Map<string, ArrayBuffer>> {
  const totalBytes = release.files.reduce((n, f) => n + f.bytes, 0);
  const files = new Map<string, ArrayBuffer>();
  let doneBytes = 0;
  options.onProgress?.({ doneFiles: 0, totalFiles: release.files.length, doneBytes, totalBytes });
  for (const file of release.files) {
    const url = new URL(file.url, options.base).href;
    const timeout = AbortSignal.timeout(
      (options.timeoutMs ?? 30_000) + (file.bytes / 20_000) * 1000,
    );
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let bytes: ArrayBuffer;
    try {
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${options.token}` },
        credentials: 'omit',
        cache: 'no-store',
        signal,
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      bytes = await response.arrayBuffer();
    } catch (error) {
      throw new ModelUpdateError(
        'download',
        `Model ${release.version} was not installed: the download of ${file.path} stopped ` +
          '(the connection dropped or the server did not answer). The current model stays; ' +
          'the download starts again at the next sync.',
        `${url}: ${String(error)}`,
      );
    }
    await checkFile(release.version, file, bytes);
    files.set(file.path, bytes);
    doneBytes += file.bytes;
    options.onProgress?.({
      doneFiles: files.size,
      totalFiles: release.files.length,
      doneBytes,
      totalBytes,
    });
  }
  return files;
}

function typeOf(path: string): string {
  return path.endsWith('.json') ? 'application/json' : 'application/octet-stream';
}

/** Stores the checked files as the release's cache (replacing any partial one left before). */
export async function storeRelease(
  origin: string,
  version: string,
  files: ReadonlyMap<string, ArrayBuffer>,
): Promise<void> {
  const name = installedModelCacheName(version);
  await caches.delete(name);
  try {
    const cache = await caches.open(name);
    for (const [path, bytes] of files) {
      await cache.put(
        installedFileUrl(origin, version, path),
        new Response(bytes, {
          headers: { 'content-type': typeOf(path), 'content-length': String(bytes.byteLength) },
        }),
      );
    }
  } catch (error) {
    await caches.delete(name).catch(() => undefined);
    throw new ModelUpdateError(
      'storage',
      `Model ${version} was not installed: the phone has no room to keep it. The current model ` +
        'stays. Free some space (or sync and delete old surveys), then sync again.',
      String(error),
    );
  }
}

/** True when every file of the release is in its cache with its size (a reload or the browser
 * may have dropped it). */
export async function releaseComplete(
  origin: string,
  release: Pick<ModelReleaseResponse, 'version' | 'files'>,
): Promise<boolean> {
  const name = installedModelCacheName(release.version);
  if (!(await caches.has(name))) return false;
  const cache = await caches.open(name);
  for (const file of release.files) {
    const stored = await cache.match(installedFileUrl(origin, release.version, file.path));
    if (!stored || Number(stored.headers.get('content-length')) !== file.bytes) return false;
  }
  return true;
}

/** Drops the caches of installed releases other than `keep`. */
export async function dropReleasesExcept(keep: readonly string[]): Promise<void> {
  for (const name of await caches.keys()) {
    const version = versionOfModelCache(name);
    if (version !== null && !keep.includes(version)) await caches.delete(name);
  }
}

export async function dropRelease(version: string): Promise<void> {
  await caches.delete(installedModelCacheName(version));
}
