/**
 * Typed errors of the sync client: `message` is for the field engineer, `detail` for a
 * developer (HTTP status, the server's error code, the browser's own error text).
 */

/** What went wrong with a request or a whole flush. */
export type SyncErrorCode =
  /** No server URL or token in the settings yet. */
  | 'not-configured'
  /** The server URL in the settings is not a usable http(s) URL. */
  | 'bad-settings'
  /** The server refused the token (401): a new one is needed in the settings. */
  | 'unauthorized'
  /** No connection, connection refused or reset, DNS failure. */
  | 'network'
  /** No complete answer within the request timeout. */
  | 'timeout'
  /** 5xx, 408 or 429: the server or a proxy is unwell; retried later. */
  | 'server'
  /** Another 4xx: retrying the same request cannot help. */
  | 'rejected'
  /** A 2xx whose body is not what the protocol says (a proxy page, a cut answer). */
  | 'protocol'
  /** The outbox was closed (page closing) while the request ran. */
  | 'closed'
  /** The phone's storage failed (IndexedDB). */
  | 'storage';

export class SyncError extends Error {
  readonly code: SyncErrorCode;
  readonly detail?: string;
  /** HTTP status when the server (or a proxy) answered. */
  readonly status?: number;
  /** The server's stable error code (`{"error": CODE}`), when it sent one. */
  readonly apiCode?: string;
  /** True for failures that a later attempt can cure: network, timeout, 5xx, 408, 429. */
  readonly retryable: boolean;
  /** The server's Retry-After, in ms, when it sent one. */
  readonly retryAfterMs?: number;

  constructor(
    code: SyncErrorCode,
    message: string,
    options: {
      detail?: string;
      status?: number;
      apiCode?: string;
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SyncError';
    this.code = code;
    this.detail = options.detail;
    this.status = options.status;
    this.apiCode = options.apiCode;
    this.retryAfterMs = options.retryAfterMs;
    this.retryable =
      code === 'network' || code === 'timeout' || code === 'server' || code === 'protocol';
  }
}

/** Why one survey could not be synced; the engineer sees `message` in the list and detail view. */
export type SyncFailureCode =
  /** The server holds another version of this survey (same id, other content). */
  | 'conflict'
  /** The survey does not pass the record schema (on the phone or on the server). */
  | 'invalid'
  /** The server holds another photo for this survey. */
  | 'photo-conflict'
  /** The server refused the photo bytes (not a JPEG, too large, not the bytes the record names). */
  | 'photo-rejected'
  /** The photo is not on the phone any more. */
  | 'photo-missing'
  /** Any other refusal (a 4xx the protocol does not name). */
  | 'rejected';

export interface SyncFailure {
  code: SyncFailureCode;
  message: string;
  detail?: string;
  /** With 'conflict': the revision the server keeps, when it said. */
  serverRevision?: number;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const causeText = cause instanceof Error ? ` (${cause.name}: ${cause.message})` : '';
    return `${error.name}: ${error.message}${causeText}`;
  }
  return String(error);
}
