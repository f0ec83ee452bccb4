/**
 * Registers the service worker and turns "a new version is waiting" into a prompt. The page
 * reloads only after the engineer taps "reload" and pending edits are saved.
 */
import { Workbox } from 'workbox-window';

export interface UpdateHandle {
  /** Called when a new version is installed and waiting. */
  onUpdateReady(listener: () => void): void;
  /** Activates the waiting version, then reloads once it controls the page. */
  applyUpdate(): void;
}

export function registerServiceWorker(url = '/sw.js'): UpdateHandle | null {
  if (!('serviceWorker' in navigator)) return null;
  const wb = new Workbox(url, { type: 'classic', scope: '/' });
  const listeners: (() => void)[] = [];
  let ready = false;
  let reloadRequested = false;
  wb.addEventListener('waiting', () => {
    ready = true;
    for (const l of listeners) l();
  });
  wb.addEventListener('controlling', (event) => {
    // Only a reload the engineer asked for; the first install takes control without one.
    if (reloadRequested && event.isUpdate) window.location.reload();
  });
  void wb.register().catch((error) => console.warn('Service worker registration failed', error));
  return {
    onUpdateReady(listener) {
      listeners.push(listener);
      if (ready) listener();
    },
    applyUpdate() {
      reloadRequested = true;
      wb.messageSkipWaiting();
    },
  };
}
