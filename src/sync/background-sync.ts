/**
 * Background Sync (Chromium): the page asks the browser to wake the service worker with a
 * `sync` event once the network is back, even if the app was closed meanwhile; the service
 * worker flushes the same outbox (same IndexedDB, same Web Lock, so never at the same time as a
 * tab). Where the browser has no Background Sync, these are no-ops and the page's own triggers
 * (start, online, visible, "Sync now") do the work.
 */
import type { FlushResult, Outbox } from './outbox';

export const OUTBOX_SYNC_TAG = 'roadcam-outbox';

interface SyncManagerLike {
  register(tag: string): Promise<void>;
}

interface RegistrationLike {
  sync?: SyncManagerLike;
}

/** Page side. Returns false where Background Sync is missing or refused. */
async function requestBackgroundSync(registration: RegistrationLike | undefined): Promise<boolean> {
  if (!registration?.sync) return false;
  try {
    await registration.sync.register(OUTBOX_SYNC_TAG);
    return true;
  } catch {
    // Refused (permission, private mode): the page's triggers still flush.
    return false;
  }
}

/**
 * Page side: registers a Background Sync whenever surveys are queued or a flush had to stop
 * for the network, so the upload happens even if the engineer closes the app. Returns the
 * unsubscribe function.
 */
export function backgroundSyncOnRetry(
  outbox: Outbox,
  registration: RegistrationLike | undefined,
): () => void {
  if (!registration?.sync) return () => undefined;
  return outbox.subscribe((event) => {
    const wanted =
      (event.type === 'records' && event.state === 'queued') ||
      (event.type === 'flush-end' && event.result.outcome === 'retry-later');
    if (wanted) void requestBackgroundSync(registration);
  });
}

/**
 * Service-worker side, inside `event.waitUntil(...)` of the `sync` event: resolves when the
 * outbox is empty (or cannot be helped by retrying: no settings, a refused token); rejects when
 * work remains for the network, so that the browser schedules another `sync` event later.
 */
export async function flushForBackgroundSync(outbox: Outbox): Promise<FlushResult> {
  const result = await outbox.flush();
  if (result.outcome === 'retry-later' || result.outcome === 'error') {
    throw new Error(
      `RoadCAM outbox: ${result.waiting} surveys still waiting (${result.error?.detail ?? result.outcome})`,
    );
  }
  return result;
}
