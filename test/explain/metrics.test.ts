import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExplainError } from '../../src/explain/errors';
import type { ScalarMap } from '../../src/explain/heatmap';
import {
  centredGaussianMap,
  centrePeakMap,
  energyInBoxes,
  energyInMask,
  mapPeak,
  perturbationCurve,
  pointingGame,
  regionEnergyShares,
  spearmanRankCorrelation,
  uniformMap,
  type Box,
  type PerturbationMode,
  type RegionShares,
} from '../../src/explain/metrics';
import { tf, useBackend } from '../../tools/lib/tf-node';

function zeros(width: number, height: number): ScalarMap {
  return { width, height, data: new Float32Array(width * height) };
}

function withPeak(width: number, height: number, x: number, y: number): ScalarMap {
  const map = zeros(width, height);
  map.data.fill(0.1);
  map.data[y * width + x] = 1;
  return map;
}

describe('pointing game', () => {
  it('is a hit when the peak lies inside a box, edges included', () => {
    const map = withPeak(100, 100, 30, 40);
    expect(pointingGame(map, [[25, 35, 35, 45]]).hit).toBe(true);
    // The peak pixel's centre is (30.5, 40.5): on the box's right edge still counts.
    expect(pointingGame(map, [[10, 10, 30.5, 45]]).hit).toBe(true);
    expect(
      pointingGame(map, [
        [0, 0, 5, 5],
        [25, 35, 35, 45],
      ]).hit,
    ).toBe(true);
  });

  it('just outside a box is a miss strictly and a hit within the tolerance', () => {
    const map = withPeak(100, 100, 30, 40);
    const boxes: Box[] = [[32, 35, 40, 45]]; // 1.5 px right of the peak's centre
    const strict = pointingGame(map, boxes);
    expect(strict.hit).toBe(false);
    expect(strict.distancePx).toBeCloseTo(1.5, 9);
    expect(pointingGame(map, boxes, { tolerancePx: 1 }).hit).toBe(false);
    expect(pointingGame(map, boxes, { tolerancePx: 2 }).hit).toBe(true);
    // Diagonal: 3 px right and 4 px below the box corner is 5 px away (Euclidean).
    const diagonal: Box[] = [[0, 0, 27.5, 36.5]];
    expect(pointingGame(map, diagonal).distancePx).toBeCloseTo(5, 9);
    expect(pointingGame(map, diagonal, { tolerancePx: 4.9 }).hit).toBe(false);
    expect(pointingGame(map, diagonal, { tolerancePx: 5 }).hit).toBe(true);
  });

  it('takes the first of tied maxima in row-major order', () => {
    const map = zeros(100, 100);
    map.data[80 * 100 + 10] = 1; // x=10, y=80
    map.data[10 * 100 + 80] = 1; // x=80, y=10: earlier row, comes first
    expect(mapPeak(map)).toEqual({ x: 80, y: 10, value: 1 });
    expect(pointingGame(map, [[75, 5, 85, 15]]).hit).toBe(true);
    expect(pointingGame(map, [[5, 75, 15, 85]]).hit).toBe(false);
  });

  it('counts an empty map as a miss and ignores NaN cells', () => {
    const empty = pointingGame(zeros(10, 10), [[0, 0, 10, 10]], { tolerancePx: 100 });
    expect(empty).toMatchObject({ hit: false, empty: true, peak: null });
    const map = withPeak(10, 10, 2, 2);
    map.data[99] = NaN;
    expect(pointingGame(map, [[0, 0, 4, 4]]).hit).toBe(true);
  });

  it('rejects a malformed box', () => {
    const map = withPeak(10, 10, 2, 2);
    expect(() => pointingGame(map, [[5, 5, 1, 1]])).toThrow(ExplainError);
    expect(() => pointingGame(map, [[0, 0, NaN, 4]])).toThrow(/Box 1/);
  });
});

