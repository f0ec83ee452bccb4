/**
 * Errors the API answers with: `{"error": CODE, "message": TEXT}`. CODE is stable (clients
 * branch on it); TEXT is for the person reading it. `detail` goes to the server log only.
 */

export type ApiErrorCode =
  | 'unauthorized'
  | 'invalid_token'
  | 'forbidden'
  | 'invalid_review'
  | 'review_not_found'
  | 'survey_changed'
  | 'review_changed'
  | 'no_model'
  | 'invalid_id'
  | 'invalid_json'
  | 'invalid_batch'
  | 'batch_too_large'
  | 'invalid_query'
  | 'invalid_road_network'
  | 'no_road_network'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'not_jpeg'
  | 'survey_not_found'
  | 'run_not_found'
  | 'photo_not_found'
  | 'photo_conflict'
  | 'photo_sha256_mismatch'
  | 'photo_size_mismatch'
  | 'token_in_query'
  | 'body_timeout'
  | 'too_many_exports'
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
/** PostgreSQL's SQLSTATE 53100 is disk_full. */
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', '53100']);
/**
 * The database server cannot be reached or refuses work for now: connection refused or lost,
 * shutting down or starting (57P01-57P03), too many connections (53300), out of memory (53200),
 * read-only (25006: a standby), connection exceptions (class 08). Nothing was committed.
 */
const DATABASE_UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '53200',
  '25006',
]);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** node-postgres reports a dropped or timed-out connection without a code. */
function lostConnectionCode(error: unknown): string | undefined {
  const message = (error as Error | null)?.message ?? '';
  return /^(Connection terminated|timeout exceeded when trying to connect)/i.test(message)
    ? 'ECONNRESET'
    : undefined;
}

/**
 * Turns a failed write into the answer the client can act on: 503/507 are retried later by the
 * outbox, and nothing was acknowledged, so nothing is lost. Returns null for other errors.
 */
export function storageErrorToApiError(error: unknown): ApiError | null {
  const code = errorCode(error) ?? lostConnectionCode(error);
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
  if (DATABASE_UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) {
    return new ApiError(
      503,
      'storage_unavailable',
      'The server cannot reach its database just now: nothing from this request was stored. ' +
        'Retry later; the server’s administrator must check the database.',
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
