/**
 * `train road-damage`: from photo folders (web photos, close-ups, rdd2022 field photos) to a
 * model folder: a MobileNet with one sigmoid output per damage type, trained on random crops
 * with the box loss on every type with boxes; the input size it ships at chosen among
 * candidates by validation AUC; calibrated on the validation split, with per-type thresholds
 * and the not-a-road statistics; split.json, manifest.json, MODEL_CARD.md and the held-out
 * figures (the same code and figures as `npm run eval`).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DamageTypeName } from '../../src/model/damage-types';
import { modelManifestSchema, NORMALIZE_MINUS_ONE_TO_ONE } from '../../src/model/manifest';
import type { ChoiceRow, RoadDamageTraining } from '../../src/model/road-damage-records';
import { DEFAULT_AUGMENT, DEFAULT_BOX_CROPS } from '../data/augment';
import { DEFAULT_PASTE } from '../data/paste-boxes';
import { isFieldPhoto, SPLIT_NAMES } from '../data/split';
import { SPLIT_FILE } from '../eval/split-file';
import { writeModelCard } from '../cards/model-card';
import { readManifest, writeManifest } from '../lib/model-dir';
import { mobilenetNetwork, type BuiltModel } from './architectures';
import { loadDamageExamples, readDamageData, type DamageData } from './damage-data';
import { damageValidation, predictDamage, trainDamageModel } from './damage-train-loop';
import { epochSettings, type EpochSettings } from './train-loop';
import { calibrateOutputs, featuresAndLogits } from './finish-damage-model';
import { fitNotRoadFor } from './not-road-network';
import type { NotRoadSetup } from './options';
import { trainingMachine } from './machine';
import { saveLayersModelToDir } from './model-files';
import { multiplyAdds } from './multiply-adds';
import { dataSummaries, splitSummary } from './road-damage-summary';
import { trainingRun } from './training-run';
import { evaluateRoadDamage } from './road-damage-eval';

export interface RoadDamageTrainArgs extends EpochSettings {
  data: string[];
  out: string;
  types: DamageTypeName[];
  /** Input sides to compare on the validation photos; the best pothole AUC ships. */
  inputSizes: number[];
  /** Input side in training (random crops of photos kept at 1.25 x this). */
  trainSize: number;
  frozenBlocks: number;
  frameBlock: number;
  negativeCropRate: number;
  boxLoss: number;
  /** Field photos with a pothole come up this many times per epoch. */
  fieldPotholeRepeat: number;
  /** Share of the photos without a pothole that get one pasted in (0: none; see paste-boxes). */
  pasteRate: number;
  /** Decision threshold of each type at this specificity on validation photos. */
  targetSpecificity: Record<string, number>;
  /** Calibrated chance of being right below which a verdict is "not sure". */
  sureConfidence: number;
  /** Where and how the not-a-road score reads a photo (see not-road-network.ts). */
  notRoad: NotRoadSetup;
  /** Photos that are not roads, to check (never tune) the not-a-road answer on. */
  notRoadCheck?: string;
  splitFrom?: string;
  holdOut: string[];
  mobilenetDir: string;
  evaluate: boolean;
  id: string;
  version: string;
  command: string;
}

export const NOT_ROAD_STATS_FILE = 'not-road.bin';

/** Weight of a positive example per output: sqrt(negatives / positives), between 1 and 4. */
export function positiveWeights(
  known: Float32Array,
  targets: Float32Array,
  outputs: number,
): number[] {
  return Array.from({ length: outputs }, (_, o) => {
    let pos = 0;
    let neg = 0;
    for (let i = o; i < targets.length; i += outputs) {
      if (!known[i]) continue;
      if (targets[i]) pos++;
      else neg++;
    }
    return pos === 0 ? 1 : Math.min(4, Math.max(1, Math.sqrt(neg / pos)));
  });
}

const fmtAuc = (types: readonly string[], auc: readonly (number | null)[]) =>
  auc.map((a, o) => `${types[o]} ${a === null ? 'n/a' : a.toFixed(3)}`).join(', ');

