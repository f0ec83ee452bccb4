import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExplainError } from '../../src/explain/errors';
import {
  colorize,
  colormapColor,
  colormapTable,
  normalizeMap,
  overlayHeatmap,
  renderCamOverlay,
  upsampleBilinear,
  type RgbaImage,
  type ScalarMap,
} from '../../src/explain/heatmap';
import { tf, useBackend } from '../../tools/lib/tf-node';

function mapOf(width: number, height: number, values: number[]): ScalarMap {
  return { width, height, data: Float32Array.from(values) };
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomMap(width: number, height: number, seed: number): ScalarMap {
  const next = random(seed);
  return mapOf(
    width,
    height,
    Array.from({ length: width * height }, () => next() * 4 - 1),
  );
}

function photoOf(width: number, height: number, seed: number, alphaValue = 255): RgbaImage {
  const next = random(seed);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? alphaValue : next() * 256;
  return { width, height, data };
}

/** Relative luminance Y of an sRGB colour (0..1), from linearised channels. */
const luminance = (rgb: number[]) => {
  const [r, g, b] = rgb.map((c) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};

describe('normalizeMap', () => {
  it('reports an all-zero map as empty, with zeros and no NaN', () => {
    const result = normalizeMap(mapOf(3, 2, [0, 0, 0, 0, 0, 0]));
    expect(result.empty).toBe(true);
    expect(result.max).toBe(0);
    expect(Array.from(result.map.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('reports an all-negative map as empty (ReLU leaves nothing)', () => {
    const result = normalizeMap(mapOf(2, 2, [-1, -0.5, -3, -2]));
    expect(result.empty).toBe(true);
    expect(Array.from(result.map.data)).toEqual([0, 0, 0, 0]);
  });

  it('treats NaN and Infinity cells as 0 and counts them', () => {
    const input = mapOf(3, 2, [NaN, 1, 2, -1, Infinity, -Infinity]);
    const result = normalizeMap(input);
    expect(result.empty).toBe(false);
    expect(result.nonFinite).toBe(3);
    expect(result.max).toBe(2);
    expect(Array.from(result.map.data)).toEqual([0, 0.5, 1, 0, 0, 0]);
    expect(Number.isNaN(input.data[0])).toBe(true); // the input is left alone
  });

  it('reports a map of only NaN as empty', () => {
    const result = normalizeMap(mapOf(2, 1, [NaN, NaN]));
    expect(result).toMatchObject({ empty: true, nonFinite: 2 });
    expect(Array.from(result.map.data)).toEqual([0, 0]);
  });

  it('treats a positive maximum at float rounding level of the map as empty', () => {
    const result = normalizeMap(mapOf(3, 1, [-1000, 1e-7, -500]));
    expect(result.empty).toBe(true);
    expect(Array.from(result.map.data)).toEqual([0, 0, 0]);
    // The same tiny values alone are a real (if weak) map: ratios are kept.
    const weak = normalizeMap(mapOf(2, 1, [1e-7, 5e-8]));
    expect(weak.empty).toBe(false);
    expect(weak.map.data[1]).toBeCloseTo(0.5, 6);
  });

  it('divides by the max after ReLU, keeping ratios', () => {
    const result = normalizeMap(mapOf(2, 2, [4, 2, -2, 1]));
    expect(Array.from(result.map.data)).toEqual([1, 0.5, 0, 0.25]);
  });

  it('rejects a map whose data does not match its size', () => {
    expect(() => normalizeMap(mapOf(3, 3, [1, 2]))).toThrow(ExplainError);
  });
});

describe('upsampleBilinear matches tf.image.resizeBilinear(halfPixelCenters: true)', () => {
  let before = 0;
  beforeAll(async () => {
    await useBackend('wasm');
    before = tf.memory().numTensors;
  });
  afterAll(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  const cases: [string, number, number, number, number][] = [
    ['7x7 CAM grid to a 224x224 photo', 7, 7, 224, 224],
    ['non-integer ratios', 5, 3, 17, 11],
    ['downsampling', 10, 9, 4, 6],
    ['a single row', 6, 1, 13, 3],
  ];
  for (const backend of ['wasm', 'cpu'] as const) {
    for (const [name, w, h, outW, outH] of cases) {
      it(`${name} (${backend})`, async () => {
        await useBackend(backend);
        const map = randomMap(w, h, w * 100 + h);
        const ours = upsampleBilinear(map, outW, outH);
        const expected = tf.tidy(() =>
          tf.image
            .resizeBilinear(tf.tensor3d(map.data, [h, w, 1]), [outH, outW], false, true)
            .dataSync(),
        );
        expect(ours.width).toBe(outW);
        expect(ours.height).toBe(outH);
        let maxError = 0;
        for (let i = 0; i < expected.length; i++) {
          maxError = Math.max(maxError, Math.abs(ours.data[i] - expected[i]));
        }
        expect(maxError).toBeLessThan(1e-5);
        await useBackend('wasm');
      });
    }
  }

  it('puts the centre of a grid cell at the centre of its block of pixels', () => {
    const grid = mapOf(7, 7, new Array(49).fill(0));
    grid.data[1 * 7 + 5] = 1; // column 5, row 1
    const up = upsampleBilinear(grid, 224, 224);
    // Cell (5, 1) covers pixels 160..191 x 32..63; its centre lies between 175 and 176.
    expect(up.data[47 * 224 + 175]).toBeCloseTo(up.data[48 * 224 + 176], 6);
    expect(up.data[47 * 224 + 175]).toBeGreaterThan(0.9);
    expect(up.data[47 * 224 + 175]).toBeGreaterThan(up.data[47 * 224 + 170]);
  });
});

describe('colour maps', () => {
  it('has 256 RGB entries each', () => {
    for (const name of ['turbo', 'jet', 'viridis'] as const) {
      expect(colormapTable(name).length).toBe(256 * 3);
    }
  });

  it('viridis runs from #440154 to #fde725', () => {
    expect(colormapColor('viridis', 0)).toEqual([0x44, 0x01, 0x54]);
    expect(colormapColor('viridis', 1)).toEqual([0xfd, 0xe7, 0x25]);
    // Viridis grows lighter all the way (checked in steps of 1/16: neighbouring 8-bit entries
    // can swap by a rounding level): that is why it reads in grey print.
    const lum = Array.from({ length: 17 }, (_, i) => luminance(colormapColor('viridis', i / 16)));
    for (let i = 1; i < lum.length; i++) expect(lum[i]).toBeGreaterThan(lum[i - 1]);
  });

  it('turbo runs from near-black violet through green to dark red', () => {
    const low = colormapColor('turbo', 0);
    expect(luminance(low)).toBeLessThan(0.15);
    expect(low[2]).toBeGreaterThan(low[1]); // blue above green: the violet end
    const mid = colormapColor('turbo', 0.5);
    expect(mid[1]).toBeGreaterThan(mid[0]);
    expect(mid[1]).toBeGreaterThan(mid[2]);
    const high = colormapColor('turbo', 1);
    expect(high[0]).toBeGreaterThan(100);
    expect(high[0]).toBeLessThan(200); // dark red, not bright red
    expect(high[1]).toBeLessThan(40);
    expect(high[2]).toBeLessThan(40);
    // Bluish at a quarter, reddish at three quarters.
    const quarter = colormapColor('turbo', 0.15);
    expect(quarter[2]).toBeGreaterThan(quarter[0]);
    const threeQuarters = colormapColor('turbo', 0.85);
    expect(threeQuarters[0]).toBeGreaterThan(threeQuarters[2]);
  });

  it('jet is dark blue at 0, green at 0.5, dark red at 1', () => {
    const [r0, g0, b0] = colormapColor('jet', 0);
    expect(r0).toBe(0);
    expect(g0).toBe(0);
    expect(b0).toBeGreaterThan(100);
    expect(b0).toBeLessThan(160);
    const [rm, gm, bm] = colormapColor('jet', 0.5);
    expect(gm).toBe(255);
    expect(rm).toBeLessThan(gm);
    expect(bm).toBeLessThan(gm);
    const [r1, g1, b1] = colormapColor('jet', 1);
    expect(r1).toBeGreaterThan(100);
    expect(r1).toBeLessThan(160);
    expect(g1).toBe(0);
    expect(b1).toBe(0);
  });

  it('colorize gives opaque table colours, clamping out-of-range and NaN values', () => {
    const image = colorize(mapOf(4, 1, [0, 1, 2, NaN]), 'viridis');
    const px = (i: number) => Array.from(image.data.slice(i * 4, i * 4 + 4));
    expect(px(0)).toEqual([0x44, 0x01, 0x54, 255]);
    expect(px(1)).toEqual([0xfd, 0xe7, 0x25, 255]);
    expect(px(2)).toEqual(px(1));
    expect(px(3)).toEqual(px(0));
  });

  it('rejects an unknown colour map with the valid names', () => {
    expect(() => colormapTable('rainbow' as never)).toThrow(/turbo, jet, viridis/);
  });
});

describe('overlayHeatmap', () => {
  const width = 16;
  const height = 8;
  const heat = randomMap(width, height, 7);
  for (let i = 0; i < heat.data.length; i++) heat.data[i] = Math.min(Math.max(heat.data[i], 0), 1);
  const colours = colorize(heat, 'jet');

  it('alpha 0 leaves the photo unchanged, made opaque', () => {
    const photo = photoOf(width, height, 1, 90);
    const out = overlayHeatmap(photo, heat, { colormap: 'jet', alpha: 0 });
    for (let i = 0; i < photo.data.length; i++) {
      expect(out.data[i]).toBe(i % 4 === 3 ? 255 : photo.data[i]);
    }
  });

  it('alpha 1 shows only the colour map', () => {
    const photo = photoOf(width, height, 2);
    const out = overlayHeatmap(photo, heat, { colormap: 'jet', alpha: 1 });
    expect(Array.from(out.data)).toEqual(Array.from(colours.data));
  });

  it('alpha 0.5 is the mean of photo and colour', () => {
    const photo = photoOf(width, height, 3);
    const out = overlayHeatmap(photo, heat, { colormap: 'jet', alpha: 0.5 });
    for (let i = 0; i < photo.data.length; i++) {
      if (i % 4 === 3) expect(out.data[i]).toBe(255);
      // Halves of odd sums round to a neighbouring integer.
      else
        expect(Math.abs(out.data[i] - (photo.data[i] + colours.data[i]) / 2)).toBeLessThanOrEqual(
          0.5,
        );
    }
  });

  it('rejects a heatmap of another size and an alpha outside 0..1', () => {
    const photo = photoOf(width, height, 4);
    expect(() => overlayHeatmap(photo, mapOf(2, 2, [0, 0, 0, 0]))).toThrow(/does not match/);
    expect(() => overlayHeatmap(photo, heat, { alpha: 1.5 })).toThrow(ExplainError);
    expect(() => overlayHeatmap(photo, heat, { alpha: NaN })).toThrow(ExplainError);
  });
});

describe('renderCamOverlay', () => {
  it('lays a 7x7 CAM over a 224x224 photo with its hot spot where the cell is', () => {
    const grid = mapOf(7, 7, new Array(49).fill(-0.2));
    grid.data[1 * 7 + 5] = 3; // column 5, row 1
    const photo = photoOf(224, 224, 5);
    const result = renderCamOverlay(photo, grid, { colormap: 'turbo', alpha: 0.4 });
    expect(result.empty).toBe(false);
    expect(result.max).toBe(3);
    let best = 0;
    for (let i = 1; i < result.heat.data.length; i++) {
      if (result.heat.data[i] > result.heat.data[best]) best = i;
    }
    const [bx, by] = [best % 224, Math.floor(best / 224)];
    expect(Math.abs(bx - 175.5)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(by - 47.5)).toBeLessThanOrEqual(0.5);
    // Far from the hot cell the heat is 0: the pixel shows the photo blended with turbo(0).
    const p = (200 * 224 + 20) * 4;
    const cold = colormapColor('turbo', 0);
    for (let c = 0; c < 3; c++) {
      expect(
        Math.abs(result.image.data[p + c] - (0.6 * photo.data[p + c] + 0.4 * cold[c])),
      ).toBeLessThanOrEqual(0.5);
    }
  });

  it('reports an empty CAM and leaves the photo uncoloured', () => {
    const photo = photoOf(32, 24, 6);
    const result = renderCamOverlay(photo, mapOf(2, 2, [0, -1, NaN, 0]), { alpha: 0.7 });
    expect(result).toMatchObject({ empty: true, max: 0, nonFinite: 1 });
    expect(Array.from(result.image.data)).toEqual(Array.from(photo.data));
    expect(result.heat.data.every((v) => v === 0)).toBe(true);
  });
});
