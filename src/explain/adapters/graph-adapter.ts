import * as tf from '@tensorflow/tfjs-core';
import { registerOp, type GraphModel } from '@tensorflow/tfjs-converter';
import { ExplainError } from '../errors';
import { checkInputShape, isSpatialShape, findLayer, noiseLike, outputsFromLogits } from './common';
import type { LayerInfo, ModelAdapter, ModelOutputs, OutputActivation } from './types';

// The parts of tfjs-converter's internal graph that the adapter reads and rewrites. GraphModel
// keeps them on `executor.graph`; they are stable across the 4.x releases.
export interface GraphNode {
  name: string;
  op: string;
  category: string;
  inputNames: string[];
  inputs: GraphNode[];
  children: GraphNode[];
  attrParams: Record<string, { value: unknown; type: string } | undefined>;
}
export interface ConverterExecutor {
  graph: ConverterGraph;
  weightMap: Record<string, tf.Tensor[]>;
}
export interface ConverterGraph {
  nodes: Record<string, GraphNode>;
  inputs: GraphNode[];
  outputs: GraphNode[];
}

export interface GraphAdapterOptions {
  /** The input node, when the model has several placeholders. */
  inputNode?: string;
  /** The node whose output is the class scores (default: the model's first output). */
  outputNode?: string;
  /** [height, width, channels], when the graph leaves them unknown (-1). */
  inputShape?: [number, number, number];
}

/** Ops whose constant inputs are learned kernels and biases. */
const WEIGHTED_OPS = new Set([
  'Conv2D',
  'DepthwiseConv2dNative',
  'DepthwiseConv2d',
  'MatMul',
  'BiasAdd',
  '_FusedConv2D',
  'FusedDepthwiseConv2dNative',
  '_FusedMatMul',
]);

/** Ops that produce no activation worth listing. */
const SKIPPED_OPS = new Set(['Const', 'Placeholder', 'NoOp', 'Identity']);

export const UNFUSED_OP_PREFIX = 'RoadCAMUnfused';
const FUSED_OPS = ['_FusedConv2D', 'FusedDepthwiseConv2dNative', '_FusedMatMul'];

/**
 * tfjs-core computes the gradient of a fused conv / matmul only for linear and relu activations.
 * Converted models fuse Relu6 (MobileNet), elu, sigmoid, leaky relu and prelu into those ops,
 * which would make tf.grad throw. We re-route such nodes to custom ops that run the same
 * computation unfused (conv + bias, then the activation as its own op, both differentiable).
 */
function registerUnfusedOps(): void {
  for (const op of FUSED_OPS) {
    registerOp(UNFUSED_OP_PREFIX + op, (nodeValue) => {
      const node = (nodeValue as unknown as { node: GraphNode }).node;
      const inputs = nodeValue.inputs as tf.Tensor[];
      return [runUnfused(op, node, inputs)];
    });
  }
}
let unfusedOpsRegistered = false;

function attr<T>(node: GraphNode, name: string, fallback?: T): T {
  const p = node.attrParams[name];
  return (p?.value ?? fallback) as T;
}

function runUnfused(op: string, node: GraphNode, inputs: tf.Tensor[]): tf.Tensor {
  const [extraOp, activation] = attr<string[]>(node, 'fusedOps', []);
  const [x, w, ...args] = inputs;
  const hasBias = extraOp === 'biasadd';
  const bias = hasBias ? args[0] : undefined;
  const preluAlpha = hasBias ? args[1] : args[0];
  let y: tf.Tensor;
  if (op === '_FusedMatMul') {
    y = tf.matMul(
      x as tf.Tensor2D,
      w as tf.Tensor2D,
      attr(node, 'transposeA', false),
      attr(node, 'transposeB', false),
    );
  } else {
    const strides = attr<number[]>(node, 'strides');
    const dilations = attr<number[]>(node, 'dilations', [1, 1, 1, 1]);
    let pad = attr<string>(node, 'pad');
    let explicit:
      [[number, number], [number, number], [number, number], [number, number]] | undefined;
    if (pad === 'explicit') {
      const e = attr<number[]>(node, 'explicitPaddings');
      explicit = [
        [e[0], e[1]],
        [e[2], e[3]],
        [e[4], e[5]],
        [e[6], e[7]],
      ];
      pad = 'valid';
    }
    const padding = (explicit ?? pad) as 'same' | 'valid';
    const s: [number, number] = [strides[1], strides[2]];
    const d: [number, number] = [dilations[1], dilations[2]];
    y =
      op === '_FusedConv2D'
        ? tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, padding, 'NHWC', d)
        : tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, padding, 'NHWC', d);
  }
  if (bias) y = tf.add(y, bias);
  switch (activation) {
    case undefined:
    case 'linear':
      return y;
    case 'relu':
      return tf.relu(y);
    case 'relu6':
      return tf.relu6(y);
    case 'elu':
      return tf.elu(y);
    case 'sigmoid':
      return tf.sigmoid(y);
    case 'leakyrelu':
      return tf.leakyRelu(y, attr(node, 'leakyreluAlpha', 0.2));
    case 'prelu':
      return tf.prelu(y, preluAlpha);
    default:
      throw new ExplainError(
        'no-gradient',
        `This model uses a fused activation (${activation}) that RoadCAM cannot differentiate.`,
        `node ${node.name} (${op})`,
      );
  }
}

