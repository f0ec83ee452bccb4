/**
 * Which held-out photos the pothole Grad-CAM figure shows, picked by rule so the figure is
 * reproducible and not hand-chosen: photos of the model's test split (split.json), scored the way
 * `roadcam explain` sees them (same decoding, same Grad-CAM of the pothole logit), then the first
 * ones in id order that fit each case, plus the wrong verdicts the model card lists.
 */
import path from 'node:path';
import sharp from 'sharp';
import { computeCam } from '../../src/explain/cam/compute-cam';
import { upsampleBilinear } from '../../src/explain/heatmap/upsample';
import { energyInBoxes, pointingGame } from '../../src/explain/metrics';
import { classLogit } from '../../src/explain/targets';
import type { LoadedModel } from '../../src/model/load-model';
import { imageToModelInput } from '../../src/model/preprocess';
import { ToolError } from '../lib/tool-error';
import { readPhotoFolder, type Box, type PhotoLabel, type PhotoRecord } from '../data/photo-folder';
import { mayCopyPhotos } from '../data/sources';
import type { SplitPlan } from '../data/split';
import { potholeLabelIndex } from '../eval/evaluate';
import { readImageRgba } from '../lib/images';
import { tf } from '../lib/tf-node';

export interface CaseCandidate {
  id: string;
  source: string;
  path: string;
  label: PhotoLabel;
  potholeProbability: number;
  /** Pothole boxes in the pixels of the photo as `roadcam explain` draws its overlay. */
  boxes?: Box[];
  /** Pothole photos with boxes and a right verdict: the pothole Grad-CAM's peak is in a box. */
  peakInBox?: boolean;
  /** The share of that map's energy inside the boxes. */
  energyInBox?: number;
}

export interface PotholeCases {
  pointsAtPothole: CaseCandidate[];
  peakOutsideBox: CaseCandidate[];
  goodRoads: CaseCandidate[];
  mistakes: CaseCandidate[];
}

export interface CaseCounts {
  /** Per data set: right pothole verdicts whose heatmap peak lies in a box. */
  pointsAtPothole: Record<string, number>;
  /** Right pothole verdicts whose heatmap peak lies outside every box (any data set). */
  peakOutsideBox: number;
  /** Per data set: right good-road verdicts. */
  goodRoads: Record<string, number>;
}

export const DEFAULT_CASE_COUNTS: CaseCounts = {
  pointsAtPothole: { 'potholes-annotated': 3, 'potholes-closeup': 1 },
  peakOutsideBox: 2,
  // Web photos of good roads are potholes-kaggle's, which may not be copied: close-ups only.
  goodRoads: { 'potholes-closeup': 4 },
};

export function saysPothole(c: Pick<CaseCandidate, 'potholeProbability'>): boolean {
  return c.potholeProbability >= 0.5;
}

function firstPerSource(
  candidates: readonly CaseCandidate[],
  counts: Record<string, number>,
  fits: (c: CaseCandidate) => boolean,
): CaseCandidate[] {
  const out: CaseCandidate[] = [];
  for (const [source, n] of Object.entries(counts)) {
    out.push(...candidates.filter((c) => c.source === source && fits(c)).slice(0, n));
  }
  return out;
}

const byId = (a: { id: string }, b: { id: string }) =>
  a.id.localeCompare(b.id, 'en', { numeric: true });

/**
 * The cases, by rule: the first photos in id order that fit. `mistakeIds` (the model card's wrong
 * verdicts) are shown whatever the model says here, and only there; a listed photo missing from
 * the candidates is an error (the card and the split disagree).
 */
