/**
 * The compiled program's intermediate form: one list of nodes in execution order, each a value
 * computed from earlier values. Both model formats are read into it (from-layers.ts,
 * from-graph.ts), the passes rewrite it (passes.ts) and program.ts runs it with tfjs-core ops.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** Activations the fused conv / matMul kernels apply themselves (tfjs-core's `Activation`). */
export type FusedActivation = 'linear' | 'relu' | 'relu6' | 'elu' | 'sigmoid' | 'leakyrelu';

export const FUSABLE_ACTIVATIONS = new Set<string>([
  'linear',
  'relu',
  'relu6',
  'elu',
  'sigmoid',
  'leakyrelu',
]);

export type ExplicitPadding = [
  [number, number],
  [number, number],
  [number, number],
  [number, number],
];
export type ConvPadding = 'same' | 'valid' | ExplicitPadding;

/** Convolution (`conv2d`) or depthwise convolution, NHWC, with optional bias and activation. */
export interface ConvOp {
  kind: 'conv2d' | 'depthwise';
  /** [kh, kw, in, out] (conv2d) or [kh, kw, in, multiplier] (depthwise). */
  filter: tf.Tensor4D;
  bias?: tf.Tensor1D;
  strides: [number, number];
  pad: ConvPadding;
  dilations: [number, number];
  activation: FusedActivation;
  leakyAlpha?: number;
}

/**
 * Inference-mode batch norm as y = x * scale + offset per channel (float64 maths): what both
 * layers readers emit for a BatchNormalization layer.
 */
export function batchNormAffine(
  stats: {
    mean: ArrayLike<number>;
    variance: ArrayLike<number>;
    gamma?: ArrayLike<number>;
    beta?: ArrayLike<number>;
  },
  epsilon: number,
): { scale: Float32Array; offset: Float32Array } {
  const { mean, variance, gamma, beta } = stats;
  const scale = new Float32Array(mean.length);
  const offset = new Float32Array(mean.length);
  for (let c = 0; c < mean.length; c++) {
    const s = (gamma ? gamma[c] : 1) / Math.sqrt(variance[c] + epsilon);
    scale[c] = s;
    offset[c] = (beta ? beta[c] : 0) - mean[c] * s;
  }
  return { scale, offset };
}

/** x (the input value, 2-D) times constant weights, with optional bias and activation. */
export interface MatMulOp {
  kind: 'matMul';
  weights: tf.Tensor2D;
  transposeA: boolean;
  transposeB: boolean;
  bias?: tf.Tensor1D;
  activation: FusedActivation;
  leakyAlpha?: number;
}

/** y = x * scale + offset, per channel (last axis) or by one scalar: batch norm, bias, Mul/Add. */
export interface AffineOp {
  kind: 'affine';
  /** Shape [C] or [] (scalar). */
  scale?: tf.Tensor;
  offset?: tf.Tensor;
}

export type ActivationName =
  'linear' | 'relu' | 'relu6' | 'elu' | 'selu' | 'sigmoid' | 'tanh' | 'leakyrelu' | 'softmax';

/**
 * tfjs-layers' activations that are one tfjs-core op, by the name a layer's activation has (its
 * class name, and the name model.json saves).
 */
export const LAYERS_ACTIVATIONS: Record<string, ActivationName> = {
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  elu: 'elu',
  selu: 'selu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  softmax: 'softmax',
};

export interface ActivationOp {
  kind: 'activation';
  activation: ActivationName;
  alpha?: number;
}

export interface MeanOp {
  kind: 'mean';
  axes: number[];
  keepDims: boolean;
}

export interface ReshapeOp {
  kind: 'reshape';
  /** Target shape with the batch dimension first; -1 where it is inferred. */
  shape: number[];
}

/** Max or average pooling, NHWC. */
export interface PoolOp {
  kind: 'pool';
  type: 'max' | 'avg';
  size: [number, number];
  strides: [number, number];
  pad: 'same' | 'valid';
}

/** Zero padding of the spatial axes (ZeroPadding2D): [[top, bottom], [left, right]]. */
export interface PadOp {
  kind: 'pad';
  spatial: [[number, number], [number, number]];
}

export interface SqueezeOp {
  kind: 'squeeze';
  axes: number[];
}

/** Two computed values, elementwise with broadcasting. */
export interface BinaryOp {
  kind: 'binary';
  op: 'add' | 'sub' | 'mul' | 'div' | 'minimum' | 'maximum';
  /** A constant operand, when the node has one: it stands at `constantIndex`. */
  constant?: tf.Tensor;
  constantIndex?: 0 | 1;
}

/**
 * A layer or graph node the compiler does not rewrite: it runs as itself (the layer's own
 * `apply`, or the graph executor on that node alone), so its result is exactly the model's.
 */
export interface OpaqueOp {
  kind: 'opaque';
  /** Layer class or graph op, for the compile report. */
  type: string;
  run(inputs: tf.Tensor[]): tf.Tensor;
}

export interface IdentityOp {
  kind: 'identity';
}

export type IrOp =
  | ConvOp
  | MatMulOp
  | AffineOp
  | ActivationOp
  | MeanOp
  | ReshapeOp
  | SqueezeOp
  | PoolOp
  | PadOp
  | BinaryOp
  | OpaqueOp
  | IdentityOp;

export interface IrNode {
  /** The value this node produces (unique in the program). */
  id: string;
  /** Values it reads, in order (the model input's id is `IrGraph.input`). */
  inputs: string[];
  op: IrOp;
  /** Layers / graph nodes whose work this node does, in order; the last one's output is `id`. */
  covers: string[];
}

export interface IrGraph {
  input: string;
  output: string;
  nodes: IrNode[];
  /** Layer / graph-node name -> the value that is its output, for every name a caller may ask for. */
  valueOf: Map<string, string>;
  /** Names whose outputs must stay available (no fusion may swallow them). */
  keep: Set<string>;
  /** Tensors the graph owns (weights it made or cloned); disposed with the program. */
  owned: tf.Tensor[];
}

/** How many nodes read each value (the program's output counts as one more reader). */
export function readerCounts(graph: IrGraph): Map<string, number> {
  const counts = new Map<string, number>();
  for (const node of graph.nodes) {
    for (const input of node.inputs) counts.set(input, (counts.get(input) ?? 0) + 1);
  }
  counts.set(graph.output, (counts.get(graph.output) ?? 0) + 1);
  return counts;
}
