/**
 * Evaluation of a pothole model on a folder of photos: classification figures over every
 * photo the model has not seen, and explanation figures (pointing game, energy in the boxes,
 * deletion / insertion) over the pothole photos that have boxes, next to the centre and
 * uniform baselines. Keys are spelled as the issue and the model card use them.
 */
import type { ModelManifest } from '../../src/model/manifest';
import type { LoadedModel } from '../../src/model/load-model';
import { computeCam, type CamMethodName } from '../../src/explain/cam/compute-cam';
import { classProbability } from '../../src/explain/targets';
import { upsampleBilinear } from '../../src/explain/heatmap/upsample';
import type { ScalarMap } from '../../src/explain/heatmap/scalar-map';
import {
  centredGaussianMap,
  centrePeakMap,
  energyInBoxes,
  perturbationCurve,
  pointingGame,
  uniformMap,
} from '../../src/explain/metrics';
import { ToolError } from '../data/errors';
import { decodePhoto, mapLimit, type DecodedPhoto } from '../data/decode';
import {
  DUPLICATE_MAX_DISTANCE,
  FIELD_COPY_MAX_DISTANCE,
  hammingDistance,
  perceptualHashes,
} from '../data/perceptual-hash';
import { isFieldPhoto } from '../data/split';
import { photoId, type Box, type PhotoFolder, type PhotoRecord } from '../data/photo-folder';
import { tf } from '../lib/tf-node';
import { normalizeInput } from '../train/photo-examples';
import {
  classificationSummary,
  type BinaryLabel,
  type ClassificationSummary,
} from './classification-metrics';
import { SeenPhotos, readSplitFile } from './split-file';

export interface EvalReport extends ClassificationSummary {
  pointing_game: number | null;
  pointing_game_tol15: number | null;
  centre_pointing_game: number | null;
  /** The centre baseline with the same 15 px tolerance (not in the list; for comparison). */
  centre_pointing_game_tol15: number | null;
  energy_in_box: number | null;
  centre_energy_in_box: number | null;
  uniform_energy_in_box: number | null;
  deletion_auc: number | null;
  insertion_auc: number | null;
  /** Pothole photos with boxes: what the box figures average over. */
  boxed_photos: number;
  /** Boxed photos whose heatmap was empty (no positive evidence): scored as misses. */
  empty_maps: number;
  /** Photos left out because the model trained or validated on them (or on a copy). */
  excluded_seen: number;
  /** Photos left out as copies of a photo evaluated here (counted once). */
  excluded_duplicates: number;
}

/** Explanation figures of one pothole photo with boxes. */
export interface BoxFigures {
  pointingHit: boolean;
  pointingHitTol15: boolean;
  energyInBox: number;
  emptyMap: boolean;
  centreHit: boolean;
  centreHitTol15: boolean;
  centreEnergyInBox: number;
  uniformEnergyInBox: number;
  deletionAuc?: number;
  insertionAuc?: number;
}

export interface PhotoResult {
  id: string;
  source: string;
  label: BinaryLabel;
  potholeProbability: number;
  boxes?: Box[];
  box?: BoxFigures;
}

export interface EvaluateOptions {
  method?: CamMethodName;
  /** CAM layer; default the manifest's. */
  layer?: string;
  /** Evaluate photos the model trained on too (and say so). */
  includeSeen?: boolean;
  /**
   * Evaluate only the model's validation photos (to choose settings such as the CAM layer
   * without looking at the test photos). Needs split.json.
   */
  validationOnly?: boolean;
  /** Deletion and insertion curves (21 forward passes each per boxed photo). */
  perturbation?: boolean;
  perturbationSteps?: number;
  batchSize?: number;
  log?: (line: string) => void;
}

/** Output indices of the two classes, from the manifest's labels. */
export function potholeLabelIndex(manifest: ModelManifest): number {
  const i = manifest.labels.findIndex((l) => /^potholes?$/i.test(l));
  if (i < 0 || manifest.labels.length !== 2) {
    throw new ToolError(
      'bad-model-folder',
      `This is not a pothole / good-road model: its labels are ${JSON.stringify(manifest.labels)}, ` +
        `and evaluation needs two labels, one of them "pothole".`,
    );
  }
  return i;
}

