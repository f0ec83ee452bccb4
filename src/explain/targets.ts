/**
 * Targets say which score an explanation is about. They are small callables over the model's
 * outputs that return one score per example, so that binary (one sigmoid unit) and multi-class
 * models read the same: `classProbability(1)` is "the pothole probability" either way.
 *
 * Scores are picked with a one-hot mask rather than tf.gather: the gradient of gather needs
 * UnsortedSegmentSum, and a mask keeps the backward pass to a multiply.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelOutputs, Score } from './adapters/types';
import { ExplainError } from './errors';

export type Target = Score & { readonly description: string };

function makeTarget(
  description: string,
  fn: (o: ModelOutputs) => tf.Tensor1D,
  logitGradient?: (o: ModelOutputs) => tf.Tensor2D,
): Target {
  return Object.assign(fn, { description, ...(logitGradient ? { logitGradient } : {}) });
}

/**
 * d(sum over examples of the logit of class indices[i]) / d(logits): one-hot rows; for a single
 * sigmoid unit, read as logits [-z, z], +1 for class 1 and -1 for class 0. Made from an array
 * (the wasm backend's OneHot writes int32 whatever dtype is asked).
 */
function oneLogitGradient(o: ModelOutputs, indices: readonly number[]): tf.Tensor2D {
  const [n, units] = o.logits.shape;
  checkOnePerExample(indices, n);
  const single = units === 1 && o.activation === 'sigmoid';
  checkClasses(indices, single ? 2 : units);
  const dy = new Float32Array(n * units);
  indices.forEach((c, i) => {
    if (single) dy[i] = c === 1 ? 1 : -1;
    else dy[i * units + c] = 1;
  });
  return tf.tensor2d(dy, [n, units]);
}

function checkOnePerExample(indices: readonly number[], n: number): void {
  if (n !== indices.length) {
    throw new ExplainError(
      'bad-target',
      `${indices.length} classes were asked for a batch of ${n} examples: one per example.`,
    );
  }
}

function checkClasses(indices: readonly number[], classes: number): void {
  const bad = indices.find((i) => !Number.isInteger(i) || i < 0 || i >= classes);
  if (bad !== undefined) {
    throw new ExplainError(
      'bad-target',
      `Class ${bad} does not exist: this model has ${classes} classes (0 to ${classes - 1}).`,
    );
  }
}

/**
 * Two-column view of a single-unit sigmoid output, so class 0 and class 1 work as for softmax:
 * logits [-z, z] (half-logits would also do; the sign is what matters for the gradient's
 * direction, the scale only scales the map) and probabilities [1 - p, p].
 */
function asClasses(o: ModelOutputs, kind: 'logits' | 'probabilities'): tf.Tensor2D {
  const t = o[kind];
  if (t.shape[1] !== 1 || o.activation !== 'sigmoid') return t;
  return kind === 'logits'
    ? (tf.concat([tf.neg(t), t], 1) as tf.Tensor2D)
    : (tf.concat([tf.sub(1, t), t], 1) as tf.Tensor2D);
}

function pick(scores: tf.Tensor2D, index: number): tf.Tensor1D {
  const n = scores.shape[1];
  checkClasses([index], n);
  const mask = tf.oneHot(tf.tensor1d([index], 'int32'), n);
  return tf.sum(tf.mul(scores, mask), 1) as tf.Tensor1D;
}

/** The pre-softmax score of a class: the usual Grad-CAM target. */
export function classLogit(index: number): Target {
  return makeTarget(
    `logit of class ${index}`,
    (o) => pick(asClasses(o, 'logits'), index),
    (o) => oneLogitGradient(o, new Array<number>(o.logits.shape[0]).fill(index)),
  );
}

/** The probability the model reports for a class. */
export function classProbability(index: number): Target {
  return makeTarget(`probability of class ${index}`, (o) =>
    pick(asClasses(o, 'probabilities'), index),
  );
}

/**
 * Example i's score is the logit of class `indices[i]`: one batched pass explains several
 * classes of the same photo (the photo repeated once per class).
 */
export function classLogitEach(indices: readonly number[]): Target {
  return makeTarget(
    `logit of classes ${indices.join(', ')}`,
    (o) => {
      const logits = asClasses(o, 'logits');
      const [n, classes] = logits.shape;
      checkOnePerExample(indices, n);
      checkClasses(indices, classes);
      const mask = tf.oneHot(tf.tensor1d(indices as number[], 'int32'), classes);
      return tf.sum(tf.mul(logits, mask), 1) as tf.Tensor1D;
    },
    (o) => oneLogitGradient(o, indices),
  );
}

/** Each example's own top class (by logit). */
export function topClassLogit(): Target {
  return makeTarget('logit of the top class', (o) => {
    const logits = asClasses(o, 'logits');
    // argMax has a zero gradient, so the mask is a constant of the backward pass.
    const mask = tf.oneHot(tf.argMax(logits, 1), logits.shape[1]);
    return tf.sum(tf.mul(logits, mask), 1) as tf.Tensor1D;
  });
}

/** The probability of a named class, e.g. labelProbability(['normal', 'pothole'], 'pothole'). */
export function labelProbability(labels: readonly string[], label: string): Target {
  const index = labels.indexOf(label);
  if (index < 0) {
    throw new ExplainError(
      'bad-target',
      `This model has no class "${label}"; its classes are: ${labels.join(', ')}.`,
    );
  }
  const t = classProbability(index);
  return makeTarget(`probability of "${label}"`, t);
}
