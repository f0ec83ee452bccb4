export {
  createOutbox,
  Outbox,
  conflictFailure,
  type OutboxOptions,
  type FlushOutcome,
  type FlushResult,
  type OutboxStatus,
  type OutboxFailure,
  type OutboxEvent,
  type ConnectionCheck,
  type TriggerTarget,
} from './outbox';
export { SyncError, type SyncErrorCode, type SyncFailure, type SyncFailureCode } from './errors';
export { type SyncSettings, type SyncSettingsSource, validateSettings } from './settings';
export {
  backoffDelay,
  parseRetryAfter,
  DEFAULT_BACKOFF,
  type BackoffPolicy,
  type Clock,
} from './backoff';
export {
  OUTBOX_SYNC_TAG,
  requestBackgroundSync,
  backgroundSyncOnRetry,
  flushForBackgroundSync,
} from './background-sync';
export { OUTBOX_DB_NAME } from './outbox-db';
