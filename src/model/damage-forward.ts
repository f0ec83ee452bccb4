/**
 * One forward pass of a road-damage model: each photo's probabilities (its sigmoid outputs, in
 * output order) and its not-a-road score, from the activations of the manifest's notRoad layer
 * (their spatial mean is what the head's global average pool sees). The analysis worker and
 * `npm run eval` both call this, so the app and the evaluation score a photo the same way.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activationsAtLayersOneByOne } from '../explain/adapters/common';
import type { ModelAdapter, ModelOutputs } from '../explain/adapters/types';
import type { NotRoad } from './damage-manifest';
import { notRoadScore, parseNotRoadLayers, type NotRoadStats } from './not-road';

/** The model folder's not-a-road statistics, per layer, with the manifest's threshold. */
export interface NotRoadScorer {
  layers: { layer: string; stats: NotRoadStats; scale: number }[];
  threshold: number;
}

/** The scorer from the stats file's bytes and the manifest's notRoad entry. */
export function notRoadScorerOf(buffer: ArrayBuffer, spec: NotRoad): NotRoadScorer {
  const stats = parseNotRoadLayers(buffer, spec.layers);
  return {
    layers: spec.layers.map((l, i) => ({ layer: l.layer, stats: stats[i], scale: l.scale })),
    threshold: spec.threshold,
  };
}

/** The layers a pass must read: `layer` (e.g. the CAM layer) first, then the scorer's. */
export function forwardLayers(scorer: NotRoadScorer | undefined, layer: string): string[] {
  return [...new Set([layer, ...(scorer?.layers.map((l) => l.layer) ?? [])])];
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
    return await readDamageForward(split, layers, scorer);
  } finally {
    tf.dispose([...split.activations, split.outputs.logits, split.outputs.probabilities]);
  }
}

/**
 * The probabilities and not-a-road scores of a pass already made at `layers` (the caller keeps
 * the tensors: the field app reuses the CAM layer's activations for its heatmaps).
 */
export async function readDamageForward(
  split: LayersSplit,
  layers: readonly string[],
  scorer: NotRoadScorer | undefined,
): Promise<DamageForward> {
  const probs = split.outputs.probabilities;
  const [n, classes] = probs.shape;
  const probData = (await probs.data()) as Float32Array;
  const probabilities = Array.from({ length: n }, (_, i) =>
    probData.slice(i * classes, (i + 1) * classes),
  );
  if (!scorer) return { probabilities, notRoadScores: probabilities.map(() => undefined) };
  // Pooled by tfjs: only the per-channel means leave the backend.
  const pooled = await Promise.all(
    scorer.layers.map(async (l) => {
      const acts = split.activations[layers.indexOf(l.layer)];
      if (!acts) throw new Error(`the pass did not read layer ${l.layer}`);
      const mean = tf.tidy(() => tf.mean(acts, [1, 2]));
      const data = (await mean.data()) as Float32Array;
      mean.dispose();
      return { data, channels: acts.shape[acts.rank - 1] };
    }),
  );
  const notRoadScores = probabilities.map((_, i) =>
    scorer.layers.reduce((sum, l, k) => {
      const { data, channels } = pooled[k];
      return sum + notRoadScore(data.subarray(i * channels, (i + 1) * channels), l.stats) / l.scale;
    }, 0),
  );
  return { probabilities, notRoadScores };
}

/** Not-a-road scores of a batch of model inputs. */
export async function scoreNotRoad(
  adapter: ModelAdapter,
  x: tf.Tensor4D,
  scorer: NotRoadScorer,
): Promise<number[]> {
  const { notRoadScores } = await damageForward(adapter, x, scorer, scorer.layers[0].layer);
  return notRoadScores as number[];
}
