/**
 * A tfjs-layers model.json topology read as plain data, without tfjs-layers: its layers in
 * order with their configs, the layers each one reads, and every layer's output shape. Only the
 * layers the field models and MobileNet-like image classifiers are made of are known; any other
 * part (a nested model, a shared layer, a layer class outside the set, several inputs or
 * outputs) throws CompileError, and the caller builds the model with tfjs-layers instead.
 */
import { CompileError } from './compile-error';

/** One layer of the topology, its config as saved (snake_case keys). */
export interface TopologyLayer {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** Names of the layers whose outputs it reads, in order (none for the input layer). */
  inputs: string[];
  /** Output shape with the batch dimension first (-1 for the batch). */
  outputShape: number[];
}

export interface LayersTopology {
  /** Every layer in the topology's order, the input layer first. */
  layers: TopologyLayer[];
  input: string;
  output: string;
  /**
   * The layer that applies the model's output activation: the output layer, or the last one
   * before a chain of layers that only move values (as the tfjs-layers adapter finds it).
   */
  finalLayer: string;
}

/** Layers that are the identity at inference. */
export const IDENTITY_AT_INFERENCE = new Set([
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
]);

/** Layers that only move values: a model's softmax may sit before them (MobileNet's reshape). */
const VALUE_PRESERVING = new Set(['Reshape', 'Flatten', 'Dropout', 'SpatialDropout1D']);

const KNOWN_LAYERS = new Set([
  'InputLayer',
  'Conv2D',
  'DepthwiseConv2D',
  'Dense',
  'BatchNormalization',
  'Activation',
  'ReLU',
  'LeakyReLU',
  'MaxPooling2D',
  'AveragePooling2D',
  'ZeroPadding2D',
  'GlobalAveragePooling2D',
  'Flatten',
  'Reshape',
  'Add',
  ...IDENTITY_AT_INFERENCE,
]);

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads `artifacts.modelTopology` of a layers model.json. */
export function readLayersTopology(modelTopology: unknown): LayersTopology {
  if (!isObject(modelTopology)) throw new CompileError('no layers topology');
  const model = isObject(modelTopology.model_config) ? modelTopology.model_config : modelTopology;
  const className = model.class_name;
  const config = model.config;
  if (className === 'Sequential') return sequential(config);
  if (className === 'Model' || className === 'Functional') return functional(config);
  throw new CompileError(`model class ${String(className)}`);
}

function layerEntry(raw: unknown): { name: string; className: string; config: Json } {
  if (!isObject(raw) || typeof raw.class_name !== 'string' || !isObject(raw.config)) {
    throw new CompileError('a layer without class_name or config');
  }
  const name = typeof raw.name === 'string' ? raw.name : raw.config.name;
  if (typeof name !== 'string') throw new CompileError('a layer without a name');
  if (!KNOWN_LAYERS.has(raw.class_name)) throw new CompileError(`layer class ${raw.class_name}`);
  return { name, className: raw.class_name, config: raw.config };
}

function functional(config: unknown): LayersTopology {
  if (!isObject(config) || !Array.isArray(config.layers)) throw new CompileError('no layers');
  const ends = (key: string): string => {
    const list = config[key];
    if (!Array.isArray(list) || list.length !== 1 || !Array.isArray(list[0])) {
      throw new CompileError(
        `the model has several ${key === 'input_layers' ? 'inputs' : 'outputs'}`,
      );
    }
    const [name, node, tensor] = list[0] as unknown[];
    if (typeof name !== 'string' || node !== 0 || tensor !== 0) {
      throw new CompileError(`${key} names a shared layer or a layer with several outputs`);
    }
    return name;
  };
  const input = ends('input_layers');
  const output = ends('output_layers');
  const entries = config.layers.map((raw) => {
    const entry = layerEntry(raw);
    const nodes = (raw as Json).inbound_nodes;
    if (!Array.isArray(nodes) || nodes.length > 1) {
      throw new CompileError(`layer ${entry.name} is shared or its inputs are not listed`);
    }
    const inputs = nodes.length === 0 ? [] : inboundNames(entry.name, nodes[0]);
    return { ...entry, inputs };
  });
  return withShapes(entries, input, output);
}