describe('centre baselines', () => {
  it('centrePeakMap peaks at the pixel holding the photo centre, once', () => {
    expect(mapPeak(centrePeakMap(7, 5))).toMatchObject({ x: 3, y: 2 });
    const map = centrePeakMap(256, 256);
    expect(mapPeak(map)).toMatchObject({ x: 128, y: 128 });
    expect(map.data.filter((v) => v === map.data[128 * 256 + 128]).length).toBe(1);
    expect(pointingGame(map, [[100, 100, 150, 150]]).hit).toBe(true);
    expect(pointingGame(map, [[0, 0, 100, 100]]).hit).toBe(false);
    // 15 px tolerance reaches a box whose corner is 10 px right and 10 px below the centre.
    expect(pointingGame(map, [[138.5, 138.5, 200, 200]], { tolerancePx: 15 }).hit).toBe(true);
  });

  it('centredGaussianMap has sigma a quarter of the width and of the height', () => {
    const [w, h] = [41, 21]; // odd sides: a pixel centre lies exactly on the photo centre
    const map = centredGaussianMap(w, h);
    const at = (x: number, y: number) => map.data[y * w + x];
    const [cx, cy] = [20, 10];
    expect(mapPeak(map)).toMatchObject({ x: cx, y: cy });
    // For a Gaussian, f(c + 1) / f(c) = exp(-1 / (2 sigma^2)): recover sigma from the map.
    const sigmaX = Math.sqrt(-1 / (2 * Math.log(at(cx + 1, cy) / at(cx, cy))));
    const sigmaY = Math.sqrt(-1 / (2 * Math.log(at(cx, cy + 1) / at(cx, cy))));
    expect(sigmaX).toBeCloseTo(w / 4, 3);
    expect(sigmaY).toBeCloseTo(h / 4, 3);
    expect(at(cx - 7, cy + 3)).toBeCloseTo(at(cx + 7, cy - 3), 6);
  });

  it('a centred Gaussian holds the expected share of its energy within one sigma', () => {
    // The photo spans +-2 sigma per axis; within +-1 sigma lies erf(1/sqrt2) / erf(sqrt2) of each
    // axis' mass: 0.682689 / 0.954500 = 0.715232, squared 0.511557.
    const share = energyInBoxes(centredGaussianMap(400, 400), [[100, 100, 300, 300]]).share;
    expect(share).toBeCloseTo(0.511557, 3);
  });
});

describe('energy in boxes', () => {
  it('a uniform map puts the boxes share of the area in them, overlaps counted once', () => {
    const map = uniformMap(100, 80);
    expect(energyInBoxes(map, [[10, 10, 30, 30]]).share).toBeCloseTo(400 / 8000, 9);
    // Two 20x20 boxes overlapping in 10x10: union 700 px.
    const overlapping: Box[] = [
      [10, 10, 30, 30],
      [20, 20, 40, 40],
    ];
    expect(energyInBoxes(map, overlapping).share).toBeCloseTo(700 / 8000, 9);
    // Parts outside the photo do not count: [90, 70, 120, 100] keeps 10 x 10 px.
    expect(energyInBoxes(map, [[90, 70, 120, 100]]).share).toBeCloseTo(100 / 8000, 9);
    expect(energyInBoxes(map, [[0, 0, 100, 80]]).share).toBe(1);
  });

  it('counts only positive energy', () => {
    const map = zeros(10, 10);
    map.data.fill(-5);
    map.data[3 * 10 + 3] = 2;
    map.data[8 * 10 + 8] = 2;
    const result = energyInBoxes(map, [[0, 0, 5, 5]]);
    expect(result).toMatchObject({ share: 0.5, total: 4, empty: false });
  });

  it('gives 0 with a flag for an all-zero map, never NaN', () => {
    expect(energyInBoxes(zeros(10, 10), [[0, 0, 5, 5]])).toEqual({
      share: 0,
      total: 0,
      empty: true,
    });
  });

  it('energyInMask uses any mask of the same size, with a threshold', () => {
    const map = uniformMap(4, 4);
    map.data[0] = 5; // energy 20 in all, 5 + 1 inside the mask below
    const mask = { width: 4, height: 4, data: new Uint8Array(16) };
    mask.data[0] = 255;
    mask.data[5] = 255;
    mask.data[6] = 100; // below 128: outside
    expect(energyInMask(map, mask, { threshold: 128 }).share).toBeCloseTo(6 / 20, 9);
    expect(() => energyInMask(map, { width: 2, height: 8, data: new Uint8Array(16) })).toThrow(
      ExplainError,
    );
  });
});