/**
 * The model's heatmap at the photo's own size: the grid is upsampled onto the part of the photo
 * the model saw (all of it when stretched; the centred square when centre-cropped).
 */
export function mapOntoPhoto(
  grid: ScalarMap,
  photoWidth: number,
  photoHeight: number,
  manifest: ModelManifest,
): ScalarMap {
  if (manifest.input.resize !== 'center-crop')
    return upsampleBilinear(grid, photoWidth, photoHeight);
  const aspect = manifest.input.width / manifest.input.height;
  const cropW = Math.round(Math.min(photoWidth, photoHeight * aspect));
  const cropH = Math.round(Math.min(photoHeight, photoWidth / aspect));
  const left = Math.floor((photoWidth - cropW) / 2);
  const top = Math.floor((photoHeight - cropH) / 2);
  const inner = upsampleBilinear(grid, cropW, cropH);
  const out = {
    width: photoWidth,
    height: photoHeight,
    data: new Float32Array(photoWidth * photoHeight),
  };
  for (let y = 0; y < cropH; y++) {
    out.data.set(inner.data.subarray(y * cropW, (y + 1) * cropW), (top + y) * photoWidth + left);
  }
  return out;
}

/** A heavily blurred copy: what deleted pixels become, and where insertion starts. */
function blurredBaseline(image: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [h, w] = image.shape;
    const small = tf.image.resizeBilinear(
      image,
      [Math.max(1, h >> 4), Math.max(1, w >> 4)],
      false,
      true,
    );
    return tf.image.resizeBilinear(small, [h, w], false, true);
  });
}

function mean(values: readonly number[]): number | null {
  return values.length ? values.reduce((s, v) => s + v, 0) / values.length : null;
}

/** Decodes one photo as the model sees it, and reports its stored size for the boxes. */
export async function modelInputOf(
  record: PhotoRecord,
  manifest: ModelManifest,
): Promise<DecodedPhoto> {
  return decodePhoto(
    record.path,
    manifest.input.width,
    manifest.input.height,
    manifest.input.resize,
  );
}

export function inputTensor(photos: readonly DecodedPhoto[], manifest: ModelManifest): tf.Tensor4D {
  return tf.tidy(() => {
    const { width, height } = manifest.input;
    const one = width * height * 3;
    const data = new Float32Array(photos.length * one);
    photos.forEach((p, i) => data.set(p.data, i * one));
    let x = tf.tensor4d(data, [photos.length, height, width, 3]);
    if (manifest.input.channels === 1) x = tf.mean(x, 3, true) as tf.Tensor4D;
    return normalizeInput(x, manifest.input.normalization);
  });
}

/**
 * Splits photos into the ones to evaluate, the ones the model has seen (trained or validated on
 * them or on a copy, per its split.json), and copies of a photo already being evaluated (so a
 * photo filed twice counts once).
 */
export async function excludeSeen(
  photos: readonly PhotoRecord[],
  modelDir: string,
  includeSeen: boolean,
  validationOnly = false,
): Promise<{
  evaluate: PhotoRecord[];
  seen: PhotoRecord[];
  duplicates: PhotoRecord[];
  splitKnown: boolean;
}> {
  const plan = readSplitFile(modelDir);
  if (validationOnly && !plan) {
    throw new ToolError(
      'bad-model-folder',
      `${modelDir} has no split.json, so its validation photos are unknown.`,
    );
  }
  const validation = validationOnly && plan ? new SeenPhotos(plan, ['validation']) : undefined;
  const hashes = await perceptualHashes(photos.map((p) => p.path));
  const seenPhotos = plan ? new SeenPhotos(plan) : undefined;
  const maxDistance = plan?.options.duplicateMaxDistance ?? DUPLICATE_MAX_DISTANCE;
  const fieldDistance = plan?.options.field?.copyMaxDistance ?? FIELD_COPY_MAX_DISTANCE;
  const evaluate: PhotoRecord[] = [];
  const evaluated: { hash: string; field: boolean }[] = [];
  const seen: PhotoRecord[] = [];
  const duplicates: PhotoRecord[] = [];
  photos.forEach((p, i) => {
    const key = { hash: hashes[i], id: photoId(p), field: isFieldPhoto(p) };
    // Field photos of one place are alike but not copies: only a true copy counts twice.
    const isCopyOf = (e: { hash: string; field: boolean }) =>
      hammingDistance(e.hash, key.hash) <= (e.field || key.field ? fieldDistance : maxDistance);
    if (validation ? !validation.match(key) : !includeSeen && seenPhotos?.match(key)) {
      seen.push(p);
    } else if (evaluated.some(isCopyOf)) {
      duplicates.push(p);
    } else {
      evaluate.push(p);
      evaluated.push({ hash: key.hash, field: key.field });
    }
  });
  return { evaluate, seen, duplicates, splitKnown: plan !== undefined };
}