function inboundNames(layer: string, node: unknown): string[] {
  if (!Array.isArray(node)) throw new CompileError(`layer ${layer}: inputs in an unknown form`);
  return node.map((inbound) => {
    if (!Array.isArray(inbound)) throw new CompileError(`layer ${layer}: an unknown input`);
    const [name, nodeIndex, tensorIndex, kwargs] = inbound as unknown[];
    if (typeof name !== 'string' || nodeIndex !== 0 || tensorIndex !== 0) {
      throw new CompileError(`layer ${layer} reads a shared layer or a second output`);
    }
    if (isObject(kwargs) && Object.keys(kwargs).length > 0) {
      throw new CompileError(`layer ${layer} is called with arguments`);
    }
    return name;
  });
}

function sequential(config: unknown): LayersTopology {
  const raw = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(raw) || raw.length === 0) throw new CompileError('no layers');
  const layers = raw.map(layerEntry);
  const entries: { name: string; className: string; config: Json; inputs: string[] }[] = [];
  if (layers[0].className !== 'InputLayer') {
    // The first layer carries the input shape; the input layer tfjs-layers adds is implicit.
    const shape = layers[0].config.batch_input_shape;
    if (!Array.isArray(shape)) throw new CompileError('the first layer has no input shape');
    entries.push({
      name: `${layers[0].name}_input`,
      className: 'InputLayer',
      config: { batch_input_shape: shape },
      inputs: [],
    });
  }
  for (const layer of layers) {
    const previous = entries.at(-1);
    entries.push({ ...layer, inputs: previous ? [previous.name] : [] });
  }
  return withShapes(entries, entries[0].name, entries.at(-1)!.name);
}

/** Orders the layers the output needs, infers every shape and finds the final layer. */
function withShapes(
  entries: { name: string; className: string; config: Json; inputs: string[] }[],
  input: string,
  output: string,
): LayersTopology {
  const byName = new Map(entries.map((e) => [e.name, e]));
  if (byName.size !== entries.length) throw new CompileError('two layers share a name');
  const shapes = new Map<string, number[]>();
  const layers: TopologyLayer[] = [];
  // Depth-first from the output: every layer after the layers it reads, as the model runs.
  const visit = (name: string, path: Set<string>): number[] => {
    const known = shapes.get(name);
    if (known) return known;
    const entry = byName.get(name);
    if (!entry) throw new CompileError(`no layer named ${name}`);
    if (path.has(name)) throw new CompileError(`a cycle through ${name}`);
    path.add(name);
    const inputShapes = entry.inputs.map((i) => visit(i, path));
    path.delete(name);
    if (entry.className === 'InputLayer' ? name !== input : entry.inputs.length === 0) {
      throw new CompileError(`layer ${name} reads nothing`);
    }
    const outputShape = outputShapeOf(entry.className, entry.config, inputShapes, name);
    shapes.set(name, outputShape);
    layers.push({ ...entry, outputShape });
    return outputShape;
  };
  visit(output, new Set());
  if (!shapes.has(input)) throw new CompileError('the output does not depend on the input');
  // The topology's own order (the order tfjs-layers lists them in), for the layer list.
  const order = new Map(entries.map((e, i) => [e.name, i]));
  layers.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
  const ordered = topologicalOrder(layers);
  return { layers: ordered, input, output, finalLayer: finalLayerOf(ordered, input, output) };
}

/** The layers in the saved order when that order runs (it does for every saved model we know). */
function topologicalOrder(layers: TopologyLayer[]): TopologyLayer[] {
  const seen = new Set<string>();
  for (const layer of layers) {
    if (layer.inputs.some((i) => !seen.has(i))) {
      throw new CompileError(`layer ${layer.name} is listed before a layer it reads`);
    }
    seen.add(layer.name);
  }
  return layers;
}

function finalLayerOf(layers: TopologyLayer[], input: string, output: string): string {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const classes = byName.get(output)!.outputShape.at(-1);
  let layer = byName.get(output)!;
  while (VALUE_PRESERVING.has(layer.className) && layer.inputs.length === 1) {
    const before = byName.get(layer.inputs[0])!;
    if (before.name === input || before.outputShape.at(-1) !== classes) break;
    layer = before;
  }
  return layer.name;
}

function pairOf(v: unknown, layer: string, key: string): [number, number] {
  const pair = Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v, v];
  if (!pair.every((d) => Number.isInteger(d) && (d as number) > 0)) {
    throw new CompileError(`layer ${layer}: ${key} ${JSON.stringify(v)}`);
  }
  return pair as [number, number];
}

function channelsLast(config: Json, layer: string): void {
  const format = config.data_format;
  if (format !== undefined && format !== null && format !== 'channels_last') {
    throw new CompileError(`layer ${layer} is ${String(format)}`);
  }
}

