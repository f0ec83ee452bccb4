/** Runs `job` when the page has loaded and the main thread is idle (or after 2 s at most). */
export function afterLoad(job: () => void): void {
  const idle = () =>
    'requestIdleCallback' in window
      ? requestIdleCallback(() => job(), { timeout: 2000 })
      : setTimeout(job, 0);
  if (document.readyState === 'complete') idle();
  else window.addEventListener('load', idle, { once: true });
}
