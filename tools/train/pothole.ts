/**
 * `train pothole`: from photo folders to a committed-ready model folder: model.json + shards,
 * split.json (which photo went where), manifest.json and MODEL_CARD.md, with the evaluation of
 * the held-out photos (the same code and figures as `npm run eval`).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  NORMALIZE_MINUS_ONE_TO_ONE,
  NORMALIZE_ZERO_TO_ONE,
  modelManifestSchema,
  type ModelManifest,
  type Normalization,
} from '../../src/model/manifest';
import type { ComparisonRow, DataSummary, PotholeTraining } from '../../src/model/training-records';
import type { PotholeMetrics } from '../../src/model/metrics-records';
import { loadModelDir, writeManifest } from '../lib/model-dir';
import { potholeMetrics } from '../eval/pothole-metrics';
import { tf } from '../lib/tf-node';
import { trainingRun } from './training-run';
import { DEFAULT_AUGMENT, DEFAULT_BOX_CROPS } from '../data/augment';
import { ToolError } from '../lib/tool-error';
import { readPhotoFolder, type PhotoFolder, type PhotoLabel } from '../data/photo-folder';
import {
  countsBySource,
  DEFAULT_SPLIT_OPTIONS,
  planSplit,
  SPLIT_NAMES,
  type SplitEntry,
} from '../data/split';
import { sourceInfo } from '../data/sources';
import { evaluateFolders } from '../eval/evaluate';
import { measureLatency } from '../eval/latency';
import { SPLIT_FILE, readSplitPlan } from '../eval/split-file';
import {
  mobilenetClassifier,
  seedPotholeCnn,
  type BuiltModel,
  type PotholeArchitecture,
} from './architectures';
import { writeModelCard } from '../cards/model-card';
import { saveLayersModelToDir } from './model-files';
import { multiplyAdds } from './multiply-adds';
import { PhotoExamples } from './photo-examples';
import { epochSettings, trainClassifier, type EpochSettings } from './train-loop';

export const POTHOLE_LABELS: readonly PhotoLabel[] = ['normal', 'pothole'];

export interface PotholeTrainArgs extends EpochSettings {
  data: string[];
  out: string;
  architecture: PotholeArchitecture;
  inputSize: number;
  frameBlock: number;
  /** Share of box-aware crops of boxed pothole photos that cut the pothole out (0: off). */
  negativeCropRate: number;
  /** Weight of the box loss (pothole CAM evidence outside the boxes; 0: off). */
  boxLoss: number;
  /** MobileNet only: 16 keeps the last stride-2 layer at stride 1 (a finer heatmap). */
  outputStride?: 16 | 32;
  /** A split.json whose placement of photos to keep (to compare models on the same photos). */
  splitFrom?: string;
  mobilenetDir: string;
  /** Evaluate the held-out photos at the end (with Grad-CAM, deletion and insertion). */
  evaluate: boolean;
  id: string;
  version: string;
  /** The command line as typed, recorded in the manifest and the card. */
  command: string;
}

