/**
 * When the outbox flushes by itself: at once when attached (app start), when the browser comes
 * back `online`, when the page becomes visible again, after a change (a survey queued, new
 * settings), and when a flush that had to stop is due to retry.
 */
import type { Clock } from './backoff';

/** What attach() needs of a window: `online` events and the document's visibility. */
export interface TriggerTarget {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
  document?: {
    visibilityState?: string;
    addEventListener(type: string, listener: () => void): void;
    removeEventListener(type: string, listener: () => void): void;
  };
}

export class FlushTriggers {
  private attached = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly flush: () => void,
    private readonly clock: Clock,
  ) {}

  /** Flushes now and on the events above; returns a function that detaches all of it. */
  attach(target: TriggerTarget = globalThis as unknown as TriggerTarget): () => void {
    const onOnline = () => this.kick();
    const doc = target.document;
    const onVisibility = () => {
      if (doc?.visibilityState === 'visible') this.kick();
    };
    target.addEventListener('online', onOnline);
    doc?.addEventListener('visibilitychange', onVisibility);
    this.attached++;
    this.kick();
    let attached = true;
    return () => {
      if (!attached) return;
      attached = false;
      target.removeEventListener('online', onOnline);
      doc?.removeEventListener('visibilitychange', onVisibility);
      this.attached--;
      if (this.attached === 0) this.stop();
    };
  }

  /** Something changed that a flush should take up (only while attached). */
  changed(): void {
    if (this.attached > 0) this.kick();
  }

  /** A flush had to stop: flush again at `at` (clock ms), while attached. */
  retryAt(at: number): void {
    if (this.attached === 0) return;
    this.stop();
    const delay = Math.max(0, at - this.clock.now());
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, delay);
  }

  /** Cancels a pending retry. */
  stop(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private kick(): void {
    this.stop();
    this.flush();
  }
}
