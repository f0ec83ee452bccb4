/**
 * Activation maximization on the pretrained MobileNet v1 0.25 (224 px RGB) from test/fixtures, on
 * the wasm backend. Few steps, so that the file takes seconds: the figures in docs/actmax.md come
 * from longer runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RgbaImage } from '../../src/explain';
import {
  classLogit,
  defaultActmaxOptions,
  filter,
  maximizeActivations,
  totalVariationPerImage,
  type ActmaxResult,
} from '../../src/explain/actmax';
import type { LoadedModel } from '../../src/model/load-model';
import { imageToModelInput } from '../../src/model/preprocess';
import { readImageRgba } from '../../tools/lib/images';
import { tf, useBackend } from '../../tools/lib/tf-node';
import { loadMobilenet } from '../helpers/mobilenet';
import { fixturePath } from '../helpers/fixtures';

const LAYER = 'conv_pw_3_relu';
const STEPS = 24;

function totalVariationOf(image: RgbaImage): number {
  return tf.tidy(() => {
    const rgba = tf.tensor4d(Float32Array.from(image.data), [1, image.height, image.width, 4]);
    const rgb = tf.div(tf.slice(rgba, [0, 0, 0, 0], [-1, -1, -1, 3]), 255) as tf.Tensor4D;
    return totalVariationPerImage(rgb).dataSync()[0];
  });
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** ACTMAX_REPORT=1 prints the measured figures (for docs/actmax.md); the tests never need it. */
const report = (...args: unknown[]) => {
  if (process.env.ACTMAX_REPORT) console.log('[actmax]', ...args);
};

describe('activation maximization on MobileNet v1 0.25 (wasm backend)', () => {
  let mobilenet: LoadedModel;
  let filters: number[];
  let photoActivation: Float32Array;
  let decorrelated: ActmaxResult[];
  let pixels: ActmaxResult[];

  beforeAll(async () => {
    await useBackend('wasm');
    mobilenet = await loadMobilenet('layers');
    const { adapter, manifest } = mobilenet;
    // Filters with room to grow: conv_pw_3_relu is a ReLU6, so a filter already near 6 on the
    // grey start image cannot grow 5-fold, and some MobileNet 0.25 channels are constant.
    const grey = tf.fill([1, 224, 224, 3], 0) as tf.Tensor4D; // mid-grey in [-1, 1]
    const photo = imageToModelInput(await readImageRgba(fixturePath('images', 'cat.jpg')), {
      ...manifest.input,
    });
    const [onGrey, onPhoto] = tf.tidy(() =>
      [grey, photo].map((x) => tf.mean(adapter.activations(x, LAYER), [0, 1, 2])),
    );
    const greyActivation = onGrey.dataSync();
    photoActivation = onPhoto.dataSync() as Float32Array;
    filters = Array.from({ length: 16 }, (_, k) => k)
      .filter((k) => greyActivation[k] < 0.5 && photoActivation[k] > 0.05)
      .slice(0, 3);
    tf.dispose([grey, photo, onGrey, onPhoto]);
    expect(filters).toHaveLength(3);

    const run = (parameterization: 'decorrelated' | 'pixels') =>
      maximizeActivations(
        adapter,
        filters.map((k) => filter(LAYER, k)),
        {
          modelInput: manifest.input.normalization,
          parameterization,
          steps: STEPS,
          learningRate: 0.1,
        },
      );
    decorrelated = await run('decorrelated');
    pixels = await run('pixels');
  });
  afterAll(() => mobilenet.dispose());

  it('uses the 224 px defaults: decorrelated, with jitter, scale and rotation', () => {
    const defaults = defaultActmaxOptions(mobilenet.adapter.inputShape);
    expect(defaults.parameterization).toBe('decorrelated');
    expect(defaults.modifiers.map((m) => m.name.replace(/\(.*/, ''))).toEqual([
      'jitter',
      'scale',
      'rotate',
      'jitter',
    ]);
  });

  it('raises each chosen filter many-fold from the start image, beyond a real photo', () => {
    decorrelated.forEach((r, i) => {
      report(
        `${r.objective}: start ${r.startValue.toFixed(3)}, end ${r.endValue.toFixed(3)} ` +
          `(x${(r.endValue / r.startValue).toFixed(1)}), cat photo ${photoActivation[filters[i]].toFixed(3)}`,
      );
      expect(r.startValue).toBeGreaterThanOrEqual(0);
      expect(r.endValue).toBeGreaterThan(5 * r.startValue);
      expect(r.endValue).toBeGreaterThan(0.5);
      // The cat photo excites the filter less than its visualisation does.
      expect(r.endValue).toBeGreaterThan(photoActivation[filters[i]]);
      expect(r.history).toHaveLength(STEPS);
    });
  });

  it('the decorrelated parameterisation gives smoother images at comparable activation', () => {
    const tvDecorrelated = decorrelated.map((r) => totalVariationOf(r.image));
    const tvPixels = pixels.map((r) => totalVariationOf(r.image));
    // Comparable: within a factor of 2 of plain pixels' activation, filter by filter.
    decorrelated.forEach((r, i) => {
      report(
        `${r.objective}: decorrelated ${r.endValue.toFixed(3)} TV ${tvDecorrelated[i].toFixed(3)}; ` +
          `pixels ${pixels[i].endValue.toFixed(3)} TV ${tvPixels[i].toFixed(3)}`,
      );
      expect(r.endValue).toBeGreaterThan(0.5 * pixels[i].endValue);
      expect(pixels[i].endValue).toBeGreaterThan(5 * pixels[i].startValue);
    });
    expect(mean(tvDecorrelated)).toBeLessThan(0.85 * mean(tvPixels));
  });

  it('the tiles differ from each other and from the start image', () => {
    const differ = (a: RgbaImage, b: RgbaImage) => {
      let sum = 0;
      for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
      return sum / a.data.length;
    };
    for (const [i, r] of decorrelated.entries()) {
      expect([r.image.width, r.image.height]).toEqual([224, 224]);
      expect(differ(r.image, r.startImage)).toBeGreaterThan(10);
      for (const other of decorrelated.slice(i + 1))
        expect(differ(r.image, other.image)).toBeGreaterThan(10);
    }
  });
});

describe('activation maximization on the graph-format MobileNet (wasm backend)', () => {
  it('raises a filter of a graph node and a class logit, leaking nothing', async () => {
    await useBackend('wasm');
    const mobilenet = await loadMobilenet('graph');
    try {
      const node = mobilenet.adapter
        .listLayers()
        .find((l) => l.spatial && l.name.endsWith('Conv2d_3_pointwise/Relu6'));
      expect(node).toBeDefined();
      // Class 282 of the graph's 1001 outputs (index 0 is "background") is ImageNet's "tabby cat".
      expect(mobilenet.manifest.labels[282 - mobilenet.manifest.labelOffset]).toBe(
        'tabby, tabby cat',
      );
      const before = tf.memory().numTensors;
      const [tile, cat] = await maximizeActivations(
        mobilenet.adapter,
        [filter(node!.name, 1), classLogit(282)],
        { modelInput: mobilenet.manifest.input.normalization, steps: 6, learningRate: 0.1 },
      );
      expect(tf.memory().numTensors).toBe(before);
      expect(tile.endValue).toBeGreaterThan(2 * Math.max(tile.startValue, 0.05));
      expect(cat.endValue).toBeGreaterThan(cat.startValue + 5);
    } finally {
      mobilenet.dispose();
    }
  });
});
