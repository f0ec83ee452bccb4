/**
 * Evaluation of a road model (pothole, or road-damage with a sigmoid output per type) on
 * folders of photos it has not seen: classification figures over every photo, explanation
 * figures (pointing game, energy in the boxes, deletion / insertion) over the photos with
 * boxes of each type, next to the centre and uniform baselines, and for road-damage models the
 * not-a-road score of every photo. Keys are spelled as the issues and the model cards use them.
 */
import type { ModelManifest } from '../../src/model/manifest';
import type { FoldersReport } from '../../src/model/metrics-records';
import type { LoadedModel } from '../../src/model/load-model';
import { normalizePixels } from '../../src/model/preprocess';
import { computeCam, type CamMethodName } from '../../src/explain/cam/compute-cam';
import { upsampleBilinear } from '../../src/explain/heatmap/upsample';
import { ToolError } from '../lib/tool-error';
import { typeLabel } from '../data/damage-labels';
import { decodePhoto, mapLimit, type DecodedPhoto } from '../data/decode';
import {
  DUPLICATE_MAX_DISTANCE,
  FIELD_COPY_MAX_DISTANCE,
  hammingDistance,
  perceptualHashes,
} from '../data/perceptual-hash';
import { isFieldPhoto, type SplitPlan } from '../data/split';
import { photoId, type Box, type PhotoFolder, type PhotoRecord } from '../data/photo-folder';
import { tf } from '../lib/tf-node';
import { boxFigures, mapOntoPhoto, perturbationAucs } from './box-figures';
import { outputSpecs, potholeSpec, type OutputSpec } from './model-outputs';
import {
  disposeNotRoadScorer,
  scoreNotRoad,
  type NotRoadScorer,
} from '../../src/model/damage-forward';
import { readNotRoadStatsFor } from './not-road-score';
import { summarize, type PhotoResult } from './report';
import { SeenPhotos, readSplitFile } from './split-file';

export { mapOntoPhoto } from './box-figures';
export { potholeLabelIndex } from './model-outputs';
export { summarize, type PhotoResult } from './report';
export type { EvalReport, FoldersReport } from '../../src/model/metrics-records';

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
  /** Deletion and insertion curves of the pothole heatmap (21 passes each per boxed photo). */
  perturbation?: boolean;
  perturbationSteps?: number;
  batchSize?: number;
  /** The model's folder, for its not-a-road statistics (road-damage models). */
  modelDir?: string;
  log?: (line: string) => void;
}

/** Decodes one photo as the model sees it, and reports its stored size for the boxes. */
export async function modelInputOf(
  record: Pick<PhotoRecord, 'path'>,
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
    return normalizePixels(x, manifest.input.normalization);
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
  /** The model's split.json, when it has one. */
  plan: SplitPlan | undefined;
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
  return { evaluate, seen, duplicates, splitKnown: plan !== undefined, plan };
}

/** The labelled boxes of a type on a photo, when the photo shows it. */
function boxesOf(p: PhotoRecord, spec: OutputSpec, multiLabel: boolean): Box[] {
  if (!multiLabel) return p.label === 'pothole' ? (p.boxes ?? []) : [];
  const l = typeLabel(p, spec.name);
  return l.present === 1 ? l.boxes : [];
}

