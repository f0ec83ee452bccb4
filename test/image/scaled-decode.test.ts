/**
 * The size a large JPEG is decoded at before its last resize to PHOTO_LONG_SIDE: the decoder
 * takes the largest n/8 not above the size asked for, so the ask is the smallest n/8 whose long
 * side still reaches PHOTO_LONG_SIDE (a phone's 12 MP photo at 4/8, not the 6/8 that asking for
 * twice the size gave), never below it, never above the photo.
 */
import { describe, expect, it } from 'vitest';
import {
  PHOTO_LONG_SIDE,
  PREVIEW_LONG_SIDE,
  scaledDecodeSize,
} from '../../src/image/prepare-photo';

/** What the decoder makes of an ask: the largest n/8 of the photo not above it. */
function decoded(width: number, height: number, ask: { width: number; height: number }) {
  const n = Math.min(8, Math.floor((8 * ask.width) / width));
  return { width: Math.ceil((width * n) / 8), height: Math.ceil((height * n) / 8) };
}

describe('scaledDecodeSize', () => {
  it('decodes a 4000x3000 phone photo at half size, and 108 MP at a quarter', () => {
    expect(scaledDecodeSize(4000, 3000)).toEqual({ width: 2000, height: 1500 });
    expect(scaledDecodeSize(3000, 4000)).toEqual({ width: 1500, height: 2000 });
    expect(scaledDecodeSize(12000, 9000)).toEqual({ width: 3000, height: 2250 });
  });

  it('never leaves the decoded photo below the size kept, nor asks above the photo', () => {
    for (const [w, h] of [
      [1601, 1200],
      [2000, 1000],
      [3201, 2400],
      [4032, 3024],
      [4031, 3023],
      [6000, 4000],
      [9248, 6936],
    ]) {
      const ask = scaledDecodeSize(w, h);
      const got = decoded(w, h, ask);
      expect(Math.max(got.width, got.height), `${w}x${h}`).toBeGreaterThanOrEqual(PHOTO_LONG_SIDE);
      expect(ask.width).toBeLessThanOrEqual(w);
      // The next smaller scale would fall below PHOTO_LONG_SIDE: nothing bigger than needed.
      const smaller = Math.floor((8 * ask.width) / w) - 1;
      expect((Math.max(w, h) * smaller) / 8, `${w}x${h}`).toBeLessThan(PHOTO_LONG_SIDE);
    }
  });

  it("decodes a phone photo's preview at the smallest n/8 reaching PREVIEW_LONG_SIDE", () => {
    expect(scaledDecodeSize(4000, 3000, PREVIEW_LONG_SIDE)).toEqual({ width: 1000, height: 750 });
    expect(scaledDecodeSize(3024, 4032, PREVIEW_LONG_SIDE)).toEqual({ width: 756, height: 1008 });
    expect(scaledDecodeSize(12000, 9000, PREVIEW_LONG_SIDE)).toEqual({ width: 1500, height: 1125 });
    for (const [w, h] of [
      [3200, 2400],
      [4000, 3000],
      [8000, 6000],
    ]) {
      const got = decoded(w, h, scaledDecodeSize(w, h, PREVIEW_LONG_SIDE));
      expect(Math.max(got.width, got.height), `${w}x${h}`).toBeGreaterThanOrEqual(
        PREVIEW_LONG_SIDE,
      );
      // Well below the photo kept, or the preview would save nothing.
      expect(Math.max(got.width, got.height), `${w}x${h}`).toBeLessThan(PHOTO_LONG_SIDE);
    }
  });
});
