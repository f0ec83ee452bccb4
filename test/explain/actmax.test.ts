import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapter, ExplainError, type ModelAdapter, type RgbaImage } from '../../src/explain';
import {
  actmaxGrid,
  classLogit,
  decorrelatedParameterization,
  defaultActmaxOptions,
  dftBaseTensors,
  filter,
  filterGrid,
  halfSpectrumWidth,
  inverseRealDft2d,
  jitter,
  maximizeActivation,
  maximizeActivations,
  normalizationInput,
  objectiveScores,
  parseFilterSelection,
  randomRotate,
  randomScale,
  rotateImages,
  sampleAffine,
  tileImages,
  totalVariationPerImage,
  unit,
  type ActmaxOptions,
} from '../../src/explain/actmax';
import { NORMALIZE_MINUS_ONE_TO_ONE, NORMALIZE_ZERO_TO_ONE } from '../../src/model/manifest';
import { normalizePixels } from '../../src/model/preprocess';
import { presetNormalization } from '../../src/model/normalization-presets';
import { tf, useBackend } from '../../tools/lib/tf-node';
import { mnistExamples, trainedMnistCnn } from './actmax-models';

/** An RGBA image back to a [1, H, W, C] tensor in 0..1 (C = 1 reads the red channel). */
function imageTensor(image: RgbaImage, channels: 1 | 3): tf.Tensor4D {
  return tf.tidy(() => {
    const rgba = tf.tensor4d(Float32Array.from(image.data), [1, image.height, image.width, 4]);
    return tf.div(tf.slice(rgba, [0, 0, 0, 0], [-1, -1, -1, channels]), 255) as tf.Tensor4D;
  });
}

function totalVariationOf(image: RgbaImage, channels: 1 | 3): number {
  return tf.tidy(() => totalVariationPerImage(imageTensor(image, channels)).dataSync()[0]);
}

function meanAbsDifference(a: RgbaImage, b: RgbaImage): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / a.data.length;
}

function expectExplainError(fn: () => unknown, code: string, message: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ExplainError);
    expect((e as ExplainError).code).toBe(code);
    expect((e as ExplainError).message).toMatch(message);
    return;
  }
  throw new Error(`expected ExplainError('${code}')`);
}

async function expectRejects(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ExplainError);
  expect((e as ExplainError).code).toBe(code);
  expect((e as ExplainError).message).toMatch(message);
}

/** A random-weight RGB CNN: conv (linear, then its own ReLU) x 2 -> pool -> dense. */
function randomRgbCnn(size: number): tfl.LayersModel {
  const init = (seed: number) => tfl.initializers.heNormal({ seed });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [size, size, 3],
        filters: 8,
        kernelSize: 3,
        name: 'conv1',
        kernelInitializer: init(1),
      }),
      tfl.layers.reLU({ name: 'conv1_relu' }),
      tfl.layers.conv2d({
        filters: 8,
        kernelSize: 3,
        strides: 2,
        name: 'conv2',
        kernelInitializer: init(2),
      }),
      tfl.layers.reLU({ name: 'conv2_relu' }),
      tfl.layers.globalAveragePooling2d({ name: 'pool' }),
      tfl.layers.dense({
        units: 3,
        activation: 'softmax',
        name: 'out',
        kernelInitializer: init(3),
      }),
    ],
  });
}

