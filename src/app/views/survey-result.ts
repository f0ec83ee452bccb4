/** What the survey page shows of the photo just taken: verdict, heatmap, and the notices. */
import type { Region } from '../../components/rc-heatmap';
import type { PhotoAdjustment } from '../../image/prepare-photo';
import type { SurveyVerdict } from '../../schema/survey';
import type { SurveyRecord } from '../../store/survey-record';
import type { Explanation, PhotoAnalysis, TypeHeatmap } from '../../workers/protocol';
import {
  damageHeadline,
  heatmapChoices,
  NOT_ROAD_TEXT,
  qualityHint,
  typeLines,
  typeTitle,
  type DamageHeadline,
  type HeatmapChoice,
} from './damage-view';
import { savedPositionText } from './position-text';
import { whereLooked } from './where-looked';

export const WHOLE_PHOTO: Region = { x: 0, y: 0, width: 1, height: 1 };

export interface ShownResult {
  /** Null until the survey is saved. */
  recordId: string | null;
  verdict: SurveyVerdict | null;
  /** Why there is no verdict (the analysis failed; the photo is kept). */
  verdictReason: string;
  /** The photo the model analysed (its identity tells one photo's answers from another's). */
  photo: ImageBitmap;
  /** The photo as kept, shown once decoded when it is larger than the one analysed (a phone's
   * large photo, analysed from its preview); null until then, or when it is not larger. */
  keptPhoto: ImageBitmap | null;
  /** The JPEG kept (to explain again with another method); null until it comes, just after
   * the verdict. */
  jpeg: Blob | null;
  heatmap: ImageBitmap | null;
  region: Region;
  whereLooked: string;
  method: string;
  /** Too dark / too blurred, shown before the verdict; '' when the photo is fine. */
  qualityHint: string;
  /** Road-damage models only. */
  damage: ShownDamage | null;
}

export interface ShownDamage {
  headline: DamageHeadline;
  toggles: HeatmapChoice[];
  lines: { type: string; text: string; found: boolean }[];
  /** The type whose heatmap is drawn. */
  selected: string;
  heatmaps: TypeHeatmap[];
  /** The photo does not look like a road: held until kept, or kept. */
  notRoad: { text: string; detail: string; kept: boolean } | null;
}

function shownDamage(e: Explanation, selected?: string): ShownDamage | null {
  const d = e.damage;
  if (!d) return null;
  const facts = {
    outcome: d.outcome,
    probabilities: Object.fromEntries(d.types.map((t) => [t.name, t.probability])),
    found: d.found,
    notSure: d.notSure,
  };
  const keep = selected && d.heatmaps.some((h) => h.type === selected);
  return {
    headline: damageHeadline(facts),
    toggles: heatmapChoices(d.heatmaps),
    lines: typeLines(facts),
    selected: keep ? selected : (d.heatmaps[0]?.type ?? ''),
    heatmaps: d.heatmaps,
    notRoad:
      d.outcome === 'not-a-road'
        ? {
            text: NOT_ROAD_TEXT,
            detail:
              'The model was trained on road surfaces only, so its verdict on this photo means ' +
              'little. Keep it anyway to save it as “not a road”, or discard it.',
            kept: false,
          }
        : null,
  };
}

/** The heatmap of one damage type drawn over the photo (a tap on its toggle). */
export function withType(result: ShownResult, type: string): ShownResult {
  const h = result.damage?.heatmaps.find((x) => x.type === type);
  if (!result.damage || !h) return result;
  return {
    ...result,
    heatmap: h.heatmap,
    region: h.cam.region ?? WHOLE_PHOTO,
    whereLooked: whereLooked(h.cam),
    damage: { ...result.damage, selected: type },
  };
}

/** A damage type's heatmap, drawn after the answer came (only the first type's comes with it). */
export function withTypeHeatmap(
  result: ShownResult,
  type: string,
  heatmap: ImageBitmap | null,
): ShownResult {
  if (!result.damage) return result;
  const heatmaps = result.damage.heatmaps.map((h) => (h.type === type ? { ...h, heatmap } : h));
  return { ...result, damage: { ...result.damage, heatmaps } };
}

/** The survey is saved as "not a road" (the engineer kept it). */
export function withNotRoadKept(result: ShownResult, recordId: string): ShownResult {
  const notRoad = result.damage?.notRoad;
  if (!result.damage || !notRoad) return result;
  return { ...result, recordId, damage: { ...result.damage, notRoad: { ...notRoad, kept: true } } };
}

/** The label of the drawn heatmap's type ("Pothole"), '' for a pothole model. */
export function heatmapOf(result: ShownResult): string {
  return result.damage?.selected ? typeTitle(result.damage.selected) : '';
}

export function shownResult(analysis: PhotoAnalysis, method: string): ShownResult {
  const e = analysis.explanation;
  const damage = e ? shownDamage(e) : null;
  const base: ShownResult = {
    recordId: null,
    verdict: e?.verdict ?? null,
    verdictReason: analysis.analysisError?.message ?? '',
    photo: analysis.display,
    keptPhoto: null,
    jpeg: null,
    heatmap: e?.heatmap ?? null,
    region: e?.region ?? WHOLE_PHOTO,
    whereLooked: e ? whereLooked(e.cam) : '',
    method: e?.cam.method ?? method,
    qualityHint: qualityHint(analysis.quality),
    damage,
  };
  return damage ? withType(base, damage.selected) : base;
}

/** The same photo explained again (another CAM method); the chosen damage type stays shown. */
export function withExplanation(result: ShownResult, e: Explanation): ShownResult {
  const next: ShownResult = {
    ...result,
    heatmap: e.heatmap,
    region: e.region,
    whereLooked: whereLooked(e.cam),
    method: e.cam.method,
  };
  const damage = shownDamage(e, result.damage?.selected);
  if (!damage || !result.damage) return next;
  return withType(
    { ...next, damage: { ...damage, notRoad: result.damage.notRoad } },
    damage.selected,
  );
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