describe('region audit', () => {
  const sum = (s: RegionShares) => s.centre + s.top + s.bottom + s.edges;

  it('a map concentrated at the top puts its energy in the top band', () => {
    const map = zeros(100, 100);
    for (let i = 0; i < 20 * 100; i++) map.data[i] = 1 + (i % 7);
    const { energy, empty } = regionEnergyShares(map);
    expect(empty).toBe(false);
    expect(energy.top).toBe(1);
    expect(energy.centre + energy.bottom + energy.edges).toBe(0);
  });

  it('partitions the photo: a flat map gives each region its area', () => {
    const { energy, area } = regionEnergyShares(uniformMap(64, 48));
    for (const k of ['centre', 'top', 'bottom', 'edges'] as const) {
      expect(area[k]).toBeCloseTo(0.25, 12);
      expect(energy[k]).toBeCloseTo(0.25, 12);
    }
  });

  it('edges are the outer columns of the middle rows; shares sum to 1', () => {
    const map = zeros(40, 40);
    map.data[20 * 40 + 2] = 1; // middle row, left border
    map.data[20 * 40 + 37] = 1; // middle row, right border
    map.data[20 * 40 + 20] = 2; // middle
    const { energy } = regionEnergyShares(map);
    expect(energy).toEqual({ centre: 0.5, top: 0, bottom: 0, edges: 0.5 });

    const odd = zeros(37, 23);
    for (let i = 0; i < odd.data.length; i++) odd.data[i] = Math.sin(i) + 0.5;
    const shares = regionEnergyShares(odd);
    expect(sum(shares.energy)).toBeCloseTo(1, 9);
    expect(sum(shares.area)).toBeCloseTo(1, 12);
  });

  it('reports an all-zero map as empty', () => {
    const { energy, empty } = regionEnergyShares(zeros(8, 8));
    expect(empty).toBe(true);
    expect(sum(energy)).toBe(0);
  });
});

