/**
 * A ModelAdapter that runs a compiled program for everything a forward pass does (predict,
 * activations, the forward half of every CAM) and the model's own differentiable head for the
 * gradients (`headFrom`). Layer lists, weight randomisation and the rest go to the adapter it
 * wraps. The program is compiled once per model; a split at a layer that a fusion swallowed
 * runs the model itself. When the model's weights change (training, the sanity check's
 * randomisation) the program is compiled again before the next run.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  activationsAtLayersOneByOne,
  checkInputShape,
  outputsFromLogits,
} from '../adapters/common';
import type { LayerInfo, ModelAdapter, ModelOutputs, Score } from '../adapters/types';
import { CompileError } from './compile-error';
import type { IrGraph } from './ir';
import { findLinearHead, type LinearHead } from './linear-head';
import { optimize, type PassCounts } from './passes';
import { Program } from './program';

/** What the compiler made of a model: for tests, the docs and the lab's model panel. */
export interface CompileReport extends PassCounts {
  /** Ops read from the model, before the passes (a layer with an activation counts two). */
  opsBefore: number;
  /** Ops one inference runs after the passes. */
  ops: number;
  /** Layers / nodes that run as themselves: `name (type)`. */
  fallbacks: string[];
}

interface Compiled {
  program: Program;
  isFresh(): boolean;
  /** Linear heads found so far, by target layer (null: the head is not linear). */
  heads: Map<string, LinearHead | null>;
}

function disposeCompiled({ program, heads }: Compiled): void {
  program.dispose();
  for (const head of heads.values()) head?.weights.dispose();
  heads.clear();
}

/** Reads the model into a graph keeping these layers' outputs (from-layers.ts, from-graph.ts). */
export type ModelReader = (keep: Set<string>) => { graph: IrGraph; isFresh(): boolean };

export class CompiledModelAdapter implements ModelAdapter {
  readonly format: ModelAdapter['format'];
  readonly inputShape: ModelAdapter['inputShape'];
  readonly outputActivation: ModelAdapter['outputActivation'];
  readonly numOutputs: number;
  /** The report of the whole-model program (no layer kept). */
  readonly report: CompileReport;
  /** The compiled program (undefined after its weights went stale, until the next run). */
  private compiled: Compiled | undefined;

  private constructor(
    readonly source: ModelAdapter,
    private readonly read: ModelReader,
    first: Compiled,
    report: CompileReport,
  ) {
    this.format = source.format;
    this.inputShape = source.inputShape;
    this.outputActivation = source.outputActivation;
    this.numOutputs = source.numOutputs;
    this.compiled = first;
    this.report = report;
  }

  /** Compiles `source`; throws CompileError when the model cannot be compiled as a whole. */
  static compile(source: ModelAdapter, read: ModelReader): CompiledModelAdapter {
    const { compiled, report } = compileProgram(read, new Set());
    return new CompiledModelAdapter(source, read, compiled, report);
  }

  /** The whole-model program as compiled now (read-only: for inspection and export). */
  programGraph(): Readonly<IrGraph> {
    return this.programFor().program.graph;
  }

  listLayers(): LayerInfo[] {
    return this.source.listLayers();
  }

  defaultTargetLayer(): string {
    return this.source.defaultTargetLayer();
  }

  layer(name: string): LayerInfo {
    return this.source.layer(name);
  }

  weightedLayers(): string[] {
    return this.source.weightedLayers();
  }

  randomizeWeights(layerNames: string[], seed?: number): () => void {
    // The programs notice the new weights themselves (isFresh) and compile again.
    return this.source.randomizeWeights(layerNames, seed);
  }

  predict(x: tf.Tensor4D): ModelOutputs {
    checkInputShape(x, this.inputShape);
    const { program } = this.programFor();
    return tf.tidy(() => {
      const [logits] = program.fromInput(x, [program.graph.output]);
      return outputsFromLogits(logits, this.outputActivation);
    });
  }

  activations(x: tf.Tensor4D, layerName: string): tf.Tensor {
    checkInputShape(x, this.inputShape);
    this.layer(layerName);
    const program = this.programWith(layerName);
    const id = program?.valueOf(layerName);
    if (!program || id === undefined) return this.source.activations(x, layerName);
    return tf.tidy(() => program.fromInput(x, [id])[0]);
  }

  activationsAndOutputs(
    x: tf.Tensor4D,
    layerName: string,
  ): { activations: tf.Tensor; outputs: ModelOutputs } {
    checkInputShape(x, this.inputShape);
    this.layer(layerName);
    const program = this.programWith(layerName);
    const id = program?.valueOf(layerName);
    if (!program || id === undefined) return this.source.activationsAndOutputs(x, layerName);
    return tf.tidy(() => {
      const [activations, logits] = program.fromInput(x, [id, program.graph.output]);
      return { activations, outputs: outputsFromLogits(logits, this.outputActivation) };
    });
  }

