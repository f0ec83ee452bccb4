/**
 * Runs a compiled graph with tfjs-core ops: one fused kernel per convolution (bias and
 * activation included), plain ops for the rest, and the model's own layer or graph node for
 * what the compiler does not know. A run starts from the input and, optionally, from a
 * substituted value (the head of a split), and computes only what the wanted values need.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DirectKernels, hasDirectForm } from './direct-kernels';
import type { IrGraph, IrNode, IrOp } from './ir';

interface Plan {
  nodes: IrNode[];
  /** For each node (same order): the inputs whose last reader it is. */
  lastReads: string[][];
  /** Every node has a direct kernel form (direct-kernels.ts). */
  direct: boolean;
}

function runOp(op: IrOp, inputs: tf.Tensor[]): tf.Tensor {
  const [x] = inputs;
  switch (op.kind) {
    case 'conv2d':
    case 'depthwise': {
      const args = {
        x: x as tf.Tensor4D,
        filter: op.filter,
        strides: op.strides,
        pad: op.pad,
        dataFormat: 'NHWC' as const,
        dilations: op.dilations,
        bias: op.bias,
        activation: op.activation,
        leakyreluAlpha: op.leakyAlpha,
      };
      if (op.kind === 'conv2d') return tf.fused.conv2d(args);
      // The readers give a depthwise op 'same' or 'valid' only (explicit padding stays opaque).
      return tf.fused.depthwiseConv2d({ ...args, pad: op.pad as 'same' | 'valid' });
    }
    case 'matMul':
      return tf.fused.matMul({
        a: x as tf.Tensor2D,
        b: op.weights,
        transposeA: op.transposeA,
        transposeB: op.transposeB,
        bias: op.bias,
        activation: op.activation,
        leakyreluAlpha: op.leakyAlpha,
      });
    case 'affine': {
      let y = x;
      if (op.scale) y = tf.mul(y, op.scale);
      if (op.offset) y = tf.add(y, op.offset);
      return y === x ? tf.clone(x) : y;
    }
    case 'activation':
      return activate(x, op.activation, op.alpha);
    case 'mean':
      return tf.mean(x, op.axes, op.keepDims);
    case 'reshape': {
      const shape = op.shape[0] === -1 ? [x.shape[0], ...op.shape.slice(1)] : op.shape;
      return tf.reshape(x, shape);
    }
    case 'squeeze':
      return tf.squeeze(x, op.axes.length ? op.axes : undefined);
    case 'pool':
      return (op.type === 'max' ? tf.maxPool : tf.avgPool)(
        x as tf.Tensor4D,
        op.size,
        op.strides,
        op.pad,
      );
    case 'pad':
      return tf.pad(x, [[0, 0], ...op.spatial, [0, 0]]);
    case 'binary': {
      const [a, b] =
        op.constant === undefined
          ? [inputs[0], inputs[1]]
          : op.constantIndex === 0
            ? [op.constant, x]
            : [x, op.constant];
      return BINARY[op.op](a, b);
    }
    case 'opaque':
      return op.run(inputs);
    case 'identity':
      return tf.clone(x);
  }
}

const BINARY = {
  add: tf.add,
  sub: tf.sub,
  mul: tf.mul,
  div: tf.div,
  minimum: tf.minimum,
  maximum: tf.maximum,
} as const;

/** One activation as its tfjs-core op. */
export function activate(x: tf.Tensor, name: string, alpha?: number): tf.Tensor {
  switch (name) {
    case 'linear':
      return tf.clone(x);
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'elu':
      return tf.elu(x);
    case 'selu':
      return tf.selu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'leakyrelu':
      return tf.leakyRelu(x, alpha ?? 0.2);
    case 'softmax':
      return tf.softmax(x);
    default:
      throw new Error(`unknown activation ${name}`);
  }
}

/** True while a gradient tape records: intermediates must then live until the backward pass. */
function recordingGradients(): boolean {
  const state = tf.engine().state as unknown as { gradientDepth: number; activeTape: unknown };
  return state.gradientDepth > 0 || state.activeTape != null;
}

/** True inside tf.profile, which sees only kernels run through the engine. */
function profiling(): boolean {
  return (tf.engine().state as unknown as { profiling: boolean }).profiling;
}

export class Program {
  private readonly plans = new Map<string, Plan>();
  /** The backend the weights live on: direct kernel calls cannot move data between backends. */
  private readonly backendName = tf.getBackend();

