import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRng } from '../../tools/data/rng';
import { tf, useBackend } from '../../tools/lib/tf-node';
import { cropLabel, DamageExamples } from '../../tools/train/damage-examples';
import {
  maskedBinaryCrossEntropy,
  predictDamage,
  trainDamageModel,
} from '../../tools/train/damage-train-loop';
import {
  calibrateOutputs,
  featuresAndLogits,
  fitNotRoad,
  fitNotRoadNeighbours,
  foldScaling,
} from '../../tools/train/finish-damage-model';
import { notRoadScores } from '../../tools/train/not-road-fit';
import { notRoadScore, serializeNotRoadStats } from '../../src/model/not-road';
import { notRoadScorerOf } from '../../src/model/damage-forward';

describe('what a crop shows of a labelled type', () => {
  const box: [number, number, number, number] = [0.4, 0.4, 0.6, 0.6];
  const label = { present: 1 as const, boxes: [box] };
  // cropAndResize boxes are [y1, x1, y2, x2]; x1 > x2 mirrors.
  it('keeps "shown" when most of a box is in the crop, also mirrored', () => {
    expect(cropLabel(label, [0, 0, 1, 1], 0.6, 0.03)).toBe(1);
    expect(cropLabel(label, [0.3, 0.9, 0.9, 0.3], 0.6, 0.03)).toBe(1);
  });
  it('says "not shown" when the crop misses every box with its margin', () => {
    expect(cropLabel(label, [0, 0, 0.35, 1], 0.6, 0.03)).toBe(0);
  });
  it('says "not known" when the crop cuts a box in part', () => {
    expect(cropLabel(label, [0, 0, 0.5, 1], 0.6, 0.03)).toBeNull();
    expect(cropLabel(label, [0, 0, 0.385, 1], 0.6, 0.03)).toBeNull();
  });
  it('keeps what has no boxes, or is not known', () => {
    expect(cropLabel({ present: 1, boxes: [] }, [0, 0, 0.5, 0.5], 0.6, 0.03)).toBe(1);
    expect(cropLabel({ present: null, boxes: [] }, [0, 0, 1, 1], 0.6, 0.03)).toBeNull();
    expect(cropLabel({ present: 0, boxes: [] }, [0, 0, 1, 1], 0.6, 0.03)).toBe(0);
  });
});

/**
 * 32x32 grey "photos" in memory for DamageExamples: output 0 ("pothole") is a bright square in
 * one of four places (boxed), output 1 ("crack") a black band down the right edge, known only on
 * half the photos. A second, unboxed shortcut for output 0: a dot in the top-left corner.
 */
function syntheticExamples(n: number, seed: number): DamageExamples {
  const rng = seededRng(seed);
  const side = 32;
  const pixels = new Uint8Array(n * side * side * 3);
  const labels: { present: 0 | 1 | null; boxes: [number, number, number, number][] }[][] = [];
  for (let i = 0; i < n; i++) {
    const pothole = i % 2 === 1;
    const crack = i % 3 === 0;
    const img = new Float32Array(side * side).map(() => 60 + rng() * 40);
    let box: [number, number, number, number] | undefined;
    if (pothole) {
      const [qx, qy] = [Math.floor(rng() * 2), Math.floor(rng() * 2)];
      const [x0, y0] = [2 + qx * 12, 4 + qy * 14];
      for (let y = y0; y < y0 + 8; y++) for (let x = x0; x < x0 + 8; x++) img[y * side + x] = 250;
      for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) img[y * side + x] = 250;
      box = [x0 / side, y0 / side, (x0 + 8) / side, (y0 + 8) / side];
    }
    if (crack) for (let y = 0; y < side; y++) for (let x = 24; x < 32; x++) img[y * side + x] = 0;
    for (let p = 0; p < side * side; p++)
      pixels.fill(img[p], (i * side * side + p) * 3, (i * side * side + p) * 3 + 3);
    labels.push([
      { present: pothole ? 1 : 0, boxes: box ? [box] : [] },
      { present: i % 4 < 2 ? (crack ? 1 : 0) : null, boxes: [] },
    ]);
  }
  return DamageExamples.fromPixels(pixels, labels, {
    size: 32,
    storedSize: 32,
    normalization: { mean: [0.5], std: [0.5] },
    augment: { minArea: 1, maxAspect: 1, flip: false, brightness: 0, contrast: 0, saturation: 0 },
  });
}

