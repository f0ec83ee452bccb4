import { describe, expect, it } from 'vitest';
import { photoQuality, QUALITY_THRESHOLDS, lumaAtQualitySize } from '../../src/image/photo-quality';
import { seededRng } from '../../tools/data/rng';

/** An RGBA "asphalt" photo: grain of the given amplitude around a grey level. */
function asphalt(width: number, height: number, grey: number, grain: number, seed = 1) {
  const rng = seededRng(seed);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const v = grey + (rng() - 0.5) * 2 * grain;
    data.set([v, v, v, 255], i * 4);
  }
  return { width, height, data };
}

/** A box blur of radius r, repeated (close to a Gaussian). */
function blurred(img: ReturnType<typeof asphalt>, r: number, passes = 3) {
  let src = img.data;
  const { width: w, height: h } = img;
  for (let pass = 0; pass < passes; pass++) {
    const out = new Uint8ClampedArray(src.length);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let s = 0;
        let n = 0;
        for (let dy = -r; dy <= r; dy++)
          for (let dx = -r; dx <= r; dx++) {
            const yy = Math.min(h - 1, Math.max(0, y + dy));
            const xx = Math.min(w - 1, Math.max(0, x + dx));
            s += src[(yy * w + xx) * 4];
            n++;
          }
        out.set([s / n, s / n, s / n, 255], (y * w + x) * 4);
      }
    }
    src = out;
  }
  return { width: w, height: h, data: src };
}

describe('photo quality', () => {
  it('passes a well-exposed, sharp photo of asphalt', () => {
    const q = photoQuality(asphalt(200, 150, 130, 40));
    expect(q.problems).toEqual([]);
    expect(q.brightness).toBeGreaterThan(120);
    expect(q.sharpness).toBeGreaterThan(QUALITY_THRESHOLDS.minSharpness);
  });

  it('says "too dark" for an underexposed photo, and not "too blurred" for its grain', () => {
    const q = photoQuality(asphalt(200, 150, 20, 6));
    expect(q.problems).toEqual(['too-dark']);
  });

  it('says "too blurred" for the same asphalt out of focus', () => {
    const sharp = asphalt(160, 160, 130, 40);
    expect(photoQuality(blurred(sharp, 2)).problems).toEqual(['too-blurred']);
  });

  it('scores a large photo and its quarter-size copy alike', () => {
    const big = blurred(asphalt(1024, 768, 120, 60, 3), 1, 1);
    expect(Math.max(lumaAtQualitySize(big).width, lumaAtQualitySize(big).height)).toBe(256);
    // The same photo as a phone's 256 px thumbnail (4x4 pixels averaged).
    const small = { width: 256, height: 192, data: new Uint8ClampedArray(256 * 192 * 4) };
    for (let y = 0; y < 192; y++)
      for (let x = 0; x < 256; x++) {
        let s = 0;
        for (let dy = 0; dy < 4; dy++)
          for (let dx = 0; dx < 4; dx++) s += big.data[((y * 4 + dy) * 1024 + x * 4 + dx) * 4];
        small.data.set([s / 16, s / 16, s / 16, 255], (y * 256 + x) * 4);
      }
    const [a, b] = [photoQuality(big), photoQuality(small)];
    expect(a.brightness).toBeCloseTo(b.brightness, 0);
    expect(a.sharpness / b.sharpness).toBeGreaterThan(0.95);
    expect(a.sharpness / b.sharpness).toBeLessThan(1.05);
  });

  it('refuses pixel data that does not match the size', () => {
    expect(() => photoQuality({ width: 10, height: 10, data: new Uint8ClampedArray(12) })).toThrow(
      /needs 400/,
    );
  });
});
