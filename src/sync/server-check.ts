/**
 * Does the server still hold what this phone marked synced? A server restored from a backup has
 * lost every survey uploaded since that backup, while the phones still show them synced. Now
 * and then, after a sync that uploaded everything, the outbox asks the server about its synced
 * surveys (POST /surveys/check, up to 1000 a request) and queues again those it lacks, or holds
 * at a lower revision, or whose photo it lacks. Asking is a read: a failure changes nothing on
 * either side, and the next sync asks again. See docs/SYNC.md ("Checking what the server holds").
 */
import {
  MAX_SURVEYS_PER_CHECK,
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

/**
 * Asks about every survey, batch by batch, and decides only once all answers are in, so a
 * failure half-way changes nothing. Null when the server has no such route (one older than the
 * check: nothing to learn from it). Throws a SyncError when a request fails.
 */
export async function askServerHoldings(
  api: SyncApi,
  synced: readonly SurveyCheckItem[],
): Promise<ResendPlan | null> {
  const results: SurveyCheckResult[] = [];
  for (let i = 0; i < synced.length; i += MAX_SURVEYS_PER_CHECK) {
    try {
      results.push(...(await api.checkSurveys(synced.slice(i, i + MAX_SURVEYS_PER_CHECK))));
    } catch (error) {
      if (error instanceof SyncError && error.status === 404 && error.apiCode === 'not_found') {
        return null;
      }
      throw error;
    }
  }
  return planResends(results);
}