function tinyNet(seed: number): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [32, 32, 3],
        filters: 8,
        kernelSize: 4,
        strides: 4,
        activation: 'relu',
        name: 'features',
        kernelInitializer: tfl.initializers.glorotUniform({ seed }),
      }),
      tfl.layers.globalAveragePooling2d({ name: 'pool' }),
      tfl.layers.dense({
        units: 2,
        activation: 'sigmoid',
        name: 'head',
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }),
      }),
    ],
  });
}

describe('training a multi-label damage model', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('ignores unknown labels in the loss', () => {
    const [z, y, known, w] = [
      tf.tensor2d([[2, -1]]),
      tf.tensor2d([[1, 1]]),
      tf.tensor2d([[1, 0]]),
      tf.tensor1d([1, 1]),
    ];
    const loss = maskedBinaryCrossEntropy(z, y, known, w);
    // Only the known first output counts: log(1 + e^-2).
    expect(loss.dataSync()[0]).toBeCloseTo(Math.log1p(Math.exp(-2)), 5);
    tf.dispose([z, y, known, w, loss]);
  });

  it('learns both outputs, moves the pothole map into its boxes, and leaks no tensor', async () => {
    const train = syntheticExamples(96, 1);
    const options = {
      epochs: 16,
      batchSize: 16,
      learningRate: 0.06,
      patience: 20,
      seed: 3,
      camLayer: 'features',
      denseLayer: 'head',
      outputNames: ['pothole', 'crack'],
      log: () => {},
    };
    /** Share of the pothole CAM's positive evidence in the boxes, over pothole photos. */
    const inBox = (model: tfl.LayersModel) =>
      tf.tidy(() => {
        const idx = Array.from({ length: 48 }, (_, k) => 2 * k + 1);
        const body = tfl.model({
          inputs: model.inputs,
          outputs: model.getLayer('features').output as tfl.SymbolicTensor,
        });
        const a = body.predict(train.inputs(idx)) as tf.Tensor4D;
        const w = tf.slice(model.getLayer('head').getWeights()[0], [0, 0], [8, 1]);
        const cam = tf
          .relu(tf.reshape(tf.matMul(tf.reshape(a, [-1, 8]), w), [idx.length, 8, 8]))
          .arraySync() as number[][][];
        return (
          cam.reduce((sum, map, k) => {
            const [x1, y1, x2, y2] = train.labels[idx[k]][0].boxes[0].map((v) => v * 8);
            let inside = 0;
            let total = 0;
            map.forEach((row, gy) =>
              row.forEach((v, gx) => {
                total += v;
                if (gx + 0.5 > x1 && gx + 0.5 < x2 && gy + 0.5 > y1 && gy + 0.5 < y2) inside += v;
              }),
            );
            return sum + (total > 0 ? inside / total : 0);
          }, 0) / idx.length
        );
      });
    const plain = tinyNet(5);
    await trainDamageModel(plain, train, train, { ...options, boxLoss: 0 });
    const guided = tinyNet(5);
    const tensors = tf.memory().numTensors;
    const result = await trainDamageModel(guided, train, train, { ...options, boxLoss: 1 });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(result.history.length).toBe(16);
    const p = predictDamage(guided, train);
    let right = 0;
    let known = 0;
    const targets = train.photoTargets(Array.from({ length: 96 }, (_, i) => i));
    for (let i = 0; i < p.length; i++) {
      if (!targets.known[i]) continue;
      known++;
      if (p[i] > 0.5 === (targets.targets[i] === 1)) right++;
    }
    expect(right / known).toBeGreaterThan(0.9);
    expect(inBox(guided)).toBeGreaterThan(inBox(plain) + 0.1);
    plain.dispose();
    guided.dispose();
  });

  it('folds a calibration into the head: the outputs become sigmoid(a z + b)', () => {
    const model = tinyNet(9);
    const data = syntheticExamples(8, 2);
    const before = featuresAndLogits(model, 'features', 'head', data);
    foldScaling(model, 'head', [
      { a: 0.5, b: 0.25 },
      { a: 2, b: -1 },
    ]);
    const after = featuresAndLogits(model, 'features', 'head', data);
    for (let i = 0; i < before.logits.length; i++) {
      const [a, b] = i % 2 === 0 ? [0.5, 0.25] : [2, -1];
      expect(after.logits[i]).toBeCloseTo(a * before.logits[i] + b, 4);
    }
    const probs = predictDamage(model, data);
    expect(probs[0]).toBeCloseTo(1 / (1 + Math.exp(-after.logits[0])), 5);
    model.dispose();
  });

  it('calibrates each output on validation logits and sets its threshold and band', () => {
    const model = tinyNet(11);
    const rng = seededRng(4);
    const n = 400;
    const logits = new Float32Array(n * 2);
    const targets = new Float32Array(n * 2);
    const known = new Float32Array(n * 2).fill(1);
    for (let i = 0; i < n; i++) {
      for (let o = 0; o < 2; o++) {
        const honest = (rng() - 0.5) * 6;
        targets[i * 2 + o] = rng() < 1 / (1 + Math.exp(-honest)) ? 1 : 0;
        logits[i * 2 + o] = honest * 3; // over-confident
      }
    }
    const types = calibrateOutputs(
      model,
      'head',
      { logits, targets, known },
      [
        { type: 'pothole', targetSpecificity: 0.9 },
        { type: 'crack', targetSpecificity: 0.8 },
      ],
      0.8,
    );
    expect(types.map((t) => t.name)).toEqual(['pothole', 'crack']);
    for (const t of types) {
      expect(t.calibration.temperature).toBeGreaterThan(2);
      expect(t.calibration.validationEce.after).toBeLessThan(t.calibration.validationEce.before);
      expect(t.thresholdRule.validationSpecificity).toBeGreaterThanOrEqual(
        t.thresholdRule.targetSpecificity,
      );
      expect(t.notSure.from).toBeLessThanOrEqual(t.threshold);
      expect(t.notSure.to).toBeGreaterThanOrEqual(t.threshold);
    }
    expect(types[1].title).toBe('Crack');
    model.dispose();
  });
});

