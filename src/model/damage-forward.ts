/**
 * One forward pass of a road-damage model: each photo's probabilities (its sigmoid outputs, in
 * output order) and its not-a-road score, from the pooled activations of the manifest's notRoad
 * layers: the model's own (read in the same pass), or those of the network the manifest names
 * (the ImageNet MobileNet, a second, smaller pass). The analysis worker, `npm run train` and
 * `npm run eval` all call this, so the app and the tools score a photo the same way.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activationsAtLayersOneByOne } from '../explain/adapters/common';
import type { ModelAdapter, ModelOutputs } from '../explain/adapters/types';
import type { NotRoad } from './damage-manifest';
import {
  neighbourDistance,
  notRoadScore,
  parseNeighbourBank,
  parseNotRoadLayers,
  type NeighbourBank,
  type NotRoadStats,
} from './not-road';

/** The network whose layers the not-a-road score reads, when it is not the model itself. */
export interface NotRoadNetwork {
  adapter: ModelAdapter;
  inputSize: number;
}

/** The model folder's not-a-road check: what it reads, how it scores that, its threshold. */
export interface NotRoadScorer {
  /** The layers read, each pooled as it says. */
  layers: { layer: string; pooling: NotRoadPooling }[];
  /** One photo's score from its pooled features at each of `layers`, in order. */
  distance(pooled: readonly Float32Array[]): number;
  threshold: number;
  /** Absent: the layers are the model's own. */
  network?: NotRoadNetwork;
}

/** Frees the scorer's network, if it has one. */
export function disposeNotRoadScorer(scorer: NotRoadScorer | undefined): void {
  scorer?.network?.adapter.dispose();
}

export type NotRoadPooling = NotRoad['layers'][number]['pooling'];

/** Mahalanobis: the sum over layers of each layer's distance over its scale. */
export function mahalanobisDistance(
  layers: readonly { stats: NotRoadStats; scale: number }[],
): NotRoadScorer['distance'] {
  return (pooled) =>
    layers.reduce((sum, l, i) => sum + notRoadScore(pooled[i], l.stats) / l.scale, 0);
}

/** Nearest neighbours: the layers' features concatenated, against the bank. */
export function nearestNeighboursDistance(
  bank: NeighbourBank,
  neighbours: number,
): NotRoadScorer['distance'] {
  return (pooled) => {
    const features = pooled.length === 1 ? pooled[0] : concatenated(pooled);
    return neighbourDistance(features, bank, neighbours);
  };
}

