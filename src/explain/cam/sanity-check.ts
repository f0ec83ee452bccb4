/**
 * The model-parameter randomisation test (Adebayo et al. 2018, "Sanity Checks for Saliency
 * Maps"): randomise the weights layer by layer from the top, recompute the map each time, and
 * measure its Spearman rank correlation with the original. An explanation that stays the same
 * when the model's learned weights are gone explains the input, not the model.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ModelAdapter } from '../adapters/types';
import { spearmanRankCorrelation } from '../metrics/rank-correlation';
import type { Target } from '../targets';
import { computeCam, type CamMethodName } from './compute-cam';

export interface RandomizationStep {
  /** The layer randomised at this step (on top of all those before it). */
  layer: string;
  /** Spearman rank correlation of the map with the trained model's map, per example. */
  spearman: number[];
}

export interface RandomizationCheckOptions {
  target: Target;
  method?: CamMethodName;
  layer?: string;
  /** How many weighted layers to randomise, from the top (default 3). */
  topLayers?: number;
  seed?: number;
}

export async function parameterRandomizationCheck(
  adapter: ModelAdapter,
  x: tf.Tensor4D,
  options: RandomizationCheckOptions,
): Promise<RandomizationStep[]> {
  const { target, method, layer } = options;
  const original = await computeCam(adapter, x, { target, method, layer });
  const cascade = adapter
    .weightedLayers()
    .reverse()
    .slice(0, options.topLayers ?? 3);
  const restores: (() => void)[] = [];
  const steps: RandomizationStep[] = [];
  try {
    for (const [i, name] of cascade.entries()) {
      restores.push(adapter.randomizeWeights([name], (options.seed ?? 1) * 1000 + i * 10));
      const randomized = await computeCam(adapter, x, { target, method, layer });
      steps.push({
        layer: name,
        spearman: randomized.normalized.map((m, k) =>
          spearmanRankCorrelation(original.normalized[k].data, m.data),
        ),
      });
    }
  } finally {
    for (const restore of restores.reverse()) restore();
  }
  return steps;
}
