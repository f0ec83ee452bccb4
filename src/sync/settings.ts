/**
 * Where the phone syncs to: the server URL and the device token typed into the settings. Kept
 * in IndexedDB (the outbox database), not localStorage, because the service worker, which has
 * no localStorage, flushes the outbox on Background Sync too.
 */
import { SyncError } from './errors';

export interface SyncSettings {
  /**
   * The sync server, e.g. `https://roadcam.example.org/` (the API is under `api/v1/` there).
   * Empty: the origin the app was loaded from (the server also serves the app).
   */
  serverUrl: string;
  /** A device token from `npm run server -- token create --name NAME`. */
  token: string;
}

/** Where the outbox reads its settings. */
export interface SyncSettingsSource {
  load(): Promise<SyncSettings | null>;
  save?(settings: SyncSettings): Promise<void>;
}

/** The base URL the API paths are resolved against (ends with a slash), or a SyncError. */
export function serverBase(serverUrl: string, origin = currentOrigin()): URL {
  const text = serverUrl.trim();
  let base: URL;
  try {
    base = text ? new URL(text, origin ?? undefined) : new URL(origin ?? '');
  } catch (cause) {
    throw new SyncError(
      'bad-settings',
      `“${text}” is not a web address: type the server’s address, e.g. https://roadcam.example.org`,
      { detail: String(cause), cause },
    );
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new SyncError(
      'bad-settings',
      'The server address must start with https:// (or http:// on the same machine).',
      { detail: `protocol ${base.protocol}` },
    );
  }
  base.search = '';
  base.hash = '';
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return base;
}

export function apiUrl(base: URL, path: string): string {
  return new URL(`api/v1/${path.replace(/^\//, '')}`, base).toString();
}

function currentOrigin(): string | undefined {
  const location = (globalThis as { location?: { origin?: string } }).location;
  return location?.origin && location.origin !== 'null' ? location.origin : undefined;
}

/** Checks what the engineer typed before it is saved; throws a SyncError that says what to fix. */
export function validateSettings(settings: SyncSettings): SyncSettings {
  const token = settings.token.trim();
  if (!token) {
    throw new SyncError(
      'bad-settings',
      'Enter the device token you were given (it starts with rcd_).',
      { detail: 'empty token' },
    );
  }
  if (/\s/.test(token)) {
    throw new SyncError('bad-settings', 'The token has spaces in it: paste it again.', {
      detail: 'whitespace inside the token',
    });
  }
  serverBase(settings.serverUrl);
  return { serverUrl: settings.serverUrl.trim(), token };
}
