/** What the survey page shows of the photo just taken: verdict, heatmap, and the notices. */
import type { Region } from '../../components/rc-heatmap';
import type { PhotoAdjustment } from '../../image/prepare-photo';
import type { SurveyVerdict } from '../../schema/survey';
import type { SurveyRecord } from '../../store/survey-record';
import type { Explanation, PhotoAnalysis } from '../../workers/protocol';
import { savedPositionText } from './position-text';
import { whereLooked } from './where-looked';

export const WHOLE_PHOTO: Region = { x: 0, y: 0, width: 1, height: 1 };

export interface ShownResult {
  /** Null until the survey is saved. */
  recordId: string | null;
  verdict: SurveyVerdict | null;
  /** Why there is no verdict (the analysis failed; the photo is kept). */
  verdictReason: string;
  photo: ImageBitmap;
  jpeg: Blob;
  heatmap: ImageBitmap | null;
  region: Region;
  whereLooked: string;
  method: string;
}

export function shownResult(analysis: PhotoAnalysis, method: string): ShownResult {
  const e = analysis.explanation;
  return {
    recordId: null,
    verdict: e?.verdict ?? null,
    verdictReason: analysis.analysisError?.message ?? '',
    photo: analysis.display,
    jpeg: analysis.jpeg,
    heatmap: e?.heatmap ?? null,
    region: e?.region ?? WHOLE_PHOTO,
    whereLooked: e ? whereLooked(e.cam) : '',
    method: e?.cam.method ?? method,
  };
}

/** The same photo explained again (another CAM method). */
export function withExplanation(result: ShownResult, e: Explanation): ShownResult {
  return {
    ...result,
    heatmap: e.heatmap,
    region: e.region,
    whereLooked: whereLooked(e.cam),
    method: e.cam.method,
  };
}

const ADJUSTMENT_TEXT: Record<PhotoAdjustment, string> = {
  reduced: 'reduced to 1600 px',
  rotated: 'turned upright (EXIF orientation)',
  flattened: 'transparent parts filled with white',
  greyscale: 'black-and-white photo',
  cmyk: 'converted from CMYK',
};

/** "Photo reduced to 1600 px, turned upright (EXIF orientation)." or '' when untouched. */
export function adjustmentsNotice(adjustments: readonly string[]): string {
  const words = adjustments.map((a) => ADJUSTMENT_TEXT[a as PhotoAdjustment] ?? a);
  return words.length ? `Photo ${words.join(', ')}.` : '';
}

/** The notice once the survey is saved: "… Saved (position ±12 m)." */
export function savedNotice(notice: string, record: SurveyRecord): string {
  return `${notice ? notice + ' ' : ''}Saved (${savedPositionText(record)}).`;
}
