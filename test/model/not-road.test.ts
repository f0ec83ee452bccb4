import { describe, expect, it } from 'vitest';
import { notRoadSchema } from '../../src/model/damage-manifest';
import { poolActivations } from '../../src/model/damage-forward';
import { tf, useBackend } from '../../tools/lib/tf-node';
import {
  neighbourBankBytes,
  neighbourBankOf,
  neighbourDistance,
  notRoadScore,
  parseNeighbourBank,
  parseNotRoadLayers,
  pooledFeatures,
  serializeNotRoadStats,
} from '../../src/model/not-road';
import { seededRng } from '../../tools/data/rng';
import {
  fitNotRoadStats,
  meanLogLikelihood,
  notRoadScores,
  symmetricEigen,
  thresholdForRejection,
} from '../../tools/train/not-road-fit';

/** Correlated Gaussian features: x = A g + mean, g standard normal. */
function features(n: number, d: number, seed: number, offset = 0) {
  const rng = seededRng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
  const mix = Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0.3 * Math.sin(i)));
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const g = Array.from({ length: d }, normal);
    for (let a = 0; a < d; a++) {
      let s = 2 + offset;
      for (let b = 0; b < d; b++) s += mix[a * d + b] * g[b];
      out[i * d + a] = s;
    }
  }
  return out;
}

describe('not-a-road statistics', () => {
  it('finds the eigenvalues and eigenvectors of a symmetric matrix', () => {
    const m = Float64Array.from([4, 1, 0, 1, 3, 1, 0, 1, 2]);
    const { values, vectors } = symmetricEigen(m, 3);
    expect(values[0]).toBeGreaterThan(values[1]);
    for (let c = 0; c < 3; c++) {
      for (let r = 0; r < 3; r++) {
        let mv = 0;
        for (let k = 0; k < 3; k++) mv += m[r * 3 + k] * vectors[k * 3 + c];
        expect(mv).toBeCloseTo(values[c] * vectors[r * 3 + c], 8);
      }
    }
  });

  it('gives the exact Mahalanobis distance with every direction kept', () => {
    const d = 4;
    const train = features(2000, d, 1);
    const stats = fitNotRoadStats(train, 2000, d, d, 0);
    const x = [3, 1, 2, 0];
    // Direct: (x - mean)^T Cov^-1 (x - mean), with Cov from the eigen-decomposition's inverse.
    const cov = new Float64Array(d * d);
    for (let i = 0; i < 2000; i++)
      for (let a = 0; a < d; a++)
        for (let b = 0; b < d; b++)
          cov[a * d + b] +=
            ((train[i * d + a] - stats.mean[a]) * (train[i * d + b] - stats.mean[b])) / 1999;
    const { values, vectors } = symmetricEigen(cov, d);
    let direct = 0;
    for (let c = 0; c < d; c++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += (x[j] - stats.mean[j]) * vectors[j * d + c];
      direct += (z * z) / values[c];
    }
    expect(notRoadScore(x, stats)).toBeCloseTo(direct, 3);
  });

  it('scores photos unlike the training photos far higher, with few directions kept', () => {
    const d = 16;
    const stats = fitNotRoadStats(features(1500, d, 2), 1500, d, 6);
    const road = notRoadScores(features(300, d, 3), 300, stats);
    const other = notRoadScores(features(300, d, 4, 3), 300, stats);
    const threshold = thresholdForRejection(road, 0.02);
    expect(road.filter((s) => s > threshold).length).toBeLessThanOrEqual(6);
    expect(other.filter((s) => s > threshold).length).toBeGreaterThan(285);
  });

  it('prefers, by held-out likelihood, as many directions as the features really vary in', () => {
    // 16 values driven by 4 hidden factors plus faint noise.
    const make = (n: number, seed: number) => {
      const rng = seededRng(seed);
      const normal = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
      const out = new Float32Array(n * 16);
      for (let i = 0; i < n; i++) {
        const f = [normal(), normal(), normal(), normal()];
        for (let j = 0; j < 16; j++) out[i * 16 + j] = 3 * f[j % 4] * (1 + j / 16) + 0.1 * normal();
      }
      return out;
    };
    const [train, held] = [make(2000, 7), make(500, 8)];
    const ll = [1, 2, 4, 8].map((k) =>
      meanLogLikelihood(held, 500, fitNotRoadStats(train, 2000, 16, k, 0)),
    );
    expect(ll.indexOf(Math.max(...ll))).toBe(2);
  });

  it('round-trips the stats file of several layers, and refuses one of the wrong size', () => {
    const stats = fitNotRoadStats(features(200, 8, 5), 200, 8, 3);
    const second = fitNotRoadStats(features(200, 5, 9), 200, 5, 2);
    const bytes = serializeNotRoadStats([stats, second]);
    const specs = [stats, second].map((s) => ({
      dimensions: s.dimensions,
      components: s.components,
      residualVariance: s.residualVariance,
    }));
    const [back, backSecond] = parseNotRoadLayers(bytes.slice().buffer, specs);
    const x = Array.from(features(1, 8, 6));
    expect(notRoadScore(x, back)).toBeCloseTo(notRoadScore(x, stats), 6);
    const y = Array.from(features(1, 5, 7));
    expect(notRoadScore(y, backSecond)).toBeCloseTo(notRoadScore(y, second), 6);
    expect(() => parseNotRoadLayers(bytes.slice(4).buffer, specs)).toThrow(/damaged or mixed up/);
    expect(() => parseNotRoadLayers(bytes.slice().buffer, specs.slice(0, 1))).toThrow(
      /damaged or mixed up/,
    );
    expect(() => notRoadScore([1, 2], back)).toThrow(/another model/);
  });

  it('pools activations as the global average pool does', () => {
    // 2x2 positions, 3 channels.
    const acts = [1, 10, 100, 3, 30, 300, 5, 50, 500, 7, 70, 700];
    expect(Array.from(pooledFeatures(acts, 3))).toEqual([4, 40, 400]);
  });
});