function unfuseActivations(graph: ConverterGraph): string[] {
  const rewritten: string[] = [];
  for (const node of Object.values(graph.nodes)) {
    if (!FUSED_OPS.includes(node.op)) continue;
    const activation = attr<string[]>(node, 'fusedOps', [])[1];
    if (activation === undefined || activation === 'linear' || activation === 'relu') continue;
    node.op = UNFUSED_OP_PREFIX + node.op;
    node.category = 'custom';
    rewritten.push(node.name);
  }
  return rewritten;
}

/** Nodes in an order where every node comes after its inputs. */
export function topologicalOrder(graph: ConverterGraph, outputs: GraphNode[]): GraphNode[] {
  const order: GraphNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: { node: GraphNode; expanded: boolean }[] = outputs.map((node) => ({
    node,
    expanded: false,
  }));
  while (stack.length) {
    const top = stack.pop()!;
    const seen = state.get(top.node.name);
    if (seen === 'done') continue;
    if (top.expanded) {
      state.set(top.node.name, 'done');
      order.push(top.node);
      continue;
    }
    if (seen === 'visiting') continue;
    state.set(top.node.name, 'visiting');
    stack.push({ node: top.node, expanded: true });
    for (const input of top.node.inputs) {
      if (state.get(input.name) !== 'done') stack.push({ node: input, expanded: false });
    }
  }
  return order;
}

/** Adapter over a tfjs-converter GraphModel (a TensorFlow SavedModel or frozen graph). */
export class GraphModelAdapter implements ModelAdapter {
  readonly format = 'graph' as const;
  readonly inputShape: [number, number, number];
  readonly outputActivation: OutputActivation;
  readonly numOutputs: number;
  /** Nodes re-routed so that their fused activation has a gradient. */
  readonly unfusedNodes: string[];
  readonly inputName: string;
  /** The node whose output are the scores before a final softmax / sigmoid. */
  readonly logitsNode: string;
  private readonly infos: LayerInfo[];

  private get executor(): ConverterExecutor {
    return (this.model as unknown as { executor: ConverterExecutor }).executor;
  }

  constructor(
    readonly model: GraphModel,
    options: GraphAdapterOptions = {},
  ) {
    const graph = this.executor.graph;
    if (!unfusedOpsRegistered) {
      registerUnfusedOps();
      unfusedOpsRegistered = true;
    }
    this.unfusedNodes = unfuseActivations(graph);

    const input = options.inputNode
      ? graph.nodes[options.inputNode]
      : graph.inputs.length === 1
        ? graph.inputs[0]
        : undefined;
    if (!input) {
      throw new ExplainError(
        'unsupported-model',
        'This graph model has several inputs; name the image input in the manifest (input.inputNode).',
        `inputs: ${graph.inputs.map((n) => n.name).join(', ')}`,
      );
    }
    this.inputName = input.name;
    const declared = (model.inputs.find((i) => i.name === input.name)?.shape ?? []).map((d) =>
      d == null ? -1 : d,
    );
    const shape = options.inputShape ?? (declared.slice(1) as [number, number, number]);
    if (shape.length !== 3 || shape.some((d) => !(d > 0))) {
      throw new ExplainError(
        'unsupported-model',
        'The size of this model’s input images is unknown; give it in the manifest (input.width, ' +
          'input.height, input.channels).',
        `declared input shape ${JSON.stringify(declared)}`,
      );
    }
    this.inputShape = shape;

    const outputNode = options.outputNode ? graph.nodes[options.outputNode] : graph.outputs[0];
    if (!outputNode) {
      throw new ExplainError(
        'unsupported-model',
        `The output node "${options.outputNode}" is not in this graph.`,
      );
    }
    const finalOp = outputNode.op;
    if ((finalOp === 'Softmax' || finalOp === 'Sigmoid') && outputNode.inputs[0]) {
      this.outputActivation = finalOp === 'Softmax' ? 'softmax' : 'sigmoid';
      this.logitsNode = outputNode.inputs[0].name;
    } else {
      this.outputActivation = 'none';
      this.logitsNode = outputNode.name;
    }

    const ordered = topologicalOrder(graph, [outputNode]).filter(
      (n) => !SKIPPED_OPS.has(n.op) && n.name !== this.inputName,
    );
    this.infos = this.measureShapes(ordered);
    const last = this.infos.find((l) => l.name === this.logitsNode);
    this.numOutputs = last ? (last.outputShape.at(-1) ?? 1) : 1;
  }