export async function evaluatePhotos(
  loaded: LoadedModel,
  photos: readonly PhotoRecord[],
  options: EvaluateOptions = {},
): Promise<PhotoResult[]> {
  const { manifest, adapter } = loaded;
  const potholeIndex = potholeLabelIndex(manifest);
  const target = classProbability(potholeIndex);
  const method = options.method ?? (manifest.cam.method as CamMethodName) ?? 'gradcam';
  const layer = options.layer ?? manifest.cam.layer;
  const batchSize = options.batchSize ?? 16;
  const results: PhotoResult[] = [];

  for (let start = 0; start < photos.length; start += batchSize) {
    const batch = photos.slice(start, start + batchSize);
    const decoded = await mapLimit(batch, 4, (p) => modelInputOf(p, manifest));
    const x = inputTensor(decoded, manifest);
    try {
      const probs = tf.tidy(() => adapter.predict(x).probabilities);
      const probData = (await probs.data()) as Float32Array;
      const classes = probs.shape[1];
      probs.dispose();
      const batchResults: PhotoResult[] = batch.map((p, i) => ({
        id: photoId(p),
        source: p.source,
        label: p.label === 'pothole' ? 1 : 0,
        potholeProbability: classes === 1 ? probData[i] : probData[i * classes + potholeIndex],
        ...(p.boxes?.length ? { boxes: p.boxes } : {}),
      }));
      results.push(...batchResults);

      const boxed = batch
        .map((_, i) => i)
        .filter((i) => batch[i].label === 'pothole' && batch[i].boxes?.length);
      if (boxed.length === 0) continue;
      const xb = tf.tidy(() => tf.gather(x, tf.tensor1d(boxed, 'int32')) as tf.Tensor4D);
      try {
        const cam = await computeCam(adapter, xb, { method, target, layer });
        for (let k = 0; k < boxed.length; k++) {
          const i = boxed[k];
          const { originalWidth: w, originalHeight: h } = decoded[i];
          const boxes = batch[i].boxes!;
          const map = mapOntoPhoto(cam.normalized[k], w, h, manifest);
          const box: BoxFigures = {
            pointingHit: pointingGame(map, boxes).hit,
            pointingHitTol15: pointingGame(map, boxes, { tolerancePx: (15 * Math.max(w, h)) / 256 })
              .hit,
            energyInBox: energyInBoxes(map, boxes).share,
            emptyMap: cam.empty[k],
            centreHit: pointingGame(centrePeakMap(w, h), boxes).hit,
            centreHitTol15: pointingGame(centrePeakMap(w, h), boxes, {
              tolerancePx: (15 * Math.max(w, h)) / 256,
            }).hit,
            centreEnergyInBox: energyInBoxes(centredGaussianMap(w, h), boxes).share,
            uniformEnergyInBox: energyInBoxes(uniformMap(w, h), boxes).share,
          };
          if (options.perturbation ?? true) {
            const [deletion, insertion] = await perturbationAucs(
              loaded,
              xb,
              k,
              upsampleBilinear(cam.normalized[k], manifest.input.width, manifest.input.height),
              potholeIndex,
              options.perturbationSteps ?? 20,
            );
            box.deletionAuc = deletion;
            box.insertionAuc = insertion;
          }
          batchResults[i].box = box;
        }
      } finally {
        xb.dispose();
      }
    } finally {
      x.dispose();
    }
    options.log?.(`  ${Math.min(start + batchSize, photos.length)}/${photos.length} photos`);
  }
  return results;
}

