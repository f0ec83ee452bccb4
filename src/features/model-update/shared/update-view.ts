/** The model roll-out's state as the page shows it: what is installed and what runs now. */
import type { ModelInstallState } from './install-state';

export interface DownloadProgress {
  doneFiles: number;
  totalFiles: number;
  doneBytes: number;
  totalBytes: number;
}

/** What the update is doing now (not kept: a reload starts idle). */
export type UpdateActivity =
  | { kind: 'idle' }
  | { kind: 'checking' }
  | { kind: 'downloading'; version: string; progress: DownloadProgress }
  | { kind: 'switching'; version: string };

export interface ModelUpdateView {
  install: ModelInstallState;
  activity: UpdateActivity;
}
