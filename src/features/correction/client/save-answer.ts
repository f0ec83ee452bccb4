/**
 * Keeps the engineer's Right / Wrong: a new revision of the record through the repository's
 * edit path, then queued for sync like any edit (the server's revision rules decide between
 * phones). Shared by the survey page (right after the verdict) and the detail page.
 */
import type { SurveyCorrection } from '../../../schema/survey';
import type { SurveyRecord } from '../../../store/survey-record';
import type { SurveyRepository } from '../../../store/survey-repository';

/** What the pages hand in (the app's services have these). */
export interface AnswerServices {
  repository(): Promise<SurveyRepository | null>;
  enqueueForSync(id: string): Promise<void>;
  reportError(error: unknown): void;
}

/** The record as saved, or null when it could not be (the error is reported). */
export async function saveAnswer(
  app: AnswerServices,
  id: string,
  /** null: the answer taken back (the record goes back to "not answered"). */
  correction: SurveyCorrection | null,
): Promise<SurveyRecord | null> {
  const repo = await app.repository();
  if (!repo) return null;
  try {
    const record = await repo.update(id, { correction });
    void app.enqueueForSync(id);
    return record;
  } catch (error) {
    app.reportError(error);
    return null;
  }
}

/** What the page says once it is kept. */
export function answerSavedText(correction: SurveyCorrection | null): string {
  if (!correction) return 'Answer cleared: the survey is not answered.';
  return `Answer saved: ${correction.verdict === 'right' ? 'Right' : 'Wrong'}.`;
}
