/**
 * Training of a multi-label damage model (a sigmoid output per type): binary cross-entropy on
 * the outputs each crop's labels know, plus the box loss on every type with boxes, computed from
 * the activations of the CAM layer in the same pass (for a global-average-pool + dense head the
 * logits are the spatial mean of the class activation maps plus the bias).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { rocAuc, type BinaryLabel } from '../eval/classification-metrics';
import { tf } from '../lib/tf-node';
import type { DamageBatch, DamageExamples } from './damage-examples';
import { runEpochs, type EpochOptions, type TrainResult } from './train-loop';

export interface DamageTrainOptions extends EpochOptions {
  /** The spatial layer feeding the global average pool, and the dense head after it. */
  camLayer: string;
  denseLayer: string;
  /** Output names, for the log. */
  outputNames: readonly string[];
  /** Weight of the box loss (0: off). */
  boxLoss: number;
  /**
   * Weight of a positive example per output (a rare type's few positives count more), as in
   * weighted binary cross-entropy. Default 1 each.
   */
  positiveWeights?: readonly number[];
  /**
   * How many times each training example comes up per epoch (default once each): field photos
   * with a pothole are repeated, so that they are not drowned by the web photos' potholes.
   */
  repeats?: readonly number[];
  /** Validation examples that are field photos: their pothole AUC and loss are logged apart. */
  fieldValidation?: readonly boolean[];
}

/** Gradients whose global norm exceeds this are scaled down to it. */
const MAX_GRADIENT_NORM = 5;

/** Logits [n, outputs] and activations at the CAM layer, in one pass. */
function logitsAndMaps(
  body: tfl.LayersModel,
  kernel: tf.Tensor,
  bias: tf.Tensor,
  x: tf.Tensor4D,
  training: boolean,
): { logits: tf.Tensor2D; maps: tf.Tensor4D } {
  const maps = body.apply(x, { training }) as tf.Tensor4D;
  const pooled = tf.mean(maps, [1, 2]) as tf.Tensor2D;
  return { logits: tf.add(tf.matMul(pooled, kernel), bias) as tf.Tensor2D, maps };
}

/** Mean binary cross-entropy from logits over the known targets, positives weighted. */
export function maskedBinaryCrossEntropy(
  logits: tf.Tensor2D,
  targets: tf.Tensor2D,
  known: tf.Tensor2D,
  positiveWeights: tf.Tensor1D,
): tf.Scalar {
  return tf.tidy(() => {
    // max(z, 0) - z y + log(1 + exp(-|z|)), written so large |z| never overflows.
    const perEntry = tf.add(
      tf.sub(tf.relu(logits), tf.mul(logits, targets)),
      tf.log1p(tf.exp(tf.neg(tf.abs(logits)))),
    );
    const weights = tf.mul(known, tf.add(1, tf.mul(targets, tf.sub(positiveWeights, 1))));
    return tf.div(tf.sum(tf.mul(perEntry, weights)), tf.maximum(tf.sum(known), 1)) as tf.Scalar;
  });
}

/**
 * One minus the share of each type's class activation map's positive evidence that lies inside
 * its boxes, averaged over the (example, type) pairs that show the type with boxes. As for the
 * pothole model: a map with no positive evidence scores 1, and 1% of the map's magnitude in the
 * denominator keeps a nearly empty map from turning a tiny sum into a huge gradient.
 */
function boxLossOf(
  maps: tf.Tensor4D,
  kernel: tf.Tensor2D,
  masks: NonNullable<DamageBatch['masks']>,
): tf.Scalar | undefined {
  const [n, g, , c] = maps.shape;
  const outputs = kernel.shape[1];
  const pairs = masks.present.flat().filter(Boolean).length;
  if (pairs === 0) return undefined;
  return tf.tidy(() => {
    // [n, g*g, outputs]: every type's class activation map.
    const cams = tf.reshape(tf.matMul(tf.reshape(maps, [-1, c]), kernel), [n, g * g, outputs]);
    const inside = tf.stack(
      masks.cells.map((cells) => tf.tensor2d(cells, [n, g * g])),
      2,
    ) as tf.Tensor3D;
    const present = tf.tensor2d(
      Array.from({ length: n }, (_, i) => masks.present.map((p) => (p[i] ? 1 : 0))),
      [n, outputs],
    );
    const positive = tf.relu(cams);
    const total = tf.add(tf.sum(positive, 1), tf.add(tf.mul(tf.sum(tf.abs(cams), 1), 0.01), 1e-6));
    const share = tf.div(tf.sum(tf.mul(positive, inside), 1), total);
    return tf.div(tf.sum(tf.mul(tf.sub(1, share), present)), pairs) as tf.Scalar;
  });
}

/** Probabilities of every output for whole photos, in batches: [count * outputs]. */
export function predictDamage(
  model: tfl.LayersModel,
  data: Pick<DamageExamples, 'count' | 'outputs' | 'inputs'>,
  batchSize = 32,
): Float32Array {
  const out = new Float32Array(data.count * data.outputs);
  for (let start = 0; start < data.count; start += batchSize) {
    const idx = Array.from(
      { length: Math.min(batchSize, data.count - start) },
      (_, i) => start + i,
    );
    const p = tf.tidy(() => model.predict(data.inputs(idx)) as tf.Tensor);
    out.set(p.dataSync(), start * data.outputs);
    p.dispose();
  }
  return out;
}

