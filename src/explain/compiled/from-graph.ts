/**
 * Reads a tfjs-converter graph model into the compiler's graph, from the image input to the
 * adapter's logits node. Convolutions (plain or converter-fused), batch norms, per-channel
 * Mul / Add / BiasAdd by constants, activations, Mean, pooling, reshapes and matMuls become ops
 * the passes can fold and fuse; every other node runs as itself, through the model's own
 * executor with its inputs fed.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  topologicalOrder,
  UNFUSED_OP_PREFIX,
  type ConverterExecutor,
  type GraphModelAdapter,
  type GraphNode,
} from '../adapters/graph-adapter';
import type { ModelAdapter } from '../adapters/types';
import { compileWith } from './compiled-adapter';
import { CompileError } from './compile-error';
import type { ActivationName, ConvPadding, FusedActivation, IrGraph, IrOp } from './ir';

const CONV_OPS = new Set([
  'Conv2D',
  '_FusedConv2D',
  'DepthwiseConv2dNative',
  'DepthwiseConv2d',
  'FusedDepthwiseConv2dNative',
]);

const ACTIVATION_OPS: Record<string, ActivationName> = {
  Relu: 'relu',
  Relu6: 'relu6',
  Elu: 'elu',
  Selu: 'selu',
  Sigmoid: 'sigmoid',
  Tanh: 'tanh',
  LeakyRelu: 'leakyrelu',
  Softmax: 'softmax',
};

const FUSED_ACTIVATIONS: Record<string, FusedActivation> = {
  relu: 'relu',
  relu6: 'relu6',
  elu: 'elu',
  sigmoid: 'sigmoid',
  leakyrelu: 'leakyrelu',
};

const BINARY_OPS: Record<string, 'add' | 'sub' | 'mul' | 'div' | 'minimum' | 'maximum'> = {
  Add: 'add',
  AddV2: 'add',
  BiasAdd: 'add',
  Sub: 'sub',
  Mul: 'mul',
  RealDiv: 'div',
  Div: 'div',
  Minimum: 'minimum',
  Maximum: 'maximum',
};

/** Ops the compiler cannot run node by node (control flow, dynamic shapes, resources). */
const UNCOMPILABLE_CATEGORIES = new Set(['control', 'dynamic', 'hash_table']);

export interface GraphReading {
  graph: IrGraph;
  isFresh(): boolean;
}

function attr<T>(node: GraphNode, name: string, fallback?: T): T {
  return (node.attrParams[name]?.value ?? fallback) as T;
}

function valueId(inputName: string): string {
  const [node, index] = inputName.split(':');
  return index === undefined || index === '0' ? node : `${node}:${index}`;
}

export function readGraphModel(adapter: GraphModelAdapter, keep: Set<string>): GraphReading {
  const model = adapter.model;
  const executor = (model as unknown as { executor: ConverterExecutor }).executor;
  const weightMap = executor.weightMap;
  const logits = executor.graph.nodes[adapter.logitsNode];
  const graph: IrGraph = {
    input: adapter.inputName,
    output: adapter.logitsNode,
    nodes: [],
    valueOf: new Map(),
    keep,
    owned: [],
  };
  const constants = new Map<string, tf.Tensor>();
  const constant = (name: string): tf.Tensor | undefined => {
    const id = name.split(':')[0];
    const node = executor.graph.nodes[id];
    if (node?.op !== 'Const') return undefined;
    const t = weightMap[id]?.[0];
    if (t) constants.set(id, t);
    return t;
  };
  /** The graph owns a copy of a model weight (the same data until a pass folds it). */
  const own = (t: tf.Tensor): tf.Tensor => adopt(tf.clone(t));
  /** The graph owns a tensor made here. */
  const adopt = (t: tf.Tensor): tf.Tensor => {
    graph.owned.push(t);
    return t;
  };

  try {
    for (const node of topologicalOrder(executor.graph, [logits])) {
      if (node.op === 'Const' || node.name === adapter.inputName) continue;
      if (node.op === 'Placeholder') {
        throw new CompileError(`the graph has a second input, ${node.name}`);
      }
      if (UNCOMPILABLE_CATEGORIES.has(node.category)) {
        throw new CompileError(`node ${node.name} (${node.op}) needs the graph executor`);
      }
      const op = translate(node, constant, own, adopt) ?? opaque(node, model, constant);
      const inputs = dynamicInputs(node, op, constant);
      graph.nodes.push({ id: node.name, inputs, op, covers: [node.name] });
      graph.valueOf.set(node.name, node.name);
    }
  } catch (error) {
    tf.dispose(graph.owned);
    throw error;
  }
  return {
    graph,
    // randomizeWeights() assigns a new weight map: read the executor's current one.
    isFresh: () => [...constants].every(([name, t]) => executor.weightMap[name]?.[0] === t),
  };
}

