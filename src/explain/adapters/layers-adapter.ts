import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { ExplainError } from '../errors';
import {
  checkInputShape,
  isSpatialShape,
  findLayer,
  noiseLike,
  noSpatialLayer,
  isKernelWeight,
  outputsFromLogits,
} from './common';
import type { LayerInfo, ModelAdapter, ModelOutputs, OutputActivation } from './types';

// The structural parts of tfjs-layers that the adapter walks. They are public properties of
// Layer / Node / SymbolicTensor, typed loosely here to keep the walk readable.
export interface SymbolicTensorLike {
  id: number;
  sourceLayer: LayerLike;
  nodeIndex: number;
  tensorIndex: number;
}
export interface NodeLike {
  inputTensors: SymbolicTensorLike[];
  outputTensors: SymbolicTensorLike[];
}
export interface ActivationLike {
  getClassName(): string;
  apply(x: tf.Tensor): tf.Tensor;
}
export interface LayerLike {
  name: string;
  inboundNodes: NodeLike[];
  outputShape: (number | null)[] | (number | null)[][];
  activation?: ActivationLike;
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  getWeights(): tf.Tensor[];
  setWeights(weights: tf.Tensor[]): void;
  weights: { originalName: string }[];
  apply(inputs: tf.Tensor | tf.Tensor[], kwargs?: Record<string, unknown>): tf.Tensor | tf.Tensor[];
}
export interface ContainerLike extends LayerLike {
  inputs: SymbolicTensorLike[];
  outputs: SymbolicTensorLike[];
  layers: LayerLike[];
}

export function isContainer(layer: LayerLike): layer is ContainerLike {
  const c = layer as Partial<ContainerLike>;
  return Array.isArray(c.layers) && Array.isArray(c.inputs) && Array.isArray(c.outputs);
}

/** Stands in for a layer's own activation so that we can read its pre-activation output. */
const LINEAR: ActivationLike = { getClassName: () => 'linear', apply: (x) => x };

/**
 * Fused kernels whose gradient tfjs-core does not implement (only linear and relu are): for
 * these we run the layer unfused and apply its activation ourselves.
 */
const FUSED_WITHOUT_GRADIENT = new Set(['elu']);

/** The part of a model's graph to run: from these inputs to these outputs. */
export type GraphView = Pick<ContainerLike, 'inputs' | 'outputs'>;

/** A path from the top model down to a layer, through nested models. */
type LayerPath = LayerLike[];

interface EvaluationPlan {
  /** The layer whose output is captured or replaced. */
  target?: LayerPath;
  /** Replace the target's output with this tensor (the head of the split). */
  replaceWith?: tf.Tensor;
  /** Compute the final layer without its softmax / sigmoid (logits). */
  preActivationOutput: boolean;
}

interface Evaluation {
  outputs: tf.Tensor[];
  captured?: tf.Tensor;
}

export function applyLayer(
  layer: LayerLike,
  inputs: tf.Tensor[],
  preActivation: boolean,
): tf.Tensor[] {
  const arg = inputs.length === 1 ? inputs[0] : inputs;
  const activation = layer.activation;
  const unfuse =
    activation !== undefined &&
    (preActivation || FUSED_WITHOUT_GRADIENT.has(activation.getClassName()));
  if (!unfuse) return toArray(layer.apply(arg, { training: false }));
  // Swapping the activation is synchronous, so no other call can observe it.
  layer.activation = LINEAR;
  let out: tf.Tensor[];
  try {
    out = toArray(layer.apply(arg, { training: false }));
  } finally {
    layer.activation = activation;
  }
  return preActivation ? out : out.map((t) => activation.apply(t));
}

function toArray(t: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(t) ? t : [t];
}

/**
 * Runs a (possibly nested) functional or sequential model on concrete tensors by walking its
 * layer graph from the outputs back to the inputs. This lets us capture or replace any layer's
 * output, which `model.predict` cannot do, while branches that bypass the layer (skip
 * connections) are still computed from the input.
 */
/** Layers that only move values: a model's softmax may sit before them (MobileNet's reshape). */
const VALUE_PRESERVING = new Set(['Reshape', 'Flatten', 'Dropout', 'SpatialDropout1D']);

/**
 * The layer that applies the model's output activation: the output layer, or the last layer
 * before a chain of value-preserving layers whose last axis (the classes) stays the same.
 */
export function outputActivationLayer(container: GraphView): LayerLike {
  const output = container.outputs[0];
  const classes = firstShape(output.sourceLayer.outputShape).at(-1);
  let s = output;
  while (VALUE_PRESERVING.has(s.sourceLayer.getClassName())) {
    const node = s.sourceLayer.inboundNodes[s.nodeIndex];
    if (node.inputTensors.length !== 1) break;
    const input = node.inputTensors[0];
    if (container.inputs.some((i) => i.id === input.id)) break;
    if (firstShape(input.sourceLayer.outputShape).at(-1) !== classes) break;
    s = input;
  }
  return s.sourceLayer;
}