/** One spatial axis after a window of `size` (dilated) moving by `stride`. */
function windowed(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: unknown,
): number {
  if (padding === 'same') return Math.ceil(size / stride);
  if (padding === 'valid') return Math.ceil((size - (kernel - 1) * dilation) / stride);
  throw new CompileError(`padding ${JSON.stringify(padding)}`);
}

function outputShapeOf(
  className: string,
  config: Json,
  inputShapes: number[][],
  name: string,
): number[] {
  if (className === 'InputLayer') {
    const shape = config.batch_input_shape ?? config.batch_shape;
    if (!Array.isArray(shape)) throw new CompileError('the input layer has no shape');
    return shape.map((d) => (d == null ? -1 : Number(d)));
  }
  if (className === 'Add') {
    const [first, ...rest] = inputShapes;
    if (!first || rest.length === 0 || rest.some((s) => s.join() !== first.join())) {
      throw new CompileError(`layer ${name} adds values of different shapes`);
    }
    return first;
  }
  if (inputShapes.length !== 1) throw new CompileError(`layer ${name} reads several values`);
  const x = inputShapes[0];
  const image = (): [number, number, number, number] => {
    channelsLast(config, name);
    if (x.length !== 4 || x.slice(1).some((d) => d < 0)) {
      throw new CompileError(`layer ${name} reads a value of shape ${JSON.stringify(x)}`);
    }
    return x as [number, number, number, number];
  };
  switch (className) {
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      const [n, h, w, c] = image();
      const [kh, kw] = pairOf(config.kernel_size, name, 'kernel_size');
      const [sh, sw] = pairOf(config.strides ?? 1, name, 'strides');
      const [dh, dw] = pairOf(config.dilation_rate ?? 1, name, 'dilation_rate');
      if (className === 'DepthwiseConv2D' && (dh !== 1 || dw !== 1)) {
        // tfjs-layers runs its depthwise layer without dilation: leave such a model to it.
        throw new CompileError(`layer ${name} is a dilated depthwise convolution`);
      }
      if (((config.groups as number | undefined) ?? 1) !== 1) {
        throw new CompileError(`layer ${name} is a grouped convolution`);
      }
      const out =
        className === 'Conv2D' ? Number(config.filters) : c * Number(config.depth_multiplier ?? 1);
      return [
        n,
        windowed(h, kh, sh, dh, config.padding),
        windowed(w, kw, sw, dw, config.padding),
        out,
      ];
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const [n, h, w, c] = image();
      const [kh, kw] = pairOf(config.pool_size, name, 'pool_size');
      const [sh, sw] = pairOf(config.strides ?? config.pool_size, name, 'strides');
      return [n, windowed(h, kh, sh, 1, config.padding), windowed(w, kw, sw, 1, config.padding), c];
    }
    case 'ZeroPadding2D': {
      const [n, h, w, c] = image();
      const p = config.padding;
      if (!Array.isArray(p) || !Array.isArray(p[0]) || !Array.isArray(p[1])) {
        throw new CompileError(`layer ${name}: padding ${JSON.stringify(p)}`);
      }
      const [[top, bottom], [left, right]] = p as [[number, number], [number, number]];
      return [n, h + top + bottom, w + left + right, c];
    }
    case 'GlobalAveragePooling2D': {
      const [n, , , c] = image();
      if (config.keepdims) throw new CompileError(`layer ${name} keeps its dimensions`);
      return [n, c];
    }
    case 'Dense':
      if (x.length !== 2) throw new CompileError(`layer ${name} reads a ${x.length}-D value`);
      return [x[0], Number(config.units)];
    case 'Flatten':
      if (x.slice(1).some((d) => d < 0)) throw new CompileError(`layer ${name}: unknown size`);
      return [x[0], x.slice(1).reduce((a, b) => a * b, 1)];
    case 'Reshape': {
      const target = config.target_shape;
      if (!Array.isArray(target)) throw new CompileError(`layer ${name}: no target_shape`);
      const size = x.slice(1).reduce((a, b) => a * b, 1);
      const known = target.filter((d) => d !== -1).reduce((a: number, b) => a * Number(b), 1);
      return [x[0], ...target.map((d) => (d === -1 ? size / known : Number(d)))];
    }
    case 'BatchNormalization': {
      const axis = Number(config.axis ?? -1);
      if (axis !== -1 && axis !== x.length - 1) {
        throw new CompileError(`layer ${name} normalises axis ${axis}`);
      }
      return x;
    }
    default:
      // Activations and layers that are the identity at inference keep the shape.
      return x;
  }
}
