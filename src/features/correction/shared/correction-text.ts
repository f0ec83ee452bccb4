/** The engineer's answer in words, for the detail page, the list and a sync conflict. */
import { labelTitle } from '../../../model/label-titles';
import type { SurveyCorrection } from '../../../schema/survey';

/** "Right", or "Wrong: Crack, Patch (2 marked on the photo)". */
export function answerText(correction: SurveyCorrection | undefined | null): string | null {
  if (!correction) return null;
  if (correction.verdict === 'right') {
    return correction.labels.length > 0
      ? `Right: ${correction.labels.map(labelTitle).join(', ')}`
      : 'Right';
  }
  const n = correction.boxes.length;
  const boxes = n > 0 ? ` (${n} marked on the photo)` : '';
  return `Wrong: ${correction.labels.map(labelTitle).join(', ')}${boxes}`;
}

/** The list's words for a survey the engineer answered: "corrected (Right)" or "(Wrong)". */
export function listAnswerText(correction: SurveyCorrection | undefined | null): string | null {
  if (!correction) return null;
  return `corrected (${correction.verdict === 'right' ? 'Right' : 'Wrong'})`;
}
