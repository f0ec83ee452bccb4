/**
 * After training, what makes a road-damage model's confidence mean what it says, all chosen on
 * the validation photos (never the test photos):
 * 1. per output, temperature or Platt scaling of its logit, folded into the dense head so the
 *    model's own outputs are calibrated;
 * 2. per output, the decision threshold at a stated specificity, and the "not sure" band;
 * 3. the not-a-road statistics (from the training photos' pooled features) and the threshold
 *    that turns away at most a stated share of validation road photos.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { Calibration, DamageOutput, NotRoad } from '../../src/model/damage-manifest';
import { DAMAGE_TYPES, type DamageTypeName } from '../../src/model/damage-types';
import {
  neighbourBankOf,
  serializeNotRoadStats,
  type NotRoadStats,
} from '../../src/model/not-road';
import {
  concatenated,
  nearestNeighboursDistance,
  notRoadScoresOf,
  photoFeatures,
  type NotRoadPooling,
} from '../../src/model/damage-forward';
import {
  expectedCalibrationError,
  thresholdAtSpecificity,
  type BinaryLabel,
} from '../eval/classification-metrics';
import { median } from '../lib/median';
import { tf } from '../lib/tf-node';
import { chooseCalibration, notSureBand } from './calibration';
import type { DamageExamples } from './damage-examples';
import {
  fitNotRoadStats,
  meanLogLikelihood,
  notRoadScores,
  thresholdForRejection,
} from './not-road-fit';

/** Pooled features [count x channels] of whole photos, and the head's logits from them. */
export function featuresAndLogits(
  model: tfl.LayersModel,
  camLayer: string,
  denseLayer: string,
  data: Pick<DamageExamples, 'count' | 'inputs'>,
  batchSize = 32,
): { features: Float32Array; channels: number; logits: Float32Array; outputs: number } {
  const [{ features, channels }] = pooledFeaturesAt(model, [camLayer], data, batchSize);
  const [kernel, bias] = model.getLayer(denseLayer).getWeights();
  const [, outputs] = kernel.shape as [number, number];
  const logits = new Float32Array(data.count * outputs);
  // Batch by batch, as the features were pooled.
  for (let start = 0; start < data.count; start += batchSize) {
    const n = Math.min(batchSize, data.count - start);
    const z = tf.tidy(() =>
      tf.add(
        tf.matMul(
          tf.tensor2d(features.subarray(start * channels, (start + n) * channels), [n, channels]),
          kernel as tf.Tensor2D,
        ),
        bias,
      ),
    );
    logits.set(z.dataSync(), start * outputs);
    z.dispose();
  }
  return { features, channels, logits, outputs };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export interface OutputChoice {
  type: DamageTypeName;
  targetSpecificity: number;
}

/**
 * Calibrates each output on the validation logits (labels known), folds the scaling into the
 * dense layer, and returns each output's manifest entry.
 */
export function calibrateOutputs(
  model: tfl.LayersModel,
  denseLayer: string,
  validation: { logits: Float32Array; targets: Float32Array; known: Float32Array },
  choices: readonly OutputChoice[],
  sureConfidence: number,
): DamageOutput[] {
  const outputs = choices.length;
  const column = (o: number) => {
    const z: number[] = [];
    const y: BinaryLabel[] = [];
    for (let i = o; i < validation.logits.length; i += outputs) {
      if (!validation.known[i]) continue;
      z.push(validation.logits[i]);
      y.push(validation.targets[i] as BinaryLabel);
    }
    return { z, y };
  };
  const entries: DamageOutput[] = [];
  const scales: { a: number; b: number }[] = [];
  choices.forEach((choice, o) => {
    const { z, y } = column(o);
    const fit = chooseCalibration(z, y);
    scales.push({ a: fit.a, b: fit.b });
    const before = z.map(sigmoid);
    const after = z.map((v) => sigmoid(fit.a * v + fit.b));
    const calibration: Calibration = {
      method: fit.method,
      temperature: fit.temperature,
      bias: fit.bias,
      inWeights: true,
      validationEce: {
        before: expectedCalibrationError(before, y) ?? 0,
        after: expectedCalibrationError(after, y) ?? 0,
      },
    };
    const negatives = after.filter((_, i) => y[i] === 0);
    const positives = after.filter((_, i) => y[i] === 1);
    const threshold = thresholdAtSpecificity(negatives, choice.targetSpecificity);
    const info = DAMAGE_TYPES[choice.type];
    entries.push({
      name: choice.type,
      title: info.title,
      ...(info.parent ? { parent: info.parent } : {}),
      output: o,
      threshold,
      thresholdRule: {
        targetSpecificity: choice.targetSpecificity,
        validationSpecificity: negatives.length
          ? negatives.filter((p) => p < threshold).length / negatives.length
          : null,
        validationRecall: positives.length
          ? positives.filter((p) => p >= threshold).length / positives.length
          : null,
        validationPhotos: z.length,
      },
      notSure: notSureBand(threshold, sureConfidence),
      calibration,
    });
  });
  foldScaling(model, denseLayer, scales);
  return entries;
}

/** kernel[:, o] *= a_o, bias[o] = a_o bias[o] + b_o: the head then outputs calibrated logits. */
export function foldScaling(
  model: tfl.LayersModel,
  denseLayer: string,
  scales: readonly { a: number; b: number }[],
): void {
  const layer = model.getLayer(denseLayer);
  const [kernel, bias] = layer.getWeights();
  const [channels, outputs] = kernel.shape;
  const k = kernel.dataSync() as Float32Array;
  const b = bias.dataSync() as Float32Array;
  const k2 = new Float32Array(k.length);
  const b2 = new Float32Array(outputs);
  for (let o = 0; o < outputs; o++) {
    const { a, b: shift } = scales[o];
    for (let c = 0; c < channels; c++) k2[c * outputs + o] = k[c * outputs + o] * a;
    b2[o] = a * b[o] + shift;
  }
  const tensors = [tf.tensor2d(k2, [channels, outputs]), tf.tensor1d(b2)];
  layer.setWeights(tensors);
  tf.dispose(tensors);
}

/** Pooled features (spatial means) of whole photos at each of `layers`, in one pass a batch. */
export function pooledFeaturesAt(
  model: tfl.LayersModel,
  layers: readonly string[],
  data: Pick<DamageExamples, 'count' | 'inputs'>,
  batchSize = 32,
): { layer: string; features: Float32Array; channels: number }[] {
  const body = tfl.model({
    inputs: model.inputs,
    outputs: layers.map((l) => model.getLayer(l).output as tfl.SymbolicTensor),
  });
  const channels = layers.map((l) => {
    const shape = model.getLayer(l).outputShape as number[];
    return shape[shape.length - 1];
  });
  const out = channels.map((c) => new Float32Array(data.count * c));
  for (let start = 0; start < data.count; start += batchSize) {
    const idx = Array.from(
      { length: Math.min(batchSize, data.count - start) },
      (_, i) => start + i,
    );
    const pooled = tf.tidy(() => {
      const r = body.predict(data.inputs(idx));
      return (Array.isArray(r) ? r : [r]).map((a) => tf.mean(a, [1, 2]));
    });
    pooled.forEach((p, i) => out[i].set(p.dataSync(), start * channels[i]));
    tf.dispose(pooled);
  }
  return layers.map((layer, i) => ({ layer, features: out[i], channels: channels[i] }));
}

/**
 * The not-a-road statistics of each layer from the training photos' pooled features (the number
 * of directions chosen per layer by the validation road photos' likelihood), each layer's
 * distance scaled by its median on the validation road photos, and the threshold on their sum
 * that turns away at most `maxRoadRejection` of the validation road photos. Nothing here sees a
 * photo that is not a road.
 */
export function fitNotRoad(args: {
  train: readonly { layer: string; features: Float32Array; channels: number }[];
  trainCount: number;
  validation: readonly { features: Float32Array }[];
  validationCount: number;
  /** Principal directions kept; the one of these with the highest validation likelihood. */
  components: readonly number[];
  maxRoadRejection: number;
  statsUrl: string;
  pooling: NotRoadPooling;
  /** The network the layers belong to (absent: the model's own). */
  network?: NotRoad['network'];
}): NotRoadFit & { stats: NotRoadStats[] } {
  const validationScores = new Array<number>(args.validationCount).fill(0);
  const fitted = args.train.map(({ layer, features, channels }, i) => {
    const candidates = args.components
      .filter((k) => k <= channels)
      .map((k) => {
        const stats = fitNotRoadStats(features, args.trainCount, channels, k);
        return {
          stats,
          logLikelihood: meanLogLikelihood(
            args.validation[i].features,
            args.validationCount,
            stats,
          ),
        };
      });
    const { stats } = candidates.reduce((a, b) => (b.logLikelihood > a.logLikelihood ? b : a));
    const scores = notRoadScores(args.validation[i].features, args.validationCount, stats);
    const scale = median(scores);
    scores.forEach((s, j) => (validationScores[j] += s / scale));
    return {
      stats,
      layer: {
        layer,
        pooling: args.pooling,
        dimensions: stats.dimensions,
        components: stats.components,
        residualVariance: stats.residualVariance,
        scale,
        componentsChosenBy: candidates.map((c) => ({
          components: c.stats.components,
          logLikelihood: c.logLikelihood,
        })),
      },
    };
  });
  const stats = fitted.map((f) => f.stats);
  return {
    stats,
    file: serializeNotRoadStats(stats),
    validationScores,
    spec: {
      method: 'mahalanobis',
      ...thresholdAndSource(validationScores, args),
      layers: fitted.map((f) => f.layer),
    },
  };
}

/**
 * What both forms of the check share: the threshold that turns away at most `maxRoadRejection`
 * of the validation road photos (and how many it does), the file, the photos fitted on and the
 * network read.
 */
function thresholdAndSource(
  validationScores: readonly number[],
  args: {
    maxRoadRejection: number;
    validationCount: number;
    statsUrl: string;
    trainCount: number;
    network?: NotRoad['network'];
  },
) {
  const threshold = thresholdForRejection(validationScores, args.maxRoadRejection);
  return {
    statsUrl: args.statsUrl,
    threshold,
    thresholdRule: {
      maxRoadRejection: args.maxRoadRejection,
      validationRoadPhotos: args.validationCount,
      validationRoadRejected: validationScores.filter((s) => s > threshold).length,
    },
    fittedOn: args.trainCount,
    ...(args.network ? { network: args.network } : {}),
  };
}

/** A fitted not-a-road check: the manifest's entry, the file it names, the validation scores. */
export interface NotRoadFit {
  spec: NotRoad;
  /** The bytes of the file `spec.statsUrl` names. */
  file: Uint8Array;
  validationScores: number[];
}

/**
 * The nearest-neighbour check (src/model/not-road.ts): the training road photos' features, each
 * at unit length, are the bank; a validation road photo's score is its mean squared distance to
 * its `neighbours` nearest there; the threshold turns away at most `maxRoadRejection` of them.
 * The layers' features are concatenated, in order. Nothing here sees a photo that is not a road.
 */
export function fitNotRoadNeighbours(args: {
  train: readonly { layer: string; features: Float32Array; channels: number }[];
  trainCount: number;
  validation: readonly { features: Float32Array }[];
  validationCount: number;
  neighbours: number;
  maxRoadRejection: number;
  statsUrl: string;
  pooling: NotRoadPooling;
  network?: NotRoad['network'];
}): NotRoadFit {
  const trainParts = args.train.map((t) => t.features);
  const width = args.train.reduce((n, t) => n + t.channels, 0);
  // The bank's rows: each photo's layers one after the other, as the scorer joins them.
  const rows = new Float32Array(args.trainCount * width);
  for (let i = 0; i < args.trainCount; i++) {
    rows.set(concatenated(photoFeatures(trainParts, args.trainCount, i)), i * width);
  }
  const bank = neighbourBankOf(rows, args.trainCount, width);
  const validationScores = notRoadScoresOf(
    { distance: nearestNeighboursDistance(bank, args.neighbours) },
    args.validation.map((v) => v.features),
    args.validationCount,
  );
  return {
    file: bank.codes,
    validationScores,
    spec: {
      method: 'nearest-neighbours',
      ...thresholdAndSource(validationScores, args),
      neighbours: args.neighbours,
      layers: args.train.map((t) => ({
        layer: t.layer,
        pooling: args.pooling,
        dimensions: t.channels,
      })),
    },
  };
}
