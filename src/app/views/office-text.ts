/** The office's correction of a survey as the phone shows it ("Corrected by the office: …"). */
import { labelTitle } from '../../model/label-titles';
import type { SurveyRecord } from '../../store/survey-record';

export function officeCorrectionText(record: SurveyRecord): string | null {
  const review = record.officeReview;
  if (!review) return null;
  const labels = review.labels.map(labelTitle).join(', ');
  const boxes = review.boxes.length > 0 ? ` (${review.boxes.length} marked on the photo)` : '';
  const when = review.reviewedAt.slice(0, 10);
  const earlier =
    review.basedOnRevision < record.revision
      ? ' This was for an earlier version of the survey: the office will look again.'
      : '';
  return `Corrected by the office: ${labels}${boxes}, by ${review.reviewer} on ${when}.${earlier}`;
}
