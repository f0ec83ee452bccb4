/** How much the phone lets the app keep, and whether the browser may evict it. */
export interface StorageInfo {
  usedBytes: number | null;
  quotaBytes: number | null;
  /** null: the browser cannot say (no StorageManager). */
  persisted: boolean | null;
}

export async function readStorageInfo(
  storage: StorageManager | undefined = navigator.storage,
): Promise<StorageInfo> {
  if (!storage) return { usedBytes: null, quotaBytes: null, persisted: null };
  const [estimate, persisted] = await Promise.all([
    storage.estimate?.().catch(() => null) ?? null,
    storage.persisted?.().catch(() => null) ?? null,
  ]);
  return {
    usedBytes: estimate?.usage ?? null,
    quotaBytes: estimate?.quota ?? null,
    persisted,
  };
}

/** Asks that saved surveys never be evicted; answers whether the browser agreed. */
export async function requestPersistence(
  storage: StorageManager | undefined = navigator.storage,
): Promise<boolean | null> {
  if (!storage?.persist) return null;
  try {
    return await storage.persist();
  } catch {
    return false;
  }
}