describe('notRoad in the manifest', () => {
  const shared = {
    method: 'mahalanobis',
    statsUrl: 'not-road.bin',
    threshold: 10,
    thresholdRule: { maxRoadRejection: 0.02, validationRoadPhotos: 100, validationRoadRejected: 2 },
    fittedOn: 500,
  };

  it("reads the first models' one-layer form as one unscaled layer (installed models keep working)", () => {
    const old = notRoadSchema.parse({
      ...shared,
      layer: 'conv_pw_13_relu',
      dimensions: 256,
      components: 128,
      residualVariance: 0.5,
    });
    expect(old.layers).toEqual([
      {
        layer: 'conv_pw_13_relu',
        dimensions: 256,
        components: 128,
        residualVariance: 0.5,
        scale: 1,
        pooling: 'mean',
      },
    ]);
    expect(old.threshold).toBe(10);
    expect(old.network).toBeUndefined();
  });

  it("reads 2.1's layers (no pooling named) as spatial means of the model's own layers", () => {
    const layer = { layer: 'a', dimensions: 4, components: 2, residualVariance: 1, scale: 3 };
    const v21 = notRoadSchema.parse({ ...shared, layers: [layer] });
    expect(v21.layers[0].pooling).toBe('mean');
    expect(v21.network).toBeUndefined();
  });

  it('names the network the layers belong to, and the pooling (mean or mean-std only)', () => {
    const layer = { layer: 'a', dimensions: 8, components: 2, residualVariance: 1, scale: 3 };
    const network = { modelUrl: 'not-road-net/model.json', inputSize: 224, description: 'x' };
    const parsed = notRoadSchema.parse({
      ...shared,
      network,
      layers: [{ ...layer, pooling: 'mean-std' }],
    });
    expect(parsed.network).toEqual(network);
    expect(parsed.layers[0].pooling).toBe('mean-std');
    expect(
      notRoadSchema.safeParse({ ...shared, layers: [{ ...layer, pooling: 'max' }] }).success,
    ).toBe(false);
    expect(
      notRoadSchema.safeParse({ ...shared, network: { modelUrl: 'n.json' }, layers: [layer] })
        .success,
    ).toBe(false);
  });

  it('needs at least one layer, each with its scale', () => {
    expect(notRoadSchema.safeParse({ ...shared, layers: [] }).success).toBe(false);
    const layer = { layer: 'a', dimensions: 4, components: 2, residualVariance: 1 };
    expect(notRoadSchema.safeParse({ ...shared, layers: [layer] }).success).toBe(false);
    const parsed = notRoadSchema.parse({ ...shared, layers: [{ ...layer, scale: 3 }] });
    expect(parsed.method === 'mahalanobis' && parsed.layers[0].scale).toBe(3);
  });

  it("reads the nearest-neighbour form: how many neighbours, and each layer's size", () => {
    const form = {
      ...shared,
      method: 'nearest-neighbours',
      neighbours: 5,
      layers: [{ layer: 'conv_pw_13_relu', pooling: 'mean', dimensions: 256 }],
    };
    const parsed = notRoadSchema.parse(form);
    expect(parsed.method === 'nearest-neighbours' && parsed.neighbours).toBe(5);
    expect(notRoadSchema.safeParse({ ...form, neighbours: 0 }).success).toBe(false);
    expect(notRoadSchema.safeParse({ ...form, layers: [] }).success).toBe(false);
    const { neighbours: _, ...without } = form;
    expect(notRoadSchema.safeParse(without).success).toBe(false);
  });
});

