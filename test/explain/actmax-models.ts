/**
 * Small models for the activation-maximization tests: an MNIST-shaped CNN trained for a few
 * seconds on the `mnist` package's digits (trained filters look for strokes; random ones only
 * for noise), and a random-weight RGB CNN.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRequire } from 'node:module';

type MnistDigit = { raw: number[]; length: number };

/** `perDigit` examples of each digit, deterministic: [N, 28, 28, 1] in 0..1 and one-hot labels. */
export function mnistExamples(perDigit: number, offset = 0): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const digits = createRequire(import.meta.url)('mnist') as MnistDigit[];
  const pixels = new Float32Array(perDigit * 10 * 784);
  const labels: number[] = [];
  let k = 0;
  for (let i = 0; i < perDigit; i++) {
    for (let d = 0; d < 10; d++) {
      const start = (offset + i) * 784;
      pixels.set(digits[d].raw.slice(start, start + 784), k * 784);
      labels.push(d);
      k++;
    }
  }
  return tf.tidy(() => ({
    x: tf.tensor4d(pixels, [k, 28, 28, 1]),
    y: tf.oneHot(tf.tensor1d(labels, 'int32'), 10) as tf.Tensor2D,
  }));
}

/**
 * conv 3x3 (8) -> relu -> pool -> conv 3x3 (16) -> relu -> pool -> dense 32 relu -> dense 10.
 * The ReLUs are layers of their own, so 'conv1' / 'conv2' name the pre-activation outputs too.
 */
export async function trainedMnistCnn(
  seed = 3,
): Promise<{ model: tfl.LayersModel; accuracy: number }> {
  const init = (s: number) => tfl.initializers.heNormal({ seed: seed * 100 + s });
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 8,
        kernelSize: 3,
        name: 'conv1',
        kernelInitializer: init(1),
      }),
      tfl.layers.reLU({ name: 'conv1_relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 3, name: 'conv2', kernelInitializer: init(2) }),
      tfl.layers.reLU({ name: 'conv2_relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }),
      tfl.layers.flatten({ name: 'flatten' }),
      tfl.layers.dense({
        units: 32,
        activation: 'relu',
        name: 'dense1',
        kernelInitializer: init(3),
      }),
      tfl.layers.dense({
        units: 10,
        activation: 'softmax',
        name: 'output',
        kernelInitializer: init(4),
      }),
    ],
  });
  model.compile({
    optimizer: tf.train.adam(0.003),
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  const train = mnistExamples(100);
  const test = mnistExamples(30, 400);
  await model.fit(train.x, train.y, { epochs: 5, batchSize: 50, shuffle: false, verbose: 0 });
  const accuracy = tf.tidy(() => {
    const predicted = tf.argMax(model.predict(test.x) as tf.Tensor2D, 1);
    return tf.mean(tf.cast(tf.equal(predicted, tf.argMax(test.y, 1)), 'float32')).dataSync()[0];
  });
  tf.dispose([train.x, train.y, test.x, test.y]);
  return { model, accuracy };
}