  activationsAtLayersAndOutputs(
    x: tf.Tensor4D,
    layerNames: readonly string[],
  ): { activations: tf.Tensor[]; outputs: ModelOutputs } {
    checkInputShape(x, this.inputShape);
    for (const name of layerNames) this.layer(name);
    const { program } = this.programFor();
    const ids = layerNames.map((name) => program.valueOf(name));
    // A layer a fusion swallowed: one pass per layer (that layer as tfjs runs the model).
    if (ids.some((id) => id === undefined)) return activationsAtLayersOneByOne(this, x, layerNames);
    return tf.tidy(() => {
      const values = program.fromInput(x, [...(ids as string[]), program.graph.output]);
      const logits = values.pop()!;
      return { activations: values, outputs: outputsFromLogits(logits, this.outputActivation) };
    });
  }

  /**
   * The head from `layerName`: compiled, with its constant gradient, when it is pooling and one
   * linear map (linear-head.ts); otherwise the model's own head, differentiated by tf.grad.
   */
  headFrom(layerName: string, activations: tf.Tensor, x: tf.Tensor4D): ModelOutputs {
    const head = this.linearHead(layerName);
    if (!head) return this.source.headFrom(layerName, activations, x);
    return tf.tidy(() => outputsFromLogits(head.run(activations), this.outputActivation));
  }

  /**
   * With a linear head from `layerName`, the gradient needs no second pass through the head:
   * the scores' gradient with respect to the logits of `split` (a tiny graph; the probabilities
   * only when the score reads them), then the head's constant Jacobian.
   */
  headGradient(
    layerName: string,
    split: { activations: tf.Tensor; outputs: ModelOutputs },
    score: Score,
  ): tf.Tensor | undefined {
    const head = this.linearHead(layerName);
    if (!head) return undefined;
    const activation = this.outputActivation;
    return tf.tidy(() => {
      // A score that is one logit per example says its gradient itself (a constant).
      const dy =
        score.logitGradient?.(split.outputs) ??
        tf.grad((logits: tf.Tensor) => {
          const outputs = {
            logits: logits as tf.Tensor2D,
            activation,
            get probabilities() {
              return outputsFromLogits(logits as tf.Tensor2D, activation).probabilities;
            },
          };
          return tf.sum(score(outputs));
        })(split.outputs.logits);
      return head.gradient(dy, split.activations.shape);
    });
  }

  private linearHead(layerName: string): LinearHead | undefined {
    const compiled = this.programFor();
    if (!compiled.heads.has(layerName)) {
      const id = compiled.program.valueOf(layerName);
      const head = id === undefined ? undefined : findLinearHead(compiled.program, id);
      // Made inside the caller's tidy / tf.grad scope: the head keeps its weights.
      if (head) tf.keep(head.weights);
      compiled.heads.set(layerName, head ?? null);
    }
    return compiled.heads.get(layerName) ?? undefined;
  }

  dispose(): void {
    if (this.compiled) disposeCompiled(this.compiled);
    this.compiled = undefined;
    this.source.dispose();
  }

  /**
   * The program, when it computes `layerName`'s output. A layer whose output a fusion swallowed
   * (a convolution before its batch norm) is left to the model as tfjs runs it: a program of
   * its own per such layer would hold a second copy of the weights.
   */
  private programWith(layerName: string): Program | undefined {
    const { program } = this.programFor();
    return program.valueOf(layerName) === undefined ? undefined : program;
  }

  private programFor(): Compiled {
    if (this.compiled && !this.compiled.isFresh()) {
      // Weights were assigned since compiling (training, randomisation): compile again.
      disposeCompiled(this.compiled);
      this.compiled = undefined;
    }
    this.compiled ??= compileProgram(this.read, new Set()).compiled;
    return this.compiled;
  }
}

function compileProgram(
  read: ModelReader,
  keep: Set<string>,
): { compiled: Compiled; report: CompileReport } {
  const { graph, isFresh } = read(keep);
  const opsBefore = graph.nodes.length;
  let counts: PassCounts;
  try {
    counts = optimize(graph);
  } catch (error) {
    tf.dispose(graph.owned);
    throw error;
  }
  // Programs are compiled when first needed, often inside the caller's tf.tidy or tf.grad:
  // their weights must outlive that scope.
  for (const t of graph.owned) tf.keep(t);
  const fallbacks = graph.nodes.flatMap((n) =>
    n.op.kind === 'opaque' ? [`${n.covers.at(-1) ?? n.id} (${n.op.type})`] : [],
  );
  return {
    compiled: { program: new Program(graph), isFresh, heads: new Map() },
    report: { ...counts, opsBefore, ops: graph.nodes.length, fallbacks },
  };
}

/**
 * The fastest equivalent of `source` for inference and CAM: a compiled adapter, or `source`
 * itself when its model cannot be compiled as a whole (several outputs, control flow).
 */
export function compileWith(source: ModelAdapter, read: ModelReader): ModelAdapter {
  try {
    return CompiledModelAdapter.compile(source, read);
  } catch (error) {
    if (error instanceof CompileError) return source;
    throw error;
  }
}
