/**
 * A layers model run from its model.json and weights alone, without tfjs-layers: the topology
 * read as data (layers-topology.ts) and run as a program of plain tfjs-core ops, one node per
 * layer, so every layer's output can be read or replaced and every op has its gradient. Its
 * compiled form (compileLayersJson) is what the app's worker runs: the worker then never loads
 * or builds tfjs-layers, which was a fifth of its cold start. A model with any layer outside
 * the known set throws CompileError here; the loader then builds it with tfjs-layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  checkInputShape,
  isKernelWeight,
  isSpatialShape,
  findLayer,
  noiseLike,
  noSpatialLayer,
  outputsFromLogits,
} from '../adapters/common';
import type { LayerInfo, ModelAdapter, ModelOutputs, OutputActivation } from '../adapters/types';
import { CompileError } from './compile-error';
import { CompiledModelAdapter } from './compiled-adapter';
import { readLayersJson, type JsonReading, type WeightMap } from './from-layers-json';
import { readLayersTopology, type LayersTopology } from './layers-topology';
import { activate, Program } from './program';

const WEIGHTED = new Set(['Conv2D', 'DepthwiseConv2D', 'Dense']);

export class LayersJsonAdapter implements ModelAdapter {
  readonly format = 'layers' as const;
  readonly inputShape: [number, number, number];
  readonly outputActivation: OutputActivation;
  readonly numOutputs: number;
  private readonly infos: LayerInfo[];
  /** The final layer's activation, which the program leaves out (its value is the logits). */
  private readonly finalActivation: string;
  /** The final layer and the layers after it that only move its values (to the output). */
  private readonly activatedLayers = new Set<string>();
  private reading: (JsonReading & { program: Program }) | undefined;

  /** Throws CompileError when the model is outside what the program runs; owns `weights`. */
  constructor(
    readonly topology: LayersTopology,
    private readonly weights: WeightMap,
  ) {
    const layers = new Map(topology.layers.map((l) => [l.name, l]));
    const inShape = layers.get(topology.input)!.outputShape;
    if (inShape.length !== 4 || inShape.slice(1).some((d) => d < 0)) {
      throw new CompileError(`input shape ${JSON.stringify(inShape)}`);
    }
    this.inputShape = [inShape[1], inShape[2], inShape[3]];
    const activation = String(layers.get(topology.finalLayer)!.config.activation ?? 'linear');
    this.finalActivation = activation;
    this.outputActivation =
      activation === 'softmax' ? 'softmax' : activation === 'sigmoid' ? 'sigmoid' : 'none';
    for (let name = topology.output; ; name = layers.get(name)!.inputs[0]) {
      this.activatedLayers.add(name);
      if (name === topology.finalLayer) break;
    }
    const outShape = layers.get(topology.output)!.outputShape;
    this.numOutputs = Math.max(1, outShape.at(-1) ?? 1);
    this.infos = topology.layers
      .filter((l) => l.name !== topology.input)
      .map((l) => ({
        name: l.name,
        kind: l.className,
        outputShape: [...l.outputShape],
        spatial: isSpatialShape(l.outputShape),
      }));
    // Read now: it checks every weight, and a split's first run does not leave new tensors.
    this.programFor();
  }

  /** The graph of this model's current weights (what the compiled adapter compiles). */
  read(keep: Set<string>): JsonReading {
    return readLayersJson(this.topology, this.weights, keep);
  }

  listLayers(): LayerInfo[] {
    return this.infos.map((l) => ({ ...l, outputShape: [...l.outputShape] }));
  }

  defaultTargetLayer(): string {
    const last = this.infos.filter((l) => l.spatial).at(-1);
    if (!last) throw noSpatialLayer(this.infos);
    return last.name;
  }

  layer(name: string): LayerInfo {
    return findLayer(this.infos, name);
  }

  predict(x: tf.Tensor4D): ModelOutputs {
    checkInputShape(x, this.inputShape);
    const program = this.programFor();
    return tf.tidy(() => {
      const [logits] = program.fromInput(x, [program.graph.output]);
      return outputsFromLogits(logits, this.outputActivation);
    });
  }

  activations(x: tf.Tensor4D, layerName: string): tf.Tensor {
    checkInputShape(x, this.inputShape);
    this.layer(layerName);
    const program = this.programFor();
    return tf.tidy(() =>
      this.asLayerOutput(layerName, program.fromInput(x, [program.valueOf(layerName)!])[0]),
    );
  }

  activationsAndOutputs(
    x: tf.Tensor4D,
    layerName: string,
  ): { activations: tf.Tensor; outputs: ModelOutputs } {
    checkInputShape(x, this.inputShape);
    this.layer(layerName);
    const program = this.programFor();
    return tf.tidy(() => {
      const [activations, logits] = program.fromInput(x, [
        program.valueOf(layerName)!,
        program.graph.output,
      ]);
      return {
        activations: this.asLayerOutput(layerName, activations),
        outputs: outputsFromLogits(logits, this.outputActivation),
      };
    });
  }

  /**
   * Asked for the final layer or one after it, give what the layer itself outputs (its
   * activation applied to the program's logits), as tfjs-layers does.
   */
  private asLayerOutput(layerName: string, value: tf.Tensor): tf.Tensor {
    if (!this.activatedLayers.has(layerName) || this.finalActivation === 'linear') return value;
    return activate(value, this.finalActivation);
  }

  headFrom(layerName: string, activations: tf.Tensor, x: tf.Tensor4D): ModelOutputs {
    this.layer(layerName);
    const program = this.programFor();
    return tf.tidy(() => {
      const given = new Map([
        [program.graph.input, x as tf.Tensor],
        [program.valueOf(layerName)!, activations],
      ]);
      const [logits] = program.run(given, [program.graph.output]);
      return outputsFromLogits(logits, this.outputActivation);
    });
  }

  weightedLayers(): string[] {
    return this.infos.filter((l) => WEIGHTED.has(l.kind)).map((l) => l.name);
  }

  randomizeWeights(layerNames: string[], seed = 1): () => void {
    const saved: [string, tf.Tensor][] = [];
    for (const name of layerNames) {
      this.layer(name);
      // In the model.json's order (kernel, then bias), as the tfjs-layers adapter's seeds go.
      for (const [key, tensor] of [...this.weights]) {
        if (!key.startsWith(`${name}/`) || !isKernelWeight(key)) continue;
        saved.push([key, tensor]);
        // Kept: a caller's tidy must not free the model's weights.
        this.weights.set(key, tf.keep(noiseLike(tensor, seed++)));
      }
    }
    // The programs see the new tensors (isFresh) and read the graph again.
    return () => {
      for (const [key, original] of saved.reverse()) {
        this.weights.get(key)?.dispose();
        this.weights.set(key, original);
      }
    };
  }

  dispose(): void {
    this.reading?.program.dispose();
    this.reading = undefined;
    tf.dispose([...this.weights.values()]);
    this.weights.clear();
  }

  /** The one-node-per-layer program of the current weights. */
  private programFor(): Program {
    if (this.reading && !this.reading.isFresh()) {
      this.reading.program.dispose();
      this.reading = undefined;
    }
    if (!this.reading) {
      const reading = this.read(new Set(this.infos.map((l) => l.name)));
      // Read inside a caller's tidy or tf.grad at times: the weights must outlive it.
      for (const t of reading.graph.owned) tf.keep(t);
      this.reading = { ...reading, program: new Program(reading.graph) };
    }
    return this.reading.program;
  }
}

/**
 * The model in these artifacts, compiled, without tfjs-layers. Throws CompileError when any
 * part of it is outside the known layers (the caller then uses tfjs-layers).
 */
export function compileLayersJson(artifacts: tf.io.ModelArtifacts): CompiledModelAdapter {
  const topology = readLayersTopology(artifacts.modelTopology);
  if (!artifacts.weightData || !artifacts.weightSpecs) throw new CompileError('no weights');
  const weights: WeightMap = new Map(
    Object.entries(tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs)).map(
      ([name, tensor]) => [name, tf.keep(tensor)],
    ),
  );
  let source: LayersJsonAdapter;
  try {
    source = new LayersJsonAdapter(topology, weights);
  } catch (error) {
    tf.dispose([...weights.values()]);
    throw error;
  }
  try {
    return CompiledModelAdapter.compile(source, (keep) => source.read(keep));
  } catch (error) {
    source.dispose();
    throw error;
  }
}