describe('field photos repeated per epoch', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('shows each example as many times per epoch as its repeat says', async () => {
    const train = syntheticExamples(12, 4);
    const seen = new Map<number, number>();
    const batch = train.trainingBatch.bind(train);
    train.trainingBatch = (indices, rng, grid) => {
      for (const i of indices) seen.set(i, (seen.get(i) ?? 0) + 1);
      return batch(indices, rng, grid);
    };
    const repeats = Array.from({ length: 12 }, (_, i) => (i === 3 ? 5 : i === 7 ? 2 : 1));
    const model = tinyNet(2);
    const result = await trainDamageModel(model, train, train, {
      epochs: 1,
      batchSize: 4,
      learningRate: 0.01,
      patience: 5,
      seed: 1,
      camLayer: 'features',
      denseLayer: 'head',
      outputNames: ['pothole', 'crack'],
      boxLoss: 0,
      repeats,
      log: () => {},
    });
    expect(result.history.length).toBe(1);
    expect(Array.from({ length: 12 }, (_, i) => seen.get(i) ?? 0)).toEqual(repeats);
    model.dispose();
  });
});

describe('not a road over several layers', () => {
  /** Gaussian features of `d` dimensions, `n` photos. */
  const gaussian = (n: number, d: number, seed: number, shift = 0) => {
    const rng = seededRng(seed);
    const normal = () => Math.sqrt(-2 * Math.log(rng() || 1e-9)) * Math.cos(2 * Math.PI * rng());
    return Float32Array.from({ length: n * d }, () => normal() + shift);
  };

  it('scales each layer by its validation median, sums, and keeps the road photos it must', () => {
    const fit = fitNotRoad({
      train: [
        { layer: 'early', features: gaussian(400, 6, 1), channels: 6 },
        { layer: 'late', features: gaussian(400, 10, 2), channels: 10 },
      ],
      trainCount: 400,
      validation: [{ features: gaussian(101, 6, 3) }, { features: gaussian(101, 10, 4) }],
      validationCount: 101,
      components: [2, 4, 6, 8],
      maxRoadRejection: 0.02,
      pooling: 'mean',
      statsUrl: 'not-road.bin',
    });
    const spec = fit.spec;
    if (spec.method !== 'mahalanobis') throw new Error('expected Mahalanobis statistics');
    expect(spec.layers.map((l) => l.layer)).toEqual(['early', 'late']);
    // Each layer's scale is the median of its own validation distances.
    spec.layers.forEach((l, i) => {
      const own = notRoadScores([gaussian(101, 6, 3), gaussian(101, 10, 4)][i], 101, fit.stats[i]);
      expect(l.scale).toBeCloseTo([...own].sort((a, b) => a - b)[50], 6);
    });
    // At most 2% of the validation road photos above the threshold.
    expect(fit.spec.thresholdRule.validationRoadRejected).toBeLessThanOrEqual(2);
    expect(fit.validationScores.filter((s) => s > fit.spec.threshold).length).toBe(
      fit.spec.thresholdRule.validationRoadRejected,
    );
    // A photo unlike the road photos in the early layer only is turned away by the sum.
    const odd =
      notRoadScore(gaussian(1, 6, 9, 4), fit.stats[0]) / spec.layers[0].scale +
      notRoadScore(gaussian(1, 10, 10), fit.stats[1]) / spec.layers[1].scale;
    expect(odd).toBeGreaterThan(spec.threshold);
    // The file is the statistics the app parses.
    expect(fit.file).toEqual(serializeNotRoadStats(fit.stats));
  });
});

