/** Stored reviews and audit events as the API answers them (src/schema/review.ts). */
import type { ReviewEventWire, ReviewWire } from '../../src/schema/review';
import type { ReviewEvent, StoredReview } from '../store/review-store';

export function toReviewWire(review: StoredReview, surveyRevision: number): ReviewWire {
  return {
    surveyId: review.surveyId,
    labels: review.labels,
    boxes: review.boxes,
    accepted: review.accepted,
    reviewer: review.reviewer,
    reviewedAt: new Date(review.reviewedAt).toISOString(),
    basedOnRevision: review.basedOnRevision,
    version: review.version,
    changedAt: new Date(review.changedAt).toISOString(),
    surveyRevision,
    stale: review.basedOnRevision < surveyRevision,
  };
}

export function toReviewEventWire(event: ReviewEvent): ReviewEventWire {
  return {
    reviewer: event.reviewer,
    at: new Date(event.at).toISOString(),
    action: event.action,
    previous: event.previous,
    next: event.next,
  };
}
