/**
 * A release's files on the phone: downloaded from the sync server with the device token, each
 * checked (size, SHA-256) as it arrives, then stored together in the release's own Cache Storage
 * cache (src/workers/installed-model.ts says why there). The release's cache is made only once
 * every file has arrived and passed; a failure while storing drops it, so a half-stored model is
 * never there to load. Meanwhile each file that passed is kept in a download cache of its own
 * (`downloadCacheName`), so a download the connection cuts goes on at the next sync from the
 * file it stopped at, not from the first (a phone on a weak link may never get all files in one
 * go); a kept file is checked again before it is used.
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

const DOWNLOAD_PREFIX = 'roadcam-download-';

/** The cache holding the files of release `version` downloaded so far (never loaded from). */
export function downloadCacheName(version: string): string {
  return `${DOWNLOAD_PREFIX}${version}`;
}

/** The download cache, or null where Cache Storage cannot be opened (then nothing is kept). */
async function openDownloadCache(version: string): Promise<Cache | null> {
  try {
    for (const name of await caches.keys()) {
      // A download of another release left unfinished is of no use any more.
      if (name.startsWith(DOWNLOAD_PREFIX) && name !== downloadCacheName(version)) {
        await caches.delete(name);
      }
    }
    return await caches.open(downloadCacheName(version));
  } catch {
    return null;
  }
}

/** A file kept by an earlier attempt, if it is still there and still passes its check. */
async function keptFile(
  cache: Cache | null,
  url: string,
  version: string,
  file: ModelReleaseResponse['files'][number],
): Promise<ArrayBuffer | null> {
  try {
    const kept = await cache?.match(url);
    if (!kept) return null;
    const bytes = await kept.arrayBuffer();
    await checkFile(version, file, bytes);
    return bytes;
  } catch {
    await cache?.delete(url).catch(() => undefined);
    return null;
  }
}

/** Drops the files kept for release `version`'s download (it is stored, or given up). */
export async function dropDownload(version: string): Promise<void> {
  await caches.delete(downloadCacheName(version)).catch(() => undefined);
}

/**
 * Every file of the release, checked; throws ModelUpdateError naming the file that failed. The
 * files an earlier, cut attempt got are taken from the download cache.
 */
export async function downloadRelease(
  release: ModelReleaseResponse,
  options: DownloadOptions,
): Promise<Map<string, ArrayBuffer>> {
  const totalBytes = release.files.reduce((n, f) => n + f.bytes, 0);
  const files = new Map<string, ArrayBuffer>();
  let doneBytes = 0;
  const progress = () =>
    options.onProgress?.({
      doneFiles: files.size,
      totalFiles: release.files.length,
      doneBytes,
      totalBytes,
    });
  progress();
  const partial = await openDownloadCache(release.version);
  for (const file of release.files) {
    const url = new URL(file.url, options.base).href;
    const kept = await keptFile(partial, url, release.version, file);
    if (kept) {
      files.set(file.path, kept);
      doneBytes += file.bytes;
      progress();
      continue;
    }
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
          `the download goes on from ${file.path} at the next sync.`,
        `${url}: ${String(error)}`,
      );
    }
    await checkFile(release.version, file, bytes);
    // Kept for a next attempt; a phone without room for it only loses the resume.
    await partial
      ?.put(url, new Response(bytes, { headers: { 'content-type': typeOf(file.path) } }))
      .catch(() => undefined);
    files.set(file.path, bytes);
    doneBytes += file.bytes;
    progress();
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
