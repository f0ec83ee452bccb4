/**
 * The survey flow on the page side: a chosen photo goes to the worker; what comes back, with
 * the position, becomes a survey record saved at once. Nothing is saved for a photo the worker
 * refused; a photo the model could not analyse is saved without a verdict. A photo that does
 * not look like a road surface is held, unsaved, until the engineer keeps it anyway (`keep`):
 * it is then stored as "not a road", never as good road.
 */
import type { CamMethodName } from '../../explain/cam/compute-cam';
import { StoreError, type SurveyRepository } from '../../store';
import type { NoPositionReason, SurveyRecord } from '../../store/survey-record';
import { damageOf } from '../../workers/damage-record';
import { typesFoundOf, verdictKeyOf } from '../../store/survey-record';
import type { Explanation, FailureInfo, PhotoAnalysis, PhotoToKeep } from '../../workers/protocol';
import { earlierAnalysesOf } from '../../features/model-update/shared/survey-reanalysis';
import type { AnalysisClient } from './analysis-client';
import { measureStage, measureWorkerStages } from './photo-timings';
import { PhotosOnTheWay } from './photos-on-the-way';
import type { PositionTracker } from './position';

/** How long a new survey waits for a first GPS fix before it is saved without one. */
const POSITION_WAIT_MS = 3000;
/** How long saving waits for the verdict and heatmap to be on screen (a hidden page draws no
 * frames: it saves after this). */
export const SHOWN_WAIT_MS = 250;

export type SurveyOutcome =
  | {
      ok: true;
      analysis: PhotoAnalysis;
      /** The JPEG, thumbnail and hash the record keeps. */
      kept: PhotoToKeep;
      /** The saved record, or null when saving failed (saveError says why) or it is held. */
      record: SurveyRecord | null;
      draft: SurveyRecord;
      saveError: StoreError | null;
      /** Not a road: not saved until the engineer keeps it (`keep(draft, kept.jpeg)`). */
      held: boolean;
    }
  | { ok: false; error: FailureInfo };

export class SurveyService {
  constructor(
    private readonly repo: SurveyRepository,
    private readonly analysis: AnalysisClient,
    private readonly positions: PositionTracker,
    private readonly onTheWay = new PhotosOnTheWay(),
  ) {}

  /**
   * Runs the photo through the worker; `onAnalysed` sees the verdict and heatmap as soon as they
   * come, before the photo's JPEG (encoded after them) and before saving. When it returns a
   * promise (settled once the result is on screen), saving waits for it, at most SHOWN_WAIT_MS:
   * IndexedDB's work would otherwise compete with drawing the heatmap. The survey is saved once,
   * when both the analysis and the JPEG are here; a JPEG that could not be made fails the whole
   * survey, with nothing saved.
   */
  async survey(
    file: Blob,
    method: CamMethodName | undefined,
    onAnalysed?: (analysis: PhotoAnalysis) => void | Promise<unknown>,
  ): Promise<SurveyOutcome> {
    const arrived = this.onTheWay.start();
    const shown = await this.analyseAndShow(file, method, onAnalysed).finally(arrived);
    if (!shown.ok) return shown;
    const { analysis, keeping, fix } = shown;
    const taken = await keeping;
    if (!taken.ok) return taken;
    const kept = taken.value;
    measureWorkerStages(kept.stages);
    const draft = buildRecord(analysis, kept, fix, new Date());
    if (draft.damage?.outcome === 'not-a-road') {
      return { ok: true, analysis, kept, record: null, draft, saveError: null, held: true };
    }
    const saveError = await this.saveDraft(draft, kept.jpeg);
    return {
      ok: true,
      analysis,
      kept,
      record: saveError ? null : draft,
      draft,
      saveError,
      held: false,
    };
  }

