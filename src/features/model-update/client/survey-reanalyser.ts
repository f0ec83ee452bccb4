/**
 * "Re-analyse stored surveys": every survey on the phone that the running model has not
 * analysed, one photo at a time in the field worker, oldest first. Each result replaces the
 * survey's analysis as a new revision with the old verdict kept in `earlierAnalyses`, and goes
 * to the outbox like any edit. A survey that fails keeps its verdict and is counted, not lost.
 * A run a reload cuts short goes on at the next start with the surveys still to do
 * (unfinished-reanalysis.ts).
 */
import type { SurveyRecord } from '../../../store/survey-record';
import {
  surveysToReanalyse,
  verdictChanged,
  type ReanalysisTally,
} from '../shared/survey-reanalysis';

export interface ReanalysisDeps {
  list(): Promise<SurveyRecord[]>;
  /** Analyses the survey's stored photo again, keeping its old verdict; the new record, or
   * why it failed. */
  reanalyse(record: SurveyRecord): Promise<SurveyRecord | { message: string }>;
  enqueue(id: string): Promise<void>;
  onProgress(tally: ReanalysisTally, running: boolean): void;
}

export async function reanalyseStoredSurveys(
  model: { id: string; version: string },
  deps: ReanalysisDeps,
): Promise<ReanalysisTally> {
  const todo = surveysToReanalyse(await deps.list(), model);
  const tally: ReanalysisTally = { done: 0, total: todo.length, changed: 0, failed: 0 };
  deps.onProgress({ ...tally }, true);
  for (const record of todo) {
    const next = await deps.reanalyse(record);
    tally.done++;
    if ('message' in next) tally.failed++;
    else {
      if (verdictChanged(record, next)) tally.changed++;
      await deps.enqueue(next.id);
    }
    deps.onProgress({ ...tally }, true);
  }
  deps.onProgress({ ...tally }, false);
  return tally;
}
