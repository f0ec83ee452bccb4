/**
 * One forward pass of a road-damage model: each photo's probabilities (its sigmoid outputs, in
 * output order) and its not-a-road score, from the activations of the manifest's notRoad layer
 * (their spatial mean is what the head's global average pool sees). The analysis worker and
 * `npm run eval` both call this, so the app and the evaluation score a photo the same way.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelAdapter, ModelOutputs } from '../explain/adapters/types';
import type { NotRoad } from './damage-manifest';
import { notRoadScore, parseNotRoadStats, pooledFeatures, type NotRoadStats } from './not-road';

/** The model folder's not-a-road statistics with the manifest's threshold and layer. */
export interface NotRoadScorer {
  stats: NotRoadStats;
  threshold: number;
  layer: string;
}

/** The scorer from the stats file's bytes and the manifest's notRoad entry. */
export function notRoadScorerOf(buffer: ArrayBuffer, spec: NotRoad): NotRoadScorer {
  return { stats: parseNotRoadStats(buffer, spec), threshold: spec.threshold, layer: spec.layer };
}

export interface DamageForward {
  /** Per photo: the model's probabilities. */
  probabilities: Float32Array[];
  /** Per photo: the not-a-road score (undefined without a scorer). */
  notRoadScores: (number | undefined)[];
}

/**
 * `layer` is where the features are read when there is no scorer (the CAM layer will do: the
 * pass is needed for the probabilities anyway).
 */
export async function damageForward(
  adapter: ModelAdapter,
  x: tf.Tensor4D,
  scorer: NotRoadScorer | undefined,
  layer: string,
): Promise<DamageForward> {
  const split = tf.tidy(() => adapter.activationsAndOutputs(x, scorer?.layer ?? layer));
  try {
    return await readDamageForward(split, scorer);
  } finally {
    tf.dispose([split.activations, split.outputs.logits, split.outputs.probabilities]);
  }
}

/**
 * The probabilities and not-a-road scores of a pass already made at the scorer's layer (the
 * caller keeps the tensors: the field app reuses the same activations for its heatmaps).
 */
export async function readDamageForward(
  split: { activations: tf.Tensor; outputs: ModelOutputs },
  scorer: NotRoadScorer | undefined,
): Promise<DamageForward> {
  const acts = split.activations;
  const probs = split.outputs.probabilities;
  const [n, classes] = probs.shape;
  const probData = (await probs.data()) as Float32Array;
  const probabilities = Array.from({ length: n }, (_, i) =>
    probData.slice(i * classes, (i + 1) * classes),
  );
  if (!scorer) return { probabilities, notRoadScores: probabilities.map(() => undefined) };
  const channels = acts.shape[acts.rank - 1];
  const data = (await acts.data()) as Float32Array;
  const per = data.length / n;
  const notRoadScores = probabilities.map((_, i) =>
    notRoadScore(pooledFeatures(data.subarray(i * per, (i + 1) * per), channels), scorer.stats),
  );
  return { probabilities, notRoadScores };
}

/** Not-a-road scores of a batch of model inputs. */
export async function scoreNotRoad(
  adapter: ModelAdapter,
  x: tf.Tensor4D,
  scorer: NotRoadScorer,
): Promise<number[]> {
  const { notRoadScores } = await damageForward(adapter, x, scorer, scorer.layer);
  return notRoadScores as number[];
}
