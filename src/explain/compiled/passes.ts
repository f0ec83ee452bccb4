/**
 * The rewrites that make the program fast, each keeping its outputs equal to the model's:
 * aliases removed, `minimum(6, relu(x))` read as relu6, per-channel scales and offsets (batch
 * norm, bias, Mul / Add by a constant) folded into the convolution or matMul before them, and
 * the activation after a convolution fused into it. A value that a caller may ask for (the
 * output, or a kept layer) is never swallowed by a fusion.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  FUSABLE_ACTIVATIONS,
  readerCounts,
  type AffineOp,
  type ConvOp,
  type FusedActivation,
  type IrGraph,
  type IrNode,
  type MatMulOp,
} from './ir';

export interface PassCounts {
  /** Per-channel affines (batch norms, biases, constant Mul / Add) folded into weights. */
  foldedAffines: number;
  /** Activations fused into the convolution or matMul before them. */
  fusedActivations: number;
  /** `minimum(6, relu(x))` read as one relu6. */
  relu6Patterns: number;
}

export function optimize(graph: IrGraph): PassCounts {
  removeIdentities(graph);
  const relu6Patterns = readRelu6(graph);
  const foldedAffines = foldAffines(graph);
  const fusedActivations = fuseActivations(graph);
  return { foldedAffines, fusedActivations, relu6Patterns };
}

/** Value ids a caller may read: the output and every kept layer's value. */
function protectedValues(graph: IrGraph): Set<string> {
  const ids = new Set([graph.output]);
  for (const name of graph.keep) {
    const id = graph.valueOf.get(name);
    if (id !== undefined) ids.add(id);
  }
  return ids;
}

function producers(graph: IrGraph): Map<string, IrNode> {
  return new Map(graph.nodes.map((n) => [n.id, n]));
}

/**
 * Merges `consumer` into `producer`: the producer now computes the consumer's value. Names that
 * pointed at the producer's old value are gone (nothing else reads it).
 */
function merge(graph: IrGraph, producer: IrNode, consumer: IrNode): void {
  const oldId = producer.id;
  producer.id = consumer.id;
  producer.covers = [...producer.covers, ...consumer.covers];
  graph.nodes.splice(graph.nodes.indexOf(consumer), 1);
  for (const [name, id] of graph.valueOf) if (id === oldId) graph.valueOf.delete(name);
}

/** The node whose only reader is `node`, when it is of one of `kinds` and may be fused away. */
function soleProducer(
  graph: IrGraph,
  node: IrNode,
  byId: Map<string, IrNode>,
  readers: Map<string, number>,
  keep: Set<string>,
): IrNode | undefined {
  const input = node.inputs[0];
  if (node.inputs.length !== 1 || keep.has(input) || readers.get(input) !== 1) return undefined;
  return byId.get(input);
}

function removeIdentities(graph: IrGraph): void {
  for (const node of [...graph.nodes]) {
    if (node.op.kind !== 'identity') continue;
    const [source] = node.inputs;
    for (const other of graph.nodes) {
      other.inputs = other.inputs.map((i) => (i === node.id ? source : i));
    }
    for (const [name, id] of graph.valueOf) if (id === node.id) graph.valueOf.set(name, source);
    if (graph.output === node.id) graph.output = source;
    graph.nodes.splice(graph.nodes.indexOf(node), 1);
  }
}

function isScalarSix(t: tf.Tensor | undefined): boolean {
  return t !== undefined && t.size === 1 && t.dtype === 'float32' && t.dataSync()[0] === 6;
}

/** relu then minimum with the scalar 6 (graph models, or a conv's fused relu) -> relu6. */
function readRelu6(graph: IrGraph): number {
  let count = 0;
  const keep = protectedValues(graph);
  for (const node of [...graph.nodes]) {
    const op = node.op;
    if (op.kind !== 'binary' || op.op !== 'minimum' || !isScalarSix(op.constant)) continue;
    const producer = soleProducer(graph, node, producers(graph), readerCounts(graph), keep);
    if (!producer) continue;
    const p = producer.op;
    if (p.kind === 'activation' && p.activation === 'relu') {
      p.activation = 'relu6';
    } else if (
      (p.kind === 'conv2d' || p.kind === 'depthwise' || p.kind === 'matMul') &&
      p.activation === 'relu'
    ) {
      p.activation = 'relu6';
    } else {
      continue;
    }
    merge(graph, producer, node);
    count++;
  }
  return count;
}

/** Number of output channels of a weighted op (what a per-channel scale must match). */
function outputChannels(op: ConvOp | MatMulOp): number {
  if (op.kind === 'matMul') return op.transposeB ? op.weights.shape[0] : op.weights.shape[1];
  if (op.kind === 'depthwise') return op.filter.shape[2] * op.filter.shape[3];
  return op.filter.shape[3];
}