  /** Output shapes are not stored in the graph: run it once on zeros and read them. */
  private measureShapes(nodes: GraphNode[]): LayerInfo[] {
    return tf.tidy(() => {
      const x = tf.zeros([1, ...this.inputShape]);
      const names = nodes.map((n) => n.name);
      const outs = this.model.execute({ [this.inputName]: x }, names) as tf.Tensor[];
      return nodes.map((n, i) => {
        const outputShape = [...outs[i].shape];
        outputShape[0] = -1;
        return {
          name: n.name,
          kind: n.op.startsWith(UNFUSED_OP_PREFIX) ? n.op.slice(UNFUSED_OP_PREFIX.length) : n.op,
          outputShape,
          spatial: isSpatialShape(outputShape),
        };
      });
    });
  }

  listLayers(): LayerInfo[] {
    return this.infos.map((l) => ({ ...l, outputShape: [...l.outputShape] }));
  }

  defaultTargetLayer(): string {
    const last = this.infos.filter((l) => l.spatial).at(-1);
    if (!last) {
      throw new ExplainError(
        'no-spatial-layer',
        'This model has no node with a spatial (height x width) output, so there is nothing to ' +
          'draw a heatmap from.',
      );
    }
    return last.name;
  }

  layer(name: string): LayerInfo {
    return findLayer(this.infos, name);
  }

  predict(x: tf.Tensor4D): ModelOutputs {
    checkInputShape(x, this.inputShape);
    return tf.tidy(() => {
      const logits = this.model.execute({ [this.inputName]: x }, this.logitsNode) as tf.Tensor;
      return outputsFromLogits(logits, this.outputActivation);
    });
  }

  activations(x: tf.Tensor4D, layerName: string): tf.Tensor {
    checkInputShape(x, this.inputShape);
    this.layer(layerName);
    return this.model.execute({ [this.inputName]: x }, layerName) as tf.Tensor;
  }

  activationsAndOutputs(
    x: tf.Tensor4D,
    layerName: string,
  ): { activations: tf.Tensor; outputs: ModelOutputs } {
    checkInputShape(x, this.inputShape);
    this.layer(layerName);
    return tf.tidy(() => {
      const [activations, logits] = this.model.execute({ [this.inputName]: x }, [
        layerName,
        this.logitsNode,
      ]) as tf.Tensor[];
      return { activations, outputs: outputsFromLogits(logits, this.outputActivation) };
    });
  }

  headFrom(layerName: string, activations: tf.Tensor, x: tf.Tensor4D): ModelOutputs {
    this.layer(layerName);
    return tf.tidy(() => {
      // Feeding an intermediate node makes the executor start there; other branches still
      // come from the image input.
      const logits = this.model.execute(
        { [this.inputName]: x, [layerName]: activations },
        this.logitsNode,
      ) as tf.Tensor;
      return outputsFromLogits(logits, this.outputActivation);
    });
  }

  weightedLayers(): string[] {
    const graph = this.executor.graph;
    return this.infos
      .filter((l) => {
        const node = graph.nodes[l.name];
        const op = node.op.replace(UNFUSED_OP_PREFIX, '');
        return WEIGHTED_OPS.has(op) && node.inputs.some((i) => i.op === 'Const');
      })
      .map((l) => l.name);
  }

  randomizeWeights(layerNames: string[], seed = 1): () => void {
    const executor = this.executor;
    const original = executor.weightMap;
    const replaced: Record<string, tf.Tensor[]> = {};
    for (const name of layerNames) {
      this.layer(name);
      for (const input of this.executor.graph.nodes[name].inputs) {
        if (input.op !== 'Const' || replaced[input.name] || !original[input.name]) continue;
        if (original[input.name][0].dtype !== 'float32') continue;
        replaced[input.name] = [noiseLike(original[input.name][0], seed++)];
      }
    }
    // Assign a new map (not a mutation): the setter records which tensors are weights, so the
    // executor never disposes them as intermediates.
    executor.weightMap = { ...original, ...replaced };
    return () => {
      executor.weightMap = original;
      tf.dispose(Object.values(replaced).flat());
    };
  }

  dispose(): void {
    this.model.dispose();
  }
}