/** The report's figures from per-photo results (box figures over the boxed pothole photos). */
export function summarize(
  results: readonly PhotoResult[],
  excludedSeen: number,
  excludedDuplicates: number,
): EvalReport {
  const boxed = results.filter((r) => r.box).map((r) => r.box!);
  const avg = (f: (b: BoxFigures) => number | boolean | undefined) =>
    mean(
      boxed
        .map(f)
        .filter((v): v is number | boolean => v !== undefined)
        .map((v) => Number(v)),
    );
  return {
    ...classificationSummary(
      results.map((r) => r.label),
      results.map((r) => r.potholeProbability),
    ),
    pointing_game: avg((b) => b.pointingHit),
    pointing_game_tol15: avg((b) => b.pointingHitTol15),
    centre_pointing_game: avg((b) => b.centreHit),
    centre_pointing_game_tol15: avg((b) => b.centreHitTol15),
    energy_in_box: avg((b) => b.energyInBox),
    centre_energy_in_box: avg((b) => b.centreEnergyInBox),
    uniform_energy_in_box: avg((b) => b.uniformEnergyInBox),
    deletion_auc: avg((b) => b.deletionAuc),
    insertion_auc: avg((b) => b.insertionAuc),
    boxed_photos: boxed.length,
    empty_maps: boxed.filter((b) => b.emptyMap).length,
    excluded_seen: excludedSeen,
    excluded_duplicates: excludedDuplicates,
  };
}

async function perturbationAucs(
  loaded: LoadedModel,
  batch: tf.Tensor4D,
  index: number,
  map: ScalarMap,
  potholeIndex: number,
  steps: number,
): Promise<[number, number]> {
  const image = tf.tidy(
    () => tf.squeeze(tf.slice(batch, [index, 0, 0, 0], [1, -1, -1, -1]), [0]) as tf.Tensor3D,
  );
  const baseline = blurredBaseline(image);
  const score = (b: tf.Tensor4D) =>
    tf.tidy(() => {
      const p = loaded.adapter.predict(b).probabilities;
      return p.shape[1] === 1
        ? (tf.reshape(p, [-1]) as tf.Tensor1D)
        : (tf.reshape(tf.slice(p, [0, potholeIndex], [-1, 1]), [-1]) as tf.Tensor1D);
    });
  try {
    const deletion = await perturbationCurve({
      image,
      map,
      baseline,
      mode: 'deletion',
      steps,
      score,
      batchSize: 11,
    });
    const insertion = await perturbationCurve({
      image,
      map,
      baseline,
      mode: 'insertion',
      steps,
      score,
      batchSize: 11,
    });
    return [deletion.areaUnderCurve, insertion.areaUnderCurve];
  } finally {
    tf.dispose([image, baseline]);
  }
}

export interface FoldersReport extends EvalReport {
  /** The same figures for each data folder on its own. */
  by_folder: Record<string, EvalReport>;
}

/**
 * Evaluates a loaded model on one or more photo folders, leaving out the photos its split.json
 * marks as training or validation data (unless includeSeen). Figures over all folders together,
 * and per folder.
 */
export async function evaluateFolders(
  loaded: LoadedModel,
  modelDir: string,
  folders: readonly PhotoFolder[],
  options: EvaluateOptions = {},
): Promise<{ report: FoldersReport; results: PhotoResult[]; splitKnown: boolean }> {
  const all = folders.flatMap((f) => f.photos);
  const { evaluate, seen, duplicates, splitKnown } = await excludeSeen(
    all,
    modelDir,
    options.includeSeen ?? false,
    options.validationOnly ?? false,
  );
  if (evaluate.length === 0) {
    throw new ToolError(
      'empty-folder',
      `Every photo in ${folders.map((f) => f.dir).join(', ')} was used to train or validate this ` +
        `model, so there is nothing left to evaluate it on. Give a folder of photos it has not ` +
        `seen (or add --include-seen to measure them anyway, knowing the figures flatter it).`,
    );
  }
  const results = await evaluatePhotos(loaded, evaluate, options);
  const by_folder: Record<string, EvalReport> = {};
  for (const f of folders) {
    const here = (p: PhotoRecord) => p.source === f.source;
    by_folder[f.source] = summarize(
      results.filter((r) => r.source === f.source),
      seen.filter(here).length,
      duplicates.filter(here).length,
    );
  }
  return {
    report: { ...summarize(results, seen.length, duplicates.length), by_folder },
    results,
    splitKnown,
  };
}