export function pickPotholeCases(
  candidates: readonly CaseCandidate[],
  mistakeIds: readonly string[],
  counts: CaseCounts = DEFAULT_CASE_COUNTS,
): PotholeCases {
  // Only photos whose licence allows a copy in the repository are drawn (never
  // potholes-kaggle's); a listed wrong verdict is shown in its own figure, not again as an
  // example of another case.
  const sorted = [...candidates]
    .sort(byId)
    .filter((c) => !mistakeIds.includes(c.id) && mayCopyPhotos(c.source));
  const all = [...candidates];
  const rightPothole = (c: CaseCandidate) => c.label === 'pothole' && saysPothole(c);
  const mistakes = mistakeIds.map((id) => {
    const found = all.find((c) => c.id === id);
    if (!found) {
      throw new ToolError(
        'bad-model-folder',
        `The model card lists ${id} as a wrong verdict on a held-out photo, but it is not in the ` +
          `model's test split here: regenerate the card with npm run eval, or check the data folders.`,
      );
    }
    return found;
  });
  return {
    pointsAtPothole: firstPerSource(
      sorted,
      counts.pointsAtPothole,
      (c) => rightPothole(c) && c.peakInBox === true,
    ),
    peakOutsideBox: sorted
      .filter((c) => rightPothole(c) && c.peakInBox === false)
      .slice(0, counts.peakOutsideBox),
    goodRoads: firstPerSource(
      sorted,
      counts.goodRoads,
      (c) => c.label === 'normal' && !saysPothole(c),
    ),
    mistakes: mistakes.filter((c) => mayCopyPhotos(c.source)),
  };
}

/** The photos of the split's test part, found in the data folders under `dataDir`. */
export function testPhotos(plan: SplitPlan, dataDir: string): PhotoRecord[] {
  const records = new Map<string, PhotoRecord>();
  for (const source of new Set(plan.test.map((e) => e.source))) {
    for (const p of readPhotoFolder(path.join(dataDir, source)).photos) {
      records.set(`${p.source}/${p.file}`, p);
    }
  }
  return plan.test.map((e) => {
    const record = records.get(e.id);
    if (!record) {
      throw new ToolError(
        'missing-folder',
        `The held-out photo ${e.id} named in split.json is not in ${dataDir}.`,
      );
    }
    return record;
  });
}

/** Pixel size of a photo as decoded upright (EXIF orientation applied), as boxes are drawn. */
async function uprightSize(file: string): Promise<{ width: number; height: number }> {
  const meta = await sharp(file).metadata();
  const turned = (meta.orientation ?? 1) >= 5;
  return turned
    ? { width: meta.height!, height: meta.width! }
    : { width: meta.width!, height: meta.height! };
}

/**
 * Each photo's pothole probability and, for pothole photos with boxes and a right verdict,
 * whether the pothole Grad-CAM (as `roadcam explain --class pothole` computes it) peaks in a box.
 */
export async function scoreCandidates(
  loaded: LoadedModel,
  photos: readonly PhotoRecord[],
  options: { maxSide: number; onProgress?: (done: number, total: number) => void },
): Promise<CaseCandidate[]> {
  const { manifest, adapter } = loaded;
  const pothole = potholeLabelIndex(manifest);
  const out: CaseCandidate[] = [];
  for (const [i, p] of photos.entries()) {
    const photo = await readImageRgba(p.path, { maxSide: options.maxSide });
    const x = imageToModelInput(photo, manifest.input);
    try {
      const probabilities = tf.tidy(() => adapter.predict(x).probabilities.dataSync());
      const potholeProbability =
        probabilities.length === 1 ? probabilities[0] : probabilities[pothole];
      const c: CaseCandidate = {
        id: `${p.source}/${p.file}`,
        source: p.source,
        path: p.path,
        label: p.label,
        potholeProbability,
      };
      if (p.boxes?.length) {
        // Boxes are in the stored photo's pixels; the decoded photo may have been shrunk.
        const stored = await uprightSize(p.path);
        const s = photo.width / stored.width;
        c.boxes = p.boxes.map((b) => b.map((v) => v * s) as Box);
      }
      if (p.label === 'pothole' && c.boxes && saysPothole(c)) {
        const cam = await computeCam(adapter, x, {
          method: 'gradcam',
          target: classLogit(pothole),
          layer: manifest.cam.layer,
        });
        const map = upsampleBilinear(cam.grids[0], photo.width, photo.height);
        c.peakInBox = pointingGame(map, c.boxes).hit;
        c.energyInBox = energyInBoxes(map, c.boxes).share;
      }
      out.push(c);
    } finally {
      x.dispose();
    }
    options.onProgress?.(i + 1, photos.length);
  }
  return out;
}