/** The non-constant inputs a translated op reads, in its order. */
function dynamicInputs(
  node: GraphNode,
  op: IrOp,
  constant: (name: string) => tf.Tensor | undefined,
): string[] {
  if (op.kind === 'opaque') {
    return node.inputNames.filter((n) => constant(n) === undefined).map(valueId);
  }
  if (op.kind === 'binary' && op.constant === undefined) {
    return node.inputNames.slice(0, 2).map(valueId);
  }
  const first = node.inputNames.find((n) => constant(n) === undefined);
  if (first === undefined) throw new CompileError(`node ${node.name} has no computed input`);
  return [valueId(first)];
}

function translate(
  node: GraphNode,
  constant: (name: string) => tf.Tensor | undefined,
  own: (t: tf.Tensor) => tf.Tensor,
  adopt: (t: tf.Tensor) => tf.Tensor,
): IrOp | undefined {
  const op = node.op.startsWith(UNFUSED_OP_PREFIX)
    ? node.op.slice(UNFUSED_OP_PREFIX.length)
    : node.op;
  const inputs = node.inputNames;
  const dataFormat = String(attr(node, 'dataFormat', 'nhwc')).toLowerCase();
  if (dataFormat !== 'nhwc') return undefined;

  if (op === 'Identity' || op === 'StopGradient' || op === 'Snapshot') return { kind: 'identity' };
  if (CONV_OPS.has(op)) return convolution(node, op, constant, own);
  if (op === 'MatMul' || op === '_FusedMatMul') return matMul(node, op, constant, own);
  if (op in ACTIVATION_OPS) {
    const activation = ACTIVATION_OPS[op];
    return { kind: 'activation', activation, alpha: attr<number>(node, 'alpha', 0.2) };
  }
  if (op === 'FusedBatchNorm' || op === 'FusedBatchNormV2' || op === 'FusedBatchNormV3') {
    const [scale, offset, mean, variance] = inputs.slice(1, 5).map(constant);
    if (!scale || !offset || !mean || !variance || attr(node, 'isTraining', false))
      return undefined;
    const epsilon = attr<number>(node, 'epsilon', 1e-3);
    const s = scale.dataSync();
    const o = offset.dataSync();
    const m = mean.dataSync();
    const v = variance.dataSync();
    const a = new Float32Array(s.length);
    const b = new Float32Array(s.length);
    for (let c = 0; c < s.length; c++) {
      a[c] = s[c] / Math.sqrt(v[c] + epsilon);
      b[c] = o[c] - m[c] * a[c];
    }
    return { kind: 'affine', scale: adopt(tf.tensor1d(a)), offset: adopt(tf.tensor1d(b)) };
  }
  if (op in BINARY_OPS) {
    const kind = BINARY_OPS[op];
    const [a, b] = [constant(inputs[0]), constant(inputs[1])];
    if (a && b) return undefined;
    if (!a && !b) return { kind: 'binary', op: kind };
    const c = (a ?? b)!;
    const constantIndex = a ? 0 : 1;
    // A scalar or one value per channel after the computed operand: a foldable affine.
    const perChannel =
      c.dtype === 'float32' && (c.size === 1 || c.shape.slice(0, -1).every((d) => d === 1));
    if (perChannel && (kind === 'mul' || kind === 'add')) {
      return kind === 'mul'
        ? { kind: 'affine', scale: own(c) }
        : { kind: 'affine', offset: own(c) };
    }
    if (perChannel && kind === 'sub' && constantIndex === 1) {
      return { kind: 'affine', offset: adopt(tf.neg(c)) };
    }
    return { kind: 'binary', op: kind, constant: own(c), constantIndex };
  }
  if (op === 'Mean') {
    const axes = constant(inputs[1]);
    if (!axes) return undefined;
    return {
      kind: 'mean',
      axes: Array.from(axes.dataSync()),
      keepDims: attr(node, 'keepDims', false),
    };
  }
  if (op === 'Reshape') {
    const shape = constant(inputs[1]);
    if (!shape) return undefined;
    return { kind: 'reshape', shape: Array.from(shape.dataSync()) };
  }
  if (op === 'Squeeze') {
    const axis = attr<number[]>(node, 'axis', []);
    return { kind: 'squeeze', axes: axis };
  }
  if (op === 'AvgPool' || op === 'MaxPool') {
    const k = attr<number[]>(node, 'kernelSize');
    const s = attr<number[]>(node, 'strides');
    const pad = attr<string>(node, 'pad') as 'same' | 'valid';
    if (pad !== 'same' && pad !== 'valid') return undefined;
    const type = op === 'AvgPool' ? 'avg' : 'max';
    return { kind: 'pool', type, size: [k[1], k[2]], strides: [s[1], s[2]], pad };
  }
  return undefined;
}