/** The channel of flat weight index i, for each weight layout. */
function channelOfIndex(op: ConvOp | MatMulOp): (i: number) => number {
  const channels = outputChannels(op);
  if (op.kind === 'matMul' && op.transposeB) {
    const inner = op.weights.shape[1];
    return (i) => Math.floor(i / inner);
  }
  return (i) => i % channels;
}

function perChannel(t: tf.Tensor | undefined, channels: number, fill: number): Float64Array {
  const out = new Float64Array(channels).fill(fill);
  if (!t) return out;
  const data = t.dataSync();
  for (let c = 0; c < channels; c++) out[c] = data.length === 1 ? data[0] : data[c];
  return out;
}

/** A scale / offset that broadcasts along the last axis only: a scalar or one value a channel. */
function foldableShape(t: tf.Tensor | undefined, channels: number): boolean {
  if (!t) return true;
  if (t.size === 1) return true;
  return t.shape.at(-1) === channels && t.size === channels;
}

/** Folds `affine` (y = x * scale + offset) into the weights and bias of `target` (float64 maths). */
function foldInto(graph: IrGraph, target: ConvOp | MatMulOp, affine: AffineOp): void {
  const channels = outputChannels(target);
  const scale = perChannel(affine.scale, channels, 1);
  const offset = perChannel(affine.offset, channels, 0);
  const weights = target.kind === 'matMul' ? target.weights : target.filter;
  const channelOf = channelOfIndex(target);
  const w = weights.dataSync();
  const folded = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) folded[i] = w[i] * scale[channelOf(i)];
  const bias = perChannel(target.bias, channels, 0);
  const newBias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) newBias[c] = bias[c] * scale[c] + offset[c];

  const newWeights = tf.tensor(folded, weights.shape, 'float32');
  const biasTensor = tf.tensor1d(newBias, 'float32');
  replaceOwned(graph, weights, newWeights);
  if (target.bias) replaceOwned(graph, target.bias, biasTensor);
  else graph.owned.push(biasTensor);
  if (target.kind === 'matMul') target.weights = newWeights as tf.Tensor2D;
  else target.filter = newWeights as tf.Tensor4D;
  target.bias = biasTensor;
}

function replaceOwned(graph: IrGraph, old: tf.Tensor, replacement: tf.Tensor): void {
  const i = graph.owned.indexOf(old);
  if (i >= 0) {
    graph.owned[i] = replacement;
    old.dispose();
  } else {
    graph.owned.push(replacement);
  }
}

function foldAffines(graph: IrGraph): number {
  let count = 0;
  let changed = true;
  while (changed) {
    changed = false;
    const keep = protectedValues(graph);
    const byId = producers(graph);
    const readers = readerCounts(graph);
    for (const node of graph.nodes) {
      const op = node.op;
      if (op.kind !== 'affine') continue;
      const producer = soleProducer(graph, node, byId, readers, keep);
      const p = producer?.op;
      if (!producer || !p) continue;
      if (p.kind !== 'conv2d' && p.kind !== 'depthwise' && p.kind !== 'matMul') continue;
      if (p.activation !== 'linear') continue;
      const channels = outputChannels(p);
      if (!foldableShape(op.scale, channels) || !foldableShape(op.offset, channels)) continue;
      foldInto(graph, p, op);
      tf.dispose([op.scale, op.offset].filter((t): t is tf.Tensor => t !== undefined));
      graph.owned = graph.owned.filter((t) => t !== op.scale && t !== op.offset);
      merge(graph, producer, node);
      count++;
      changed = true;
      break;
    }
  }
  return count;
}

function fuseActivations(graph: IrGraph): number {
  let count = 0;
  const keep = protectedValues(graph);
  for (const node of [...graph.nodes]) {
    const op = node.op;
    if (op.kind !== 'activation' || !FUSABLE_ACTIVATIONS.has(op.activation)) continue;
    const producer = soleProducer(graph, node, producers(graph), readerCounts(graph), keep);
    const p = producer?.op;
    if (!producer || !p) continue;
    if (p.kind !== 'conv2d' && p.kind !== 'depthwise' && p.kind !== 'matMul') continue;
    if (p.activation !== 'linear') continue;
    // Fused kernels take a bias of one value per channel: a depthwise / conv op always has one
    // after folding, or none.
    p.activation = op.activation as FusedActivation;
    if (op.activation === 'leakyrelu') p.leakyAlpha = op.alpha ?? 0.2;
    merge(graph, producer, node);
    count++;
  }
  return count;
}
