/**
 * Runs a reload or a killed tab left running. The Drive page offers to resume the newest
 * (DriveSession.resume) or to end it; either way nothing it recorded is lost: ending saves the
 * best frame of each stretch it still had open as a survey, in the same transaction that marks
 * it ended with its thinned track. A run not written for `STALE_RUN_MS` (the engineer has
 * plainly moved on) is ended without asking, so it can sync.
 */
import type { RunEndReason } from '../../../schema/run';
import type { RunRepository } from '../../../store/run-repository';
import type { RunRecord } from '../../../store/run-record';
import { thinTrack } from '../shared/track';
import { openStretchesOf, saveClosedStretches } from './drive-survey';

/** A run paused or left running longer than this is over. */
export const STALE_RUN_MS = 30 * 60_000;

/** Ends one leftover run with all it had; returns it (unchanged when it had already ended). */
export async function endLeftoverRun(
  runs: RunRepository,
  runId: string,
  reason: RunEndReason = 'reloaded',
  now = new Date(),
): Promise<RunRecord> {
  const run = await runs.get(runId);
  if (!run) throw new Error(`Run ${runId} is not on the phone`);
  if (run.state === 'ended') return run;
  const { run: ended } = await saveClosedStretches(runs, runId, openStretchesOf(run), (stored) => ({
    ...stored,
    track: thinTrack(stored.track, stored.trackToleranceM),
    openStretches: [],
    pausedAt: null,
    state: 'ended',
    // The last time it was known to be running: the end of what it recorded.
    endedAt: stored.updatedAt < now.toISOString() ? stored.updatedAt : now.toISOString(),
    endReason: reason,
  }));
  return ended;
}

/**
 * Sorts the runs left running: the newest recent one is offered for resuming, the others (and
 * any not written for `staleMs`) are ended with what they had.
 */
export async function settleLeftoverRuns(
  runs: RunRepository,
  options: { now?: Date; staleMs?: number } = {},
): Promise<{ resumable: RunRecord | null; ended: RunRecord[] }> {
  const now = options.now ?? new Date();
  const staleMs = options.staleMs ?? STALE_RUN_MS;
  const running = (await runs.running()).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  const [newest, ...older] = running;
  const resumable =
    newest && now.getTime() - Date.parse(newest.updatedAt) < staleMs ? newest : null;
  const ended: RunRecord[] = [];
  for (const run of resumable ? older : running) {
    ended.push(await endLeftoverRun(runs, run.id, 'reloaded', now));
  }
  return { resumable, ended };
}

/** Every run left running ended with what it had (no resume offered). */
export async function endAbandonedRuns(
  runs: RunRepository,
  now = new Date(),
): Promise<RunRecord[]> {
  const ended: RunRecord[] = [];
  for (const run of await runs.running())
    ended.push(await endLeftoverRun(runs, run.id, 'reloaded', now));
  return ended;
}
