/**
 * Typed errors of the survey store: `message` is for the field engineer, `detail` for a
 * developer (the browser's own error name and text).
 */
export type StoreErrorCode = 'storage-full' | 'not-found' | 'duplicate' | 'blocked' | 'failed';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly detail?: string;

  constructor(code: StoreErrorCode, message: string, detail?: string) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
    this.detail = detail;
  }
}

export const STORAGE_FULL_MESSAGE = 'Storage full: sync or delete old surveys';

function errorName(error: unknown): string | undefined {
  return error && typeof error === 'object' && 'name' in error ? String(error.name) : undefined;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** True for the browser's "quota exceeded" however it reaches us (request error, transaction
 * error, or a DOMException thrown synchronously by put). */
function isQuotaError(error: unknown): boolean {
  const name = errorName(error);
  if (name === 'QuotaExceededError') return true;
  // Old Firefox named it this way; some wrappers only keep the legacy numeric code 22.
  if (name === 'NS_ERROR_DOM_QUOTA_REACHED') return true;
  return !!error && typeof error === 'object' && 'code' in error && error.code === 22;
}

/** Turns whatever IndexedDB threw into a StoreError a user can act on. */
export function toStoreError(error: unknown, action: string): StoreError {
  if (error instanceof StoreError) return error;
  if (isQuotaError(error))
    return new StoreError('storage-full', STORAGE_FULL_MESSAGE, describe(error));
  if (errorName(error) === 'ConstraintError') {
    return new StoreError(
      'duplicate',
      `This survey is already saved (${action}).`,
      describe(error),
    );
  }
  return new StoreError(
    'failed',
    `Could not ${action}: the phone's storage did not answer. Try again.`,
    describe(error),
  );
}
