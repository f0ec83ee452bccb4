/**
 * Activation maximization: gradient ascent on the input image, with Adam, so that the model's
 * response named by an objective (a filter, a unit, a class) grows. Each step renders the images
 * from their parameters, applies random modifiers, normalises them as the model expects, and
 * subtracts the weighted regularisers from the objective. A batch optimises N images for N
 * objectives at once: examples do not interact, and Adam is element-wise, so each image follows
 * the path it would follow alone.
 *
 * Async and cooperative: it gives the event loop a turn every few tens of milliseconds, so that
 * a worker can receive a cancel message, and stops with ExplainError('cancelled') when its
 * AbortSignal fires.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelAdapter } from '../adapters/types';
import { ExplainError } from '../errors';
import type { RgbaImage } from '../heatmap/scalar-map';
import { defaultActmaxOptions, type ActmaxSettings } from './defaults';
import { applyModifiers } from './modifiers';
import { objectiveScores, type Objective } from './objectives';
import { createParameterization, type ImageParameterization } from './parameterization';
import { seededRandom } from './random';

/** The model's normalisation of pixels, as in a model manifest: input = (pixel/255 - mean) / std,
 * in the model's channel order ('bgr': the images' RGB reversed first). */
export interface PixelNormalization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly channelOrder?: 'rgb' | 'bgr';
}

/** Turns images in 0..1 [N, H, W, C] into the model's input. */
export type ModelInputFn = (pixels01: tf.Tensor4D) => tf.Tensor4D;

export interface ActmaxOptions extends Partial<ActmaxSettings> {
  /** How images in 0..1 become model input: the manifest's normalisation, or a function. */
  modelInput: PixelNormalization | ModelInputFn;
  /** Seed of the initial parameters and of the modifiers' draws (default 1). */
  seed?: number;
  /** 'decorrelated': exponent of the 1/frequency scaling (default 1). */
  decayPower?: number;
  /** 'decorrelated', RGB: decorrelate colour (default true). */
  decorrelateColour?: boolean;
  /** Called after every step with the mean objective of the batch at that step. */
  onProgress?: (step: number, total: number, objectiveValue: number) => void;
  /** Stops the run with ExplainError('cancelled'). */
  signal?: AbortSignal;
  /** Longest time between two turns given to the event loop, in ms (default 30). */
  yieldEveryMs?: number;
}

export interface ActmaxResult {
  /** What was maximised ("filter 3 of conv_pw_1"). */
  objective: string;
  /** The final image, opaque RGBA 0..255 (grey models: R = G = B). */
  image: RgbaImage;
  /** The image the run started from. */
  startImage: RgbaImage;
  /** The objective on `startImage` and on `image` (as returned, untransformed). */
  startValue: number;
  endValue: number;
  /** The objective at each step, on that step's randomly transformed image. */
  history: number[];
  steps: number;
}

function checkSettings(s: ActmaxSettings): void {
  if (!Number.isInteger(s.steps) || s.steps < 1 || s.steps > 100_000) {
    throw new ExplainError(
      'bad-argument',
      `The number of steps must be a whole number from 1 to 100000; got ${s.steps}.`,
    );
  }
  if (!Number.isFinite(s.learningRate) || s.learningRate <= 0) {
    throw new ExplainError(
      'bad-argument',
      `The learning rate must be a positive number; got ${s.learningRate}.`,
    );
  }
  if (!Number.isFinite(s.initScale) || s.initScale < 0) {
    throw new ExplainError(
      'bad-argument',
      `The initial scale must be a number of at least 0; got ${s.initScale}.`,
    );
  }
}