describe('the nearest-neighbour bank', () => {
  // Three training photos' features (never negative), of 3 values each.
  const train = Float32Array.from([3, 0, 0, 0, 2, 0, 1, 1, 0]);

  it('stores each photo at unit length, one byte a value, and reads back what it stored', () => {
    const bank = neighbourBankOf(train, 3, 3);
    expect(Array.from(bank.codes)).toEqual([255, 0, 0, 0, 255, 0, 180, 180, 0]);
    expect(neighbourBankBytes(3, 3)).toBe(bank.codes.length);
    const back = parseNeighbourBank(bank.codes.slice().buffer, { fittedOn: 3, dimensions: 3 });
    expect(back.codes).toEqual(bank.codes);
    expect(back.squaredLengths[2]).toBeCloseTo(2 * (180 / 255) ** 2, 6);
  });

  it('scores a photo by its mean squared distance to its k nearest, whatever its length', () => {
    const bank = neighbourBankOf(train, 3, 3);
    // Along the first photo's direction, at any length: its nearest is at distance 0.
    expect(neighbourDistance([10, 0, 0], bank, 1)).toBeCloseTo(0, 6);
    // Unit (1,1,0)/sqrt2 is 0 from the third, |(0.707-1, 0.707, 0)|^2 = 2 - sqrt2 from the
    // others: the mean of the 2 nearest is half that.
    expect(neighbourDistance([1, 1, 0], bank, 2)).toBeCloseTo((2 - Math.SQRT2) / 2, 2);
    // Orthogonal to all: distance 2 from each (unit vectors at right angles).
    expect(neighbourDistance([0, 0, 5], bank, 3)).toBeCloseTo(2, 2);
    // More neighbours than photos: all of them.
    expect(neighbourDistance([0, 0, 5], bank, 10)).toBeCloseTo(2, 2);
  });

  it('refuses a file of the wrong size, features of the wrong length, and negative features', () => {
    const bank = neighbourBankOf(train, 3, 3);
    expect(() => parseNeighbourBank(new ArrayBuffer(8), { fittedOn: 3, dimensions: 3 })).toThrow(
      /8 bytes where the manifest's 3 photos of 3 features need 9/,
    );
    expect(() => neighbourDistance([1, 0], bank, 1)).toThrow(
      /2 values where the not-a-road bank has 3/,
    );
    expect(() => neighbourBankOf(Float32Array.from([1, -1]), 1, 2)).toThrow(/negative/);
  });
});

describe('poolActivations (the features the score reads)', () => {
  it('gives each channel its spatial mean, then (mean-std) its spatial standard deviation', async () => {
    await useBackend('wasm');
    // One photo, 2x2 positions, 2 channels: channel 0 is 1, 3, 5, 7; channel 1 is 2, 2, 2, 2.
    const acts = tf.tensor4d([1, 2, 3, 2, 5, 2, 7, 2], [1, 2, 2, 2]);
    const mean = poolActivations(acts, 'mean');
    const meanStd = poolActivations(acts, 'mean-std');
    expect(Array.from(await mean.data())).toEqual([4, 2]);
    const [m0, m1, s0, s1] = Array.from(await meanStd.data());
    expect([m0, m1]).toEqual([4, 2]);
    expect(s0).toBeCloseTo(Math.sqrt(5), 4); // (9 + 1 + 1 + 9) / 4
    expect(s1).toBeCloseTo(0.001, 4); // sqrt(0 + 1e-6): the constant the fit used too
    tf.dispose([acts, mean, meanStd]);
  });
});
