/**
 * Reads a tfjs-layers model into the compiler's graph. The layers RoadCAM's models are made of
 * (conv, depthwise conv, dense, batch norm, activations, pooling, reshape, dropout) become ops
 * the passes can fold and fuse; every other layer runs as itself (its own `apply`). Nested
 * models are flattened. The final layer's softmax / sigmoid is left out (the program's output
 * is the logits, as the adapter's are).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  applyLayer,
  isContainer,
  outputActivationLayer,
  type ContainerLike,
  type LayerLike,
  type SymbolicTensorLike,
} from '../adapters/layers-adapter';
import type { LayersModelAdapter } from '../adapters/layers-adapter';
import type { ModelAdapter } from '../adapters/types';
import { compileWith } from './compiled-adapter';
import { IDENTITY_AT_INFERENCE } from './layers-topology';
import { CompileError } from './compile-error';
import { batchNormAffine, LAYERS_ACTIVATIONS, type IrGraph, type IrNode, type IrOp } from './ir';

/** A tfjs-layers variable: assigning new weights gives its tensor a new dataId. */
interface VariableLike {
  read(): tf.Tensor;
}

type AnyLayer = LayerLike & Record<string, unknown>;

export interface LayersReading {
  graph: IrGraph;
  /** False once any weight the program copied has been reassigned (training, randomisation). */
  isFresh(): boolean;
}

export function readLayersModel(adapter: LayersModelAdapter, keep: Set<string>): LayersReading {
  const root = adapter.model as unknown as ContainerLike;
  const reader = new LayersReader(keep);
  // The chain of final layers whose activation the adapter strips (through nested models).
  let container: ContainerLike = root;
  for (;;) {
    const last = outputActivationLayer(container);
    reader.preActivation.add(last);
    if (!isContainer(last)) break;
    container = last;
  }
  if (root.inputs.length !== 1 || root.outputs.length !== 1) {
    throw new CompileError('the model has several inputs or outputs');
  }
  try {
    const [output] = reader.walk(root, [reader.graph.input], '');
    reader.graph.output = output;
  } catch (error) {
    tf.dispose(reader.graph.owned);
    throw error;
  }
  return { graph: reader.graph, isFresh: () => reader.isFresh() };
}

class LayersReader {
  readonly graph: IrGraph = {
    input: 'input',
    output: '',
    nodes: [],
    valueOf: new Map(),
    keep: new Set(),
    owned: [],
  };
  readonly preActivation = new Set<LayerLike>();
  private readonly sources: { variable: VariableLike; dataId: object }[] = [];
  private readonly usedIds = new Set<string>(['input']);

  constructor(keep: Set<string>) {
    this.graph.keep = keep;
  }

  isFresh(): boolean {
    return this.sources.every((s) => {
      const t = s.variable.read();
      return !t.isDisposed && t.dataId === s.dataId;
    });
  }

  /** Emits the nodes of `container` with its inputs bound to `inputIds`; returns its output ids. */
  walk(container: ContainerLike, inputIds: string[], prefix: string): string[] {
    const values = new Map<number, string>();
    container.inputs.forEach((s, i) => values.set(s.id, inputIds[i]));
    const valueOf = (s: SymbolicTensorLike): string => {
      const known = values.get(s.id);
      if (known !== undefined) return known;
      const layer = s.sourceLayer;
      const node = layer.inboundNodes[s.nodeIndex];
      const args = node.inputTensors.map(valueOf);
      let outs: string[];
      if (isContainer(layer)) {
        outs = this.walk(layer, args, `${prefix}${layer.name}/`);
      } else {
        if (node.outputTensors.length !== 1) {
          throw new CompileError(`layer ${layer.name} has several outputs`);
        }
        const inputRank = (node.inputTensors[0] as { shape?: unknown[] } | undefined)?.shape
          ?.length;
        outs = [this.layer(layer as AnyLayer, args, prefix, inputRank)];
      }
      node.outputTensors.forEach((o, i) => values.set(o.id, outs[i]));
      if (!this.graph.valueOf.has(layer.name)) this.graph.valueOf.set(layer.name, outs[0]);
      return outs[s.tensorIndex];
    };
    return container.outputs.map(valueOf);
  }