function evaluate(container: GraphView, inputs: tf.Tensor[], plan: EvaluationPlan): Evaluation {
  const values = new Map<number, tf.Tensor>();
  container.inputs.forEach((s, i) => values.set(s.id, inputs[i]));
  const [targetHere, ...targetBelow] = plan.target ?? [];
  const finalLayer = outputActivationLayer(container);
  let captured: tf.Tensor | undefined;

  const valueOf = (s: SymbolicTensorLike): tf.Tensor => {
    const known = values.get(s.id);
    if (known) return known;
    const layer = s.sourceLayer;
    const node = layer.inboundNodes[s.nodeIndex];
    const replaced = layer === targetHere && targetBelow.length === 0 && plan.replaceWith;
    // A replaced layer's inputs are not evaluated: the head alone runs, not the body again.
    const args = replaced ? [] : node.inputTensors.map(valueOf);
    const preActivation = plan.preActivationOutput && layer === finalLayer;
    let outs: tf.Tensor[];
    if (replaced) {
      outs = [replaced];
    } else if (layer === targetHere && targetBelow.length === 0) {
      outs = applyLayer(layer, args, false);
      captured = outs[0];
    } else if (isContainer(layer) && (layer === targetHere || preActivation)) {
      const inner = evaluate(layer, args, {
        target: layer === targetHere ? targetBelow : undefined,
        replaceWith: plan.replaceWith,
        preActivationOutput: preActivation,
      });
      outs = inner.outputs;
      captured = captured ?? inner.captured;
    } else {
      outs = applyLayer(layer, args, preActivation);
    }
    node.outputTensors.forEach((o, i) => values.set(o.id, outs[i]));
    return outs[s.tensorIndex];
  };

  const outputs = container.outputs.map(valueOf);
  return { outputs, captured };
}

/** The activation a model's final layer applies, looking through nested models. */
function finalActivation(container: ContainerLike): OutputActivation {
  const last = outputActivationLayer(container);
  if (isContainer(last)) return finalActivation(last);
  const name =
    last.getClassName() === 'Softmax'
      ? 'softmax'
      : (last.activation?.getClassName() ?? String(last.getConfig().activation ?? 'linear'));
  if (name === 'softmax') return 'softmax';
  if (name === 'sigmoid') return 'sigmoid';
  return 'none';
}

function firstShape(shape: LayerLike['outputShape']): number[] {
  const s = Array.isArray(shape[0])
    ? (shape[0] as (number | null)[])
    : (shape as (number | null)[]);
  return s.map((d) => (d == null ? -1 : d));
}

/** Adapter over a tfjs-layers model: sequential, functional (branching, residual) or nested. */
export class LayersModelAdapter implements ModelAdapter {
  readonly format = 'layers' as const;
  readonly inputShape: [number, number, number];
  readonly outputActivation: OutputActivation;
  readonly numOutputs: number;
  private readonly root: ContainerLike;
  private readonly paths = new Map<string, LayerPath>();
  private readonly infos: LayerInfo[] = [];

  constructor(readonly model: LayersModel) {
    this.root = model as unknown as ContainerLike;
    if (this.root.inputs.length !== 1 || this.root.outputs.length !== 1) {
      throw new ExplainError(
        'unsupported-model',
        'This model has several inputs or outputs; RoadCAM explains single-image classifiers.',
        `inputs=${this.root.inputs.length} outputs=${this.root.outputs.length}`,
      );
    }
    const inShape = model.inputs[0].shape;
    if (inShape.length !== 4 || inShape.slice(1).some((d) => d == null)) {
      throw new ExplainError(
        'unsupported-model',
        'This model does not take images of a fixed size ([batch, height, width, channels]).',
        `input shape ${JSON.stringify(inShape)}`,
      );
    }
    this.inputShape = [inShape[1] as number, inShape[2] as number, inShape[3] as number];
    this.outputActivation = finalActivation(this.root);
    const outShape = model.outputs[0].shape;
    this.numOutputs = (outShape[outShape.length - 1] as number | null) ?? 1;
    this.collect(this.root, []);
  }

  private collect(container: ContainerLike, prefix: LayerPath): void {
    for (const layer of container.layers) {
      if (layer.getClassName() === 'InputLayer') continue;
      const path = [...prefix, layer];
      if (isContainer(layer)) {
        this.collect(layer, path);
      }
      if (this.paths.has(layer.name)) continue; // first occurrence wins for shared names
      this.paths.set(layer.name, path);
      const outputShape = firstShape(layer.outputShape);
      this.infos.push({
        name: layer.name,
        kind: layer.getClassName(),
        outputShape,
        spatial: isSpatialShape(outputShape),
      });
    }
  }

  listLayers(): LayerInfo[] {
    return this.infos.map((l) => ({ ...l, outputShape: [...l.outputShape] }));
  }

