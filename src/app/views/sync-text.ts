/** The sync status in the list's words: its header, and why a survey failed. */
import type { SyncSummary } from '../../components/rc-survey-list';
import type { SyncFailure, SyncFailureCode } from '../../sync/errors';
import type { SyncView } from '../services/sync-service';

/** Short words for a failed survey in the list: "sync failed (conflict with the server)". */
const FAILURE_LABEL: Record<SyncFailureCode, string> = {
  conflict: 'conflict with the server',
  invalid: 'incomplete survey',
  'photo-conflict': 'photo conflict',
  'photo-rejected': 'photo refused',
  'photo-missing': 'photo missing',
  rejected: 'refused by the server',
};

export function failureLabel(failure: SyncFailure | undefined): string | undefined {
  return failure ? FAILURE_LABEL[failure.code] : undefined;
}

/** "3 waiting to sync", "Nothing waiting to sync". */
export function waitingText(waiting: number): string {
  return waiting === 0 ? 'Nothing waiting to sync' : `${waiting} waiting to sync`;
}

export function lastSyncText(lastSyncAt: string | null): string {
  return lastSyncAt ? `Last sync: ${new Date(lastSyncAt).toLocaleString()}` : 'Never synced yet';
}

/** The list's sync header. */
export function syncSummary(view: SyncView): SyncSummary {
  return {
    waiting: view.waiting,
    waitingText: waitingText(view.waiting),
    lastSyncText: lastSyncText(view.lastSyncAt),
    syncing: view.syncing,
    problem: view.problem,
  };
}