describe('activation maximization: building blocks (wasm backend)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('the matrix inverse real 2-D DFT equals the textbook sum, for even and odd sizes', () => {
    for (const [h, w] of [
      [6, 5],
      [8, 8],
      [5, 6],
    ]) {
      const fw = halfSpectrumWidth(w);
      const coefficients = tf.randomNormal([2, fw, 2 * h], 0, 1, 'float32', h * w);
      const bases = dftBaseTensors(h, w);
      const ours = inverseRealDft2d(coefficients as tf.Tensor3D, bases, h, w);
      const c = coefficients.dataSync();
      const got = ours.dataSync();
      let worst = 0;
      for (let b = 0; b < 2; b++) {
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            // numpy irfft2 semantics: c_kx = 1 at DC and Nyquist, 2 elsewhere; Re of the sum.
            let sum = 0;
            for (let kx = 0; kx < fw; kx++) {
              const weight = kx === 0 || 2 * kx === w ? 1 : 2;
              for (let ky = 0; ky < h; ky++) {
                const re = c[(b * fw + kx) * 2 * h + ky];
                const im = c[(b * fw + kx) * 2 * h + h + ky];
                const angle = 2 * Math.PI * ((ky * y) / h + (kx * x) / w);
                sum += weight * (re * Math.cos(angle) - im * Math.sin(angle));
              }
            }
            worst = Math.max(worst, Math.abs(sum / (h * w) - got[(b * h + y) * w + x]));
          }
        }
      }
      expect(worst).toBeLessThan(1e-5);
      tf.dispose([coefficients, ours, ...Object.values(bases)]);
    }
  });

  it('the decorrelated image has the gradient of its plain-matMul formula', () => {
    // The render uses matMuls with hand-written gradients (faster on wasm): check them against
    // tfjs's own gradient of the same computation written with tf.matMul.
    const [n, h, w, c] = [2, 6, 7, 3];
    const param = decorrelatedParameterization([n, h, w, c], { initScale: 0.3 });
    const p = param.init(4);
    const weights = tf.randomNormal([n, h, w, c], 0, 1, 'float32', 9);
    const ours = tf.grad((q: tf.Tensor) => tf.sum(tf.mul(param.render(q), weights)))(p);
    // The same image through a numeric finite difference on a few coefficients.
    const f = (q: tf.Tensor) =>
      tf.tidy(() => tf.sum(tf.mul(param.render(q), weights)).dataSync()[0]);
    const base = p.dataSync();
    const g = ours.dataSync();
    for (const i of [0, 7, 31, base.length - 1]) {
      const eps = 1e-2;
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[i] += eps;
      minus[i] -= eps;
      const tp = tf.tensor(plus, p.shape);
      const tm = tf.tensor(minus, p.shape);
      const numeric = (f(tp) - f(tm)) / (2 * eps);
      tf.dispose([tp, tm]);
      expect(Math.abs(numeric - g[i])).toBeLessThan(2e-3 * Math.max(1, Math.abs(g[i])));
    }
    tf.dispose([p, weights, ours]);
    param.dispose();
  });

  it('resampling shifts exactly, rotates by 90° exactly, and has the exact adjoint as gradient', () => {
    const x = tf.randomUniform([2, 5, 5, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    // A shift by (1, -2): content moves down 1 and left 2; uncovered pixels are grey.
    const shifted = sampleAffine(x, [1, 0, -1, 0, 1, 2]);
    const moved = tf.slice(shifted, [0, 1, 0, 0], [-1, 4, 3, -1]);
    const original = tf.slice(x, [0, 0, 2, 0], [-1, 4, 3, -1]);
    expect(tf.max(tf.abs(tf.sub(moved, original))).dataSync()[0]).toBeLessThan(1e-6);
    expect(Array.from(tf.slice(shifted, [0, 0, 0, 0], [1, 1, -1, -1]).dataSync())).toEqual(
      new Array(15).fill(0.5),
    );
    // 90° counter-clockwise on a square: out[y][x] = in[x][w - 1 - y].
    const rotated = rotateImages(x, 90);
    const expected = tf.reverse(tf.transpose(x, [0, 2, 1, 3]), 1);
    expect(tf.max(tf.abs(tf.sub(rotated, expected))).dataSync()[0]).toBeLessThan(1e-5);
    // The gradient of <S x, v> is S^T v: check <S x, v> = <x, S^T v> for a fractional rotation.
    const v = tf.randomNormal([2, 5, 5, 3], 0, 1, 'float32', 2);
    const sx = rotateImages(x, 17);
    const stv = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(rotateImages(t as tf.Tensor4D, 17), v)))(x);
    const lhs = tf.sum(tf.mul(sx, v)).dataSync()[0];
    const rhs = tf.sum(tf.mul(x, stv)).dataSync()[0];
    // <S x, v> also includes the grey fill, which does not depend on x: remove it.
    const fill = tf.sum(tf.mul(rotateImages(tf.zerosLike(x), 17), v)).dataSync()[0];
    expect(Math.abs(lhs - fill - rhs)).toBeLessThan(1e-3 * Math.max(1, Math.abs(rhs)));
    tf.dispose([x, shifted, moved, original, rotated, expected, v, sx, stv]);
  });

  it('normalises pixels exactly as the model input pipeline does', async () => {
    const model = randomRgbCnn(12);
    const adapter = createAdapter(model);
    const pixels = tf.randomUniform([2, 12, 12, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const normalization = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    const objectives = [filter('conv2', 1), filter('conv2', 4)];
    const viaOptions = tf.tidy(() => {
      const input = tf.div(
        tf.sub(pixels, tf.tensor1d(normalization.mean)),
        tf.tensor1d(normalization.std),
      );
      return objectiveScores(adapter, objectives, input as tf.Tensor4D);
    });
    const viaPipeline = tf.tidy(() =>
      objectiveScores(
        adapter,
        objectives,
        normalizePixels(tf.mul(pixels, 255), normalization) as tf.Tensor4D,
      ),
    );
    const a = viaOptions.dataSync();
    const b = viaPipeline.dataSync();
    expect(Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1])).toBeLessThan(1e-4);
    expect(Math.abs(a[0] - a[1])).toBeGreaterThan(1e-3);
    tf.dispose([pixels, viaOptions, viaPipeline]);
    adapter.dispose();
  });

  it('a BGR (Caffe-style) model: the images stay RGB, the model sees them reversed', () => {
    const caffe = presetNormalization('caffe');
    const pixels = tf.randomUniform([2, 5, 5, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const toModel = normalizationInput(caffe, 3);
    const [viaActmax, viaPipeline, gradient] = tf.tidy(() => [
      toModel(pixels),
      normalizePixels(tf.mul(pixels, 255), caffe),
      // What the model's first input channel (blue) asks of the image: its third channel.
      tf.grad((x) => tf.sum(tf.slice(toModel(x as tf.Tensor4D), [0, 0, 0, 0], [-1, -1, -1, 1])))(
        pixels,
      ),
    ]);
    const a = viaActmax.dataSync();
    const b = viaPipeline.dataSync();
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i])))).toBeLessThan(1e-3);
    const g = gradient.dataSync();
    expect([g[0], g[1], g[2]]).toEqual([0, 0, 255].map((v) => expect.closeTo(v, 3)));
    tf.dispose([pixels, viaActmax, viaPipeline, gradient]);
  });

  it('parses filter selections and rejects bad ones clearly', () => {
    expect(parseFilterSelection('first 4', 16)).toEqual([0, 1, 2, 3]);
    expect(parseFilterSelection('first 40', 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(parseFilterSelection('0-3', 16)).toEqual([0, 1, 2, 3]);
    expect(parseFilterSelection('3, 7,12-14', 16)).toEqual([3, 7, 12, 13, 14]);
    expect(parseFilterSelection('all', 3)).toEqual([0, 1, 2]);
    expect(parseFilterSelection([5, 2], 8)).toEqual([5, 2]);
    expectExplainError(
      () => parseFilterSelection('0-16', 16),
      'bad-target',
      /16 filters \(0 to 15\)/,
    );
    expectExplainError(() => parseFilterSelection([8], 8), 'bad-target', /Filter 8 does not exist/);
    expectExplainError(() => parseFilterSelection('5-2', 8), 'bad-argument', /runs backwards/);
    expectExplainError(() => parseFilterSelection('some', 8), 'bad-argument', /"first 16"/);
  });

  it('tiles images with gaps, in order, enlarged when asked', () => {
    const tile = (v: number): RgbaImage => ({
      width: 2,
      height: 1,
      data: new Uint8ClampedArray([v, v, v, 255, v, v, v, 255]),
    });
    const grid = tileImages([tile(10), tile(20), tile(30)], {
      gap: 1,
      background: 0,
      tileScale: 2,
    });
    // 2 columns of 4 px + 1 px gap; 2 rows of 2 px + 1 px gap.
    expect([grid.width, grid.height]).toEqual([9, 5]);
    const at = (x: number, y: number) => grid.data[(y * grid.width + x) * 4];
    expect([at(0, 0), at(3, 1), at(4, 0), at(5, 0), at(8, 1), at(0, 3), at(5, 3)]).toEqual([
      10, 10, 0, 20, 20, 30, 0,
    ]);
    expect(grid.data.filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
  });

  it('chooses defaults by input size: no rotation and little jitter for 28 px grey', () => {
    const small = defaultActmaxOptions([28, 28, 1]);
    const large = defaultActmaxOptions([224, 224, 3]);
    expect(small.modifiers.map((m) => m.name)).toEqual(['jitter(1)']);
    expect(large.modifiers.map((m) => m.name)).toEqual([
      'jitter(14)',
      'scale(0.9..1.1)',
      'rotate(±5°)',
      'jitter(4)',
    ]);
    expect(large.parameterization).toBe('decorrelated');
    expectExplainError(
      () => defaultActmaxOptions([28, 28, 2]),
      'bad-input-shape',
      /1 \(grey\) or 3/,
    );
  });
});

describe('activation maximization on a small MNIST CNN (wasm backend)', () => {
  let adapter: ModelAdapter;
  let model: tfl.LayersModel;
  const options = (more: Partial<ActmaxOptions> = {}): ActmaxOptions => ({
    modelInput: NORMALIZE_ZERO_TO_ONE,
    ...more,
  });

  beforeAll(async () => {
    await useBackend('wasm');
    const trained = await trainedMnistCnn();
    // A sanity check of the helper, so that a failure below is not a failure to train.
    if (process.env.ACTMAX_REPORT) console.log(`[actmax] MNIST CNN accuracy ${trained.accuracy}`);
    expect(trained.accuracy).toBeGreaterThan(0.8);
    model = trained.model;
    adapter = createAdapter(model);
  });
  afterAll(() => adapter.dispose());

  it('bad requests get clear errors before any work', async () => {
    await expectRejects(
      maximizeActivation(adapter, filter('conv9', 0), options()),
      'unknown-layer',
      /conv9/,
    );
    await expectRejects(
      maximizeActivation(adapter, filter('conv2', 16), options()),
      'bad-target',
      /Filter 16 does not exist: layer "conv2" has 16 filters \(0 to 15\)/,
    );
    await expectRejects(
      maximizeActivation(adapter, filter('dense1', 0), options()),
      'not-spatial-layer',
      /"dense1".*no filters.*dense layer: maximise one of its units/,
    );
    await expectRejects(
      maximizeActivation(adapter, unit('conv1', 0), options()),
      'bad-target',
      /not a dense layer.*filters instead/,
    );
    await expectRejects(
      maximizeActivation(adapter, classLogit(10), options()),
      'bad-target',
      /Class 10 does not exist: this model has 10 classes \(0 to 9\)/,
    );
    await expectRejects(
      maximizeActivation(adapter, filter('conv1', 0), options({ steps: 0 })),
      'bad-argument',
      /steps must be a whole number/,
    );
    await expectRejects(
      filterGrid(adapter, { layer: 'conv1', filters: '4-9', modelInput: NORMALIZE_ZERO_TO_ONE }),
      'bad-target',
      /Filter 9 does not exist: this layer has 8 filters \(0 to 7\)/,
    );
  });

  it('class images: each is seen by the model as its class, starting from flat grey', async () => {
    const steps = 48;
    const grid = await actmaxGrid(
      adapter,
      Array.from({ length: 10 }, (_, k) => classLogit(k)),
      options({ steps }),
    );
    expect(grid.tiles).toHaveLength(10);
    const images = tf.concat(grid.tiles.map((t) => imageTensor(t.image, 1)));
    const predicted = tf.tidy(() =>
      tf.argMax(adapter.predict(images as tf.Tensor4D).probabilities, 1),
    );
    expect(Array.from(predicted.dataSync())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const tile of grid.tiles) {
      expect(tile.endValue).toBeGreaterThan(tile.startValue + 5);
      expect(tile.history).toHaveLength(steps);
      expect(tile.image.data.filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
    }
    tf.dispose([images, predicted]);
  });

  it('filters of conv2: the images excite them more than any of 100 real digits, and are not noise', async () => {
    const filters = [0, 1, 2, 3];
    const steps = 64;
    const results = await maximizeActivations(
      adapter,
      filters.map((k) => filter('conv2', k)),
      options({ steps }),
    );
    // Naive gradient ascent (plain pixels, no transformations, no regularisers) for comparison.
    const naive = await maximizeActivations(
      adapter,
      filters.map((k) => filter('conv2', k)),
      options({ steps, parameterization: 'pixels', modifiers: [], regularizers: [] }),
    );
    const digits = mnistExamples(10, 600);
    const onDigits = tf.tidy(() =>
      tf.max(tf.mean(adapter.activations(digits.x, 'conv2'), [1, 2]), 0),
    );
    const bestDigit = onDigits.dataSync();
    results.forEach((r, i) => {
      if (process.env.ACTMAX_REPORT) {
        console.log(
          `[actmax] MNIST ${r.objective}: start ${r.startValue.toFixed(3)}, end ` +
            `${r.endValue.toFixed(3)}, best of 100 digits ${bestDigit[filters[i]].toFixed(3)}; TV ` +
            `${totalVariationOf(r.image, 1).toFixed(3)} (naive ascent ` +
            `${totalVariationOf(naive[i].image, 1).toFixed(3)}, end ${naive[i].endValue.toFixed(3)})`,
        );
      }
      expect(r.endValue).toBeGreaterThan(bestDigit[filters[i]]);
      expect(r.endValue).toBeGreaterThan(r.startValue);
      // Not noise: smoother than naive ascent, and far from uniform noise (TV about 0.67).
      expect(totalVariationOf(r.image, 1)).toBeLessThan(totalVariationOf(naive[i].image, 1));
      expect(totalVariationOf(r.image, 1)).toBeLessThan(0.5);
    });
    tf.dispose([digits.x, digits.y, onDigits]);
  });

  it('reports progress every step, cancels with a typed error, and leaks no tensor', async () => {
    // Warm-up: the first run creates the adapter's cached tensors.
    await maximizeActivation(adapter, filter('conv1', 0), options({ steps: 2 }));
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    await maximizeActivations(
      adapter,
      [filter('conv1', 0), filter('conv2', 3), unit('dense1', 5), classLogit(2)],
      options({
        steps: 100,
        modifiers: [jitter(2), randomScale(0.9, 1.1), randomRotate(10)],
        onProgress: (step, total, value) => {
          expect(total).toBe(100);
          expect(Number.isFinite(value)).toBe(true);
          seen.push(step);
        },
      }),
    );
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(tf.memory().numTensors).toBe(before);

    const controller = new AbortController();
    let last = 0;
    const run = maximizeActivation(
      adapter,
      filter('conv2', 1),
      options({
        steps: 1000,
        signal: controller.signal,
        onProgress: (step) => {
          last = step;
          if (step === 5) controller.abort();
        },
      }),
    );
    await expectRejects(run, 'cancelled', /cancelled/);
    expect(last).toBe(5);
    expect(tf.memory().numTensors).toBe(before);

    // As in a worker: the cancel arrives as a task of its own (a message), so the run must give
    // the event loop turns while it computes.
    const fromOutside = new AbortController();
    let steps = 0;
    setTimeout(() => fromOutside.abort(), 100);
    await expectRejects(
      maximizeActivation(
        adapter,
        filter('conv2', 1),
        options({ steps: 100_000, signal: fromOutside.signal, onProgress: (s) => (steps = s) }),
      ),
      'cancelled',
      /cancelled/,
    );
    expect(steps).toBeGreaterThan(0);
    expect(steps).toBeLessThan(100_000);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a batch optimises each image as it would alone', async () => {
    // Without random draws, only the start differs, and image i starts from seed + i.
    const settings = options({ steps: 12, modifiers: [] });
    const batch = await maximizeActivations(
      adapter,
      [filter('conv2', 5), unit('dense1', 3)],
      settings,
    );
    const alone = await maximizeActivation(adapter, unit('dense1', 3), { ...settings, seed: 2 });
    expect(meanAbsDifference(batch[1].startImage, alone.startImage)).toBe(0);
    expect(meanAbsDifference(batch[1].image, alone.image)).toBeLessThan(0.5);
    expect(batch[1].endValue).toBeCloseTo(alone.endValue, 3);
    expect(meanAbsDifference(batch[0].image, batch[1].image)).toBeGreaterThan(5);
  });
});

describe('activation maximization on a random-weight RGB CNN (wasm backend)', () => {
  let adapter: ModelAdapter;
  beforeAll(async () => {
    await useBackend('wasm');
    adapter = createAdapter(randomRgbCnn(64));
  });
  afterAll(() => adapter.dispose());

  it('a filter grid: tiles raise their filter, differ from each other and from the start', async () => {
    let lastDone = 0;
    let totalSteps = 0;
    const batches: number[][] = [];
    const grid = await filterGrid(adapter, {
      onTiles: (tiles) => batches.push(tiles.map((t) => t.index)),
      layer: 'conv2',
      filters: 'first 6',
      batchSize: 4,
      steps: 40,
      modelInput: NORMALIZE_MINUS_ONE_TO_ONE,
      onProgress: (done, total) => {
        expect(done).toBeGreaterThan(lastDone);
        lastDone = done;
        totalSteps = total;
      },
    });
    // Two batches (4 + 2) of 40 steps each, reported as one run.
    expect(totalSteps).toBe(80);
    expect(lastDone).toBe(80);
    expect(batches).toEqual([
      [0, 1, 2, 3],
      [4, 5],
    ]);
    expect(grid.tiles.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect([grid.columns, grid.rows]).toEqual([3, 2]);
    expect([grid.image.width, grid.image.height]).toEqual([3 * 64 + 2 * 2, 2 * 64 + 2]);
    for (const [i, tile] of grid.tiles.entries()) {
      expect(tile.endValue).toBeGreaterThan(tile.startValue);
      expect(meanAbsDifference(tile.image, tile.startImage)).toBeGreaterThan(10);
      for (const other of grid.tiles.slice(i + 1)) {
        expect(meanAbsDifference(tile.image, other.image)).toBeGreaterThan(10);
      }
    }
  });

  it('rejects a layout it cannot draw before optimising anything', async () => {
    let progressed = false;
    await expectRejects(
      filterGrid(adapter, {
        layer: 'conv1',
        tileScale: 0,
        modelInput: NORMALIZE_MINUS_ONE_TO_ONE,
        onProgress: () => (progressed = true),
      }),
      'bad-argument',
      /tile scale must be a whole number/,
    );
    expect(progressed).toBe(false);
  });
});
