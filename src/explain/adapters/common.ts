import * as tf from '@tensorflow/tfjs-core';
import { ExplainError } from '../errors';
import type { LayerInfo, ModelAdapter, ModelOutputs, OutputActivation } from './types';

/** A 4-D output with more than one spatial position can carry a class activation map. */
export function isSpatialShape(shape: number[]): boolean {
  return shape.length === 4 && shape[1] * shape[2] > 1;
}

/** The layer of that name (a copy), or ExplainError('unknown-layer') naming the valid ones. */
export function findLayer(layers: LayerInfo[], name: string): LayerInfo {
  const info = layers.find((l) => l.name === name);
  if (!info) throw layerNotFound(name, layers);
  return { ...info, outputShape: [...info.outputShape] };
}

export function layerNotFound(name: string, layers: LayerInfo[]): ExplainError {
  const spatial = layers.filter((l) => l.spatial).map((l) => l.name);
  return new ExplainError(
    'unknown-layer',
    `There is no layer named "${name}" in this model. Layers with a spatial output: ` +
      `${spatial.join(', ') || '(none)'}.`,
    `all layers: ${layers.map((l) => l.name).join(', ')}`,
  );
}

/** A layers model without a layer a heatmap can be drawn from. */
export function noSpatialLayer(layers: LayerInfo[]): ExplainError {
  return new ExplainError(
    'no-spatial-layer',
    'This model has no layer with a spatial (height x width) output, so there is nothing to ' +
      'draw a heatmap from.',
    `layers: ${layers.map((l) => `${l.name} ${JSON.stringify(l.outputShape)}`).join(', ')}`,
  );
}

export function checkInputShape(x: tf.Tensor, expected: [number, number, number]): void {
  const [h, w, c] = expected;
  if (x.rank !== 4 || x.shape[1] !== h || x.shape[2] !== w || x.shape[3] !== c) {
    throw new ExplainError(
      'bad-input-shape',
      `The model expects images of ${h}x${w} with ${c} channel${c === 1 ? '' : 's'} ` +
        `([batch, ${h}, ${w}, ${c}]); it was given ${JSON.stringify(x.shape)}.`,
    );
  }
}

/** Scores and probabilities from pre-activation logits, as the model's own head would make them. */
export function outputsFromLogits(raw: tf.Tensor, activation: OutputActivation): ModelOutputs {
  const logits = tf.reshape(raw, [raw.shape[0], -1]) as tf.Tensor2D;
  let probabilities: tf.Tensor2D;
  if (activation === 'sigmoid') probabilities = tf.sigmoid(logits);
  else probabilities = tf.softmax(logits);
  return { logits, probabilities, activation };
}

/** Learned kernels and biases (not batch-norm statistics, whose noise would not be a variance). */
export function isKernelWeight(weightName: string): boolean {
  return /(^|\/)(kernel|depthwise_kernel|pointwise_kernel|bias)(_\d+)?$/.test(weightName);
}

/** Gaussian noise with the mean and standard deviation of `w`: same scale, no learned structure. */
export function noiseLike(w: tf.Tensor, seed: number): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(w);
    const m = mean.dataSync()[0];
    const sd = Math.sqrt(variance.dataSync()[0]) || 1e-3;
    return tf.randomNormal(w.shape, m, sd, 'float32', seed);
  });
}

/**
 * Activations at several layers (in the order asked) and the outputs, one pass per layer: what
 * any adapter can do, where activationsAtLayersAndOutputs cannot read them all in one pass.
 */
export function activationsAtLayersOneByOne(
  adapter: ModelAdapter,
  x: tf.Tensor4D,
  layerNames: readonly string[],
): { activations: tf.Tensor[]; outputs: ModelOutputs } {
  return tf.tidy(() => {
    const first = adapter.activationsAndOutputs(x, layerNames[0]);
    const rest = layerNames.slice(1).map((name) => adapter.activations(x, name));
    return { activations: [first.activations, ...rest], outputs: first.outputs };
  });
}