  private freshId(base: string): string {
    let id = base;
    for (let n = 1; this.usedIds.has(id); n++) id = `${base}#${n}`;
    this.usedIds.add(id);
    return id;
  }

  private emit(id: string, inputs: string[], op: IrOp, covers: string[]): string {
    const node: IrNode = { id, inputs, op, covers };
    this.graph.nodes.push(node);
    return id;
  }

  /** A layer variable's current value, remembered so that a later assignment is noticed. */
  private track(variable: unknown): tf.Tensor {
    const v = variable as VariableLike;
    const tensor = v.read();
    this.sources.push({ variable: v, dataId: tensor.dataId });
    return tensor;
  }

  /** A copy of a layer variable's value that the program owns (shares the data until folded). */
  private weight(variable: unknown): tf.Tensor {
    const copy = tf.clone(this.track(variable));
    this.graph.owned.push(copy);
    return copy;
  }

  /** One layer: returns the id of its output value. */
  private layer(layer: AnyLayer, args: string[], prefix: string, inputRank?: number): string {
    const id = this.freshId(prefix + layer.name);
    const covers = [layer.name];
    const strip = this.preActivation.has(layer);
    const kind = layer.getClassName();
    const config = layer.getConfig();
    const channelsLast = config.dataFormat === undefined || config.dataFormat === 'channelsLast';
    const activationName = strip ? 'linear' : (layer.activation?.getClassName() ?? 'linear');
    const opaque = (): string =>
      this.emit(
        id,
        args,
        { kind: 'opaque', type: kind, run: (ts) => applyLayer(layer, ts, strip)[0] },
        covers,
      );

    // A weighted op, then its activation as a separate node that the passes may fuse.
    const withActivation = (op: IrOp): string => {
      if (activationName === 'linear') return this.emit(id, args, op, covers);
      const pre = this.emit(this.freshId(`${id}/pre`), args, op, []);
      const known = LAYERS_ACTIVATIONS[activationName];
      const activation = layer.activation!;
      const act: IrOp = known
        ? { kind: 'activation', activation: known }
        : {
            kind: 'opaque',
            type: `activation ${activationName}`,
            run: ([t]) => activation.apply(t),
          };
      return this.emit(id, [pre], act, covers);
    };

    switch (kind) {
      case 'Conv2D': {
        if (!channelsLast || typeof config.padding !== 'string' || config.padding === 'causal')
          return opaque();
        if (((config.groups as number | undefined) ?? 1) !== 1) return opaque();
        return withActivation({
          kind: 'conv2d',
          filter: this.weight(layer.kernel) as tf.Tensor4D,
          bias: config.useBias ? (this.weight(layer.bias) as tf.Tensor1D) : undefined,
          strides: pair(config.strides),
          pad: config.padding as 'same' | 'valid',
          dilations: pair(config.dilationRate),
          activation: 'linear',
        });
      }
      case 'DepthwiseConv2D': {
        if (!channelsLast || typeof config.padding !== 'string') return opaque();
        return withActivation({
          kind: 'depthwise',
          filter: this.weight(layer.depthwiseKernel) as tf.Tensor4D,
          bias: config.useBias ? (this.weight(layer.bias) as tf.Tensor1D) : undefined,
          strides: pair(config.strides),
          pad: config.padding as 'same' | 'valid',
          // tfjs-layers runs its depthwise layer without dilation (see its call()).
          dilations: [1, 1],
          activation: 'linear',
        });
      }
      case 'Dense': {
        if (inputRank !== 2) return opaque();
        return withActivation({
          kind: 'matMul',
          weights: this.weight(layer.kernel) as tf.Tensor2D,
          bias: config.useBias ? (this.weight(layer.bias) as tf.Tensor1D) : undefined,
          transposeA: false,
          transposeB: false,
          activation: 'linear',
        });
      }
      case 'BatchNormalization':
        return this.batchNorm(layer, config, id, args, covers, inputRank) ?? opaque();
      case 'Activation': {
        const known = LAYERS_ACTIVATIONS[activationName];
        if (!known) return opaque();
        if (known === 'linear') return this.emit(id, args, { kind: 'identity' }, covers);
        return this.emit(id, args, { kind: 'activation', activation: known }, covers);
      }
      case 'ReLU': {
        const max = config.maxValue as number | null | undefined;
        if (max != null && max !== 6) return opaque();
        const activation = max === 6 ? 'relu6' : 'relu';
        return this.emit(id, args, { kind: 'activation', activation }, covers);
      }
      case 'LeakyReLU':
        return this.emit(
          id,
          args,
          { kind: 'activation', activation: 'leakyrelu', alpha: Number(config.alpha ?? 0.3) },
          covers,
        );
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const padding = config.padding;
        if (!channelsLast || (padding !== 'same' && padding !== 'valid')) return opaque();
        const size = pair(config.poolSize);
        const strides = config.strides == null ? size : pair(config.strides);
        const type = kind === 'MaxPooling2D' ? 'max' : 'avg';
        return this.emit(id, args, { kind: 'pool', type, size, strides, pad: padding }, covers);
      }
      case 'ZeroPadding2D': {
        const p = config.padding as [[number, number], [number, number]] | undefined;
        if (!channelsLast || !Array.isArray(p?.[0])) return opaque();
        return this.emit(id, args, { kind: 'pad', spatial: [p[0], p[1]] }, covers);
      }
      case 'GlobalAveragePooling2D':
        if (!channelsLast || config.keepDims) return opaque();
        return this.emit(id, args, { kind: 'mean', axes: [1, 2], keepDims: false }, covers);
      case 'Flatten':
      case 'Reshape': {
        const shape = outputShape(layer);
        if (!channelsLast || !shape || shape.slice(1).some((d) => d < 0)) return opaque();
        return this.emit(id, args, { kind: 'reshape', shape: [-1, ...shape.slice(1)] }, covers);
      }
      default:
        if (IDENTITY_AT_INFERENCE.has(kind)) {
          return this.emit(id, args, { kind: 'identity' }, covers);
        }
        return opaque();
    }
  }

  /** Inference-mode batch norm as y = x * scale + offset (float64 maths). */
  private batchNorm(
    layer: AnyLayer,
    config: Record<string, unknown>,
    id: string,
    args: string[],
    covers: string[],
    inputRank?: number,
  ): string | undefined {
    const axis = Number(config.axis ?? -1);
    if (inputRank === undefined || (axis !== -1 && axis !== inputRank - 1)) return undefined;
    const epsilon = Number(config.epsilon ?? 1e-3);
    const { scale, offset } = batchNormAffine(
      {
        mean: this.track(layer.movingMean).dataSync(),
        variance: this.track(layer.movingVariance).dataSync(),
        gamma: config.scale !== false ? this.track(layer.gamma).dataSync() : undefined,
        beta: config.center !== false ? this.track(layer.beta).dataSync() : undefined,
      },
      epsilon,
    );
    const scaleT = tf.tensor1d(scale);
    const offsetT = tf.tensor1d(offset);
    this.graph.owned.push(scaleT, offsetT);
    return this.emit(id, args, { kind: 'affine', scale: scaleT, offset: offsetT }, covers);
  }
}

function pair(v: unknown): [number, number] {
  if (Array.isArray(v)) return [Number(v[0]), Number(v[1] ?? v[0])];
  const n = Number(v ?? 1);
  return [n, n];
}

function outputShape(layer: LayerLike): number[] | undefined {
  const shape = layer.outputShape;
  if (Array.isArray(shape[0])) return undefined;
  return (shape as (number | null)[]).map((d) => (d == null ? -1 : d));
}

/** A layers model's adapter, compiled (or itself when it cannot be: see compileWith). */
export function compileLayersAdapter(adapter: LayersModelAdapter): ModelAdapter {
  return compileWith(adapter, (keep) => readLayersModel(adapter, keep));
}