function convPadding(node: GraphNode): ConvPadding {
  const pad = attr<string>(node, 'pad');
  if (pad !== 'explicit') return pad as 'same' | 'valid';
  const e = attr<number[]>(node, 'explicitPaddings');
  return [
    [e[0], e[1]],
    [e[2], e[3]],
    [e[4], e[5]],
    [e[6], e[7]],
  ];
}

/** The converter's fused ops: [extra op, activation], e.g. ['biasadd', 'relu6']. */
function fusedParts(
  node: GraphNode,
  constant: (name: string) => tf.Tensor | undefined,
  argsFrom: number,
): { bias?: tf.Tensor; activation: FusedActivation; leakyAlpha?: number } | undefined {
  const [extra, activation] = attr<string[]>(node, 'fusedOps', []);
  let bias: tf.Tensor | undefined;
  if (extra === 'biasadd') {
    bias = constant(node.inputNames[argsFrom]);
    if (!bias) return undefined;
  } else if (extra !== undefined) {
    return undefined;
  }
  if (activation === undefined || activation === 'linear') return { bias, activation: 'linear' };
  const fused = FUSED_ACTIVATIONS[activation];
  if (!fused) return undefined;
  return { bias, activation: fused, leakyAlpha: attr<number>(node, 'leakyreluAlpha', 0.2) };
}

function convolution(
  node: GraphNode,
  op: string,
  constant: (name: string) => tf.Tensor | undefined,
  own: (t: tf.Tensor) => tf.Tensor,
): IrOp | undefined {
  const filter = constant(node.inputNames[1]);
  const fused = fusedParts(node, constant, 2);
  if (!filter || !fused) return undefined;
  const strides = attr<number[]>(node, 'strides');
  const dilations = attr<number[]>(node, 'dilations', [1, 1, 1, 1]);
  const kind = op === 'Conv2D' || op === '_FusedConv2D' ? 'conv2d' : 'depthwise';
  const pad = convPadding(node);
  if (kind === 'depthwise' && typeof pad !== 'string') return undefined;
  return {
    kind,
    filter: own(filter) as tf.Tensor4D,
    bias: fused.bias ? (own(fused.bias) as tf.Tensor1D) : undefined,
    strides: [strides[1], strides[2]],
    pad,
    dilations: [dilations[1], dilations[2]],
    activation: fused.activation,
    leakyAlpha: fused.leakyAlpha,
  };
}

function matMul(
  node: GraphNode,
  op: string,
  constant: (name: string) => tf.Tensor | undefined,
  own: (t: tf.Tensor) => tf.Tensor,
): IrOp | undefined {
  const weights = constant(node.inputNames[1]);
  if (!weights || constant(node.inputNames[0]) || weights.rank !== 2) return undefined;
  const fused =
    op === '_FusedMatMul' ? fusedParts(node, constant, 2) : { activation: 'linear' as const };
  if (!fused) return undefined;
  return {
    kind: 'matMul',
    weights: own(weights) as tf.Tensor2D,
    transposeA: attr(node, 'transposeA', false),
    transposeB: attr(node, 'transposeB', false),
    bias: fused.bias ? (own(fused.bias) as tf.Tensor1D) : undefined,
    activation: fused.activation,
    leakyAlpha: 'leakyAlpha' in fused ? fused.leakyAlpha : undefined,
  };
}

/** A node the compiler does not know: the model's executor runs it alone, its inputs fed. */
function opaque(
  node: GraphNode,
  model: GraphModelAdapter['model'],
  constant: (name: string) => tf.Tensor | undefined,
): IrOp {
  const fed = node.inputNames.filter((n) => constant(n) === undefined);
  return {
    kind: 'opaque',
    type: node.op.startsWith(UNFUSED_OP_PREFIX) ? node.op.slice(UNFUSED_OP_PREFIX.length) : node.op,
    run: (inputs) => {
      const feeds: Record<string, tf.Tensor> = {};
      fed.forEach((name, i) => (feeds[name] = inputs[i]));
      return model.execute(feeds, node.name) as tf.Tensor;
    },
  };
}

/** A graph model's adapter, compiled (or itself when it cannot be: see compileWith). */
export function compileGraphAdapter(adapter: GraphModelAdapter): ModelAdapter {
  return compileWith(adapter, (keep) => readGraphModel(adapter, keep));
}
