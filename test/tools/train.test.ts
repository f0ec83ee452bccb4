import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelManifestSchema } from '../../src/model/manifest';
import { seededRng } from '../../tools/data/rng';
import {
  augmentBatch,
  boxAwareCrop,
  DEFAULT_AUGMENT,
  DEFAULT_BOX_CROPS,
  randomCropBoxes,
  type NormalizedBox,
} from '../../tools/data/augment';
import { loadModelDir } from '../../tools/lib/model-dir';
import { tf, useBackend } from '../../tools/lib/tf-node';
import { loadLayersModelFromDir, saveLayersModelToDir } from '../../tools/train/model-files';
import { multiplyAdds } from '../../tools/train/multiply-adds';
import { trainPothole } from '../../tools/train/pothole';
import {
  predictExamples,
  trainClassifier,
  type LabelledExamples,
} from '../../tools/train/train-loop';
import { seedMnistCnn } from '../../tools/train/architectures';
import { tempDir, writeLabelledFolder, writeRoadPhoto } from './synthetic-photos';

/** 16x16 inputs: class 1 has a bright square somewhere, class 0 has none. */
function squares(n: number, seed: number): LabelledExamples {
  const rng = seededRng(seed);
  const side = 16;
  const data = new Float32Array(n * side * side);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let p = 0; p < side * side; p++) data[i * side * side + p] = rng() * 0.3;
    if (labels[i]) {
      const x0 = Math.floor(rng() * 10);
      const y0 = Math.floor(rng() * 10);
      for (let y = y0; y < y0 + 5; y++)
        for (let x = x0; x < x0 + 5; x++) data[i * side * side + y * side + x] = 1;
    }
  }
  return {
    count: n,
    labels,
    inputs: (indices) => {
      const out = new Float32Array(indices.length * side * side);
      indices.forEach((idx, k) =>
        out.set(data.subarray(idx * side * side, (idx + 1) * side * side), k * side * side),
      );
      return tf.tensor4d(out, [indices.length, side, side, 1]);
    },
  };
}

function tinyCnn(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [16, 16, 1],
        filters: 8,
        kernelSize: 3,
        activation: 'relu',
        name: 'conv',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
      }),
      tfl.layers.globalMaxPooling2d({ name: 'pool' }),
      tfl.layers.dense({
        units: 2,
        activation: 'softmax',
        name: 'out',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  });
}

