/**
 * The office's corrections coming back to the phone (issue 11): after the uploads of a sync,
 * the outbox pulls GET /reviews from where the last pull ended (kept in the outbox database),
 * and keeps each correction beside its survey (SurveyRepository.applyOfficeReviews). A read
 * only: repeating a pull changes nothing. An older server without the route (404), or a token
 * that may not read reviews (403), leaves the phone as it was; the uploads are not affected.
 */
import type { ReviewWire } from '../schema/review';
import type { OfficeReviewNoteFor, SurveyRepository } from '../store/survey-repository';
import { SyncError } from './errors';
import type { SyncApi } from './sync-api';

export const OFFICE_REVIEWS_SINCE_KEY = 'officeReviewsSince';

export interface SinceStore {
  getMeta<T>(key: string): Promise<T | undefined>;
  setMeta(key: string, value: unknown): Promise<void>;
}

/** Pulls every page; returns the ids of surveys whose correction changed. */
export async function pullOfficeCorrections(
  api: SyncApi,
  repository: SurveyRepository,
  meta: SinceStore,
): Promise<string[]> {
  const since = (await meta.getMeta<string>(OFFICE_REVIEWS_SINCE_KEY)) ?? null;
  const changed: string[] = [];
  let cursor: string | null = null;
  let nextSince: string | null = null;
  do {
    let page;
    try {
      page = await api.listReviews(since, cursor);
    } catch (error) {
      if (error instanceof SyncError && (error.status === 404 || error.status === 403)) return [];
      throw error;
    }
    // The first page's server time: every change after that read is at or after it.
    nextSince ??= page.serverTime;
    changed.push(...(await repository.applyOfficeReviews(page.reviews.map(toNote))));
    cursor = page.nextCursor;
  } while (cursor !== null);
  await meta.setMeta(OFFICE_REVIEWS_SINCE_KEY, nextSince);
  return changed;
}

function toNote(review: ReviewWire): OfficeReviewNoteFor {
  return {
    surveyId: review.surveyId,
    labels: review.labels,
    boxes: review.boxes,
    reviewer: review.reviewer,
    reviewedAt: review.reviewedAt,
    version: review.version,
    changedAt: review.changedAt,
    basedOnRevision: review.basedOnRevision,
  };
}
