import type { Tensor, Tensor1D, Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';

export type ModelFormat = 'layers' | 'graph';

/** What the classifier's final layer does to its scores. */
export type OutputActivation = 'softmax' | 'sigmoid' | 'none';

export interface LayerInfo {
  /** Layer name (layers models) or node name (graph models). */
  name: string;
  /** Layer class (`Conv2D`) or graph op (`Relu6`). */
  kind: string;
  /** Output shape with the batch dimension first (`null` or -1 where unknown). */
  outputShape: number[];
  /** True for a 4-D output with more than one spatial position: usable as a CAM target. */
  spatial: boolean;
}

/**
 * The classifier's scores for a batch. `logits` are pre-activation scores when the adapter
 * could find them (the input of a final softmax / sigmoid), otherwise the raw output.
 * `probabilities` are always what the model itself reports (or softmax of logits when the model
 * has no final activation).
 */
// A type alias (not an interface) so that tf.tidy accepts it as a TensorContainer.
export type ModelOutputs = {
  logits: Tensor2D;
  probabilities: Tensor2D;
  activation: OutputActivation;
};

/**
 * One score per example from the model's outputs (what a CAM explains; targets.ts makes them).
 * `logitGradient`, when the score is one logit per example: d(sum of scores) / d(the model's
 * logits), a constant, so a CAM needs no tf.grad to get it (CompiledModelAdapter.headGradient).
 */
export type Score = ((outputs: ModelOutputs) => Tensor1D) & {
  readonly logitGradient?: (outputs: ModelOutputs) => Tensor2D;
};

/**
 * One interface over tfjs-layers and tfjs-converter models: list layers, choose a target layer,
 * and split the network at it into "activations at the target" and "head from those
 * activations". All methods are synchronous and create tensors the caller owns (use tf.tidy).
 */
export interface ModelAdapter {
  readonly format: ModelFormat;
  /** [height, width, channels] of one input example. */
  readonly inputShape: [number, number, number];
  readonly outputActivation: OutputActivation;
  /** Number of classes as the model reports them (1 for a single sigmoid unit). */
  readonly numOutputs: number;

  /** Layers / nodes in execution order, with their output shapes. */
  listLayers(): LayerInfo[];
  /** The last spatial (4-D, more than one position) output before the classifier head. */
  defaultTargetLayer(): string;
  /** Finds a layer by name or throws ExplainError('unknown-layer') listing the valid names. */
  layer(name: string): LayerInfo;

  /** Model scores for a batch of already-normalised inputs [N, H, W, C]. */
  predict(x: Tensor4D): ModelOutputs;
  /** The output of `layerName` for input x. */
  activations(x: Tensor4D, layerName: string): Tensor;
  /** Activations at `layerName` and the model outputs, in one forward pass. */
  activationsAndOutputs(
    x: Tensor4D,
    layerName: string,
  ): { activations: Tensor; outputs: ModelOutputs };
  /**
   * Activations at several layers (in the order asked) and the outputs, in one forward pass.
   * Optional: a compiled model has it; callers fall back to a pass per layer.
   */
  activationsAtLayersAndOutputs?(
    x: Tensor4D,
    layerNames: readonly string[],
  ): { activations: Tensor[]; outputs: ModelOutputs };
  /**
   * The head: model outputs when the output of `layerName` is replaced by `activations`. Other
   * branches (skip connections that bypass the layer) are computed from `x`, so that gradients
   * with respect to `activations` are the true partial derivatives.
   */
  headFrom(layerName: string, activations: Tensor, x: Tensor4D): ModelOutputs;
  /**
   * Optional shortcut: d(sum of `score(outputs)`) / d(activations at `layerName`) from a pass
   * already made (`split`), when the head from that layer has a constant Jacobian (pooling,
   * then one linear map): no second pass through the head. Undefined when this adapter has no
   * shortcut for the layer; the caller then differentiates `headFrom`.
   */
  headGradient?(
    layerName: string,
    split: { activations: Tensor; outputs: ModelOutputs },
    score: Score,
  ): Tensor | undefined;

  /** Layers / nodes with learned kernels (conv, depthwise, dense), in execution order. */
  weightedLayers(): string[];
  /**
   * Replaces the kernels and biases of these layers with Gaussian noise of the same mean and
   * standard deviation (the parameter-randomisation sanity check). Returns a function that
   * restores the original weights.
   */
  randomizeWeights(layerNames: string[], seed?: number): () => void;

  dispose(): void;
}
