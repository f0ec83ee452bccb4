/**
 * The office's reviews, kept beside the phones' records and never inside them: a review per
 * survey (its current decision) and an audit trail of every decision. SQLite (sqlite/) and
 * PostgreSQL (postgres/) implement it; test/server/store/review-store.test.ts runs on both.
 *
 * Invariants every implementation keeps:
 * - The audit trail is append-only: each saved decision adds one event (who, when, what it was
 *   before and after); no event is ever changed or removed (the databases refuse UPDATE and
 *   DELETE on the table with a trigger).
 * - A decision is saved only against the survey revision the reviewer saw (`basedOnRevision`
 *   equal to the stored record's revision) and the review version the reviewer saw
 *   (`expectedVersion`): otherwise nothing is written and the outcome says what changed, so
 *   neither the engineer's edit nor another reviewer's decision is overwritten unseen.
 * - Saving the decision already stored (a retry after a lost answer) writes nothing.
 * - `changedAt` comes from the same change clock as the surveys' (one writer order, shared by
 *   every server on PostgreSQL), so paging the reviews by (changedAt, surveyId) never misses one.
 * - Each method is one transaction, durable when it resolves.
 */
import type { DamageBox } from '../../src/schema/survey';

export interface StoredReview {
  surveyId: string;
  labels: string[];
  boxes: DamageBox[];
  /** The reviewer accepted the answer shown instead of setting labels. */
  accepted: boolean;
  reviewer: string;
  /** ms since the epoch (store clock). */
  reviewedAt: number;
  basedOnRevision: number;
  /** 1 for the first decision on the survey, +1 at each change. */
  version: number;
  /** Change clock. */
  changedAt: number;
}

/** A stored review with the revision of the survey it belongs to, as listings give it. */
export interface ReviewWithSurvey extends StoredReview {
  surveyRevision: number;
}

export interface ReviewContent {
  labels: string[];
  boxes: DamageBox[];
  basedOnRevision: number;
}

export interface ReviewEvent {
  reviewer: string;
  at: number;
  action: 'accepted' | 'set';
  previous: ReviewContent | null;
  next: ReviewContent;
}

export interface ReviewWrite {
  surveyId: string;
  labels: string[];
  boxes: DamageBox[];
  accepted: boolean;
  reviewer: string;
  basedOnRevision: number;
  /** The version the reviewer saw; 0 when there was no review. */
  expectedVersion: number;
}

export type PutReviewOutcome =
  | { status: 'saved'; review: StoredReview }
  | { status: 'unchanged'; review: StoredReview }
  | { status: 'survey-not-found' }
  /** The engineer's survey has another revision than the one reviewed. */
  | { status: 'survey-changed'; surveyRevision: number }
  /** Another decision was saved since the reviewer looked. */
  | { status: 'review-changed'; current: StoredReview | null };

export interface ReviewCursor {
  changedAt: number;
  surveyId: string;
}

export interface ReviewChangesQuery {
  since: number | null;
  after: ReviewCursor | null;
  limit: number;
  receivedFrom: string | null;
}

export interface ReviewPage {
  /** Ordered by (changedAt, surveyId). */
  reviews: ReviewWithSurvey[];
  /** Every change committed after this read has changedAt >= readAt (a safe `since`). */
  readAt: number;
}

export interface ReviewStore {
  /**
   * Saves a decision in one transaction, checked against the survey and the current review (see
   * the invariants above); appends its event to the trail.
   */
  putReview(write: ReviewWrite): Promise<PutReviewOutcome>;
  /** The current reviews of these surveys (absent: none). */
  getReviews(surveyIds: readonly string[]): Promise<Map<string, StoredReview>>;
  /** The audit trail of one survey, oldest first. */
  listReviewEvents(surveyId: string): Promise<ReviewEvent[]>;
  /**
   * Reviews changed since `since` (ms, inclusive) after `after`, with their surveys' revisions;
   * with `receivedFrom`, only of surveys first uploaded by that token name (a phone's own).
   */
  listReviewChanges(query: ReviewChangesQuery): Promise<ReviewPage>;
}