describe('Spearman rank correlation', () => {
  it('matches hand-computed values', () => {
    // No ties: d = -1, 1, -1, 1, 0 -> 1 - 6 * 4 / (5 * 24) = 0.8.
    expect(spearmanRankCorrelation([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.8, 12);
    // Monotone but not linear: 1; reversed: -1.
    expect(spearmanRankCorrelation([1, 2, 3, 4], [1, 10, 100, 1000])).toBeCloseTo(1, 12);
    expect(spearmanRankCorrelation([1, 2, 3, 4], [9, 5, 2, -7])).toBeCloseTo(-1, 12);
  });

  it('uses average ranks for ties', () => {
    // b = 5, 6, 7, 8, 7 has ranks 1, 2, 3.5, 5, 3.5. Centred ranks: a -2 -1 0 1 2,
    // b -2 -1 0.5 2 0.5; cov 8, var a 10, var b 9.5: rho = 8 / sqrt(95).
    expect(spearmanRankCorrelation([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(
      8 / Math.sqrt(95),
      12,
    );
    // Ties on both sides: a ranks 1.5 1.5 3 4, b ranks 1 2.5 2.5 4. Centred: a -1 -1 0.5 1.5,
    // b -1.5 0 0 1.5; cov 1.5 + 2.25 = 3.75, var a 4.5, var b 4.5: rho = 3.75 / 4.5.
    expect(spearmanRankCorrelation([0, 0, 1, 2], [3, 4, 4, 9])).toBeCloseTo(3.75 / 4.5, 12);
  });

  it('is 0, not NaN, for a constant input', () => {
    expect(spearmanRankCorrelation([2, 2, 2], [1, 2, 3])).toBe(0);
    expect(spearmanRankCorrelation(new Float32Array(49), new Float32Array(49))).toBe(0);
    expect(spearmanRankCorrelation([1], [1])).toBe(0);
  });

  it('rejects inputs of different lengths', () => {
    expect(() => spearmanRankCorrelation([1, 2], [1, 2, 3])).toThrow(ExplainError);
  });
});

describe('deletion and insertion curves', () => {
  let before = 0;
  beforeAll(async () => {
    await useBackend('wasm');
    before = tf.memory().numTensors;
  });
  afterAll(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  // A toy "model": the score is the mean of the top-left 4x4 quadrant of an 8x8x3 image.
  const size = 8;
  const quadrant = (x: number, y: number) => x < 4 && y < 4;
  const batchSizes: number[] = [];
  const score = (batch: tf.Tensor4D): tf.Tensor1D => {
    batchSizes.push(batch.shape[0]);
    return tf.mean(tf.slice(batch, [0, 0, 0, 0], [-1, 4, 4, -1]), [1, 2, 3]) as tf.Tensor1D;
  };
  /** Salient in the quadrant (perfect), outside it (reversed), or a pseudo-random order. */
  const mapFor = (kind: 'perfect' | 'reversed' | 'mixed'): ScalarMap => {
    const map = zeros(size, size);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside = quadrant(x, y);
        map.data[y * size + x] =
          kind === 'mixed' ? ((x * 7 + y * 13) % 17) / 17 : inside === (kind === 'perfect') ? 1 : 0;
      }
    }
    return map;
  };
  const curve = async (
    mode: PerturbationMode,
    kind: 'perfect' | 'reversed' | 'mixed',
    steps = 4,
  ) => {
    const image = tf.ones([size, size, 3]) as tf.Tensor3D;
    const baseline = tf.zeros([size, size, 3]) as tf.Tensor3D;
    try {
      return await perturbationCurve({
        image,
        baseline,
        map: mapFor(kind),
        mode,
        steps,
        score,
        batchSize: 3,
      });
    } finally {
      image.dispose();
      baseline.dispose();
    }
  };

  it('gives the hand-computed curves for perfect and reversed rankings', async () => {
    // 64 pixels, steps of 16; the quadrant is 16 pixels.
    const perfectDeletion = await curve('deletion', 'perfect');
    expect(perfectDeletion.fractions).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(perfectDeletion.scores).toEqual([1, 0, 0, 0, 0]);
    expect(perfectDeletion.areaUnderCurve).toBeCloseTo(0.125, 9);
    const reversedDeletion = await curve('deletion', 'reversed');
    expect(reversedDeletion.scores).toEqual([1, 1, 1, 1, 0]);
    expect(reversedDeletion.areaUnderCurve).toBeCloseTo(0.875, 9);
    const perfectInsertion = await curve('insertion', 'perfect');
    expect(perfectInsertion.scores).toEqual([0, 1, 1, 1, 1]);
    expect(perfectInsertion.areaUnderCurve).toBeCloseTo(0.875, 9);
    const reversedInsertion = await curve('insertion', 'reversed');
    expect(reversedInsertion.scores).toEqual([0, 0, 0, 0, 1]);
    expect(reversedInsertion.areaUnderCurve).toBeCloseTo(0.125, 9);
  });

  it('orders rankings: perfect < mixed < reversed for deletion, the reverse for insertion', async () => {
    const auc = async (mode: PerturbationMode, kind: 'perfect' | 'reversed' | 'mixed') =>
      (await curve(mode, kind, 16)).areaUnderCurve;
    const deletion = [
      await auc('deletion', 'perfect'),
      await auc('deletion', 'mixed'),
      await auc('deletion', 'reversed'),
    ];
    const insertion = [
      await auc('insertion', 'perfect'),
      await auc('insertion', 'mixed'),
      await auc('insertion', 'reversed'),
    ];
    expect(deletion[0]).toBeLessThan(deletion[1]);
    expect(deletion[1]).toBeLessThan(deletion[2]);
    expect(insertion[0]).toBeGreaterThan(insertion[1]);
    expect(insertion[1]).toBeGreaterThan(insertion[2]);
    expect(deletion[0]).toBeLessThan(insertion[0]);
  });

  it('scores the perturbed images in batches of the requested size', async () => {
    batchSizes.length = 0;
    const result = await curve('deletion', 'mixed', 7); // 8 points in batches of 3
    expect(batchSizes).toEqual([3, 3, 2]);
    expect(result.scores.length).toBe(8);
    expect(result.scores[0]).toBe(1);
    expect(result.scores[7]).toBe(0);
  });

  it('rejects a map of the wrong size, a wrong score shape, and stops when cancelled', async () => {
    const image = tf.ones([size, size, 3]) as tf.Tensor3D;
    const baseline = tf.zeros([size, size, 3]) as tf.Tensor3D;
    const common = { image, baseline, mode: 'deletion' as const, score };
    try {
      await expect(perturbationCurve({ ...common, map: zeros(4, 4) })).rejects.toThrow(
        /image's size/,
      );
      await expect(
        perturbationCurve({
          ...common,
          map: mapFor('perfect'),
          score: (batch) => tf.mean(batch, [1, 2]) as unknown as tf.Tensor1D,
        }),
      ).rejects.toThrow(/one number per image/);
      const controller = new AbortController();
      controller.abort();
      await expect(
        perturbationCurve({ ...common, map: mapFor('perfect'), signal: controller.signal }),
      ).rejects.toMatchObject({ code: 'cancelled' });
    } finally {
      image.dispose();
      baseline.dispose();
    }
  });
});