describe('not a road by the nearest road photos', () => {
  /** Features of `n` photos around one of `centres` each (never negative, as ReLU means are). */
  const clustered = (n: number, centres: number[][], seed: number) => {
    const rng = seededRng(seed);
    const d = centres[0].length;
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const c = centres[i % centres.length];
      for (let j = 0; j < d; j++) out[i * d + j] = Math.max(0, c[j] + 0.05 * (rng() - 0.5));
    }
    return out;
  };
  // Two kinds of road photo, far apart; what lies between them is like neither.
  const kinds = [
    [1, 0, 0, 0.2],
    [0, 1, 0, 0.2],
  ];

  it('keeps the training photos as the bank, sets the threshold on validation photos, and turns away a photo between the kinds', () => {
    const fit = fitNotRoadNeighbours({
      train: [
        { layer: 'a', features: clustered(200, kinds, 1).filter((_, i) => i % 4 < 2), channels: 2 },
        {
          layer: 'b',
          features: clustered(200, kinds, 1).filter((_, i) => i % 4 >= 2),
          channels: 2,
        },
      ],
      trainCount: 200,
      validation: [
        { features: clustered(101, kinds, 2).filter((_, i) => i % 4 < 2) },
        { features: clustered(101, kinds, 2).filter((_, i) => i % 4 >= 2) },
      ],
      validationCount: 101,
      neighbours: 3,
      maxRoadRejection: 0.02,
      pooling: 'mean',
      statsUrl: 'not-road.bin',
    });
    const spec = fit.spec;
    if (spec.method !== 'nearest-neighbours')
      throw new Error('expected the nearest-neighbour form');
    expect(spec.layers).toEqual([
      { layer: 'a', pooling: 'mean', dimensions: 2 },
      { layer: 'b', pooling: 'mean', dimensions: 2 },
    ]);
    expect([spec.neighbours, spec.fittedOn]).toEqual([3, 200]);
    // One byte per value of each training photo.
    expect(fit.file.length).toBe(200 * 4);
    expect(fit.spec.thresholdRule.validationRoadRejected).toBeLessThanOrEqual(2);
    expect(fit.validationScores.filter((s) => s > spec.threshold).length).toBe(
      spec.thresholdRule.validationRoadRejected,
    );
    // The app's scorer over the file: both kinds of road pass, the photo between them does not,
    // although it lies nearer the photos' mean than either kind (one Gaussian would keep it).
    const scorer = notRoadScorerOf(fit.file.slice().buffer, spec);
    const score = (v: number[]) =>
      scorer.distance([Float32Array.from(v.slice(0, 2)), Float32Array.from(v.slice(2))]);
    expect(score([1, 0, 0, 0.2])).toBeLessThan(spec.threshold);
    expect(score([0, 1, 0, 0.2])).toBeLessThan(spec.threshold);
    expect(score([0.5, 0.5, 0, 0.2])).toBeGreaterThan(spec.threshold);
  });
});
