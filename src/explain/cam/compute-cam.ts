/**
 * The shared mechanics of every CAM method: split the model at the target layer, get the
 * activations and (when the method needs them) the gradients of the target score, let the
 * method weigh the channels, then ReLU(sum of weighted channels) and normalise. Methods differ
 * only in `weigh` (methods.ts) — or, for Score-CAM, in how the weights are scored (score-cam.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelAdapter } from '../adapters/types';
import { ExplainError } from '../errors';
import { normalizeMap } from '../heatmap/normalize';
import type { ScalarMap } from '../heatmap/scalar-map';
import type { Target } from '../targets';
import { CAM_METHODS, type CamMethod } from './methods';
import { CAM_METHOD_NAMES, type CamMethodName } from './method-names';
import { scoreCam } from './score-cam';

export { CAM_METHOD_NAMES, type CamMethodName } from './method-names';

export interface CamOptions {
  method?: CamMethodName;
  target: Target;
  /** Target layer; default: the adapter's last spatial layer. */
  layer?: string;
  /** Score-CAM only: how many masked images to score per batch. */
  batchSize?: number;
}

export interface CamResult {
  layer: string;
  method: CamMethodName;
  /** Per example: the map at the layer's resolution after ReLU, not normalised. */
  grids: ScalarMap[];
  /** Per example: the map divided by its maximum, 0..1 (all zeros when empty). */
  normalized: ScalarMap[];
  /** Per example: true when the map has no positive evidence (say so; draw nothing). */
  empty: boolean[];
  /** Per example: the model's class probabilities. */
  probabilities: Float32Array[];
  /** Per example: the target's score. */
  scores: number[];
  /** Milliseconds of the forward pass, and of the rest (gradients, weighting, reading back).
   * Exact on backends that run kernels at once (wasm, cpu); on webgl the split is approximate. */
  timings: { forwardMs: number; camMs: number };
}

export function camMethod(name: CamMethodName): CamMethod {
  const method = name === 'scorecam' ? scoreCam : CAM_METHODS.find((m) => m.name === name);
  if (!method) {
    throw new ExplainError(
      'bad-target',
      `Unknown CAM method "${name}". Known methods: ${CAM_METHOD_NAMES.join(', ')}.`,
    );
  }
  return method;
}

/** Resolves the target layer and checks that a heatmap can be drawn from it. */
export function camLayer(adapter: ModelAdapter, layer?: string): string {
  const name = layer ?? adapter.defaultTargetLayer();
  const info = adapter.layer(name);
  if (!info.spatial) {
    const fallback = (() => {
      try {
        return ` The default CAM layer of this model is "${adapter.defaultTargetLayer()}".`;
      } catch {
        return '';
      }
    })();
    throw new ExplainError(
      'not-spatial-layer',
      `Layer "${name}" has output shape ${JSON.stringify(info.outputShape)}, with no height and ` +
        `width, so it cannot carry a heatmap: choose a convolutional layer.${fallback}`,
    );
  }
  return name;
}

export async function computeCam(
  adapter: ModelAdapter,
  x: tf.Tensor4D,
  options: CamOptions,
): Promise<CamResult> {
  const methodName = options.method ?? 'gradcam';
  const method = camMethod(methodName);
  const layer = camLayer(adapter, options.layer);
  const { target } = options;

  // Tensors that must outlive the inner scopes; disposed at the end.
  const started = performance.now();
  let forwardEnd = started;
  const { cam, probabilities, scores } = tf.tidy(() => {
    const split = adapter.activationsAndOutputs(x, layer);
    forwardEnd = performance.now();
    const activations = split.activations as tf.Tensor4D;
    let gradients: tf.Tensor4D | null = null;
    if (method.usesGradients) {
      // d(sum of per-example scores)/dA gives each example its own gradient, because examples
      // do not interact in inference mode.
      gradients = tf.grad((a: tf.Tensor) => tf.sum(target(adapter.headFrom(layer, a, x))))(
        activations,
      ) as tf.Tensor4D;
    }
    const weights = method.weigh(
      { activations, gradients },
      { adapter, input: x, layer, target, batchSize: options.batchSize },
    );
    const cam = tf.relu(tf.sum(tf.mul(weights, activations), 3)) as tf.Tensor3D;
    return { cam, probabilities: split.outputs.probabilities, scores: target(split.outputs) };
  });

  try {
    const [n, h, w] = cam.shape;
    const camData = (await cam.data()) as Float32Array;
    const probData = (await probabilities.data()) as Float32Array;
    const scoreData = await scores.data();
    const classes = probabilities.shape[1];
    const grids: ScalarMap[] = [];
    const normalized: ScalarMap[] = [];
    const empty: boolean[] = [];
    const probs: Float32Array[] = [];
    for (let i = 0; i < n; i++) {
      const grid = { width: w, height: h, data: camData.slice(i * h * w, (i + 1) * h * w) };
      const norm = normalizeMap(grid);
      grids.push(grid);
      normalized.push(norm.map);
      empty.push(norm.empty);
      probs.push(probData.slice(i * classes, (i + 1) * classes));
    }
    return {
      layer,
      method: methodName,
      grids,
      normalized,
      empty,
      probabilities: probs,
      scores: Array.from(scoreData),
      timings: { forwardMs: forwardEnd - started, camMs: performance.now() - forwardEnd },
    };
  } finally {
    tf.dispose([cam, probabilities, scores]);
  }
}
