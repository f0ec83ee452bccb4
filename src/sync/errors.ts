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

// The failures a survey can end in, worded for the engineer (the list and the detail view).

/** The server holds another version of the survey, of the same or a higher revision. */
export function conflictFailure(serverReason?: string, serverRevision?: number): SyncFailure {
  const held = serverRevision !== undefined ? ` (revision ${serverRevision})` : '';
  return {
    code: 'conflict',
    ...(serverRevision !== undefined ? { serverRevision } : {}),
    message:
      `Conflict: the server already holds another version of this survey${held} that this ` +
      'one cannot replace (it came from another phone, or this copy was restored from an ' +
      'older backup). The server kept its version; yours stays on this phone.',
    detail: serverReason,
  };
}

/** The survey does not pass the wire schema, on the phone or on the server. */
export function invalidFailure(reason: string): SyncFailure {
  return {
    code: 'invalid',
    message: `This survey cannot be uploaded: it is incomplete or malformed (${reason}). It stays on this phone.`,
    detail: reason,
  };
}

/** The server refused the photo (another photo held, wrong type or size) or the survey. */
export function photoFailure(error: SyncError): SyncFailure {
  if (error.status === 409) {
    return {
      code: 'photo-conflict',
      message:
        'Conflict: the server already holds a different photo for this survey. It kept its ' +
        'photo; yours stays on this phone.',
      detail: error.detail,
    };
  }
  if (error.status === 413 || error.status === 415 || error.status === 422) {
    return {
      code: 'photo-rejected',
      message: `The server refused this survey’s photo: ${error.message} It stays on this phone.`,
      detail: error.detail,
    };
  }
  return rejectedFailure(error);
}

function rejectedFailure(error: SyncError): SyncFailure {
  return {
    code: 'rejected',
    message: `The server refused this survey: ${error.message} It stays on this phone.`,
    detail: error.detail,
  };
}

/** Why a record failed the wire schema, in a line: the first few zod issues with their paths. */
export function zodReason(error: unknown): string {
  const issues = (error as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
  if (Array.isArray(issues)) {
    return issues
      .slice(0, 5)
      .map((i) => `${i.path.map(String).join('.') || '(record)'}: ${i.message}`)
      .join('; ');
  }
  return describeError(error);
}

/** Anything thrown during a flush as a SyncError (a store failure keeps its message). */
export function toSyncError(error: unknown): SyncError {
  if (error instanceof SyncError) return error;
  const name = (error as { name?: string } | null)?.name;
  if (name === 'StoreError') {
    return new SyncError('storage', (error as Error).message, {
      detail: (error as { detail?: string }).detail ?? describeError(error),
      cause: error,
    });
  }
  return new SyncError('storage', 'Sync stopped on an unexpected error. Try again.', {
    detail: describeError(error),
    cause: error,
  });
}
