/**
 * The training loop shared by the pothole and MNIST commands: mini-batches with augmentation,
 * a progress bar with loss and accuracy, validation after each epoch, cosine learning-rate
 * decay, and early stopping that restores the best weights (lowest validation loss).
 */
import cliProgress from 'cli-progress';
import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../lib/tf-node';
import { seededRng, shuffled, type Rng } from '../data/rng';
import type { EpochRecord } from '../../src/model/training-records';

/** A labelled set the loop can batch: inputs are built on demand, already normalised. */
export interface LabelledExamples {
  count: number;
  /** Class index of each example. */
  labels: Int32Array;
  /** Model inputs for these examples; `rng` present means "augment". */
  inputs(indices: readonly number[], rng?: Rng): tf.Tensor4D;
  /**
   * An augmented training batch whose labels may differ from `labels` (a crop that cuts the
   * pothole out is a good road). When absent, inputs(indices, rng) with `labels` is used.
   */
  trainingBatch?(
    indices: readonly number[],
    rng: Rng,
    maskGrid?: number,
  ): { x: tf.Tensor4D; labels: number[]; masks?: BoxMasks };
}

/**
 * Where the potholes are in a training batch, at the CAM layer's grid: per example the share
 * of each cell inside a pothole box ([n * grid * grid], row-major), and whether the example
 * has boxes at all (only those take part in the box loss).
 */
export interface BoxMasks {
  grid: number;
  cells: Float32Array;
  present: boolean[];
}

/**
 * Box guidance (optional): on pothole photos with boxes, one minus the share of the class
 * activation map's positive evidence (for a global-average-pool + dense head, what Grad-CAM
 * shows for the pothole class) that lies inside the boxes is added to the loss, times `weight`.
 */
export interface BoxGuidance {
  weight: number;
  /** The spatial layer feeding the global average pool (the CAM layer). */
  layer: string;
  /** The dense layer of the head, whose kernel weighs the channels. */
  dense: string;
  positiveClass: number;
  negativeClass: number;
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Epochs without a lower validation loss before stopping. */
  patience: number;
  seed: number;
  numClasses: number;
  /** Optional cap on batches per epoch (tests, smoke runs). */
  maxBatchesPerEpoch?: number;
  /** Show a progress bar on a terminal. */
  progress?: boolean;
  boxGuidance?: BoxGuidance;
  log?: (line: string) => void;
}

export type { EpochRecord };

export interface TrainResult {
  history: EpochRecord[];
  bestEpoch: number;
  stoppedEarly: boolean;
  seconds: number;
}

export interface Prediction {
  /** [count * numClasses] class probabilities, row-major. */
  probabilities: Float32Array;
  loss: number;
  accuracy: number;
}

/** Probabilities, mean cross-entropy and accuracy over a set, in batches. */
export function predictExamples(
  model: tfl.LayersModel,
  data: LabelledExamples,
  numClasses: number,
  batchSize = 32,
): Prediction {
  const probabilities = new Float32Array(data.count * numClasses);
  for (let start = 0; start < data.count; start += batchSize) {
    const indices = Array.from(
      { length: Math.min(batchSize, data.count - start) },
      (_, i) => start + i,
    );
    const p = tf.tidy(() => model.predict(data.inputs(indices)) as tf.Tensor);
    probabilities.set(p.dataSync(), start * numClasses);
    p.dispose();
  }
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < data.count; i++) {
    const row = probabilities.subarray(i * numClasses, (i + 1) * numClasses);
    loss -= Math.log(Math.max(row[data.labels[i]], 1e-7));
    let best = 0;
    for (let k = 1; k < numClasses; k++) if (row[k] > row[best]) best = k;
    if (best === data.labels[i]) correct++;
  }
  return { probabilities, loss: loss / data.count, accuracy: correct / data.count };
}

function setLearningRate(optimizer: tf.Optimizer, rate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = rate;
}

export async function trainClassifier(
  model: tfl.LayersModel,
  train: LabelledExamples,
  validation: LabelledExamples,
  options: TrainOptions,
): Promise<TrainResult> {
  const optimizer = tf.train.adam(options.learningRate);
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const guided = options.boxGuidance ? guidedStep(model, options.boxGuidance) : undefined;
  try {
    return await runEpochs(
      model,
      optimizer,
      train.count,
      options,
      async (indices, rng) => {
        const batch: { x: tf.Tensor4D; labels: number[]; masks?: BoxMasks } = train.trainingBatch
          ? train.trainingBatch(indices, rng, guided?.grid)
          : { x: train.inputs(indices, rng), labels: indices.map((i) => train.labels[i]) };
        const x = batch.x;
        const y = tf.tidy(() => tf.oneHot(tf.tensor1d(batch.labels, 'int32'), options.numClasses));
        const [loss, acc] =
          guided && batch.masks
            ? guided.step(x, y, batch.masks, optimizer)
            : ((await model.trainOnBatch(x, y)) as number[]);
        tf.dispose([x, y]);
        return [loss, acc];
      },
      () => predictExamples(model, validation, options.numClasses),
    );
  } finally {
    optimizer.dispose();
  }
}