/** The normalisation of src/model/preprocess.ts (normalizePixels), on images in 0..1. */
export function normalizationInput(
  normalization: PixelNormalization,
  channels: number,
): ModelInputFn {
  const pick = (values: readonly number[], what: string) => {
    if (values.length === 1) return [values[0]];
    if (values.length < channels) {
      throw new ExplainError(
        'bad-argument',
        `The model's normalisation gives ${values.length} ${what} values for ${channels} channels.`,
      );
    }
    return values.slice(0, channels);
  };
  const mean = pick(normalization.mean, 'mean');
  const std = pick(normalization.std, 'std');
  if (std.some((s) => !(s > 0))) {
    throw new ExplainError('bad-argument', 'The normalisation std values must be positive.');
  }
  // The images stay RGB (they are what is shown); only the model sees them reversed.
  const bgr = normalization.channelOrder === 'bgr' && channels === 3;
  return (pixels01) =>
    tf.tidy(() => {
      const ordered = bgr ? tf.reverse(pixels01, -1) : pixels01;
      return tf.div(tf.sub(ordered, tf.tensor1d(mean)), tf.tensor1d(std)) as tf.Tensor4D;
    });
}

/** Adam (Kingma & Ba) on a plain tensor; its moment estimates are freed by dispose(). */
class Adam {
  private m: tf.Tensor | null = null;
  private v: tf.Tensor | null = null;
  private t = 0;
  constructor(
    private readonly learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {}

  /** The parameters after one step down `gradient` (a new tensor; the caller frees the old). */
  step(params: tf.Tensor, gradient: tf.Tensor): tf.Tensor {
    this.t++;
    const { m, v, next } = tf.tidy(() => {
      const m = this.m
        ? tf.add(tf.mul(this.m, this.beta1), tf.mul(gradient, 1 - this.beta1))
        : tf.mul(gradient, 1 - this.beta1);
      const v = this.v
        ? tf.add(tf.mul(this.v, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2))
        : tf.mul(tf.square(gradient), 1 - this.beta2);
      const mHat = tf.div(m, 1 - Math.pow(this.beta1, this.t));
      const vHat = tf.div(v, 1 - Math.pow(this.beta2, this.t));
      const next = tf.sub(
        params,
        tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), this.learningRate),
      );
      return { m, v, next };
    });
    this.dispose();
    this.m = m;
    this.v = v;
    return next;
  }

  dispose(): void {
    this.m?.dispose();
    this.v?.dispose();
    this.m = null;
    this.v = null;
  }
}

function toRgbaImages(bytes: Float32Array | Int32Array | Uint8Array, shape: number[]): RgbaImage[] {
  const [n, h, w, c] = shape;
  const images: RgbaImage[] = [];
  for (let i = 0; i < n; i++) {
    const data = new Uint8ClampedArray(h * w * 4);
    const base = i * h * w * c;
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < 3; k++) data[p * 4 + k] = bytes[base + p * c + (c === 3 ? k : 0)];
      data[p * 4 + 3] = 255;
    }
    images.push({ width: w, height: h, data });
  }
  return images;
}

