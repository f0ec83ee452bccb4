/**
 * What each party says a survey's photo shows, and which answer counts. Pure functions over the
 * stored record and review, shared by the review routes and `dataset export`:
 * - the model: its verdict's types (src/geo's one mapping of a verdict to type names);
 * - the engineer: the record's `correction` (Right: the model's types; Wrong: their labels);
 * - the office: the review, unless the engineer changed the survey after it (stale).
 * The data set takes the review when it is current, else the engineer's answer; nothing else
 * (a verdict nobody confirmed is not a label).
 */
import { exportRowFromSurvey } from '../../src/geo/export-row';
import type { ReviewStatus, SurveyTruth } from '../../src/schema/review';
import type { DamageBox, SurveyRecordWire } from '../../src/schema/survey';
import type { StoredReview } from '../store/review-store';

/** What the model found: damage types, `good_road` or `not_road`; empty before analysis. */
export function modelLabels(record: SurveyRecordWire): string[] {
  return exportRowFromSurvey(record).found;
}

/** The engineer's answer as labels and boxes, or null when they have not answered. */
export function engineerAnswer(
  record: SurveyRecordWire,
): { labels: string[]; boxes: DamageBox[] } | null {
  const correction = record.correction;
  if (!correction) return null;
  // Right with no labels of its own: "as the model says".
  const labels =
    correction.verdict === 'right' && correction.labels.length === 0
      ? modelLabels(record)
      : correction.labels;
  if (labels.length === 0) return null; // Right about a survey the model never analysed
  return { labels, boxes: correction.boxes };
}

/** The engineer said the model was wrong. */
export function disagreement(record: SurveyRecordWire): boolean {
  return record.correction?.verdict === 'wrong';
}

export function reviewStatus(review: StoredReview | null, surveyRevision: number): ReviewStatus {
  if (!review) return 'not-reviewed';
  return review.basedOnRevision < surveyRevision ? 'stale' : 'reviewed';
}

/**
 * What "accept" confirms: the engineer's answer when there is one, else the model's types (with
 * no boxes: the model places none). Null when there is nothing to confirm (not analysed, no
 * answer).
 */
export function answerShown(
  record: SurveyRecordWire,
): { labels: string[]; boxes: DamageBox[] } | null {
  const engineer = engineerAnswer(record);
  if (engineer) return engineer;
  const found = modelLabels(record);
  return found.length > 0 ? { labels: found, boxes: [] } : null;
}

/** The label a data set takes for the survey now, or null when nobody confirmed one. */
export function surveyTruth(
  record: SurveyRecordWire,
  device: string,
  review: StoredReview | null,
): SurveyTruth | null {
  if (review && reviewStatus(review, record.revision) === 'reviewed') {
    return { labels: review.labels, boxes: review.boxes, source: 'review', by: review.reviewer };
  }
  const engineer = engineerAnswer(record);
  if (engineer) return { ...engineer, source: 'engineer', by: device };
  return null;
}
