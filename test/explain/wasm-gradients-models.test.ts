/**
 * End to end, the wasm gradient kernels against the cpu backend on real workloads: a tfjs-layers
 * training step of a small CNN, the class-score gradient through MobileNet (layers and graph
 * formats, w.r.t. the input and an intermediate activation), fine-tuning all of MobileNet with
 * batch norm in training mode, and a seed-style CNN (dropout, Adam) learning on wasm.
 */
import { tf, useBackend, type NodeBackend } from '../../tools/lib/tf-node';
import { expectClose, randomValues } from './wasm-compare';
import * as tfc from '@tensorflow/tfjs-converter';
import * as tfl from '@tensorflow/tfjs-layers';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  NORMALIZE_MINUS_ONE_TO_ONE,
  NORMALIZE_ZERO_TO_ONE,
  type Normalization,
} from '../../src/model/manifest';
import { normalizePixels } from '../../src/model/preprocess';
import { mobilenetClassifier } from '../../tools/train/architectures';
import { readModelDir } from '../../tools/lib/model-dir';
import { fixturePath } from '../helpers/fixtures';

const MOBILENET_LAYERS = ['models', 'mobilenet_v1_0.25_224'];
const MOBILENET_GRAPH = ['models', 'mobilenet_v1_0.25_224_graph'];
const GRAPH_FEATURE_NODE = 'module_apply_default/MobilenetV1/MobilenetV1/Conv2d_13_pointwise/Relu6';

function relativeL2(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    diff += (actual[i] - expected[i]) ** 2;
    norm += expected[i] ** 2;
  }
  expect(norm, 'the expected gradient is zero, which proves nothing').toBeGreaterThan(0);
  return Math.sqrt(diff / norm);
}

/**
 * Through a whole network a gradient is chaotic at float32 precision: ReLU6 kinks and ties move
 * when sums run in another order: scaling MobileNet's input by (1 + 1e-6) moves the cpu backend's
 * own input gradient by a fraction of a percent (relative L2). So the wasm result must be as
 * close to the cpu one as the cpu one is to itself under such a nudge (`noise`), with a margin.
 * The kernels' exact checks are in wasm-gradients.test.ts.
 */
function expectWithinNoise(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  noise: number,
  what: string,
) {
  expect(actual.length, what).toBe(expected.length);
  const error = relativeL2(actual, expected);
  expect(error, `${what}: relative L2 error ${error} against cpu noise ${noise}`).toBeLessThan(
    Math.max(2e-3, 3 * noise),
  );
}

const NUDGE = 1 + 1e-6;

/** The cat photo as a MobileNet wants it, [1, 224, 224, 3] normalised by the app's own
 * normalizePixels: [-1, 1] for the layers model, [0, 1] for the graph model. */