/** Rethrows a missing gradient as a clear ExplainError; other errors unchanged. */
function explainGradientError(e: unknown): unknown {
  if (e instanceof ExplainError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (
    /gradient function not found|not registered for backend|Cannot compute gradient/i.test(message)
  ) {
    return new ExplainError(
      'no-gradient',
      'This model cannot be differentiated on this device, so its filters cannot be visualised: ' +
        'one of its operations has no gradient here.',
      `${message} (with tfjs-core alone, gradients are registered by importing ` +
        `@tensorflow/tfjs-layers or @tensorflow/tfjs-core/dist/register_all_gradients)`,
    );
  }
  return e;
}

function cancelled(step: number, total: number): ExplainError {
  return new ExplainError(
    'cancelled',
    'Activation maximization was cancelled.',
    `stopped after ${step} of ${total} steps`,
  );
}

/** Optimises one image per objective, all in one batch. */
export async function maximizeActivations(
  adapter: ModelAdapter,
  objectives: readonly Objective[],
  options: ActmaxOptions,
): Promise<ActmaxResult[]> {
  if (objectives.length === 0) {
    throw new ExplainError(
      'bad-argument',
      'Nothing to visualise: the list of objectives is empty.',
    );
  }
  const [h, w, c] = adapter.inputShape;
  const defaults = defaultActmaxOptions(adapter.inputShape);
  const settings: ActmaxSettings = {
    steps: options.steps ?? defaults.steps,
    learningRate: options.learningRate ?? defaults.learningRate,
    parameterization: options.parameterization ?? defaults.parameterization,
    initScale: options.initScale ?? defaults.initScale,
    modifiers: options.modifiers ?? defaults.modifiers,
    regularizers: options.regularizers ?? defaults.regularizers,
  };
  checkSettings(settings);
  for (const objective of objectives) objective.check(adapter);
  const toModel =
    typeof options.modelInput === 'function'
      ? options.modelInput
      : normalizationInput(options.modelInput, c);
  const { signal, onProgress } = options;
  const seed = options.seed ?? 1;
  const yieldEveryMs = options.yieldEveryMs ?? 30;
  const total = settings.steps;
  if (signal?.aborted) throw cancelled(0, total);

  const n = objectives.length;
  const parameterization: ImageParameterization = createParameterization(
    settings.parameterization,
    [n, h, w, c],
    {
      initScale: settings.initScale,
      decayPower: options.decayPower,
      decorrelateColour: options.decorrelateColour,
    },
  );
  const random = seededRandom(seed ^ 0x5bd1e995);
  const adam = new Adam(settings.learningRate);
  let params: tf.Tensor | null = null;

  /** The images as returned (rounded to bytes) and the objective on them, untransformed. */
  const evaluate = async (p: tf.Tensor) => {
    const { bytes, scores } = tf.tidy(() => {
      const bytes = tf.round(tf.mul(parameterization.render(p), 255));
      const scores = objectiveScores(
        adapter,
        objectives,
        toModel(tf.div(bytes, 255) as tf.Tensor4D),
      );
      return { bytes, scores };
    });
    try {
      return {
        images: toRgbaImages((await bytes.data()) as Float32Array, bytes.shape),
        values: Array.from(await scores.data()),
      };
    } finally {
      tf.dispose([bytes, scores]);
    }
  };

  const loss = (p: tf.Tensor, keepScores: (s: tf.Tensor1D) => void) => {
    const images = parameterization.render(p);
    const transformed = applyModifiers(images, settings.modifiers, random);
    const scores = objectiveScores(adapter, objectives, toModel(transformed));
    keepScores(tf.keep(scores));
    let value = tf.neg(tf.sum(scores));
    for (const regularizer of settings.regularizers) {
      if (regularizer.weight === 0) continue;
      value = tf.add(value, tf.mul(tf.sum(regularizer.penalty(images)), regularizer.weight));
    }
    return value as tf.Scalar;
  };

  try {
    params = parameterization.init(seed);
    const start = await evaluate(params);
    const history: number[][] = objectives.map(() => []);
    let lastYield = Date.now();
    for (let step = 0; step < total; step++) {
      const kept: { scores?: tf.Tensor1D } = {};
      let values: Float32Array;
      try {
        const current: tf.Tensor = params;
        const { value, grad } = tf.valueAndGrad((p: tf.Tensor) =>
          loss(p, (s) => (kept.scores = s)),
        )(current);
        value.dispose();
        params = adam.step(current, grad);
        grad.dispose();
        current.dispose();
        values = (await kept.scores!.data()) as Float32Array;
      } catch (e) {
        throw explainGradientError(e);
      } finally {
        kept.scores?.dispose();
      }
      let sum = 0;
      values.forEach((v, i) => {
        history[i].push(v);
        sum += v;
      });
      onProgress?.(step + 1, total, sum / n);
      if (Date.now() - lastYield >= yieldEveryMs) {
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
        lastYield = Date.now();
      }
      if (signal?.aborted) throw cancelled(step + 1, total);
    }
    const end = await evaluate(params);
    return objectives.map((objective, i) => ({
      objective: objective.description,
      image: end.images[i],
      startImage: start.images[i],
      startValue: start.values[i],
      endValue: end.values[i],
      history: history[i],
      steps: total,
    }));
  } finally {
    params?.dispose();
    adam.dispose();
    parameterization.dispose();
  }
}

/** Optimises one image for one objective. */
export async function maximizeActivation(
  adapter: ModelAdapter,
  objective: Objective,
  options: ActmaxOptions,
): Promise<ActmaxResult> {
  const [result] = await maximizeActivations(adapter, [objective], options);
  return result;
}
