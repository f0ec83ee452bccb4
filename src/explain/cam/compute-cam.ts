/**
 * The shared mechanics of every CAM method: split the model at the target layer, get the
 * activations and (when the method needs them) the gradients of the target score, let the
 * method weigh the channels, then ReLU(sum of weighted channels) and normalise. Methods differ
 * only in `weigh` (methods.ts) — or, for Score-CAM, in how the weights are scored (score-cam.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelAdapter, ModelOutputs } from '../adapters/types';
import { ExplainError } from '../errors';
import { repeatAlong } from '../repeat';
import { normalizeMap } from '../heatmap/normalize';
import type { ScalarMap } from '../heatmap/scalar-map';
import { classLogitEach, type Target } from '../targets';
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

/** Activations at the target layer and the model outputs of the same pass. */
export type LayerSplit = { activations: tf.Tensor; outputs: ModelOutputs };

export async function computeCam(
  adapter: ModelAdapter,
  x: tf.Tensor4D,
  options: CamOptions,
): Promise<CamResult> {
  const methodName = options.method ?? 'gradcam';
  const method = camMethod(methodName);
  const layer = camLayer(adapter, options.layer);
  const { target } = options;

  const started = performance.now();
  let forwardEnd = started;
  const maps = tf.tidy(() => {
    const split = adapter.activationsAndOutputs(x, layer);
    forwardEnd = performance.now();
    return weightedMaps(adapter, split, () => x, {
      layer,
      method,
      target,
      batchSize: options.batchSize,
    });
  });
  return readBack(maps, layer, methodName, started, forwardEnd);
}

export interface CamPerClassOptions {
  method?: CamMethodName;
  /** Output index explained by each map, in order. */
  classes: readonly number[];
  layer?: string;
}

/**
 * Several classes of ONE input [1, H, W, C]: map i explains `classes[i]`. The body runs once;
 * its activations are repeated once per class and only the head runs per class (for a linear
 * head, a matrix product), so six damage types cost about one forward pass, not six. The maps
 * equal computeCam's over the input repeated per class. `split`, when given, is that pass
 * already made at `layer` (the caller keeps it). Score-CAM scores masked inputs, so it takes
 * the repeated input.
 */
export async function computeCamPerClass(
  adapter: ModelAdapter,
  x: tf.Tensor4D,
  options: CamPerClassOptions,
  split?: LayerSplit,
): Promise<CamResult> {
  const methodName = options.method ?? 'gradcam';
  const layer = camLayer(adapter, options.layer);
  const n = options.classes.length;
  if (x.shape[0] !== 1 || n === 0) {
    throw new ExplainError(
      'bad-target',
      `One input and at least one class are needed; got ${x.shape[0]} inputs and ${n} classes.`,
    );
  }
  const target = classLogitEach(options.classes);
  if (methodName === 'scorecam') {
    const repeated = repeatAlong(x, n);
    try {
      return await computeCam(adapter, repeated, { method: methodName, target, layer });
    } finally {
      repeated.dispose();
    }
  }
  const method = camMethod(methodName);
  const started = performance.now();
  let forwardEnd = started;
  const maps = tf.tidy(() => {
    const one = split ?? adapter.activationsAndOutputs(x, layer);
    forwardEnd = performance.now();
    const repeat = <T extends tf.Tensor>(t: T): T => repeatAlong(t, n);
    const repeated: LayerSplit = {
      activations: repeat(one.activations),
      outputs: {
        logits: repeat(one.outputs.logits),
        probabilities: repeat(one.outputs.probabilities),
        activation: one.outputs.activation,
      },
    };
    // The input repeated only if the head needs it: a linear head's gradient does not, and
    // repeating a 256 px photo took about 0.5 ms of a 9 ms per-type CAM on wasm (docs/kernels.md).
    let input: tf.Tensor4D | undefined;
    return weightedMaps(adapter, repeated, () => (input ??= repeat(x)), { layer, method, target });
  });
  return readBack(maps, layer, methodName, started, forwardEnd);
}

type Maps = { cam: tf.Tensor3D; probabilities: tf.Tensor2D; scores: tf.Tensor1D };

/**
 * The skeleton every gradient or activation method shares (call inside tf.tidy): the target's
 * gradients at the layer when the method needs them, the method's channel weights, then
 * ReLU(sum of weighted channels).
 */
function weightedMaps(
  adapter: ModelAdapter,
  split: LayerSplit,
  /** The input of the split's examples, made when first asked for. */
  input: () => tf.Tensor4D,
  options: { layer: string; method: CamMethod; target: Target; batchSize?: number },
): Maps {
  const { layer, method, target } = options;
  const activations = split.activations as tf.Tensor4D;
  let gradients: tf.Tensor4D | null = null;
  if (method.usesGradients) {
    // d(sum of per-example scores)/dA gives each example its own gradient, because examples
    // do not interact in inference mode.
    // A linear head's constant Jacobian when the adapter has it; otherwise through the head.
    gradients = (adapter.headGradient?.(layer, split, target) ??
      tf.grad((a: tf.Tensor) => tf.sum(target(adapter.headFrom(layer, a, input()))))(
        activations,
      )) as tf.Tensor4D;
  }
  const weights = method.weigh(
    { activations, gradients },
    {
      adapter,
      get input() {
        return input();
      },
      layer,
      target,
      batchSize: options.batchSize,
    },
  );
  const cam = tf.relu(tf.sum(tf.mul(weights, activations), 3)) as tf.Tensor3D;
  return { cam, probabilities: split.outputs.probabilities, scores: target(split.outputs) };
}

/** Reads the maps back, one normalised map per example; disposes them. */
async function readBack(
  maps: Maps,
  layer: string,
  methodName: CamMethodName,
  started: number,
  forwardEnd: number,
): Promise<CamResult> {
  const { cam, probabilities, scores } = maps;
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
