/**
 * Does the server still hold what this phone marked synced? A server restored from a backup has
 * lost every survey and drive run uploaded since that backup, while the phones still show them
 * synced. Now and then, after a sync that uploaded everything, the outbox asks the server about
 * its synced surveys (POST /surveys/check) and runs (POST /runs/check), up to 1000 a request,
 * and queues again those it lacks, or holds at a lower revision, or (surveys) whose photo it
 * lacks. Asking is a read: a failure changes nothing on either side, and the next sync asks
 * again. See docs/SYNC.md ("Checking what the server holds").
 */
import {
  MAX_SURVEYS_PER_CHECK,
  type RecordCheckResult,
  type SurveyCheckItem,
  type SurveyCheckResult,
} from '../schema/survey';
import { SyncError } from './errors';
import type { SyncApi } from './sync-api';

/** Outbox database key: clock ms of the last completed check. */
export const SERVER_CHECKED_AT_KEY = 'serverCheckedAt';

/**
 * How often, at most: a restore is rare and announced, so a phone mends within a working day's
 * hours, while a phone with 20,000 synced surveys (about 1.2 MB of ids to ask) does not send
 * them at every app start.
 */
export const DEFAULT_SERVER_CHECK_INTERVAL_MS = 6 * 3600_000;

/** What to send again, from the server's answers. */
export interface ResendPlan {
  /** Not held at the phone's revision (absent, or older): the record, then its photo. */
  records: string[];
  /** Held at that revision or higher, but without the photo: the photo only. */
  photos: string[];
}

/** What the check asks about a synced survey or run. */
export function checkItem(record: { id: string; revision: number }): SurveyCheckItem {
  return { id: record.id, revision: record.revision };
}

/** Due when never done, when the interval has passed, or when the clock was set back. */
export function serverCheckDue(lastCheckedAt: number | undefined, now: number, intervalMs: number) {
  return lastCheckedAt === undefined || now - lastCheckedAt >= intervalMs || now < lastCheckedAt;
}

export function planResends(results: readonly SurveyCheckResult[]): ResendPlan {
  const plan: ResendPlan = { records: [], photos: [] };
  for (const result of results) {
    if (!result.held) plan.records.push(result.id);
    else if (!result.photoPresent) plan.photos.push(result.id);
  }
  return plan;
}

/** The runs to send again: those the server lacks, or holds at a lower revision. */
export function planRunResends(results: readonly RecordCheckResult[]): string[] {
  return results.filter((result) => !result.held).map((result) => result.id);
}

/**
 * Asks about every item, batch by batch, and returns all the answers only once all are in, so
 * a failure half-way changes nothing. Null when the server has no such route (one older than
 * the check: nothing to learn from it). Throws a SyncError when a request fails.
 */
async function askInBatches<R>(
  synced: readonly SurveyCheckItem[],
  ask: (batch: readonly SurveyCheckItem[]) => Promise<R[]>,
): Promise<R[] | null> {
  const results: R[] = [];
  for (let i = 0; i < synced.length; i += MAX_SURVEYS_PER_CHECK) {
    try {
      results.push(...(await ask(synced.slice(i, i + MAX_SURVEYS_PER_CHECK))));
    } catch (error) {
      if (error instanceof SyncError && error.status === 404 && error.apiCode === 'not_found') {
        return null;
      }
      throw error;
    }
  }
  return results;
}

/** What to send again of these synced surveys; null without the route (see askInBatches). */
export async function askServerHoldings(
  api: SyncApi,
  synced: readonly SurveyCheckItem[],
): Promise<ResendPlan | null> {
  const results = await askInBatches(synced, (batch) => api.checkSurveys(batch));
  return results && planResends(results);
}

/** Which of these synced runs to send again; null without the route (see askInBatches). */
export async function askServerRunHoldings(
  api: SyncApi,
  synced: readonly SurveyCheckItem[],
): Promise<string[] | null> {
  const results = await askInBatches(synced, (batch) => api.checkRuns(batch));
  return results && planRunResends(results);
}
