/** The sync client as the page (a lazily loaded chunk) and the service worker use it. */
export {
  createOutbox,
  Outbox,
  type OutboxOptions,
  type FlushResult,
  type OutboxEvent,
} from './outbox';
export type { ConnectionCheck } from './connection';
export type { TriggerTarget } from './triggers';
export { backoffDelay, type Clock } from './backoff';
export { OUTBOX_SYNC_TAG, backgroundSyncOnRetry, flushForBackgroundSync } from './background-sync';
