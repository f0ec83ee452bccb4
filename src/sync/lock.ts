/**
 * One upload at a time per origin. In a browser (pages and the service worker) this is a Web
 * Lock (`navigator.locks`), which the browser releases when a tab closes or crashes, so two
 * tabs, or a tab and the service worker's Background Sync, never upload at once. Where there
 * are no Web Locks (Node, old browsers) an in-memory lock serialises the outboxes of this one
 * JavaScript realm.
 */

/** Runs `task` while holding the lock called `name`; waits while someone else holds it. */
export type ExclusiveLock = <T>(name: string, task: () => Promise<T>) => Promise<T>;

interface WebLocks {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

const held = new Map<string, Promise<unknown>>();

/** The in-memory fallback: tasks for one name run one after another, in call order. */
const memoryLock: ExclusiveLock = <T>(name: string, task: () => Promise<T>) => {
  const before = held.get(name) ?? Promise.resolve();
  const run = before.then(task, task);
  const tail = run.catch(() => undefined);
  held.set(name, tail);
  void tail.then(() => {
    if (held.get(name) === tail) held.delete(name);
  });
  return run;
};

function webLocks(): WebLocks | undefined {
  const nav = (globalThis as { navigator?: { locks?: WebLocks } }).navigator;
  return nav?.locks && typeof nav.locks.request === 'function' ? nav.locks : undefined;
}

/** Web Locks where the platform has them, the in-memory lock otherwise. */
export function defaultLock(): ExclusiveLock {
  const locks = webLocks();
  if (!locks) return memoryLock;
  return <T>(name: string, task: () => Promise<T>) => locks.request(name, task);
}
