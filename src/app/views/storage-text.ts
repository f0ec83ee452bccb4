/** How much the phone keeps for the app, and whether the browser may clear it, in words. */
import type { StorageInfo } from '../../store/storage-info';
import { formatBytes } from '../../ui/format-bytes';

export function storageText({ usedBytes, quotaBytes }: StorageInfo): string {
  if (usedBytes === null) return 'Storage use: unknown on this browser.';
  return `Storage: ${formatBytes(usedBytes)} used of ${formatBytes(quotaBytes)} available to this app.`;
}

export function persistedText(persisted: boolean | null): string {
  if (persisted === null) return 'unknown on this browser';
  return persisted
    ? 'yes: the browser will not clear surveys to free space'
    : 'not granted: the browser may clear data when the phone runs out of space. Sync often.';
}
