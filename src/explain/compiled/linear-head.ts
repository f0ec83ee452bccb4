/**
 * The head every CAM differentiates, when it is global average pooling then one linear map
 * (dense, or a 1x1 convolution on the pooled vector) with only reshapes around: RoadCAM's
 * pothole model and MobileNet in both formats. Its Jacobian is constant, so the gradient of the
 * scores with respect to the feature map is one small matMul, dy x W^T / (H x W), spread over
 * the positions; the forward pass is the compiled ops. Anything else is differentiated by
 * tf.grad through the model's own head (the compiled adapter's fallback).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { IrNode } from './ir';
import type { Program } from './program';

export interface LinearHead {
  /**
   * The head's weights as [classes, channels]: the gradient is then a matMul without transpose
   * flags, the only form the wasm backend runs through XNNPACK (with its packed weights cached).
   */
  weights: tf.Tensor2D;
  run(activations: tf.Tensor): tf.Tensor;
  /** The gradient with respect to activations of this shape, given the logits' gradient dy. */
  gradient(dy: tf.Tensor, shape: readonly number[]): tf.Tensor;
}

const SHAPE_ONLY = new Set(['reshape', 'squeeze', 'identity']);

/** The weights of a linear map as [classes, channels], or undefined for any other node. */
function linearWeights(node: IrNode): tf.Tensor2D | undefined {
  const op = node.op;
  if (op.kind === 'matMul' && op.activation === 'linear' && !op.transposeA) {
    return op.transposeB ? tf.clone(op.weights) : tf.transpose(op.weights);
  }
  if (op.kind === 'conv2d' && op.activation === 'linear') {
    const [kh, kw, c, k] = op.filter.shape;
    const [dh, dw] = op.dilations;
    if (kh === 1 && kw === 1 && dh === 1 && dw === 1) {
      return tf.tidy(() => tf.transpose(tf.reshape(op.filter, [c, k])) as tf.Tensor2D);
    }
  }
  return undefined;
}

/**
 * Recognises a pooled linear head from `targetId` to the program's output: a chain of nodes
 * each reading only the one before (so no branch from the input joins it). The caller owns the
 * returned weights.
 */
export function findLinearHead(program: Program, targetId: string): LinearHead | undefined {
  const { nodes, output } = program.graph;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const readers = (id: string) => nodes.filter((n) => n.inputs.includes(id)).length;
  const chain: IrNode[] = [];
  let node = byId.get(output);
  while (node && node.inputs.length === 1 && chain.length < 8) {
    chain.unshift(node);
    if (node.inputs[0] === targetId) break;
    if (readers(node.inputs[0]) !== 1) return undefined;
    node = byId.get(node.inputs[0]);
  }
  if (chain[0]?.inputs[0] !== targetId) return undefined;
  const [pool, ...rest] = chain;
  if (pool.op.kind !== 'mean' || [...pool.op.axes].sort().join() !== '1,2') return undefined;
  const maps = rest.filter((n) => !SHAPE_ONLY.has(n.op.kind));
  if (maps.length !== 1) return undefined;
  const weights = linearWeights(maps[0]);
  if (!weights) return undefined;
  return {
    weights,
    run: (activations) => headWithGradient(program, targetId, weights)(activations),
    gradient: (dy, shape) => spreadGradient(dy, shape, weights),
  };
}

/** dy x W / (H x W), the same at every position. */
function spreadGradient(dy: tf.Tensor, shape: readonly number[], weights: tf.Tensor2D): tf.Tensor {
  const [n, h, w, c] = shape;
  const perClass = tf.reshape(dy, [n, -1]);
  const pooled = tf.matMul(perClass, weights); // [n, c]
  const perPosition = tf.reshape(tf.div(pooled, h * w), [n, 1, 1, c]);
  // Spread over the positions (a broadcasting add: Tile is slow on wasm).
  return tf.add(perPosition, tf.zeros([1, h, w, 1]));
}

/** The compiled head as one differentiable op whose gradient is the constant Jacobian. */
function headWithGradient(
  program: Program,
  targetId: string,
  weights: tf.Tensor2D,
): (a: tf.Tensor) => tf.Tensor {
  const head = (a: tf.Tensor) => {
    const [logits] = program.run(new Map([[targetId, a]]), [program.graph.output]);
    return {
      value: logits,
      gradFunc: (dy: tf.Tensor) => spreadGradient(dy, a.shape, weights),
    };
  };
  return tf.customGrad(head as unknown as Parameters<typeof tf.customGrad>[0]) as (
    a: tf.Tensor,
  ) => tf.Tensor;
}