/** The decision to take, given what the store holds (the same on every database). */
export function planReview(
  write: ReviewWrite,
  surveyRevision: number | null,
  current: StoredReview | null,
):
  | { kind: 'refuse'; outcome: PutReviewOutcome }
  | { kind: 'write'; version: number; event: Omit<ReviewEvent, 'at'> } {
  if (surveyRevision === null) return { kind: 'refuse', outcome: { status: 'survey-not-found' } };
  if (current && sameDecision(current, write)) {
    return { kind: 'refuse', outcome: { status: 'unchanged', review: current } };
  }
  if (write.basedOnRevision !== surveyRevision) {
    return { kind: 'refuse', outcome: { status: 'survey-changed', surveyRevision } };
  }
  if ((current?.version ?? 0) !== write.expectedVersion) {
    return { kind: 'refuse', outcome: { status: 'review-changed', current } };
  }
  const next: ReviewContent = {
    labels: write.labels,
    boxes: write.boxes,
    basedOnRevision: write.basedOnRevision,
  };
  return {
    kind: 'write',
    version: (current?.version ?? 0) + 1,
    event: {
      reviewer: write.reviewer,
      action: write.accepted ? 'accepted' : 'set',
      previous: current
        ? { labels: current.labels, boxes: current.boxes, basedOnRevision: current.basedOnRevision }
        : null,
      next,
    },
  };
}

/** The review a saved decision stores: the write as planned, stamped by the database's clocks. */
export function toSavedReview(
  write: ReviewWrite,
  version: number,
  reviewedAt: number,
  changedAt: number,
): StoredReview {
  return {
    surveyId: write.surveyId,
    labels: write.labels,
    boxes: write.boxes,
    accepted: write.accepted,
    reviewer: write.reviewer,
    reviewedAt,
    basedOnRevision: write.basedOnRevision,
    version,
    changedAt,
  };
}

function sameDecision(current: StoredReview, write: ReviewWrite): boolean {
  return (
    current.reviewer === write.reviewer &&
    current.accepted === write.accepted &&
    current.basedOnRevision === write.basedOnRevision &&
    JSON.stringify(current.labels) === JSON.stringify(write.labels) &&
    JSON.stringify(current.boxes) === JSON.stringify(write.boxes)
  );
}

/** A reviews row (integers may come as strings from PostgreSQL). */
export interface ReviewRow {
  survey_id: string;
  labels_json: string;
  boxes_json: string;
  accepted: number | boolean;
  reviewer: string;
  reviewed_at: number | string;
  based_on_revision: number | string;
  version: number | string;
  changed_at: number | string;
}

export function toStoredReview(row: ReviewRow): StoredReview {
  return {
    surveyId: row.survey_id,
    labels: JSON.parse(row.labels_json) as string[],
    boxes: JSON.parse(row.boxes_json) as DamageBox[],
    accepted: row.accepted === true || Number(row.accepted) === 1,
    reviewer: row.reviewer,
    reviewedAt: Number(row.reviewed_at),
    basedOnRevision: Number(row.based_on_revision),
    version: Number(row.version),
    changedAt: Number(row.changed_at),
  };
}

/** A reviews row joined with its survey's revision (absent in the record: 1, the schema's default). */
export interface ReviewWithSurveyRow extends ReviewRow {
  survey_revision: number | string | null;
}

export function toReviewWithSurvey(row: ReviewWithSurveyRow): ReviewWithSurvey {
  return { ...toStoredReview(row), surveyRevision: Number(row.survey_revision ?? 1) };
}

export interface ReviewEventRow {
  reviewer: string;
  at: number | string;
  action: string;
  previous_json: string | null;
  next_json: string;
}

export function toReviewEvent(row: ReviewEventRow): ReviewEvent {
  return {
    reviewer: row.reviewer,
    at: Number(row.at),
    action: row.action === 'accepted' ? 'accepted' : 'set',
    previous: row.previous_json === null ? null : (JSON.parse(row.previous_json) as ReviewContent),
    next: JSON.parse(row.next_json) as ReviewContent,
  };
}
