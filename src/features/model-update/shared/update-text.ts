/**
 * The About page's model roll-out section in words: which model runs, what the update is doing,
 * what went wrong and what to do, "what changed", and the go-back choice. Pure.
 */
import type { ModelUpdateView } from './update-view';
import type { ModelStatus } from '../../../workers/protocol';

export interface ModelUpdateText {
  running: string;
  /** What the update is doing now; '' when idle. */
  activity: string;
  /** The last failure (or the installed model failing at start), for the engineer. */
  problem: string | null;
  /** "Model 2.1.0 installed: what changed" and its lines, until dismissed. */
  news: { title: string; lines: string[] } | null;
  /** The go-back button's words; null when there is nothing to go back to. */
  goBack: string | null;
  /** True when an installed model runs (re-analysis makes sense). */
  canReanalyse: boolean;
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

export function modelUpdateText(view: ModelUpdateView, status: ModelStatus): ModelUpdateText {
  const { install, activity } = view;
  const current = install.current;
  const fellBack = status.state === 'ready' ? status.fallbackReason : undefined;
  const running =
    current && !fellBack
      ? `Model ${current.version} from the sync server, installed ${current.installedAt.slice(0, 10)}.`
      : 'The model the app came with.';
  let activityText = '';
  if (activity.kind === 'checking') activityText = 'Asking the sync server for a new model…';
  if (activity.kind === 'downloading') {
    const p = activity.progress;
    activityText =
      `Downloading model ${activity.version} in the background: ${p.doneFiles} of ` +
      `${p.totalFiles} files (${megabytes(p.doneBytes)} of ${megabytes(p.totalBytes)} MB). ` +
      'The current model works meanwhile.';
  }
  if (activity.kind === 'switching') {
    activityText = `Checking that model ${activity.version} runs on this phone…`;
  }
  const problem = fellBack
    ? `The installed model ${current?.version ?? ''} could not be loaded, so the app uses the ` +
      `model it came with. ${fellBack}`
    : (install.problem?.message ?? null);
  const previous = install.previous;
  const goBack =
    current && previous
      ? previous === 'bundled'
        ? 'Go back to the model the app came with'
        : `Go back to model ${previous.version}`
      : null;
  return {
    running,
    activity: activityText,
    problem,
    news:
      current && install.announce
        ? { title: `Model ${current.version} installed: what changed`, lines: current.whatChanged }
        : null,
    goBack,
    canReanalyse: !!current && !fellBack && status.state === 'ready',
  };
}