export async function evaluatePhotos(
  loaded: LoadedModel,
  photos: readonly PhotoRecord[],
  options: EvaluateOptions = {},
): Promise<PhotoResult[]> {
  const { manifest, adapter } = loaded;
  const specs = outputSpecs(manifest);
  const pothole = potholeSpec(specs);
  const multiLabel = manifest.task === 'road-damage';
  const method = options.method ?? (manifest.cam.method as CamMethodName) ?? 'gradcam';
  const layer = options.layer ?? manifest.cam.layer;
  const batchSize = options.batchSize ?? 16;
  const notRoad: NotRoadScorer | undefined =
    manifest.task === 'road-damage' && options.modelDir
      ? await readNotRoadStatsFor(options.modelDir, manifest)
      : undefined;
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
      const scores = notRoad ? await scoreNotRoad(adapter, x, notRoad) : undefined;
      const probability = (i: number, spec: OutputSpec) =>
        classes === 1 ? probData[i] : probData[i * classes + spec.index];
      const batchResults: PhotoResult[] = batch.map((p, i) => ({
        id: photoId(p),
        source: p.source,
        label: p.label === 'pothole' ? 1 : 0,
        potholeProbability: probability(i, pothole),
        ...(p.boxes?.length ? { boxes: p.boxes } : {}),
        ...(multiLabel
          ? {
              types: Object.fromEntries(
                specs.map((s) => [
                  s.name,
                  { probability: probability(i, s), present: typeLabel(p, s.name).present },
                ]),
              ),
            }
          : {}),
        ...(scores && notRoad
          ? { notRoadScore: scores[i], notRoad: scores[i] > notRoad.threshold }
          : {}),
      }));
      results.push(...batchResults);

      for (const spec of specs) {
        const boxed = batch
          .map((_, i) => i)
          .filter((i) => boxesOf(batch[i], spec, multiLabel).length);
        if (boxed.length === 0) continue;
        const xb = tf.tidy(() => tf.gather(x, tf.tensor1d(boxed, 'int32')) as tf.Tensor4D);
        try {
          const cam = await computeCam(adapter, xb, { method, target: spec.target, layer });
          for (let k = 0; k < boxed.length; k++) {
            const i = boxed[k];
            const { originalWidth: w, originalHeight: h } = decoded[i];
            const map = mapOntoPhoto(cam.normalized[k], w, h, manifest);
            const figures = boxFigures(map, boxesOf(batch[i], spec, multiLabel), cam.empty[k]);
            if (spec === pothole && (options.perturbation ?? true)) {
              const [deletion, insertion] = await perturbationAucs(
                loaded,
                xb,
                k,
                upsampleBilinear(cam.normalized[k], manifest.input.width, manifest.input.height),
                spec.index,
                options.perturbationSteps ?? 20,
              );
              figures.deletionAuc = deletion;
              figures.insertionAuc = insertion;
            }
            if (spec === pothole) batchResults[i].box = figures;
            const typeResult = batchResults[i].types?.[spec.name];
            if (typeResult) typeResult.box = figures;
          }
        } finally {
          xb.dispose();
        }
      }
    } finally {
      x.dispose();
    }
    options.log?.(`  ${Math.min(start + batchSize, photos.length)}/${photos.length} photos`);
  }
  disposeNotRoadScorer(notRoad);
  return results;
}

/** The decision threshold of every output of a road-damage model (none for pothole models). */
export function typeThresholds(manifest: ModelManifest): Record<string, number> | undefined {
  return manifest.task === 'road-damage'
    ? Object.fromEntries(manifest.types.map((t) => [t.name, t.threshold]))
    : undefined;
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
  const { evaluate, seen, duplicates, splitKnown, plan } = await excludeSeen(
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
  const results = await evaluatePhotos(loaded, evaluate, { modelDir, ...options });
  // Each photo's place, from the split: what the AUC intervals resample.
  const groupOf = new Map(
    (plan ? [...plan.train, ...plan.validation, ...(plan.test ?? [])] : []).map((e) => [
      e.id,
      e.group,
    ]),
  );
  for (const r of results) r.group = groupOf.get(r.id) ?? r.id;
  const thresholds = typeThresholds(loaded.manifest);
  const by_folder: FoldersReport['by_folder'] = {};
  for (const f of folders) {
    const here = (p: PhotoRecord) => p.source === f.source;
    by_folder[f.source] = summarize(
      results.filter((r) => r.source === f.source),
      seen.filter(here).length,
      duplicates.filter(here).length,
      thresholds,
    );
  }
  return {
    report: { ...summarize(results, seen.length, duplicates.length, thresholds), by_folder },
    results,
    splitKnown,
  };
}