  constructor(readonly graph: IrGraph) {}

  /** The value id of a layer / node name, when the program keeps it. */
  valueOf(name: string): string | undefined {
    return this.graph.valueOf.get(name);
  }

  /** Computes `wanted` values from the model input alone (run inside tf.tidy). */
  fromInput(x: tf.Tensor, wanted: string[]): tf.Tensor[] {
    return this.run(new Map([[this.graph.input, x]]), wanted);
  }

  /**
   * Computes `wanted` values from `given` ones (the input, and optionally a substituted value).
   * The caller owns the returned tensors; run it inside tf.tidy.
   */
  run(given: Map<string, tf.Tensor>, wanted: string[]): tf.Tensor[] {
    const plan = this.plan([...given.keys()], wanted);
    const keepAlive = recordingGradients();
    if (
      plan.direct &&
      !keepAlive &&
      !profiling() &&
      tf.getBackend() === this.backendName &&
      DirectKernels.available()
    ) {
      return this.runDirect(plan, given, wanted);
    }
    const values = new Map(given);
    const protectedTensors = new Set<tf.Tensor>([...given.values()]);
    for (let i = 0; i < plan.nodes.length; i++) {
      const node = plan.nodes[i];
      const inputs = node.inputs.map((id) => values.get(id)!);
      values.set(node.id, runOp(node.op, inputs));
      if (keepAlive) continue;
      // Free what no later node reads, unless it is wanted, given, or still another value.
      for (const id of plan.lastReads[i]) {
        if (wanted.includes(id)) continue;
        const t = values.get(id)!;
        values.delete(id);
        if (protectedTensors.has(t) || [...values.values()].includes(t)) continue;
        t.dispose();
      }
    }
    return wanted.map((id) => values.get(id)!);
  }

  /** The same plan as direct kernel calls: only the wanted values become tensors. */
  private runDirect(plan: Plan, given: Map<string, tf.Tensor>, wanted: string[]): tf.Tensor[] {
    const kernels = new DirectKernels();
    const values = new Map<string, tf.TensorInfo>(given);
    const made = new Set<tf.TensorInfo>();
    try {
      for (let i = 0; i < plan.nodes.length; i++) {
        const node = plan.nodes[i];
        const out = kernels.run(
          node.op,
          node.inputs.map((id) => values.get(id)!),
        );
        values.set(node.id, out);
        made.add(out);
        for (const id of plan.lastReads[i]) {
          if (wanted.includes(id)) continue;
          const t = values.get(id)!;
          values.delete(id);
          if (made.delete(t)) kernels.free(t);
        }
      }
      const outputs = wanted.map((id) => values.get(id)!);
      outputs.forEach((t) => made.delete(t));
      return outputs.map((t) => kernels.adopt(t));
    } finally {
      made.forEach((t) => kernels.free(t));
    }
  }

  private plan(given: string[], wanted: string[]): Plan {
    const key = `${given.join(',')}|${wanted.join(',')}`;
    const cached = this.plans.get(key);
    if (cached) return cached;
    const byId = new Map(this.graph.nodes.map((n) => [n.id, n]));
    const needed = new Set<string>();
    const stack = [...wanted];
    while (stack.length) {
      const id = stack.pop()!;
      if (needed.has(id) || given.includes(id)) continue;
      const node = byId.get(id);
      if (!node) throw new Error(`the compiled program cannot compute "${id}"`);
      needed.add(id);
      stack.push(...node.inputs);
    }
    const nodes = this.graph.nodes.filter((n) => needed.has(n.id));
    const lastReader = new Map<string, number>();
    nodes.forEach((n, i) => n.inputs.forEach((id) => lastReader.set(id, i)));
    const lastReads = nodes.map(() => [] as string[]);
    for (const [id, i] of lastReader) lastReads[i].push(id);
    const direct =
      nodes.every((n) => hasDirectForm(n.op)) && wanted.every((id) => !given.includes(id));
    const plan = { nodes, lastReads, direct };
    this.plans.set(key, plan);
    return plan;
  }

  /** Kernels one run of the whole program calls (fused ops count once), for the report. */
  get size(): number {
    return this.graph.nodes.length;
  }

  dispose(): void {
    tf.dispose(this.graph.owned);
    this.graph.owned = [];
    this.plans.clear();
  }
}