/** Validation loss (mean cross-entropy over known labels), accuracy at 0.5 and AUC per output. */
export function damageValidation(
  probabilities: Float32Array,
  data: Pick<DamageExamples, 'count' | 'outputs' | 'photoTargets'>,
  only?: readonly boolean[],
): { loss: number; accuracy: number; auc: (number | null)[] } {
  const idx = Array.from({ length: data.count }, (_, i) => i).filter((i) => !only || only[i]);
  const { targets, known } = data.photoTargets(idx);
  if (only) {
    const kept = idx.flatMap((i) =>
      Array.from(probabilities.subarray(i * data.outputs, (i + 1) * data.outputs)),
    );
    probabilities = Float32Array.from(kept);
  }
  let loss = 0;
  let right = 0;
  let n = 0;
  const byOutput = Array.from({ length: data.outputs }, () => ({
    labels: [] as BinaryLabel[],
    scores: [] as number[],
  }));
  for (let i = 0; i < targets.length; i++) {
    if (!known[i]) continue;
    const p = Math.min(1 - 1e-7, Math.max(1e-7, probabilities[i]));
    const y = targets[i];
    loss -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
    if (p > 0.5 === (y === 1)) right++;
    n++;
    byOutput[i % data.outputs].labels.push(y as BinaryLabel);
    byOutput[i % data.outputs].scores.push(p);
  }
  return {
    loss: loss / Math.max(1, n),
    accuracy: right / Math.max(1, n),
    auc: byOutput.map((o) => rocAuc(o.labels, o.scores)),
  };
}

export async function trainDamageModel(
  model: tfl.LayersModel,
  train: DamageExamples,
  validation: DamageExamples,
  options: DamageTrainOptions,
): Promise<TrainResult> {
  const features = model.getLayer(options.camLayer);
  const shape = features.outputShape as (number | null)[];
  const grid = shape[1] ?? 0;
  const body = tfl.model({ inputs: model.inputs, outputs: features.output as tfl.SymbolicTensor });
  const dense = model.getLayer(options.denseLayer);
  const [kernelVar, biasVar] = dense.trainableWeights.map((w) => w.read() as tf.Variable);
  // LayerVariable.read() hands out the tf.Variable the optimizer must update.
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const outputs = options.outputNames.length;
  const positiveWeights = tf.tensor1d(
    options.positiveWeights ? [...options.positiveWeights] : new Array(outputs).fill(1),
  );
  const optimizer: tf.Optimizer = tf.train.adam(options.learningRate);
  const epochList = (options.repeats ?? new Array<number>(train.count).fill(1)).flatMap((r, i) =>
    new Array<number>(r).fill(i),
  );
  try {
    return await runEpochs(
      model,
      optimizer,
      epochList.length,
      options,
      async (positions, rng) => {
        const indices = positions.map((p) => epochList[p]);
        const batch = train.trainingBatch(indices, rng, options.boxLoss > 0 ? grid : undefined);
        const n = indices.length;
        const y = tf.tensor2d(batch.targets, [n, outputs]);
        const known = tf.tensor2d(batch.known, [n, outputs]);
        let accuracy = 0;
        const { value, grads } = tf.variableGrads(() => {
          const { logits, maps } = logitsAndMaps(body, kernelVar, biasVar, batch.x, true);
          accuracy = tf.tidy(() => {
            const right = tf.mul(
              tf.cast(tf.equal(tf.greater(logits, 0), tf.greater(y, 0.5)), 'float32'),
              known,
            );
            return tf.sum(right).dataSync()[0] / Math.max(1, tf.sum(known).dataSync()[0]);
          });
          const bce = maskedBinaryCrossEntropy(logits, y, known, positiveWeights);
          const box =
            options.boxLoss > 0 && batch.masks
              ? boxLossOf(maps, kernelVar as tf.Tensor2D, batch.masks)
              : undefined;
          return (box ? tf.add(bce, tf.mul(box, options.boxLoss)) : bce) as tf.Scalar;
        }, variables);
        const clipped: tf.NamedTensorMap = tf.tidy(() => {
          const names = Object.keys(grads);
          const norm = Math.sqrt(
            names.reduce((sum, k) => sum + tf.sum(tf.square(grads[k])).dataSync()[0], 0),
          );
          const scale = norm > MAX_GRADIENT_NORM ? MAX_GRADIENT_NORM / norm : 1;
          return Object.fromEntries(names.map((k) => [k, tf.mul(grads[k], scale)]));
        });
        optimizer.applyGradients(clipped);
        const loss = value.dataSync()[0];
        tf.dispose([value, y, known, batch.x, ...Object.values(grads), ...Object.values(clipped)]);
        return [loss, accuracy];
      },
      () => {
        const p = predictDamage(model, validation);
        const v = damageValidation(p, validation);
        const note = v.auc
          .map((a, o) => `${options.outputNames[o]} ${a === null ? 'n/a' : a.toFixed(3)}`)
          .join(', ');
        let field = '';
        if (options.fieldValidation?.some(Boolean)) {
          const f = damageValidation(p, validation, options.fieldValidation);
          const pothole = f.auc[options.outputNames.indexOf('pothole')];
          field =
            `; field photos: loss ${f.loss.toFixed(4)}, pothole AUC ` +
            (pothole == null ? 'n/a' : pothole.toFixed(3));
        }
        return { loss: v.loss, accuracy: v.accuracy, note: `AUC ${note}${field}` };
      },
    );
  } finally {
    optimizer.dispose();
    positiveWeights.dispose();
  }
}