/** The trained weights in a network of each candidate input size, scored on validation photos. */
async function chooseInputSize(
  args: RoadDamageTrainArgs,
  data: DamageData,
  trained: BuiltModel,
  log: (line: string) => void,
): Promise<{ built: BuiltModel; rows: ChoiceRow[] }> {
  let best: { built: BuiltModel; score: number } | undefined;
  const rows: ChoiceRow[] = [];
  for (const size of args.inputSizes) {
    const candidate = await mobilenetNetwork({
      mobilenetDir: args.mobilenetDir,
      inputSize: size,
      outputs: args.types.length,
      activation: 'sigmoid',
      dropout: 0,
      outputStride: 16,
      seed: args.seed,
    });
    // Layer by layer, by name: a model's getWeights() lists trainable weights first, so the
    // frozen blocks of the trained network come in another order than in a fresh one (and the
    // candidate has no dropout layer).
    for (const layer of candidate.model.layers) {
      layer.setWeights(trained.model.getLayer(layer.name).getWeights());
    }
    const validation = await loadDamageExamples(data, data.plan.validation, args.types, {
      size,
      storedSize: size,
    });
    const v = damageValidation(predictDamage(candidate.model, validation), validation);
    const macs = multiplyAdds(candidate.model);
    log(
      `input ${size} px (${(macs / 1e6).toFixed(1)} M multiply-adds): validation AUC ${fmtAuc(args.types, v.auc)}`,
    );
    rows.push({
      label: `input ${size}, trained at ${args.trainSize}`,
      inputSize: size,
      trainSize: args.trainSize,
      frozenBlocks: args.frozenBlocks,
      multiplyAdds: macs,
      validationAuc: Object.fromEntries(args.types.map((t, o) => [t, v.auc[o]])),
      trainingMinutes: null,
      loadAverage: null,
      command: args.command,
    });
    // The pothole output decides (small, far potholes are what the input size is for); the
    // mean AUC of all outputs breaks a tie.
    const p = v.auc[args.types.indexOf('pothole')] ?? 0;
    const mean = v.auc.reduce<number>((s, a) => s + (a ?? 0), 0) / v.auc.length;
    const score = p + mean * 1e-3;
    if (!best || score > best.score + 1e-9) {
      best?.built.model.dispose();
      best = { built: candidate, score };
    } else {
      candidate.model.dispose();
    }
  }
  return { built: best!.built, rows };
}

