/**
 * Any failure (a StoreError, a SyncError, a worker's FailureInfo, a thrown Error, a string) as
 * the app and the lab show it: `message` for the engineer, `detail` for the console.
 */
export interface ShownError {
  message: string;
  detail?: string;
}

export function toShownError(error: unknown): ShownError {
  if (error && typeof error === 'object' && 'message' in error) {
    const { message, detail } = error as { message: unknown; detail?: unknown };
    return {
      message: String(message),
      ...(detail !== undefined && detail !== null ? { detail: String(detail) } : {}),
    };
  }
  return { message: String(error) };
}