async function catPixels(normalization: Normalization): Promise<Float32Array> {
  const { data } = await sharp(fixturePath('images', 'cat.jpg'))
    .resize(224, 224, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  await useBackend('cpu');
  const pixels = tf.tensor3d(Float32Array.from(data), [224, 224, 3]);
  const input = normalizePixels(pixels, normalization);
  const values = input.dataSync() as Float32Array;
  tf.dispose([pixels, input]);
  return values;
}

async function loadMobileNet(backend: NodeBackend): Promise<tfl.LayersModel> {
  await useBackend(backend);
  return tfl.loadLayersModel(tf.io.fromMemory(readModelDir(fixturePath(...MOBILENET_LAYERS))));
}

async function loadMobileNetGraph(backend: NodeBackend): Promise<tfc.GraphModel> {
  await useBackend(backend);
  return tfc.loadGraphModel(tf.io.fromMemory(readModelDir(fixturePath(...MOBILENET_GRAPH))));
}

// Whole-MobileNet gradients on the cpu backend take minutes when the 2-core machine is shared
// (they timed out at the default 120 s at a load average of 20): a bound, not a speed check.
const CPU_MOBILENET_TIMEOUT = 600_000;

describe('MobileNet class-score gradients (workload: Grad-CAM and activation maximization)', () => {
  it(
    'layers format: d(score)/d(input) and d(score)/d(conv_pw_13_relu) match the cpu backend',
    async () => {
      const image = await catPixels(NORMALIZE_MINUS_ONE_TO_ONE);
      const results: Record<
        NodeBackend,
        { input: Float32Array; feature: Float32Array; top: number }
      > = {} as never;
      let features: Float32Array | undefined;
      let nudged: Float32Array | undefined;
      for (const backend of ['cpu', 'wasm'] as const) {
        const model = await loadMobileNet(backend);
        const tensorsBefore = tf.memory().numTensors;
        const x = tf.tensor4d(image, [1, 224, 224, 3]);
        const top = tf.tidy(() => tf.argMax(model.predict(x) as tf.Tensor, 1).dataSync()[0]);
        // The class is picked with gather, whose gradient is UnsortedSegmentSum.
        const score = (input: tf.Tensor) =>
          tf.sum(tf.gather(model.predict(input) as tf.Tensor, [top], 1));
        const inputGrad = tf.tidy(() => tf.grad(score)(x));
        if (backend === 'cpu')
          nudged = tf.tidy(() => tf.grad(score)(tf.mul(x, NUDGE)).dataSync() as Float32Array);
        // The head after the feature layer, applied layer by layer as a CAM adapter does.
        const cut = model.layers.findIndex((l) => l.name === 'conv_pw_13_relu');
        const head = model.layers.slice(cut + 1);
        const feature = tf.tidy(() =>
          tfl
            .model({
              inputs: model.inputs,
              outputs: model.layers[cut].output as tfl.SymbolicTensor,
            })
            .predict(x),
        ) as tf.Tensor;
        features ??= feature.dataSync() as Float32Array;
        const sharedFeature = tf.tensor(features, feature.shape);
        const featureGrad = tf.tidy(() =>
          tf.grad((f: tf.Tensor) => {
            let out = f;
            for (const layer of head) out = layer.apply(out) as tf.Tensor;
            return tf.sum(tf.gather(out, [top], 1));
          })(sharedFeature),
        );
        results[backend] = {
          input: (await inputGrad.data()) as Float32Array,
          feature: (await featureGrad.data()) as Float32Array,
          top,
        };
        tf.dispose([x, inputGrad, feature, sharedFeature, featureGrad]);
        expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(tensorsBefore);
        model.dispose();
      }
      expect(results.wasm.top).toBe(results.cpu.top);
      const noise = relativeL2(nudged ?? [], results.cpu.input);
      expectWithinNoise(results.wasm.input, results.cpu.input, noise, 'd(score)/d(input)');
      expectClose(results.wasm.feature, results.cpu.feature, 'd(score)/d(conv_pw_13_relu)', 1e-3);
    },
    CPU_MOBILENET_TIMEOUT,
  );

  it('graph format: d(logit)/d(input) and d(logit)/d(Conv2d_13_pointwise) match the cpu backend', async () => {
    // The graph model takes [0, 1] pixels and returns 1001 logits (0 is "background").
    const image = await catPixels(NORMALIZE_ZERO_TO_ONE);
    const results: Record<NodeBackend, { input: Float32Array; feature: Float32Array }> =
      {} as never;
    let features: { values: Float32Array; shape: number[] } | undefined;
    let nudged: Float32Array | undefined;
    const cls = 282; // "tiger cat" in the graph model's 1001 classes
    for (const backend of ['cpu', 'wasm'] as const) {
      const model = await loadMobileNetGraph(backend);
      const tensorsBefore = tf.memory().numTensors;
      const x = tf.tensor4d(image, [1, 224, 224, 3]);
      const logit = (out: tf.Tensor) => tf.sum(tf.gather(out, [cls], 1));
      const inputGradient = (input: tf.Tensor) =>
        tf.tidy(() => tf.grad((i: tf.Tensor) => logit(model.execute(i) as tf.Tensor))(input));
      const inputGrad = inputGradient(x);
      if (backend === 'cpu')
        nudged = tf.tidy(() => inputGradient(tf.mul(x, NUDGE)).dataSync() as Float32Array);
      if (features == null) {
        const f = model.execute(x, GRAPH_FEATURE_NODE) as tf.Tensor;
        features = { values: f.dataSync() as Float32Array, shape: f.shape };
        f.dispose();
      }
      const sharedFeature = tf.tensor(features.values, features.shape);
      const featureGrad = tf.tidy(() =>
        tf.grad((f: tf.Tensor) => logit(model.execute({ [GRAPH_FEATURE_NODE]: f }) as tf.Tensor))(
          sharedFeature,
        ),
      );
      results[backend] = {
        input: (await inputGrad.data()) as Float32Array,
        feature: (await featureGrad.data()) as Float32Array,
      };
      tf.dispose([x, inputGrad, sharedFeature, featureGrad]);
      expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(tensorsBefore);
      model.dispose();
    }
    const noise = relativeL2(nudged ?? [], results.cpu.input);
    expectWithinNoise(results.wasm.input, results.cpu.input, noise, 'd(logit)/d(input)');
    expectClose(results.wasm.feature, results.cpu.feature, 'd(logit)/d(Conv2d_13_pointwise)', 1e-3);
  });
});

/** A small CNN with every layer kind whose gradient runs on the new kernels. */
function smallCnn(): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [17, 17, 3],
        filters: 6,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
      }),
      tfl.layers.batchNormalization(),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.depthwiseConv2d({
        kernelSize: 3,
        depthMultiplier: 2,
        strides: 2,
        padding: 'same',
        activation: 'relu6',
      }),
      tfl.layers.conv2d({ filters: 5, kernelSize: 1, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      tfl.layers.conv2d({ filters: 4, kernelSize: 2, strides: 2, padding: 'valid' }),
      tfl.layers.averagePooling2d({ poolSize: 1 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
}

describe('tfjs-layers training on wasm (workload: training)', () => {
  it('one training step of a small CNN gives the cpu backend gradients and weights', async () => {
    const batch = 4;
    const xValues = randomValues([batch, 17, 17, 3], 31);
    const labels = Int32Array.from([0, 2, 1, 2]);
    let initialWeights: Array<{ values: Float32Array; shape: number[] }> | undefined;
    const results: Record<
      NodeBackend,
      { grads: Float32Array[]; after: Float32Array[]; loss: number }
    > = {} as never;
    for (const backend of ['cpu', 'wasm'] as const) {
      await useBackend(backend);
      const model = smallCnn();
      if (initialWeights == null) {
        initialWeights = model
          .getWeights()
          .map((w) => ({ values: w.dataSync() as Float32Array, shape: w.shape }));
      } else {
        const weights = initialWeights.map((w) => tf.tensor(w.values, w.shape));
        model.setWeights(weights);
        tf.dispose(weights);
      }
      const optimizer = tf.train.sgd(0.1);
      model.compile({ optimizer, loss: 'categoricalCrossentropy' });
      const x = tf.tensor4d(xValues, [batch, 17, 17, 3]);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const gradients = () => {
        const { value, grads } = tf.variableGrads(() => {
          const p = model.apply(x, { training: true }) as tf.Tensor;
          return tf.mean(tf.neg(tf.sum(tf.mul(y, tf.log(tf.add(p, 1e-7))), -1))) as tf.Scalar;
        }, variables);
        const values = variables.map((v) => grads[v.name].dataSync() as Float32Array);
        tf.dispose([value, ...Object.values(grads)]);
        return values;
      };
      const grads = gradients();
      const tensorsBefore = tf.memory().numTensors;
      gradients();
      expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(tensorsBefore);
      // The real thing: one tfjs-layers training step (batch norm in training mode).
      const loss = (await model.trainOnBatch(x, y)) as number;
      results[backend] = {
        grads,
        after: model.getWeights().map((w) => w.dataSync() as Float32Array),
        loss,
      };
      tf.dispose([x, y]);
      model.dispose();
      optimizer.dispose();
    }
    expect(results.wasm.loss).toBeCloseTo(results.cpu.loss, 4);
    results.cpu.grads.forEach((g, i) =>
      expectClose(results.wasm.grads[i], g, `gradient of weight ${i}`, 1e-3),
    );
    results.cpu.after.forEach((w, i) =>
      expectClose(results.wasm.after[i], w, `weight ${i} after the step`, 1e-4),
    );
  });

  it(
    'fine-tuning all of MobileNet (batch norm in training mode) gives the cpu backend gradients',
    async () => {
      // The project's fine-tuning model at 96x96 (no dropout, so both backends compute the same).
      const batch = 2;
      const size = 96;
      const xValues = Float32Array.from(randomValues([batch, size, size, 3], 32), (v) =>
        Math.tanh(v),
      );
      const results: Partial<Record<NodeBackend, Float32Array[]>> = {};
      let nudged: Float32Array[] = [];
      let weights: Array<{ values: Float32Array; shape: number[] }> | undefined;
      for (const backend of ['cpu', 'wasm'] as const) {
        await useBackend(backend);
        const { model } = await mobilenetClassifier(
          fixturePath(...MOBILENET_LAYERS),
          size,
          2,
          undefined,
          0,
        );
        // The same weights on both backends (the head starts random).
        if (weights == null) {
          weights = model
            .getWeights()
            .map((w) => ({ values: w.dataSync() as Float32Array, shape: w.shape }));
        } else {
          const copies = weights.map((w) => tf.tensor(w.values, w.shape));
          model.setWeights(copies);
          tf.dispose(copies);
        }
        const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const y = tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2);
        const gradients = (scale: number) => {
          const x = tf.tidy(() => tf.mul(tf.tensor4d(xValues, [batch, size, size, 3]), scale));
          const { value, grads } = tf.variableGrads(() => {
            const p = model.apply(x, { training: true }) as tf.Tensor;
            return tf.mean(tf.neg(tf.sum(tf.mul(y, tf.log(tf.add(p, 1e-7))), -1))) as tf.Scalar;
          }, variables);
          const values = variables.map((v) => grads[v.name].dataSync() as Float32Array);
          tf.dispose([x, value, ...Object.values(grads)]);
          return values;
        };
        results[backend] = gradients(1);
        if (backend === 'cpu') {
          nudged = gradients(NUDGE);
        } else {
          const tensorsBefore = tf.memory().numTensors;
          gradients(1);
          expect(tf.memory().numTensors, 'tensors leaked on wasm').toBe(tensorsBefore);
        }
        tf.dispose(y);
        model.dispose();
      }
      const cpu = results.cpu ?? [];
      expect(cpu.length).toBeGreaterThan(50);
      cpu.forEach((g, i) =>
        expectWithinNoise(
          results.wasm?.[i] ?? [],
          g,
          relativeL2(nudged[i], g),
          `gradient of trainable weight ${i}`,
        ),
      );
    },
    CPU_MOBILENET_TIMEOUT,
  );

  it('trains a seed-style CNN (conv 64/32/16, max pooling, dropout, Adam) on wasm without leaks', async () => {
    await useBackend('wasm');
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [32, 32, 3],
          filters: 64,
          kernelSize: 3,
          activation: 'relu',
        }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 64, activation: 'relu' }),
        tfl.layers.dropout({ rate: 0.5 }),
        tfl.layers.dense({ units: 1, activation: 'sigmoid' }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(2e-3), loss: 'binaryCrossentropy' });
    const x = tf.tensor4d(randomValues([8, 32, 32, 3], 33), [8, 32, 32, 3]);
    const y = tf.tensor2d([0, 1, 0, 1, 1, 0, 1, 0], [8, 1]);
    const first = (await model.trainOnBatch(x, y)) as number;
    const tensorsAfterFirst = tf.memory().numTensors;
    let last = first;
    for (let step = 0; step < 25; step++) last = (await model.trainOnBatch(x, y)) as number;
    expect(tf.memory().numTensors).toBe(tensorsAfterFirst);
    expect(Number.isFinite(last)).toBe(true);
    // A fixed batch of 8 is memorised quickly: the loss must fall clearly.
    expect(last).toBeLessThan(first * 0.7);
    tf.dispose([x, y]);
    model.dispose();
  });
});