describe('training (wasm backend)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('lowers the loss of a tiny model in a few steps, and leaks no tensor', async () => {
    const model = tinyCnn();
    const train = squares(64, 1);
    const before = predictExamples(model, train, 2).loss;
    const tensors = tf.memory().numTensors;
    const result = await trainClassifier(model, train, squares(16, 2), {
      epochs: 10,
      batchSize: 8,
      learningRate: 0.03,
      patience: 10,
      seed: 1,
      numClasses: 2,
      log: () => {},
    });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(result.history).toHaveLength(10);
    const after = predictExamples(model, train, 2);
    expect(after.loss).toBeLessThan(before * 0.5);
    expect(after.accuracy).toBeGreaterThan(0.9);
    model.dispose();
  });

  it('with box guidance, moves the class activation map into the boxes', async () => {
    // Class 1: a bright square (the "pothole", its box known) and a bright bar along the bottom
    // (a "sign"); class 0: neither. Either one tells the classes apart: a shortcut on offer.
    const side = 16;
    const n = 64;
    const rng = seededRng(4);
    const data = new Float32Array(n * side * side);
    const labels = new Int32Array(n);
    const cells = new Float32Array(n * 4 * 4);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 2;
      const img = data.subarray(i * side * side, (i + 1) * side * side);
      for (let p = 0; p < img.length; p++) img[p] = rng() * 0.2;
      if (labels[i]) {
        for (let x = 0; x < side; x++) img[15 * side + x] = 1;
        const [cx, cy] = [Math.floor(rng() * 3), Math.floor(rng() * 3)];
        for (let y = cy * 4; y < cy * 4 + 4; y++)
          for (let x = cx * 4; x < cx * 4 + 4; x++) img[y * side + x] = 1;
        cells[i * 16 + cy * 4 + cx] = 1;
      }
    }
    const examples: LabelledExamples = {
      count: n,
      labels,
      inputs: (idx) => {
        const out = new Float32Array(idx.length * side * side);
        idx.forEach((j, k) =>
          out.set(data.subarray(j * side * side, (j + 1) * side * side), k * side * side),
        );
        return tf.tensor4d(out, [idx.length, side, side, 1]);
      },
      trainingBatch(idx, _rng, grid) {
        const batch = { x: this.inputs(idx), labels: idx.map((j) => labels[j]) };
        if (grid === undefined) return batch;
        expect(grid).toBe(4);
        const m = new Float32Array(idx.length * 16);
        idx.forEach((j, k) => m.set(cells.subarray(j * 16, (j + 1) * 16), k * 16));
        return { ...batch, masks: { grid: 4, cells: m, present: idx.map((j) => labels[j] === 1) } };
      },
    };
    const build = () =>
      tfl.sequential({
        layers: [
          tfl.layers.conv2d({
            inputShape: [side, side, 1],
            filters: 8,
            kernelSize: 4,
            strides: 4,
            activation: 'relu',
            name: 'features',
            kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }),
          }),
          tfl.layers.globalAveragePooling2d({ name: 'pool' }),
          tfl.layers.dense({
            units: 2,
            activation: 'softmax',
            name: 'head',
            kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }),
          }),
        ],
      });
    /** Mean share of the positive CAM inside the square, over the class-1 examples. */
    const inBox = (model: tfl.LayersModel) =>
      tf.tidy(() => {
        const positives = Array.from({ length: n / 2 }, (_, k) => 2 * k + 1);
        const features = tfl.model({
          inputs: model.inputs,
          outputs: model.getLayer('features').output as tfl.SymbolicTensor,
        });
        const a = features.predict(examples.inputs(positives)) as tf.Tensor4D;
        const kernel = model.getLayer('head').getWeights()[0];
        const w = tf.sub(tf.slice(kernel, [0, 1], [8, 1]), tf.slice(kernel, [0, 0], [8, 1]));
        const cam = tf
          .relu(tf.reshape(tf.matMul(tf.reshape(a, [-1, 8]), w), [positives.length, 16]))
          .arraySync() as number[][];
        return (
          cam.reduce((sum, row, k) => {
            const mask = cells.subarray(positives[k] * 16, positives[k] * 16 + 16);
            const total = row.reduce((t, v) => t + v, 0);
            return sum + (total > 0 ? row.reduce((t, v, c) => t + v * mask[c], 0) / total : 0);
          }, 0) / positives.length
        );
      });
    const options = {
      epochs: 8,
      batchSize: 8,
      learningRate: 0.03,
      patience: 10,
      seed: 2,
      numClasses: 2,
      log: () => {},
    };
    const plain = build();
    await trainClassifier(plain, examples, examples, options);
    const guided = build();
    const tensors = tf.memory().numTensors;
    await trainClassifier(guided, examples, examples, {
      ...options,
      boxGuidance: {
        weight: 1,
        layer: 'features',
        dense: 'head',
        positiveClass: 1,
        negativeClass: 0,
      },
    });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(predictExamples(guided, examples, 2).accuracy).toBeGreaterThan(0.9);
    // Without guidance the map rests mostly on the bar; with it, on the square.
    expect(inBox(guided)).toBeGreaterThan(0.8);
    expect(inBox(guided)).toBeGreaterThan(inBox(plain) + 0.3);
    plain.dispose();
    guided.dispose();
  });

  it('saves a model that loads back with the same predictions', async () => {
    const model = tinyCnn();
    const dir = tempDir('save');
    const files = await saveLayersModelToDir(model, dir);
    expect(files).toEqual(['model.json', 'group1-shard1of1.bin']);
    const loaded = await loadLayersModelFromDir(dir);
    const x = squares(4, 3).inputs([0, 1, 2, 3]);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('counts multiply-adds from the layers (MNIST CNN by hand)', () => {
    const { model } = seedMnistCnn();
    // conv1: 26*26 positions * 3*3*1*32; conv2: 11*11 * 3*3*32*64; dense: 1600*128 + 128*10.
    expect(multiplyAdds(model)).toBe(
      26 * 26 * 9 * 32 + 11 * 11 * 9 * 32 * 64 + 1600 * 128 + 128 * 10,
    );
    model.dispose();
  });

  it('augments a batch into crops of the input size, pixels kept in range, nothing leaked', () => {
    const boxes = randomCropBoxes(200, seededRng(5), DEFAULT_AUGMENT);
    for (const [y1, x1, y2, x2] of boxes) {
      const w = Math.abs(x2 - x1);
      expect(y2 - y1).toBeGreaterThan(0);
      expect(Math.min(x1, x2)).toBeGreaterThanOrEqual(0);
      expect(Math.max(x1, x2)).toBeLessThanOrEqual(1 + 1e-9);
      expect(w * (y2 - y1)).toBeGreaterThanOrEqual(
        DEFAULT_AUGMENT.minArea / DEFAULT_AUGMENT.maxAspect - 1e-9,
      );
    }
    const flipped = boxes.filter(([, x1, , x2]) => x1 > x2).length;
    expect(flipped).toBeGreaterThan(60);
    expect(flipped).toBeLessThan(140);

    const tensors = tf.memory().numTensors;
    const x = tf.randomUniform([3, 40, 40, 3], 0, 255) as tf.Tensor4D;
    const y = augmentBatch(x, 24, seededRng(1));
    expect(y.shape).toEqual([3, 24, 24, 3]);
    const [lo, hi] = [tf.min(y), tf.max(y)];
    expect(lo.dataSync()[0]).toBeGreaterThanOrEqual(0);
    expect(hi.dataSync()[0]).toBeLessThanOrEqual(255);
    tf.dispose([x, y, lo, hi]);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('crops pothole photos so that a "pothole" crop shows one and a "good road" crop none', () => {
    const boxes: NormalizedBox[] = [
      [0.4, 0.5, 0.6, 0.7],
      [0.1, 0.1, 0.2, 0.15],
    ];
    const rng = seededRng(8);
    let negatives = 0;
    for (let i = 0; i < 400; i++) {
      const { box, pothole } = boxAwareCrop(boxes, rng);
      const [y1, xa, y2, xb] = box;
      const crop = [Math.min(xa, xb), y1, Math.max(xa, xb), y2];
      const overlap = (b: NormalizedBox) =>
        Math.max(0, Math.min(crop[2], b[2]) - Math.max(crop[0], b[0])) *
        Math.max(0, Math.min(crop[3], b[3]) - Math.max(crop[1], b[1]));
      if (pothole) {
        expect(boxes.some((b) => overlap(b) >= 0.6 * (b[2] - b[0]) * (b[3] - b[1]) - 1e-12)).toBe(
          true,
        );
      } else {
        negatives++;
        expect(boxes.every((b) => overlap(b) === 0)).toBe(true);
      }
    }
    // About the configured share of crops leave the potholes out (some draws find no room).
    expect(negatives / 400).toBeGreaterThan(DEFAULT_BOX_CROPS.negativeRate * 0.6);
    expect(negatives / 400).toBeLessThan(DEFAULT_BOX_CROPS.negativeRate * 1.3);
  });

  it('maps boxes onto the CAM grid of a crop, mirrored crops included', async () => {
    const { boxCoverage } = await import('../../tools/train/photo-examples');
    // The left half of the photo is a pothole; the whole photo seen on a 2x2 grid.
    const boxes: NormalizedBox[] = [[0, 0, 0.5, 1]];
    expect(Array.from(boxCoverage(boxes, [0, 0, 1, 1], 2))).toEqual([1, 0, 1, 0]);
    // Mirrored (x1 > x2): the pothole appears on the right.
    expect(Array.from(boxCoverage(boxes, [0, 1, 1, 0], 2))).toEqual([0, 1, 0, 1]);
    // A crop of the right half shows no pothole.
    expect(Array.from(boxCoverage(boxes, [0, 0.5, 1, 1], 2))).toEqual([0, 0, 0, 0]);
    // A crop from x = 0.25 to 0.75: the left half of the view is the pothole.
    expect(Array.from(boxCoverage(boxes, [0, 0.25, 1, 0.75], 4)).slice(0, 4)).toEqual([1, 1, 0, 0]);
  });

  describe('the pothole command end to end on a small folder', () => {
    const root = tempDir('train-pothole');
    const data = path.join(root, 'roads');
    const out = path.join(root, 'model');
    let lines: string[] = [];

    beforeAll(async () => {
      await writeLabelledFolder(data, 14, 3);
      // Boxes for the pothole photos, so the explanation figures are computed too.
      const boxes: Record<string, number[][]> = {};
      for (let i = 0; i < 14; i++) {
        const box = await writeRoadPhoto(
          path.join(data, 'potholes', `${i + 1}.jpg`),
          3 * 1000 + 500 + i,
          true,
        );
        boxes[`potholes/${i + 1}.jpg`] = [box!];
      }
      writeFileSync(path.join(data, 'boxes.json'), JSON.stringify(boxes));
      lines = [];
      await trainPothole(
        {
          data: [data],
          out,
          architecture: 'seed-cnn',
          inputSize: 32,
          epochs: 2,
          batchSize: 8,
          learningRate: 1e-3,
          patience: 5,
          seed: 4,
          frameBlock: 5,
          negativeCropRate: 0.25,
          boxLoss: 0,
          mobilenetDir: '',
          evaluate: true,
          id: 'test-pothole',
          version: '0.0.1',
          command: 'npm run train -- pothole (test)',
          progress: false,
        },
        (l) => lines.push(l),
      );
    });

    it('writes model, weights, split, a valid manifest and a card', async () => {
      for (const f of [
        'model.json',
        'group1-shard1of1.bin',
        'split.json',
        'manifest.json',
        'MODEL_CARD.md',
      ]) {
        expect(existsSync(path.join(out, f)), f).toBe(true);
      }
      const manifest = modelManifestSchema.parse(
        JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')),
      );
      expect(manifest.labels).toEqual(['normal', 'pothole']);
      expect(manifest.input).toMatchObject({ width: 32, height: 32, channels: 3 });
      expect(manifest.cam.layer).toBe('conv3');
      const training = manifest.training as { history: unknown[]; data: { source: string }[] };
      expect(training.history).toHaveLength(2);
      expect(training.data[0].source).toBe('roads');
      const split = JSON.parse(readFileSync(path.join(out, 'split.json'), 'utf8'));
      const counts = ['train', 'validation', 'test'].map((s) => split[s].length);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(28);
      expect(counts[2]).toBeGreaterThan(0);
      // The held-out evaluation covers exactly the test split, and the boxed photos in it.
      const report = (
        manifest.metrics as {
          report: { n: number; excluded_seen: number; boxed_photos: number; accuracy: number };
        }
      ).report;
      expect(report.n).toBe(counts[2]);
      expect(report.excluded_seen).toBe(counts[0] + counts[1]);
      expect(report.boxed_photos).toBe(
        split.test.filter((e: { label: string }) => e.label === 'pothole').length,
      );
      expect(report.accuracy).toBeGreaterThanOrEqual(0);
      const card = readFileSync(path.join(out, 'MODEL_CARD.md'), 'utf8');
      expect(card).toContain('npm run eval -- --model');
      expect(card).toContain('`roads`');
      expect(lines.some((l) => /^epoch 1\/2 +loss/.test(l))).toBe(true);
    });

    it('loads with the project loader and classifies a photo', async () => {
      const loaded = await loadModelDir(out);
      const x = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
      const p = loaded.adapter.predict(x).probabilities;
      const values = Array.from(await p.data());
      expect(values).toHaveLength(2);
      expect(values[0] + values[1]).toBeCloseTo(1, 5);
      tf.dispose([x, p]);
      loaded.dispose();
    });
  });

  afterAll(() => {});
});