function quoteArg(a: string): string {
  return /^[\w./=:@-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

export function evalCommandFor(outDir: string, dataDirs: readonly string[]): string {
  return [
    'npm run eval --',
    '--model',
    quoteArg(outDir),
    ...dataDirs.flatMap((d) => ['--data', quoteArg(d)]),
  ].join(' ');
}

export async function trainPothole(
  args: PotholeTrainArgs,
  log: (line: string) => void,
): Promise<{ manifest: ModelManifest }> {
  const loadBefore = os.loadavg();
  const started = performance.now();
  const folders: PhotoFolder[] = args.data.map((d) => readPhotoFolder(d));
  for (const f of folders) {
    const n = f.photos.filter((p) => p.label === 'normal').length;
    log(
      `${f.source}: ${f.photos.length} photos (${n} normal, ${f.photos.length - n} pothole)` +
        (f.ignored.length
          ? `; ignored ${f.ignored.length} other files (${f.ignored.slice(0, 3).join(', ')}${f.ignored.length > 3 ? ', ...' : ''})`
          : ''),
    );
  }
  const splitOptions = { ...DEFAULT_SPLIT_OPTIONS, seed: args.seed, frameBlock: args.frameBlock };
  const previous = args.splitFrom ? readSplitPlan(args.splitFrom) : undefined;
  const { plan, photos } = await planSplit(folders, splitOptions, previous);
  if (previous) log(`kept the placement of photos from ${args.splitFrom}`);
  log(
    `de-duplicated: dropped ${plan.duplicates.length} copies of other photos` +
      (plan.conflicts.length
        ? `, and ${plan.conflicts.length} photos filed under both labels`
        : ''),
  );
  for (const s of SPLIT_NAMES) {
    const c = countsBySource(plan[s]);
    log(
      `${s}: ${plan[s].length} photos (` +
        Object.entries(c)
          .map(([k, v]) => `${k} ${v.normal}/${v.pothole}`)
          .join(', ') +
        ' normal/pothole)',
    );
  }

  const labelIndex = (l: PhotoLabel) => POTHOLE_LABELS.indexOf(l);
  let built: BuiltModel;
  let normalization: Normalization;
  if (args.architecture === 'mobilenet') {
    // No dropout and a seeded head: the same command trains the same model again.
    built = await mobilenetClassifier(
      args.mobilenetDir,
      args.inputSize,
      POTHOLE_LABELS.length,
      undefined,
      0,
      args.outputStride ?? 16,
      args.seed,
    );
    normalization = NORMALIZE_MINUS_ONE_TO_ONE;
  } else {
    built = seedPotholeCnn(args.inputSize, POTHOLE_LABELS.length);
    normalization = NORMALIZE_ZERO_TO_ONE;
  }
  const { model } = built;
  const macs = multiplyAdds(model);
  const parameters = model.countParams();
  log(
    `model: ${built.description}; ${parameters} parameters, ${(macs / 1e6).toFixed(1)} M multiply-adds`,
  );

  if (args.boxLoss > 0 && !built.denseLayer) {
    throw new ToolError(
      'bad-argument',
      `--box-loss needs a network whose head is global average pooling + dense (mobilenet).`,
    );
  }
  const boxCrops =
    args.negativeCropRate > 0 || args.boxLoss > 0
      ? { ...DEFAULT_BOX_CROPS, negativeRate: args.negativeCropRate }
      : undefined;
  const load = (entries: readonly SplitEntry[], storedSize: number) =>
    PhotoExamples.load(
      entries.map((e) => photos.get(e.id)!.path),
      entries.map((e) => labelIndex(e.label)),
      {
        size: args.inputSize,
        storedSize,
        fit: 'stretch',
        normalization,
        augment: DEFAULT_AUGMENT,
        ...(boxCrops
          ? {
              boxCrops: {
                options: boxCrops,
                pothole: labelIndex('pothole'),
                normal: labelIndex('normal'),
              },
            }
          : {}),
      },
      entries.map((e) => photos.get(e.id)!.boxes),
    );
  // Training photos are kept larger so the random crops keep their detail.
  const train = await load(plan.train, Math.round(args.inputSize * 1.25));
  const validation = await load(plan.validation, args.inputSize);
  log(
    `decoded ${train.count + validation.count} photos in ${((performance.now() - started) / 1000).toFixed(0)} s; training on ${tf.getBackend()}`,
  );

  const result = await trainClassifier(model, train, validation, {
    ...(args.boxLoss > 0
      ? {
          boxGuidance: {
            weight: args.boxLoss,
            layer: built.camLayer,
            dense: built.denseLayer ?? '',
            positiveClass: labelIndex('pothole'),
            negativeClass: labelIndex('normal'),
          },
        }
      : {}),
    ...epochSettings(args),
    numClasses: POTHOLE_LABELS.length,
    log,
  });
  const trainingMinutes = (performance.now() - started) / 60000;
  if (boxCrops) {
    log(`box-aware crops: ${train.negativeCrops} crops without a pothole were labelled good road`);
  }
  log(
    `trained in ${trainingMinutes.toFixed(1)} min (best epoch ${result.bestEpoch} of ${result.history.length})`,
  );

  await saveLayersModelToDir(model, args.out);
  model.dispose();
  writeFileSync(path.join(args.out, SPLIT_FILE), JSON.stringify(plan, null, 1));

  const data: DataSummary[] = folders.map((f, i) => ({
    source: f.source,
    folder: args.data[i],
    photos: f.photos.length,
    normal: f.photos.filter((p) => p.label === 'normal').length,
    pothole: f.photos.filter((p) => p.label === 'pothole').length,
    ignoredFiles: f.ignored.length,
    ...sourceInfo(f.source),
  }));
  const training: PotholeTraining = {
    ...trainingRun({
      command: args.command,
      description: built.description,
      parameters,
      multiplyAdds: macs,
      args,
      result,
      trainingMinutes,
      loadBefore,
    }),
    architecture: args.architecture,
    inputSize: args.inputSize,
    ...(args.architecture === 'mobilenet' ? { outputStride: args.outputStride ?? 16 } : {}),
    stoppedEarly: result.stoppedEarly,
    augment: DEFAULT_AUGMENT,
    ...(boxCrops ? { boxCrops: { ...boxCrops, negativeCropsMade: train.negativeCrops } } : {}),
    ...(args.boxLoss > 0 ? { boxLoss: args.boxLoss } : {}),
    data,
    split: {
      file: SPLIT_FILE,
      ...(args.splitFrom ? { inheritedFrom: args.splitFrom } : {}),
      seed: splitOptions.seed,
      fractions: splitOptions.fractions,
      frameBlock: splitOptions.frameBlock,
      duplicateMaxDistance: splitOptions.duplicateMaxDistance,
      nearDuplicateMaxDistance: splitOptions.nearDuplicateMaxDistance,
      duplicatesDropped: plan.duplicates.length,
      conflictsDropped: plan.conflicts.flat().length,
      counts: {
        train: countsBySource(plan.train),
        validation: countsBySource(plan.validation),
        test: countsBySource(plan.test),
      },
    },
  };
  let manifest: ModelManifest = modelManifestSchema.parse({
    id: args.id,
    version: args.version,
    name:
      args.architecture === 'mobilenet'
        ? `RoadCAM pothole classifier (MobileNet v1 0.25, ${args.inputSize} px)`
        : `RoadCAM pothole classifier (seed CNN, ${args.inputSize} px)`,
    description:
      'Says whether a road photo shows a pothole or a good road surface, with a Grad-CAM ' +
      'heatmap of the evidence. Trained on web photos of roads and on close-ups of asphalt.',
    task: 'pothole',
    format: 'layers',
    modelUrl: 'model.json',
    labels: [...POTHOLE_LABELS],
    labelOffset: 0,
    input: {
      width: args.inputSize,
      height: args.inputSize,
      channels: 3,
      normalization,
      resize: 'stretch',
    },
    cam: { layer: built.camLayer, method: 'gradcam' },
    lowConfidenceBelow: 0.7,
    training,
  });
  writeManifest(args.out, manifest);

  if (args.evaluate) {
    log(`evaluating the held-out photos (${evalCommandFor(args.out, args.data)})`);
    const loaded = await loadModelDir(args.out);
    try {
      const { report, results } = await evaluateFolders(loaded, args.out, folders, { log });
      const latency = await measureLatency(loaded.adapter, manifest.cam.layer, 1);
      const metrics = potholeMetrics(report, results, evalCommandFor(args.out, args.data), latency);
      manifest = modelManifestSchema.parse({ ...manifest, metrics });
      writeManifest(args.out, manifest);
      log(
        `test: accuracy ${fmt(report.accuracy)}, pothole recall ${fmt(report.pothole_recall)}, ` +
          `specificity ${fmt(report.normal_specificity)}, ROC AUC ${fmt(report.roc_auc)}; ` +
          `classify ${latency.classifyMs.toFixed(1)} ms, Grad-CAM ${latency.gradcamMs.toFixed(1)} ms on ${latency.backend}`,
      );
    } finally {
      loaded.dispose();
    }
  }
  writeModelCard(args.out, manifest);
  return { manifest };
}

function fmt(v: number | null): string {
  return v === null ? 'n/a' : v.toFixed(4);
}

export type { ComparisonRow, DataSummary, PotholeMetrics, PotholeTraining };
