/**
 * The office's reviews and their audit trail in PostgreSQL (see ../review-store.ts), shared by
 * several servers. A decision locks its survey's row first (FOR UPDATE), so two reviewers of one
 * survey, or a reviewer and the engineer's upload, take turns; the change clock is raised last,
 * as for surveys (pg-surveys.ts).
 */
import {
  planReview,
  toReviewEvent,
  toReviewWithSurvey,
  toSavedReview,
  toStoredReview,
  type PutReviewOutcome,
  type ReviewChangesQuery,
  type ReviewEvent,
  type ReviewEventRow,
  type ReviewPage,
  type ReviewRow,
  type ReviewStore,
  type ReviewWithSurveyRow,
  type ReviewWrite,
  type StoredReview,
} from '../review-store';
import { DB_NOW_MS, type PgDatabase } from './pg-database';
import { nextChange } from './pg-surveys';

/** The stored record's revision (validated records always carry it). */
const SURVEY_REVISION = `COALESCE((surveys.record_json::json ->> 'revision')::integer, 1)`;

export class PgReviewStore implements ReviewStore {
  constructor(private readonly db: PgDatabase) {}

  async putReview(write: ReviewWrite): Promise<PutReviewOutcome> {
    return this.db.transaction(async (client): Promise<PutReviewOutcome> => {
      const survey = await client.query<{ revision: number }>(
        `SELECT ${SURVEY_REVISION} AS revision FROM surveys WHERE id = $1 FOR UPDATE`,
        [write.surveyId],
      );
      const revision = survey.rows[0] ? Number(survey.rows[0].revision) : null;
      const row = await client.query<ReviewRow>('SELECT * FROM reviews WHERE survey_id = $1', [
        write.surveyId,
      ]);
      const current = row.rows[0] ? toStoredReview(row.rows[0]) : null;
      const plan = planReview(write, revision, current);
      if (plan.kind === 'refuse') return plan.outcome;
      const event = await client.query<{ at: string }>(
        `INSERT INTO review_events (survey_id, reviewer, at, action, previous_json, next_json)
         VALUES ($1, $2, ${DB_NOW_MS}, $3, $4, $5) RETURNING at`,
        [
          write.surveyId,
          write.reviewer,
          plan.event.action,
          plan.event.previous === null ? null : JSON.stringify(plan.event.previous),
          JSON.stringify(plan.event.next),
        ],
      );
      const changed = await nextChange(client);
      const review = toSavedReview(write, plan.version, Number(event.rows[0].at), changed);
      await client.query(
        `INSERT INTO reviews (survey_id, labels_json, boxes_json, accepted, reviewer, reviewed_at,
           based_on_revision, version, changed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (survey_id) DO UPDATE SET
           labels_json = excluded.labels_json, boxes_json = excluded.boxes_json,
           accepted = excluded.accepted, reviewer = excluded.reviewer,
           reviewed_at = excluded.reviewed_at, based_on_revision = excluded.based_on_revision,
           version = excluded.version, changed_at = excluded.changed_at`,
        [
          review.surveyId,
          JSON.stringify(review.labels),
          JSON.stringify(review.boxes),
          review.accepted,
          review.reviewer,
          review.reviewedAt,
          review.basedOnRevision,
          review.version,
          review.changedAt,
        ],
      );
      return { status: 'saved', review };
    });
  }

  async getReviews(surveyIds: readonly string[]): Promise<Map<string, StoredReview>> {
    const found = new Map<string, StoredReview>();
    if (surveyIds.length === 0) return found;
    const result = await this.db.query<ReviewRow>(
      'SELECT * FROM reviews WHERE survey_id = ANY($1)',
      [surveyIds],
    );
    for (const row of result.rows) found.set(row.survey_id, toStoredReview(row));
    return found;
  }

  async listReviewEvents(surveyId: string): Promise<ReviewEvent[]> {
    const result = await this.db.query<ReviewEventRow>(
      `SELECT reviewer, at, action, previous_json, next_json FROM review_events
       WHERE survey_id = $1 ORDER BY seq`,
      [surveyId],
    );
    return result.rows.map(toReviewEvent);
  }

  async listReviewChanges(query: ReviewChangesQuery): Promise<ReviewPage> {
    return this.db.transaction(async (client) => {
      // As listSurveys: FOR SHARE waits for a writer holding the clock, so readAt is safe.
      const clock = await client.query<{ last_ms: string; now_ms: string }>(
        `SELECT last_ms, ${DB_NOW_MS} AS now_ms FROM change_clock FOR SHARE`,
      );
      const readAt = Math.max(Number(clock.rows[0].last_ms) + 1, Number(clock.rows[0].now_ms));
      const rows = await client.query<ReviewWithSurveyRow>(
        `SELECT reviews.*, ${SURVEY_REVISION} AS survey_revision FROM reviews
         JOIN surveys ON surveys.id = reviews.survey_id
         WHERE reviews.changed_at >= $1 AND (reviews.changed_at, reviews.survey_id) > ($2, $3)
           AND ($5::text IS NULL OR surveys.received_from = $5)
         ORDER BY reviews.changed_at, reviews.survey_id LIMIT $4`,
        [
          query.since ?? Number.MIN_SAFE_INTEGER,
          query.after?.changedAt ?? Number.MIN_SAFE_INTEGER,
          query.after?.surveyId ?? '',
          query.limit,
          query.receivedFrom,
        ],
      );
      return {
        reviews: rows.rows.map(toReviewWithSurvey),
        readAt,
      };
    });
  }
}