/** What the epoch loop needs to know besides the model, the step and the validation. */
export type EpochOptions = Pick<
  TrainOptions,
  | 'epochs'
  | 'batchSize'
  | 'learningRate'
  | 'patience'
  | 'seed'
  | 'maxBatchesPerEpoch'
  | 'progress'
  | 'log'
>;

/** The epoch loop's settings, as every train command takes them from its command line. */
export type EpochSettings = Omit<EpochOptions, 'log'>;

/** The epoch loop's settings out of a train command's arguments (and nothing else of them). */
export function epochSettings(args: EpochSettings): EpochSettings {
  return {
    epochs: args.epochs,
    batchSize: args.batchSize,
    learningRate: args.learningRate,
    patience: args.patience,
    seed: args.seed,
    maxBatchesPerEpoch: args.maxBatchesPerEpoch,
    progress: args.progress,
  };
}

/**
 * The epoch loop: shuffled mini-batches of `count` examples, each through `step` (which returns
 * the batch's loss and accuracy), cosine learning-rate decay, validation after each epoch (with
 * an optional note for the log line), early stopping that restores the weights of the epoch with
 * the lowest validation loss.
 */
export async function runEpochs(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  count: number,
  options: EpochOptions,
  step: (indices: number[], rng: Rng) => Promise<[number, number]>,
  validate: () => { loss: number; accuracy: number; note?: string },
): Promise<TrainResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const rng = seededRng(options.seed);
  const history: EpochRecord[] = [];
  let best = { loss: Infinity, epoch: 0, weights: [] as tf.Tensor[] };
  const started = performance.now();
  const batchesPerEpoch = Math.min(
    Math.ceil(count / options.batchSize),
    options.maxBatchesPerEpoch ?? Infinity,
  );
  const bar =
    options.progress && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          {
            format:
              'epoch {epoch} |{bar}| {value}/{total} batches | loss {loss} | accuracy {acc} | {eta}s left',
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  let stoppedEarly = false;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const epochStart = performance.now();
      // Cosine decay to 5% of the starting rate over the planned epochs.
      const rate =
        options.learningRate *
        (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * (epoch - 1)) / Math.max(1, options.epochs))));
      setLearningRate(optimizer, rate);
      const order = shuffled(
        Array.from({ length: count }, (_, i) => i),
        rng,
      );
      let lossSum = 0;
      let accSum = 0;
      let seen = 0;
      bar?.start(batchesPerEpoch, 0, { epoch: `${epoch}/${options.epochs}`, loss: '-', acc: '-' });
      for (let b = 0; b < batchesPerEpoch; b++) {
        const indices = order.slice(b * options.batchSize, (b + 1) * options.batchSize);
        if (indices.length === 0) break;
        const [loss, acc] = await step(indices, rng);
        // Let the event loop run between batches (progress bar, Ctrl-C, SIGTERM).
        await new Promise((resolve) => setImmediate(resolve));
        if (!Number.isFinite(loss)) throw new Error(`Training diverged: the loss became ${loss}`);
        lossSum += loss * indices.length;
        accSum += acc * indices.length;
        seen += indices.length;
        bar?.update(b + 1, {
          epoch: `${epoch}/${options.epochs}`,
          loss: (lossSum / seen).toFixed(4),
          acc: (accSum / seen).toFixed(4),
        });
      }
      bar?.stop();
      const val = validate();
      const record: EpochRecord = {
        epoch,
        loss: lossSum / seen,
        accuracy: accSum / seen,
        valLoss: val.loss,
        valAccuracy: val.accuracy,
        learningRate: rate,
        seconds: (performance.now() - epochStart) / 1000,
      };
      history.push(record);
      const improved = val.loss < best.loss;
      log(
        `epoch ${epoch}/${options.epochs}  loss ${record.loss.toFixed(4)}  accuracy ` +
          `${record.accuracy.toFixed(4)}  | validation loss ${val.loss.toFixed(4)}  accuracy ` +
          `${val.accuracy.toFixed(4)}${val.note ? `  ${val.note}` : ''}  | ` +
          `${record.seconds.toFixed(1)} s${improved ? '  *best' : ''}`,
      );
      if (improved) {
        tf.dispose(best.weights);
        best = { loss: val.loss, epoch, weights: model.getWeights().map((w) => tf.clone(w)) };
      } else if (epoch - best.epoch >= options.patience) {
        stoppedEarly = true;
        log(`stopping early: no better validation loss for ${options.patience} epochs`);
        break;
      }
    }
  } finally {
    bar?.stop();
  }
  if (best.weights.length > 0) {
    model.setWeights(best.weights);
    tf.dispose(best.weights);
  }
  return {
    history,
    bestEpoch: best.epoch,
    stoppedEarly,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * A training step with the box loss: cross-entropy plus weight x (one minus the share of the
 * pothole CAM's positive evidence inside the boxes), averaged over the examples with boxes.
 * Measured and dropped: reading the map as a softmax distribution and asking for its mass in
 * the boxes (hurt the classification badly), and the share *outside* the boxes (a map with no
 * positive evidence scores 0 there, and training collapsed onto that).
 */
/** Gradients whose global norm exceeds this are scaled down to it (box-guided steps). */
const MAX_GRADIENT_NORM = 5;

function guidedStep(model: tfl.LayersModel, guidance: BoxGuidance) {
  const features = model.getLayer(guidance.layer);
  const shape = features.outputShape as (number | null)[];
  const grid = shape[1] ?? 0;
  if (!grid || shape[1] !== shape[2]) {
    throw new Error(`Box guidance needs a square spatial layer, ${guidance.layer} has ${shape}`);
  }
  const both = tfl.model({
    inputs: model.inputs,
    outputs: [model.outputs[0], features.output as tfl.SymbolicTensor],
  });
  const kernel = model.getLayer(guidance.dense).getWeights()[0] as tf.Variable;
  // LayerVariable.read() hands out the tf.Variable the optimizer must update.
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = (x: tf.Tensor4D, y: tf.Tensor, masks: BoxMasks, optimizer: tf.Optimizer) => {
    let accuracy = 0;
    const n = x.shape[0];
    const inside = tf.tensor2d(masks.cells, [n, grid * grid]);
    const present = tf.tensor1d(masks.present.map(Number));
    const count = Math.max(1, masks.present.filter(Boolean).length);
    const { value, grads } = tf.variableGrads(() => {
      const [p, a] = both.apply(x, { training: true }) as [tf.Tensor2D, tf.Tensor4D];
      const crossEntropy = tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.add(p, 1e-7))), 1)));
      accuracy = tf.tidy(
        () => tf.mean(tf.cast(tf.equal(tf.argMax(p, 1), tf.argMax(y, 1)), 'float32')).dataSync()[0],
      );
      const channels = a.shape[3];
      const w = tf.sub(
        tf.slice(kernel, [0, guidance.positiveClass], [channels, 1]),
        tf.slice(kernel, [0, guidance.negativeClass], [channels, 1]),
      );
      // The class activation map of "pothole minus good road", one row per example.
      const cam = tf.reshape(tf.matMul(tf.reshape(a, [-1, channels]), w), [n, grid * grid]);
      // One minus the share of the map's positive evidence (what Grad-CAM draws) inside the
      // boxes. A map with no positive evidence scores 1, not 0, so "no evidence anywhere" is no
      // way out; the floor of 1% of the map's magnitude in the denominator keeps a nearly
      // empty map from turning a tiny sum into a huge gradient.
      const positive = tf.relu(cam);
      const total = tf.add(tf.sum(positive, 1), tf.add(tf.mul(tf.sum(tf.abs(cam), 1), 0.01), 1e-6));
      const insideShare = tf.div(tf.sum(tf.mul(positive, inside), 1), total);
      const boxLoss = tf.div(tf.sum(tf.mul(tf.sub(1, insideShare), present)), count);
      return tf.add(crossEntropy, tf.mul(boxLoss, guidance.weight)) as tf.Scalar;
    }, variables);
    // Clip the gradients' global norm, so one odd batch cannot throw the weights off.
    const clipped = tf.tidy(() => {
      const names = Object.keys(grads);
      const norm = Math.sqrt(
        names.reduce((sum, k) => sum + tf.sum(tf.square(grads[k])).dataSync()[0], 0),
      );
      const scale = norm > MAX_GRADIENT_NORM ? MAX_GRADIENT_NORM / norm : 1;
      return Object.fromEntries(names.map((k) => [k, tf.mul(grads[k], scale)]));
    });
    optimizer.applyGradients(clipped);
    const loss = value.dataSync()[0];
    tf.dispose([value, inside, present, ...Object.values(grads), ...Object.values(clipped)]);
    return [loss, accuracy];
  };
  return { grid, step };
}
