/**
 * Defaults by input size. tf-keras-vis's lesson: settings tuned for a 224 px ImageNet net (big
 * shifts, zooms, rotations, hundreds of steps) turn a 28 px MNIST net's images into noise or
 * wash them out, because a 16 px shift is half the image there. So the transformations scale
 * with the image, and small inputs get one pixel of jitter and no rotation.
 */
import { ExplainError } from '../errors';
import { jitter, randomRotate, randomScale, type InputModifier } from './modifiers';
import type { ParameterizationName } from './parameterization';
import { l2, totalVariation, type Regularizer } from './regularizers';

/** The tunable part of activation maximization (everything but the model and the objective). */
export interface ActmaxSettings {
  /** Optimisation steps. */
  steps: number;
  /** Adam's learning rate (on the parameters, not the pixels). */
  learningRate: number;
  parameterization: ParameterizationName;
  /** Standard deviation of the random initial parameters. */
  initScale: number;
  /** Applied in this order every step, with a new random draw. */
  modifiers: InputModifier[];
  regularizers: Regularizer[];
}

/** Defaults for an input of [height, width, channels]. */
export function defaultActmaxOptions(inputShape: readonly number[]): ActmaxSettings {
  const [h, w, c] = inputShape;
  if (
    inputShape.length !== 3 ||
    ![h, w, c].every((d) => Number.isInteger(d) && d > 0) ||
    (c !== 1 && c !== 3)
  ) {
    throw new ExplainError(
      'bad-input-shape',
      `Activation maximization needs an image input of height x width x 1 (grey) or 3 (RGB) ` +
        `channels; this model's input is ${JSON.stringify(inputShape)}.`,
    );
  }
  const size = Math.max(h, w);
  if (size <= 64) {
    // MNIST-sized: one pixel of jitter is already 3.5% of the image; rotation blurs strokes.
    return {
      steps: 128,
      learningRate: 0.05,
      parameterization: 'decorrelated',
      initScale: 0.01,
      modifiers: [jitter(Math.max(1, Math.round(size / 28)))],
      regularizers: [totalVariation(0.05), l2(0.05)],
    };
  }
  // Lucid runs 512 steps at 0.05; 128 at 0.1 gives readable MobileNet filters (docs/actmax.md)
  // at a quarter of the cost, which matters on a phone.
  return {
    steps: 128,
    learningRate: 0.1,
    parameterization: 'decorrelated',
    initScale: 0.01,
    // Lucid's recipe at 224 px is pad 12, jitter 8, scale 0.9..1.1, rotate ±10°, jitter 4;
    // scaled here to the input size.
    modifiers: [
      jitter(Math.max(2, Math.round(size / 16))),
      randomScale(0.9, 1.1),
      randomRotate(5),
      jitter(Math.max(1, Math.round(size / 56))),
    ],
    regularizers: [totalVariation(0.05), l2(0.05)],
  };
}
