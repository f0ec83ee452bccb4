/**
 * When to retry after a failure that a later attempt can cure (network, timeout, 5xx, 408,
 * 429): exponential backoff with "equal jitter". Half of each step is fixed, so the wait grows
 * with every consecutive failure; half is random, so a hundred phones that lost the same server
 * at the same moment do not all come back at the same instant.
 */

export interface BackoffPolicy {
  /** The first step, ms (the wait after one failure lies in [baseMs/2, baseMs]). */
  baseMs: number;
  /** Each further failure multiplies the step by this. */
  factor: number;
  /** No step is longer than this, ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, factor: 2, maxMs: 5 * 60_000 };

/** The wait before the next attempt after `failures` (>= 1) consecutive failures. */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const n = Math.max(1, Math.floor(failures));
  const step = Math.min(policy.maxMs, policy.baseMs * policy.factor ** (n - 1));
  return step / 2 + (random() * step) / 2;
}

/**
 * Retry-After (RFC 9110): delay-seconds or an HTTP date. Returns ms from `nowMs`, or undefined
 * when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Time, injected so that tests can run backoff without waiting. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};