  /** The analysis, until it is on screen (SHOWN_WAIT_MS at most), with the JPEG asked for. */
  private async analyseAndShow(
    file: Blob,
    method: CamMethodName | undefined,
    onAnalysed?: (analysis: PhotoAnalysis) => void | Promise<unknown>,
  ) {
    const position = this.positions.current(POSITION_WAIT_MS);
    const outcome = await this.analysis.analysePhoto(file, method);
    if (!outcome.ok) return outcome;
    const analysis = outcome.value;
    // Asked for at once: the worker holds the JPEG until it is taken.
    const keeping = this.analysis.photoToKeep(analysis.keepTicket);
    const shown = onAnalysed?.(analysis);
    // EXIF GPS belongs to the photo itself (a gallery photo may come from elsewhere).
    const fix = analysis.exifPosition ? { position: analysis.exifPosition } : await position;
    if (shown) await settledWithin(shown, SHOWN_WAIT_MS);
    return { ok: true as const, analysis, keeping, fix };
  }

  /** A held not-a-road photo kept anyway: saved as "not a road" with `notRoad.kept`. */
  async keep(
    draft: SurveyRecord,
    jpeg: Blob,
  ): Promise<{ record: SurveyRecord; saveError: null } | { record: null; saveError: StoreError }> {
    const record = keptAnyway(draft);
    const saveError = await this.saveDraft(record, jpeg);
    return saveError ? { record: null, saveError } : { record, saveError: null };
  }

  private async saveDraft(draft: SurveyRecord, jpeg: Blob): Promise<StoreError | null> {
    const storing = performance.now();
    try {
      await this.repo.save(draft, jpeg);
      measureStage('storing', storing, performance.now());
      return null;
    } catch (error) {
      return error instanceof StoreError
        ? error
        : new StoreError('failed', 'Could not save the survey.', String(error));
    }
  }

  /** A saved photo that has no verdict yet, analysed now that the model is there. */
  async analyseSaved(
    id: string,
    method?: CamMethodName,
    earlierAnalyses?: SurveyRecord['earlierAnalyses'],
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
    const damage = damageOf(e);
    const record = await this.repo.replaceAnalysis(id, {
      verdict: e.verdict,
      verdictKey: verdictKeyOf(e.verdict),
      probabilities: e.probabilities,
      cam: e.cam,
      model: e.model,
      analysisError: null,
      damage,
      typesFound: typesFoundOf(e.verdict, damage),
      ...(earlierAnalyses ? { earlierAnalyses } : {}),
    });
    return { record, explanation: e };
  }

  /** A stored survey analysed again by the running (newer) model; its old verdict is kept in
   * `earlierAnalyses` (model roll-out). */
  async reanalyse(id: string, method?: CamMethodName): Promise<SurveyRecord | FailureInfo> {
    const before = await this.repo.get(id);
    if (!before) {
      return { source: 'internal', code: 'not-found', message: 'This survey is no longer here.' };
    }
    const done = await this.analyseSaved(id, method, earlierAnalysesOf(before, new Date()));
    return 'message' in done ? done : done.record;
  }
}

/** A not-a-road draft as the engineer keeps it. */
export function keptAnyway(draft: SurveyRecord): SurveyRecord {
  const notRoad = draft.damage?.notRoad;
  if (!draft.damage || !notRoad) return draft;
  return { ...draft, damage: { ...draft.damage, notRoad: { ...notRoad, kept: true } } };
}

/** Waits for `promise` to settle (either way), or `ms`, whichever comes first. */
function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]).finally(() => clearTimeout(timer));
}

export function buildRecord(
  analysis: PhotoAnalysis,
  kept: Pick<PhotoToKeep, 'photo' | 'thumbnail'>,
  fix: { position: SurveyRecord['position'] } | { reason: NoPositionReason },
  now: Date,
): SurveyRecord {
  const e = analysis.explanation;
  const at = now.toISOString();
  const damage = damageOf(e);
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
    photo: kept.photo,
    thumbnail: kept.thumbnail,
    sync: { state: 'local', attempts: 0 },
    ...(damage ? { damage } : {}),
    typesFound: typesFoundOf(e?.verdict ?? null, damage),
  };
}
