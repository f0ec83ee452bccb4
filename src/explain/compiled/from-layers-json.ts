/**
 * Reads a layers model straight from its model.json topology and weights into the compiler's
 * graph, with no tfjs-layers: the same ops from-layers.ts makes of the built model, for the
 * layers layers-topology.ts knows. The final layer's activation is left out (the program's
 * output is the logits, as the adapters' are).
 */
import * as tf from '@tensorflow/tfjs-core';
import { CompileError } from './compile-error';
import {
  batchNormAffine,
  LAYERS_ACTIVATIONS,
  type ActivationName,
  type IrGraph,
  type IrNode,
  type IrOp,
} from './ir';
import { IDENTITY_AT_INFERENCE, type LayersTopology, type TopologyLayer } from './layers-topology';

/** The weight tensors by name (`conv1/kernel`), as tf.io.decodeWeights gives them. */
export type WeightMap = Map<string, tf.Tensor>;

export interface JsonReading {
  graph: IrGraph;
  /** False once any weight the graph read has been replaced in the map. */
  isFresh(): boolean;
}

function activationOf(name: unknown, layer: string): ActivationName {
  const known = LAYERS_ACTIVATIONS[String(name ?? 'linear')];
  if (!known) throw new CompileError(`layer ${layer}: activation ${String(name)}`);
  return known;
}

/** The program graph of a topology over `weights`, keeping the outputs of `keep`. */
export function readLayersJson(
  topology: LayersTopology,
  weights: WeightMap,
  keep: Set<string>,
): JsonReading {
  const graph: IrGraph = {
    input: 'input',
    output: '',
    nodes: [],
    valueOf: new Map(),
    keep,
    owned: [],
  };
  const read = new Map<string, tf.Tensor>();
  const shapes = new Map(topology.layers.map((l) => [l.name, l.outputShape]));
  const weight: WeightReader = (layer, key) => {
    const name = `${layer.name}/${key}`;
    const tensor = weights.get(name);
    if (!tensor) throw new CompileError(`no weight ${name}`);
    const expected = weightShape(layer, key, shapes);
    if (tensor.shape.join() !== expected.join()) {
      throw new CompileError(
        `weight ${name} is ${JSON.stringify(tensor.shape)}, not ${JSON.stringify(expected)}`,
      );
    }
    read.set(name, tensor);
    // The map's own tensor, not owned by the graph: a pass that folds it makes a new one (and
    // disposes only what the graph owns), and a copy would cost a copy of every weight.
    return tensor;
  };
  const emit = (node: IrNode): string => {
    graph.nodes.push(node);
    return node.id;
  };
  try {
    for (const layer of topology.layers) {
      if (layer.name === topology.input) {
        graph.valueOf.set(layer.name, graph.input);
        continue;
      }
      const inputs = layer.inputs.map((name) => graph.valueOf.get(name)!);
      const strip = layer.name === topology.finalLayer;
      const id = layerNodes(layer, inputs, strip, weight, emit, graph);
      graph.valueOf.set(layer.name, id);
    }
    graph.output = graph.valueOf.get(topology.output)!;
  } catch (error) {
    tf.dispose(graph.owned);
    throw error;
  }
  return {
    graph,
    isFresh: () => [...read].every(([name, tensor]) => weights.get(name) === tensor),
  };
}

/** The shape a layer's weight must have, from its config and the shape it reads. */
function weightShape(layer: TopologyLayer, key: string, shapes: Map<string, number[]>): number[] {
  const inShape = shapes.get(layer.inputs[0]) ?? [];
  const channels = inShape.at(-1) ?? -1;
  const out = layer.outputShape.at(-1) ?? -1;
  const { config } = layer;
  if (key === 'kernel' && layer.className === 'Dense') return [channels, out];
  if (key === 'kernel' || key === 'depthwise_kernel') {
    const [kh, kw] = pairOf(config.kernel_size);
    return [kh, kw, channels, key === 'kernel' ? out : Number(config.depth_multiplier ?? 1)];
  }
  // Bias and the batch norm's four vectors: one value per output channel.
  return [out];
}

/** A weight of a layer by key: the map's tensor (the graph does not own it). */
type WeightReader = (layer: TopologyLayer, key: string) => tf.Tensor;

