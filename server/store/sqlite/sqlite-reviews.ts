/** The office's reviews and their audit trail in the embedded SQLite file (see ../review-store.ts). */
import type Database from 'better-sqlite3';
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
import { SqliteChangeClock } from './sqlite-change-clock';

export class SqliteReviewStore implements ReviewStore {
  private readonly sql: ReturnType<typeof prepareStatements>;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
    private readonly clock: SqliteChangeClock = new SqliteChangeClock(db, now),
  ) {
    this.sql = prepareStatements(db);
  }

  async putReview(write: ReviewWrite): Promise<PutReviewOutcome> {
    return this.db.transaction((): PutReviewOutcome => {
      const survey = this.sql.surveyRevision.get(write.surveyId);
      const revision = survey ? Number(survey.revision ?? 1) : null;
      const row = this.sql.getReview.get(write.surveyId);
      const current = row ? toStoredReview(row) : null;
      const plan = planReview(write, revision, current);
      if (plan.kind === 'refuse') return plan.outcome;
      const at = this.now();
      const changed = this.clock.next();
      this.sql.insertEvent.run(
        write.surveyId,
        write.reviewer,
        at,
        plan.event.action,
        plan.event.previous === null ? null : JSON.stringify(plan.event.previous),
        JSON.stringify(plan.event.next),
      );
      const review = toSavedReview(write, plan.version, at, changed);
      this.sql.upsertReview.run(
        review.surveyId,
        JSON.stringify(review.labels),
        JSON.stringify(review.boxes),
        review.accepted ? 1 : 0,
        review.reviewer,
        review.reviewedAt,
        review.basedOnRevision,
        review.version,
        review.changedAt,
      );
      return { status: 'saved', review };
    })();
  }

  async getReviews(surveyIds: readonly string[]): Promise<Map<string, StoredReview>> {
    const found = new Map<string, StoredReview>();
    for (const id of surveyIds) {
      const row = this.sql.getReview.get(id);
      if (row) found.set(id, toStoredReview(row));
    }
    return found;
  }

  async listReviewEvents(surveyId: string): Promise<ReviewEvent[]> {
    return this.sql.listEvents.all(surveyId).map(toReviewEvent);
  }

  async listReviewChanges(query: ReviewChangesQuery): Promise<ReviewPage> {
    const readAt = this.clock.readAt();
    const rows = this.sql.listChanges.all(
      query.since ?? Number.MIN_SAFE_INTEGER,
      query.after?.changedAt ?? Number.MIN_SAFE_INTEGER,
      query.after?.surveyId ?? '',
      query.receivedFrom,
      query.receivedFrom,
      query.limit,
    );
    return {
      reviews: rows.map(toReviewWithSurvey),
      readAt,
    };
  }
}

function prepareStatements(db: Database.Database) {
  return {
    // Stored records are validated, so revision is always there (the schema's default is 1).
    surveyRevision: db.prepare<[string], { revision: number | null }>(
      "SELECT json_extract(record_json, '$.revision') AS revision FROM surveys WHERE id = ?",
    ),
    getReview: db.prepare<[string], ReviewRow>('SELECT * FROM reviews WHERE survey_id = ?'),
    upsertReview: db.prepare<
      [string, string, string, number, string, number, number, number, number]
    >(
      `INSERT INTO reviews (survey_id, labels_json, boxes_json, accepted, reviewer, reviewed_at,
         based_on_revision, version, changed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (survey_id) DO UPDATE SET
         labels_json = excluded.labels_json, boxes_json = excluded.boxes_json,
         accepted = excluded.accepted, reviewer = excluded.reviewer,
         reviewed_at = excluded.reviewed_at, based_on_revision = excluded.based_on_revision,
         version = excluded.version, changed_at = excluded.changed_at`,
    ),
    insertEvent: db.prepare<[string, string, number, string, string | null, string]>(
      `INSERT INTO review_events (survey_id, reviewer, at, action, previous_json, next_json)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    listEvents: db.prepare<[string], ReviewEventRow>(
      `SELECT reviewer, at, action, previous_json, next_json FROM review_events
       WHERE survey_id = ? ORDER BY seq`,
    ),
    listChanges: db.prepare<
      [number, number, string, string | null, string | null, number],
      ReviewWithSurveyRow
    >(
      `SELECT reviews.*, json_extract(surveys.record_json, '$.revision') AS survey_revision
       FROM reviews
       JOIN surveys ON surveys.id = reviews.survey_id
       WHERE reviews.changed_at >= ? AND (reviews.changed_at, reviews.survey_id) > (?, ?)
         AND (? IS NULL OR surveys.received_from = ?)
       ORDER BY reviews.changed_at, reviews.survey_id LIMIT ?`,
    ),
  };
}
