/**
 * The analysis worker's script: it only imports the worker itself (analysis-worker.ts).
 * Chromium keeps the compiled code (V8's code cache) of the modules a worker imports, but not of
 * the worker's own top-level script: as that script, the worker's 460 KB were compiled afresh
 * on every start (about 38 ms of each cold start here, in a trace, and five times that at a
 * fifth of a core); imported, they come from the cache. Messages that arrive before the worker
 * has set up its listener are held, then handed to it in order.
 */
const held: MessageEvent[] = [];
const hold = (event: MessageEvent) => held.push(event);
self.addEventListener('message', hold);
import('./analysis-worker').then(
  () => {
    self.removeEventListener('message', hold);
    for (const { data, ports } of held) {
      self.dispatchEvent(new MessageEvent('message', { data, ports: [...ports] }));
    }
  },
  (error: unknown) => {
    // As a worker whose script fails to load: an uncaught error the page's Worker sees.
    setTimeout(() => {
      throw error;
    });
  },
);