/** Emits one layer's nodes; returns the id of its output value (the layer's name). */
function layerNodes(
  layer: TopologyLayer,
  inputs: string[],
  strip: boolean,
  weight: WeightReader,
  emit: (node: IrNode) => string,
  graph: IrGraph,
): string {
  const { name, className, config } = layer;
  const id = name === graph.input ? `${name}#layer` : name;
  const covers = [name];
  const node = (op: IrOp) => emit({ id, inputs, op, covers });
  // A weighted op, then its activation as a node of its own that the passes may fuse.
  const withActivation = (op: IrOp): string => {
    const activation = strip ? 'linear' : activationOf(config.activation, name);
    if (activation === 'linear') return node(op);
    const pre = emit({ id: `${id}/pre`, inputs, op, covers: [] });
    return emit({ id, inputs: [pre], op: { kind: 'activation', activation }, covers });
  };
  const bias = () =>
    config.use_bias === false ? undefined : (weight(layer, 'bias') as tf.Tensor1D);
  const pad = config.padding as 'same' | 'valid';
  switch (className) {
    case 'Conv2D':
      return withActivation({
        kind: 'conv2d',
        filter: weight(layer, 'kernel') as tf.Tensor4D,
        bias: bias(),
        strides: pairOf(config.strides),
        pad,
        dilations: pairOf(config.dilation_rate),
        activation: 'linear',
      });
    case 'DepthwiseConv2D':
      return withActivation({
        kind: 'depthwise',
        filter: weight(layer, 'depthwise_kernel') as tf.Tensor4D,
        bias: bias(),
        strides: pairOf(config.strides),
        pad,
        dilations: [1, 1],
        activation: 'linear',
      });
    case 'Dense':
      return withActivation({
        kind: 'matMul',
        weights: weight(layer, 'kernel') as tf.Tensor2D,
        bias: bias(),
        transposeA: false,
        transposeB: false,
        activation: 'linear',
      });
    case 'BatchNormalization':
      return node(batchNorm(layer, weight, graph));
    case 'Activation': {
      const activation = strip ? 'linear' : activationOf(config.activation, name);
      return node(
        activation === 'linear' ? { kind: 'identity' } : { kind: 'activation', activation },
      );
    }
    case 'ReLU': {
      const max = config.max_value as number | null | undefined;
      if (max != null && max !== 6) throw new CompileError(`layer ${name}: ReLU up to ${max}`);
      if (config.negative_slope || config.threshold) {
        throw new CompileError(`layer ${name}: a ReLU with a slope or threshold`);
      }
      return node(
        strip
          ? { kind: 'identity' }
          : { kind: 'activation', activation: max === 6 ? 'relu6' : 'relu' },
      );
    }
    case 'LeakyReLU':
      return node(
        strip
          ? { kind: 'identity' }
          : { kind: 'activation', activation: 'leakyrelu', alpha: Number(config.alpha ?? 0.3) },
      );
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const size = pairOf(config.pool_size);
      return node({
        kind: 'pool',
        type: className === 'MaxPooling2D' ? 'max' : 'avg',
        size,
        strides: config.strides == null ? size : pairOf(config.strides),
        pad,
      });
    }
    case 'ZeroPadding2D':
      return node({
        kind: 'pad',
        spatial: config.padding as [[number, number], [number, number]],
      });
    case 'GlobalAveragePooling2D':
      return node({ kind: 'mean', axes: [1, 2], keepDims: false });
    case 'Flatten':
    case 'Reshape':
      return node({ kind: 'reshape', shape: [-1, ...layer.outputShape.slice(1)] });
    case 'Add': {
      // A chain of two-operand adds; the last one is the layer's value.
      let sum = inputs[0];
      for (let i = 1; i < inputs.length; i++) {
        const last = i === inputs.length - 1;
        sum = emit({
          id: last ? id : `${id}/sum${i}`,
          inputs: [sum, inputs[i]],
          op: { kind: 'binary', op: 'add' },
          covers: last ? covers : [],
        });
      }
      return sum;
    }
    default:
      if (IDENTITY_AT_INFERENCE.has(className)) return node({ kind: 'identity' });
      throw new CompileError(`layer class ${className}`);
  }
}

/** Inference-mode batch norm as y = x * scale + offset (float64 maths), as from-layers.ts. */
function batchNorm(layer: TopologyLayer, weight: WeightReader, graph: IrGraph): IrOp {
  const { config } = layer;
  const epsilon = Number(config.epsilon ?? 1e-3);
  const values = (key: string) => weight(layer, key).dataSync();
  const { scale, offset } = batchNormAffine(
    {
      mean: values('moving_mean'),
      variance: values('moving_variance'),
      gamma: config.scale !== false ? values('gamma') : undefined,
      beta: config.center !== false ? values('beta') : undefined,
    },
    epsilon,
  );
  const scaleT = tf.tensor1d(scale);
  const offsetT = tf.tensor1d(offset);
  graph.owned.push(scaleT, offsetT);
  return { kind: 'affine', scale: scaleT, offset: offsetT };
}

function pairOf(v: unknown): [number, number] {
  if (Array.isArray(v)) return [Number(v[0]), Number(v[1] ?? v[0])];
  const n = Number(v ?? 1);
  return [n, n];
}
