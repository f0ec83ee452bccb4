/**
 * Errors the API answers with: `{"error": CODE, "message": TEXT}`. CODE is stable (clients
 * branch on it); TEXT is for the person reading it. `detail` goes to the server log only.
 */

export type ApiErrorCode =
  | 'unauthorized'
  | 'invalid_token'
  | 'invalid_id'
  | 'invalid_json'
  | 'invalid_batch'
  | 'batch_too_large'
  | 'invalid_query'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'not_jpeg'
  | 'survey_not_found'
  | 'photo_not_found'
  | 'photo_conflict'
  | 'photo_sha256_mismatch'
  | 'not_found'
  | 'bad_request'
  | 'storage_unavailable'
  | 'storage_full'
  | 'storage_busy'
  | 'internal_error';

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): { error: ApiErrorCode; message: string } {
    return { error: this.code, message: this.message };
  }
}

/** System errors that mean "the disk refused the write"; anything else is a bug (500). */
const READ_ONLY_CODES = new Set(['EROFS', 'EPERM', 'EACCES', 'SQLITE_READONLY']);
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Turns a failed write into the answer the client can act on: 503/507 are retried later by the
 * outbox, and nothing was acknowledged, so nothing is lost. Returns null for other errors.
 */
export function storageErrorToApiError(error: unknown): ApiError | null {
  const code = errorCode(error);
  if (code === undefined) return null;
  if (FULL_CODES.has(code)) {
    return new ApiError(
      507,
      'storage_full',
      'The server’s disk is full: nothing from this request was stored. Retry later; the ' +
        'server’s administrator must free space.',
      { code, message: (error as Error).message },
    );
  }
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') {
    return new ApiError(
      503,
      'storage_busy',
      'The server’s database is busy (another program holds it): nothing from this request ' +
        'was stored. Retry in a moment.',
      { code, message: (error as Error).message },
    );
  }
  // SQLite reports a write refused by the OS as SQLITE_IOERR_WRITE / _FSYNC / ... and a
  // read-only database as SQLITE_READONLY_*.
  if (
    READ_ONLY_CODES.has(code) ||
    code.startsWith('SQLITE_IOERR') ||
    code.startsWith('SQLITE_READONLY')
  ) {
    return new ApiError(
      503,
      'storage_unavailable',
      'The server cannot write to its data directory (read-only or refused by the disk): ' +
        'nothing from this request was stored. Retry later; the server’s administrator must ' +
        'make the data directory writable.',
      { code, message: (error as Error).message },
    );
  }
  return null;
}