/** The parts one after the other. */
export function concatenated(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * How the stats file scores a photo (parsed here; throws NotRoadStatsError when the file does
 * not match the manifest's notRoad entry).
 */
export function notRoadDistanceOf(buffer: ArrayBuffer, spec: NotRoad): NotRoadScorer['distance'] {
  if (spec.method === 'nearest-neighbours') {
    const dimensions = spec.layers.reduce((n, l) => n + l.dimensions, 0);
    const bank = parseNeighbourBank(buffer, { fittedOn: spec.fittedOn, dimensions });
    return nearestNeighboursDistance(bank, spec.neighbours);
  }
  const stats = parseNotRoadLayers(buffer, spec.layers);
  return mahalanobisDistance(spec.layers.map((l, i) => ({ stats: stats[i], scale: l.scale })));
}

/**
 * Scores a photo of zeros once: the nearest-neighbour loop runs over half a million values,
 * and its first run, before the JIT has compiled it, took 9 ms against under 1 ms after (Node).
 * Done while wasm starts, a cold start's first photo does not pay for it.
 */
export function warmNotRoadDistance(distance: NotRoadScorer['distance'], spec: NotRoad): void {
  distance(spec.layers.map((l) => new Float32Array(l.dimensions)));
}

/** The scorer of `distance` and the manifest's notRoad entry (with its loaded network). */
export function notRoadScorerFrom(
  distance: NotRoadScorer['distance'],
  spec: NotRoad,
  network?: ModelAdapter,
): NotRoadScorer {
  if (spec.network && !network) {
    throw new Error(`the not-a-road score needs its network (${spec.network.modelUrl})`);
  }
  return {
    layers: spec.layers.map((l) => ({ layer: l.layer, pooling: l.pooling })),
    distance,
    threshold: spec.threshold,
    ...(spec.network && network
      ? { network: { adapter: network, inputSize: spec.network.inputSize } }
      : {}),
  };
}

/**
 * The scorer from the stats file's bytes and the manifest's notRoad entry (with the loaded
 * network when the entry names one).
 */
export function notRoadScorerOf(
  buffer: ArrayBuffer,
  spec: NotRoad,
  network?: ModelAdapter,
): NotRoadScorer {
  return notRoadScorerFrom(notRoadDistanceOf(buffer, spec), spec, network);
}

/**
 * The layers the model's pass must read: `layer` (e.g. the CAM layer) first, then the scorer's
 * when they are the model's own.
 */
export function forwardLayers(scorer: NotRoadScorer | undefined, layer: string): string[] {
  const own = scorer && !scorer.network ? scorer.layers.map((l) => l.layer) : [];
  return [...new Set([layer, ...own])];
}

/** Activations [n, h, w, c] pooled over h and w, as `pooling` says: [n, c] or [n, 2c]. */
export function poolActivations(activations: tf.Tensor, pooling: NotRoadPooling): tf.Tensor2D {
  return tf.tidy(() => {
    if (pooling === 'mean') return tf.mean(activations, [1, 2]) as tf.Tensor2D;
    const { mean, variance } = tf.moments(activations, [1, 2]);
    // The small constant keeps the square root's gradient finite (never needed) and matches
    // the statistics' fit, which pools the same way.
    return tf.concat([mean, tf.sqrt(tf.add(variance, 1e-6))], 1) as tf.Tensor2D;
  });
}

/**
 * Each scorer layer's pooled features of a batch ([n x dimensions] per layer), from `split` (the
 * model's pass at `layers`) or from a pass of the scorer's network over `x` resized to its input.
 */
export async function notRoadFeatures(
  scorer: {
    layers: readonly { layer: string; pooling: NotRoadPooling }[];
    network?: NotRoadNetwork;
  },
  x: tf.Tensor4D,
  split?: { activations: tf.Tensor[]; layers: readonly string[] },
): Promise<Float32Array[]> {
  let own: LayersSplit | undefined;
  let resized: tf.Tensor4D | undefined;
  const names = [...new Set(scorer.layers.map((l) => l.layer))];
  try {
    let activations: tf.Tensor[];
    let at: readonly string[];
    if (scorer.network) {
      const size = scorer.network.inputSize;
      resized =
        x.shape[1] === size && x.shape[2] === size
          ? undefined
          : tf.image.resizeBilinear(x, [size, size]);
      own = activationsAtLayers(scorer.network.adapter, resized ?? x, names);
      activations = own.activations;
      at = names;
    } else {
      if (!split) throw new Error("the not-a-road layers are the model's: pass its activations");
      activations = split.activations;
      at = split.layers;
    }
    // Pooled by tfjs: only the pooled values leave the backend.
    return await Promise.all(
      scorer.layers.map(async (l) => {
        const acts = activations[at.indexOf(l.layer)];
        if (!acts) throw new Error(`the pass did not read layer ${l.layer}`);
        const pooled = poolActivations(acts, l.pooling);
        try {
          return (await pooled.data()) as Float32Array;
        } finally {
          pooled.dispose();
        }
      }),
    );
  } finally {
    resized?.dispose();
    if (own) tf.dispose([...own.activations, own.outputs.logits, own.outputs.probabilities]);
  }
}

/**
 * Activations at several layers and the outputs: in one pass when the adapter can (a compiled
 * model), else one pass per layer (every adapter can).
 */
export function activationsAtLayers(
  adapter: ModelAdapter,
  x: tf.Tensor4D,
  layers: readonly string[],
): LayersSplit {
  return (
    adapter.activationsAtLayersAndOutputs?.(x, layers) ??
    activationsAtLayersOneByOne(adapter, x, layers)
  );
}

export interface LayersSplit {
  /** In the order of the layers asked for. */
  activations: tf.Tensor[];
  outputs: ModelOutputs;
}

export interface DamageForward {
  /** Per photo: the model's probabilities. */
  probabilities: Float32Array[];
  /** Per photo: the not-a-road score (undefined without a scorer). */
  notRoadScores: (number | undefined)[];
}

/**
 * `layer` is read too (e.g. the CAM layer); without a scorer it is the only one (the pass is
 * needed for the probabilities anyway).
 */
export async function damageForward(
  adapter: ModelAdapter,
  x: tf.Tensor4D,
  scorer: NotRoadScorer | undefined,
  layer: string,
): Promise<DamageForward> {
  const layers = forwardLayers(scorer, layer);
  const split = activationsAtLayers(adapter, x, layers);
  try {
    return await readDamageForward(split, layers, scorer, x);
  } finally {
    tf.dispose([...split.activations, split.outputs.logits, split.outputs.probabilities]);
  }
}

/**
 * The probabilities and not-a-road scores of a pass already made over `x` at `layers` (the
 * caller keeps the tensors: the field app reuses the CAM layer's activations for its heatmaps).
 */
export async function readDamageForward(
  split: LayersSplit,
  layers: readonly string[],
  scorer: NotRoadScorer | undefined,
  x: tf.Tensor4D,
): Promise<DamageForward> {
  const probs = split.outputs.probabilities;
  const [n, classes] = probs.shape;
  const probData = (await probs.data()) as Float32Array;
  const probabilities = Array.from({ length: n }, (_, i) =>
    probData.slice(i * classes, (i + 1) * classes),
  );
  if (!scorer) return { probabilities, notRoadScores: probabilities.map(() => undefined) };
  const pooled = await notRoadFeatures(scorer, x, { activations: split.activations, layers });
  return { probabilities, notRoadScores: notRoadScoresOf(scorer, pooled, n) };
}

/** Each photo's score, from each layer's pooled features of the batch ([count x dimensions]). */
export function notRoadScoresOf(
  scorer: Pick<NotRoadScorer, 'distance'>,
  pooled: readonly Float32Array[],
  count: number,
): number[] {
  return Array.from({ length: count }, (_, i) => scorer.distance(photoFeatures(pooled, count, i)));
}

/** Photo `i`'s part of each layer's pooled features of a batch of `count` ([count x dims]). */
export function photoFeatures(
  pooled: readonly Float32Array[],
  count: number,
  i: number,
): Float32Array[] {
  return pooled.map((p) => {
    const d = p.length / count;
    return p.subarray(i * d, (i + 1) * d);
  });
}

/** Not-a-road scores of a batch of model inputs. */
export async function scoreNotRoad(
  adapter: ModelAdapter,
  x: tf.Tensor4D,
  scorer: NotRoadScorer,
): Promise<number[]> {
  if (scorer.network) return notRoadScoresOf(scorer, await notRoadFeatures(scorer, x), x.shape[0]);
  const { notRoadScores } = await damageForward(adapter, x, scorer, scorer.layers[0].layer);
  return notRoadScores as number[];
}
