/**
 * The one [-1, 1] (and [0, 1], and per-channel) input normalisation: src/model's normalizePixels,
 * which the worker reaches through imageToModelInput and the tools through training's and
 * evaluation's inputs.
 */
import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../../src/explain/heatmap/scalar-map';
import {
  modelManifestSchema,
  NORMALIZE_MINUS_ONE_TO_ONE,
  NORMALIZE_ZERO_TO_ONE,
} from '../../src/model/manifest';
import { presetNormalization } from '../../src/model/normalization-presets';
import { imageToModelInput, normalizePixels } from '../../src/model/preprocess';
import { inputTensor } from '../../tools/eval/evaluate';
import { tf, useBackend } from '../../tools/lib/tf-node';

const values = async (t: tf.Tensor) => {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
};

describe('input normalisation (src/model/preprocess.ts)', () => {
  it('[-1, 1]: black is -1, white is 1, mid-grey 0; [0, 1]: pixel / 255', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const pixels = tf.tensor2d([0, 127.5, 255, 51, 102, 204], [2, 3]);
    const minusOne = await values(normalizePixels(pixels, NORMALIZE_MINUS_ONE_TO_ONE));
    expect(minusOne.map((v) => Number(v.toFixed(6)))).toEqual([-1, 0, 1, -0.6, -0.2, 0.6]);
    const zeroOne = await values(normalizePixels(pixels, NORMALIZE_ZERO_TO_ONE));
    expect(zeroOne.map((v) => Number(v.toFixed(6)))).toEqual([0, 0.5, 1, 0.2, 0.4, 0.8]);
    pixels.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('per-channel mean and std apply channel by channel; a grey input takes the first', async () => {
    await useBackend('cpu');
    const imagenet = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    const rgb = tf.tensor2d([[255, 255, 255]]);
    const got = await values(normalizePixels(rgb, imagenet));
    got.forEach((v, c) => expect(v).toBeCloseTo((1 - imagenet.mean[c]) / imagenet.std[c], 5));
    const grey = tf.tensor2d([[255]]);
    expect((await values(normalizePixels(grey, imagenet)))[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    tf.dispose([rgb, grey]);
  });

  it("caffe (Keras' VGG16, ResNet50): BGR with ImageNet's mean pixel subtracted, on both paths", async () => {
    const caffe = presetNormalization('caffe');
    // One pixel R 200, G 100, B 50, as Keras' preprocess_input(mode='caffe') makes it.
    const keras = [50 - 103.939, 100 - 116.779, 200 - 123.68];
    for (const backend of ['cpu', 'wasm'] as const) {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      const data = new Uint8ClampedArray([200, 100, 50, 255, 200, 100, 50, 255]);
      const spec = { channels: 3 as const, resize: 'stretch' as const, normalization: caffe };
      // At the input size (the worker's path) and resized (the tools' path).
      const atSize = await values(
        imageToModelInput({ width: 2, height: 1, data }, { ...spec, width: 2, height: 1 }),
      );
      const resized = await values(
        imageToModelInput({ width: 2, height: 1, data }, { ...spec, width: 1, height: 1 }),
      );
      for (const got of [atSize.slice(0, 3), atSize.slice(3), resized]) {
        got.forEach((v, c) => expect(v).toBeCloseTo(keras[c], 3));
      }
      // A grey input has no channel order: the first mean and std apply to its luma.
      const white = tf.tensor2d([[255]]);
      const grey = await values(normalizePixels(white, caffe));
      white.dispose();
      expect(grey[0]).toBeCloseTo(255 - 103.939, 3);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('the app (imageToModelInput) and evaluation (inputTensor) give the same model input', async () => {
    await useBackend('cpu');
    const before = tf.memory().numTensors;
    const width = 4;
    const height = 2;
    const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37) % 256);
    const rgba = new Uint8ClampedArray(width * height * 4);
    for (let p = 0; p < width * height; p++) {
      rgba.set(rgb.subarray(p * 3, p * 3 + 3), p * 4);
      rgba[p * 4 + 3] = 255;
    }
    const manifest = modelManifestSchema.parse({
      id: 'm',
      version: '1',
      name: 'm',
      task: 'pothole',
      format: 'layers',
      labels: ['normal', 'pothole'],
      input: { width, height, channels: 3, normalization: NORMALIZE_MINUS_ONE_TO_ONE },
      cam: { layer: 'conv' },
    });
    const image = { width, height, data: rgba } as RgbaImage;
    const app = await values(imageToModelInput(image, manifest.input));
    const evaluation = await values(
      inputTensor(
        [{ data: rgb, width, height, originalWidth: width, originalHeight: height }],
        manifest,
      ),
    );
    expect(app).toEqual(evaluation);
    expect(Math.min(...app)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...app)).toBeLessThanOrEqual(1);
    expect(app[0]).toBeCloseTo(-1, 6);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a photo already at the input size gives exactly what slice + same-size resize gave', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      const width = 7;
      const height = 5;
      const data = Uint8ClampedArray.from({ length: width * height * 4 }, (_, i) => (i * 53) % 256);
      const imagenet = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
      const spec = { width, height, channels: 3 as const, resize: 'stretch' as const };
      for (const normalization of [NORMALIZE_MINUS_ONE_TO_ONE, imagenet]) {
        const got = await values(
          imageToModelInput({ width, height, data }, { ...spec, normalization }),
        );
        // The general path, written out: int32 RGBA, RGB slice, bilinear resize at scale 1.
        const expected = await values(
          tf.tidy(() => {
            const rgba = tf.tensor3d(Int32Array.from(data), [height, width, 4], 'int32');
            const rgb = tf.cast(tf.slice(rgba, [0, 0, 0], [height, width, 3]), 'float32');
            const resized = tf.image.resizeBilinear(
              rgb as tf.Tensor3D,
              [height, width],
              false,
              true,
            );
            return tf.expandDims(normalizePixels(resized, normalization), 0);
          }),
        );
        expect(got).toEqual(expected);
      }
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