  defaultTargetLayer(): string {
    // Nested models are listed after their inner layers, so skip container entries: their
    // output is the same tensor as their last inner layer's.
    const candidates = this.infos.filter(
      (l) => l.spatial && !isContainer(this.paths.get(l.name)!.at(-1)!),
    );
    const last = candidates.at(-1);
    if (!last) throw noSpatialLayer(this.infos);
    return last.name;
  }

  layer(name: string): LayerInfo {
    return findLayer(this.infos, name);
  }

  private path(name: string): LayerPath {
    this.layer(name);
    return this.paths.get(name)!;
  }

  predict(x: tf.Tensor4D): ModelOutputs {
    checkInputShape(x, this.inputShape);
    return tf.tidy(() => {
      const { outputs } = evaluate(this.root, [x], { preActivationOutput: true });
      return outputsFromLogits(outputs[0], this.outputActivation);
    });
  }

  activations(x: tf.Tensor4D, layerName: string): tf.Tensor {
    checkInputShape(x, this.inputShape);
    const target = this.path(layerName);
    return tf.tidy(() => {
      const { captured } = evaluateUpTo(this.root, x, target);
      return captured;
    });
  }

  activationsAndOutputs(
    x: tf.Tensor4D,
    layerName: string,
  ): { activations: tf.Tensor; outputs: ModelOutputs } {
    checkInputShape(x, this.inputShape);
    const target = this.path(layerName);
    return tf.tidy(() => {
      const { outputs, captured } = evaluate(this.root, [x], {
        target,
        preActivationOutput: true,
      });
      if (!captured) throw new Error(`layer ${layerName} was not reached`);
      return {
        activations: captured,
        outputs: outputsFromLogits(outputs[0], this.outputActivation),
      };
    });
  }

  headFrom(layerName: string, activations: tf.Tensor, x: tf.Tensor4D): ModelOutputs {
    const target = this.path(layerName);
    return tf.tidy(() => {
      const { outputs } = evaluate(this.root, [x], {
        target,
        replaceWith: activations,
        preActivationOutput: true,
      });
      return outputsFromLogits(outputs[0], this.outputActivation);
    });
  }

  weightedLayers(): string[] {
    return this.infos
      .map((l) => this.paths.get(l.name)!.at(-1)!)
      .filter(
        (layer) => !isContainer(layer) && layer.weights.some((w) => isKernelWeight(w.originalName)),
      )
      .map((layer) => layer.name);
  }

  randomizeWeights(layerNames: string[], seed = 1): () => void {
    const saved: { layer: LayerLike; weights: tf.Tensor[] }[] = [];
    for (const name of layerNames) {
      const layer = this.path(name).at(-1)!;
      // getWeights() hands out the variables' own tensors: clone before overwriting.
      const original = layer.getWeights().map((w) => tf.clone(w));
      const noisy = original.map((w, i) =>
        isKernelWeight(layer.weights[i].originalName) ? noiseLike(w, seed++) : tf.clone(w),
      );
      layer.setWeights(noisy);
      tf.dispose(noisy);
      saved.push({ layer, weights: original });
    }
    return () => {
      for (const { layer, weights } of saved.reverse()) {
        layer.setWeights(weights);
        tf.dispose(weights);
      }
    };
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Evaluates only what the target layer needs (not the rest of the network). */
function evaluateUpTo(
  root: ContainerLike,
  x: tf.Tensor,
  target: LayerPath,
): { captured: tf.Tensor } {
  // Build a container-like view whose single output is the target layer's output tensor.
  let container: ContainerLike = root;
  let inputs: tf.Tensor[] = [x];
  for (let depth = 0; depth < target.length; depth++) {
    const layer = target[depth];
    const outTensor = findOutputIn(container, layer);
    if (!outTensor) throw new Error(`layer ${layer.name} is not reachable`);
    if (depth === target.length - 1) {
      const view = { inputs: container.inputs, outputs: [outTensor] };
      return { captured: evaluate(view, inputs, { preActivationOutput: false }).outputs[0] };
    }
    // Descend into the nested model: compute its inputs in the outer graph first.
    const node = layer.inboundNodes[outTensor.nodeIndex];
    const view = { inputs: container.inputs, outputs: node.inputTensors };
    inputs = evaluate(view, inputs, { preActivationOutput: false }).outputs;
    container = layer as ContainerLike;
  }
  throw new Error('empty layer path');
}

/** The symbolic output of `layer` as it is used inside `container`'s graph. */
function findOutputIn(container: GraphView, layer: LayerLike): SymbolicTensorLike | undefined {
  const seen = new Set<number>();
  const stack = [...container.outputs];
  while (stack.length) {
    const s = stack.pop()!;
    if (seen.has(s.id)) continue;
    seen.add(s.id);
    if (s.sourceLayer === layer) return s;
    if (container.inputs.some((i) => i.id === s.id)) continue;
    stack.push(...s.sourceLayer.inboundNodes[s.nodeIndex].inputTensors);
  }
  return undefined;
}
