/**
 * The survey flow on the page side: a chosen photo goes to the worker; what comes back, with
 * the position, becomes a survey record saved at once. Nothing is saved for a photo the worker
 * refused; a photo the model could not analyse is saved without a verdict.
 */
import type { CamMethodName } from '../../explain/cam/compute-cam';
import { StoreError, type SurveyRepository } from '../../store';
import type { NoPositionReason, SurveyRecord } from '../../store/survey-record';
import { verdictKeyOf } from '../../store/survey-record';
import type { Explanation, FailureInfo, PhotoAnalysis } from '../../workers/protocol';
import type { AnalysisClient } from './analysis-client';
import type { PositionTracker } from './position';

/** How long a new survey waits for a first GPS fix before it is saved without one. */
const POSITION_WAIT_MS = 3000;

export type SurveyOutcome =
  | {
      ok: true;
      analysis: PhotoAnalysis;
      /** The saved record, or null when saving failed (saveError says why). */
      record: SurveyRecord | null;
      draft: SurveyRecord;
      saveError: StoreError | null;
    }
  | { ok: false; error: FailureInfo };

export class SurveyService {
  constructor(
    private readonly repo: SurveyRepository,
    private readonly analysis: AnalysisClient,
    private readonly positions: PositionTracker,
  ) {}

  /**
   * Runs the photo through the worker; `onAnalysed` sees the result before it is saved, so the
   * verdict is on screen while IndexedDB writes.
   */
  async survey(
    file: Blob,
    method: CamMethodName | undefined,
    onAnalysed?: (analysis: PhotoAnalysis) => void,
  ): Promise<SurveyOutcome> {
    const position = this.positions.current(POSITION_WAIT_MS);
    const outcome = await this.analysis.analysePhoto(file, method);
    if (!outcome.ok) return outcome;
    const analysis = outcome.value;
    onAnalysed?.(analysis);
    // EXIF GPS belongs to the photo itself (a gallery photo may come from elsewhere).
    const fix = analysis.exifPosition ? { position: analysis.exifPosition } : await position;
    const draft = buildRecord(analysis, fix, new Date());
    try {
      await this.repo.save(draft, analysis.jpeg);
      return { ok: true, analysis, record: draft, draft, saveError: null };
    } catch (error) {
      const saveError =
        error instanceof StoreError
          ? error
          : new StoreError('failed', 'Could not save the survey.', String(error));
      return { ok: true, analysis, record: null, draft, saveError };
    }
  }

  /** A saved photo that has no verdict yet, analysed now that the model is there. */
  async analyseSaved(
    id: string,
    method?: CamMethodName,
  ): Promise<{ record: SurveyRecord; explanation: Explanation } | FailureInfo> {
    const photo = await this.repo.getPhoto(id);
    if (!photo)
      return {
        source: 'internal',
        code: 'not-found',
        message: 'This survey has no photo on the phone.',
      };
    const outcome = await this.analysis.explainPhoto(photo, method);
    if (!outcome.ok) return outcome.error;
    const e = outcome.value;
    const record = await this.repo.replaceAnalysis(id, {
      verdict: e.verdict,
      verdictKey: verdictKeyOf(e.verdict),
      probabilities: e.probabilities,
      cam: e.cam,
      model: e.model,
      analysisError: null,
    });
    return { record, explanation: e };
  }
}

export function buildRecord(
  analysis: PhotoAnalysis,
  fix: { position: SurveyRecord['position'] } | { reason: NoPositionReason },
  now: Date,
): SurveyRecord {
  const e = analysis.explanation;
  const at = now.toISOString();
  return {
    id: crypto.randomUUID(),
    revision: 1,
    createdAt: at,
    updatedAt: at,
    position: 'position' in fix ? fix.position : null,
    noPositionReason: 'reason' in fix ? fix.reason : null,
    verdict: e?.verdict ?? null,
    verdictKey: verdictKeyOf(e?.verdict ?? null),
    probabilities: e?.probabilities ?? null,
    cam: e?.cam ?? null,
    model: e?.model ?? null,
    analysisError: e ? null : (analysis.analysisError?.message ?? 'Not analysed.'),
    notes: '',
    severity: null,
    photo: analysis.photo,
    thumbnail: analysis.thumbnail,
    sync: { state: 'local', attempts: 0 },
  };
}