export async function trainRoadDamage(
  args: RoadDamageTrainArgs,
  log: (line: string) => void,
): Promise<void> {
  const loadBefore = os.loadavg();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const data = await readDamageData(args);
  const { plan } = data;
  log(
    `de-duplicated: dropped ${plan.duplicates.length} copies; held out ` +
      `${plan.heldOut?.matched.length ?? 0} photos matching ${plan.heldOut?.photos.length ?? 0} given ones`,
  );
  for (const s of SPLIT_NAMES) {
    const by = new Map<string, number>();
    for (const e of plan[s]) by.set(e.source, (by.get(e.source) ?? 0) + 1);
    log(`${s}: ${plan[s].length} photos (${[...by].map(([k, n]) => `${k} ${n}`).join(', ')})`);
  }

  const outputs = args.types.length;
  const trainedNet = await mobilenetNetwork({
    mobilenetDir: args.mobilenetDir,
    inputSize: args.trainSize,
    outputs,
    activation: 'sigmoid',
    dropout: 0,
    outputStride: 16,
    seed: args.seed,
    frozenBlocks: args.frozenBlocks,
  });
  const boxCrops = { ...DEFAULT_BOX_CROPS, negativeRate: args.negativeCropRate };
  const train = await loadDamageExamples(
    data,
    plan.train,
    args.types,
    { size: args.trainSize, storedSize: Math.round(args.trainSize * 1.25) },
    { negativeRate: args.negativeCropRate },
    { ...DEFAULT_PASTE, rate: args.pasteRate },
  );
  // Validation during training runs at the training size (the model being trained has it).
  const validationAtTrainSize = await loadDamageExamples(data, plan.validation, args.types, {
    size: args.trainSize,
    storedSize: args.trainSize,
  });
  const isField = (e: (typeof plan.train)[number]) => isFieldPhoto(data.photos.get(e.id)!);
  const repeats = plan.train.map((e) =>
    isField(e) && e.label === 'pothole' ? args.fieldPotholeRepeat : 1,
  );
  const all = train.photoTargets(repeats.flatMap((r, i) => new Array<number>(r).fill(i)));
  const weights = positiveWeights(all.known, all.targets, outputs);
  log(
    `decoded ${train.count + validationAtTrainSize.count} photos in ` +
      `${((performance.now() - started) / 1000).toFixed(0)} s; positive weights ` +
      weights.map((w, o) => `${args.types[o]} ${w.toFixed(2)}`).join(', '),
  );
  const result = await trainDamageModel(trainedNet.model, train, validationAtTrainSize, {
    ...epochSettings(args),
    log,
    camLayer: trainedNet.camLayer,
    denseLayer: trainedNet.denseLayer!,
    outputNames: args.types,
    boxLoss: args.boxLoss,
    positiveWeights: weights,
    repeats,
    fieldValidation: plan.validation.map(isField),
  });
  const trainingMinutes = (performance.now() - started) / 60000;
  log(
    `trained in ${trainingMinutes.toFixed(1)} min (best epoch ${result.bestEpoch} of ` +
      `${result.history.length}); ${train.negativeCrops} crops beside every pothole, ` +
      `${train.pastesMade} potholes pasted`,
  );

  // The network is fully convolutional up to the global average pool: the same weights run at
  // any input size. Which one ships is measured on the validation photos.
  const { built, rows } = await chooseInputSize(args, data, trainedNet, log);
  trainedNet.model.dispose();
  const inputSize = built.model.inputs[0].shape[1] as number;
  log(`shipping input ${inputSize} px`);

  const sizes = { size: inputSize, storedSize: inputSize };
  const validation = await loadDamageExamples(data, plan.validation, args.types, sizes);
  const trainWhole = await loadDamageExamples(data, plan.train, args.types, sizes);
  const valF = featuresAndLogits(built.model, built.camLayer, built.denseLayer!, validation);
  const valLabels = validation.photoTargets(Array.from({ length: validation.count }, (_, i) => i));
  const types = calibrateOutputs(
    built.model,
    built.denseLayer!,
    { logits: valF.logits, ...valLabels },
    args.types.map((type) => ({ type, targetSpecificity: args.targetSpecificity[type] ?? 0.9 })),
    args.sureConfidence,
  );
  for (const t of types) {
    log(
      `${t.name}: ${t.calibration.method} T ${t.calibration.temperature.toFixed(3)} b ` +
        `${t.calibration.bias.toFixed(3)}, validation ECE ${t.calibration.validationEce.before.toFixed(3)} -> ` +
        `${t.calibration.validationEce.after.toFixed(3)}; threshold ${t.threshold.toFixed(3)} ` +
        `(specificity ${t.thresholdRule.validationSpecificity?.toFixed(3)}, recall ` +
        `${t.thresholdRule.validationRecall?.toFixed(3)}); not sure ${t.notSure.from.toFixed(3)}-${t.notSure.to.toFixed(3)}`,
    );
  }
  const notRoad = await fitNotRoadFor(
    args.notRoad,
    built.model,
    inputSize,
    args.mobilenetDir,
    trainWhole,
    validation,
    args.out,
    NOT_ROAD_STATS_FILE,
    log,
  );

  await saveLayersModelToDir(built.model, args.out);
  const macs = multiplyAdds(built.model);
  const parameters = built.model.countParams();
  built.model.dispose();
  writeFileSync(path.join(args.out, NOT_ROAD_STATS_FILE), notRoad.file);
  writeFileSync(path.join(args.out, SPLIT_FILE), JSON.stringify(plan, null, 1));
  const training: RoadDamageTraining = {
    ...trainingRun({
      command: args.command,
      description:
        `MobileNet v1 0.25 (ImageNet) to ${built.camLayer}, ${inputSize}x${inputSize} input ` +
        `(trained on random crops at ${args.trainSize}x${args.trainSize}), batch norm folded into ` +
        `the convolutions, output stride 16, ` +
        (args.frozenBlocks > 0
          ? `conv1 and blocks 1-${args.frozenBlocks} kept as trained on ImageNet, the rest fine-tuned`
          : 'all layers fine-tuned') +
        `; head: global average pooling, dense sigmoid (${outputs} independent outputs)`,
      parameters,
      multiplyAdds: macs,
      args,
      result,
      trainingMinutes,
      loadBefore,
    }),
    inputSize,
    trainSize: args.trainSize,
    outputStride: 16,
    frozenBlocks: args.frozenBlocks,
    stoppedEarly: result.stoppedEarly,
    augment: DEFAULT_AUGMENT,
    boxCrops: { ...boxCrops, negativeCropsMade: train.negativeCrops },
    boxLoss: args.boxLoss,
    fieldPotholeRepeat: args.fieldPotholeRepeat,
    ...(args.pasteRate > 0
      ? { pastes: { ...DEFAULT_PASTE, rate: args.pasteRate, made: train.pastesMade } }
      : {}),
    positiveWeights: Object.fromEntries(args.types.map((t, o) => [t, weights[o]])),
    totalMinutes: (performance.now() - started) / 60000,
    cpuMinutes: cpuMinutesSince(cpuBefore),
    data: dataSummaries(data, args.data),
    split: splitSummary(data, args),
    choices: rows,
  };
  const manifest = modelManifestSchema.parse({
    id: args.id,
    version: args.version,
    name: `RoadCAM road damage (MobileNet v1 0.25, ${inputSize} px)`,
    description:
      'Says which damage a road photo shows (' +
      types.map((t) => t.title.toLowerCase()).join(', ') +
      '), each with its own probability and Grad-CAM heatmap, "good road" when none is ' +
      'found, and "not a road" when the photo does not look like a road surface. Trained on ' +
      'field photos from a motorbike, close-ups of asphalt and web photos of roads.',
    task: 'road-damage',
    format: 'layers',
    modelUrl: 'model.json',
    labels: types.map((t) => t.name),
    labelOffset: 0,
    input: {
      width: inputSize,
      height: inputSize,
      channels: 3,
      normalization: NORMALIZE_MINUS_ONE_TO_ONE,
      resize: 'stretch',
    },
    cam: { layer: built.camLayer, method: 'gradcam' },
    lowConfidenceBelow: args.sureConfidence,
    types,
    notRoad: notRoad.spec,
    training,
  });
  writeManifest(args.out, manifest);
  if (args.evaluate) await evaluateRoadDamage(args, data, log);
  else writeModelCard(args.out, manifest);
  // The whole command's time, evaluation included.
  const final = readManifest(args.out);
  if (final.task === 'road-damage' && final.training) {
    const done: RoadDamageTraining = {
      ...final.training,
      totalMinutes: (performance.now() - started) / 60000,
      cpuMinutes: cpuMinutesSince(cpuBefore),
      machine: trainingMachine(loadBefore),
    };
    const updated = modelManifestSchema.parse({ ...final, training: done });
    writeManifest(args.out, updated);
    writeModelCard(args.out, updated);
    log(
      `done in ${done.totalMinutes.toFixed(1)} min (${done.cpuMinutes.toFixed(1)} ` +
        `CPU min); load average ${loadBefore.map((l) => l.toFixed(1)).join(' / ')} before, ` +
        `${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(' / ')} after`,
    );
  }
}

/** CPU time of this process (all its threads) since `before`, in minutes. */
function cpuMinutesSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 60e6;
}
