import { describe, expect, it } from 'vitest';
import type { NormalizedBox } from '../../tools/data/augment';
import { DEFAULT_PASTE, pasteBox, pasteDonors } from '../../tools/data/paste-boxes';
import { seededRng } from '../../tools/data/rng';
import { useBackend } from '../../tools/lib/tf-node';
import { DamageExamples } from '../../tools/train/damage-examples';

const SIDE = 64;

/** A grey photo (value `ground`) with a square of `value` in `box` (pixels). */
function photo(ground: number, box?: [number, number, number, number], value = 0): Uint8Array {
  const px = new Uint8Array(SIDE * SIDE * 3).fill(ground);
  if (box) {
    for (let y = box[1]; y < box[3]; y++)
      for (let x = box[0]; x < box[2]; x++)
        px.fill(value, (y * SIDE + x) * 3, (y * SIDE + x) * 3 + 3);
  }
  return px;
}

const at = (px: Uint8Array, x: number, y: number) => px[(y * SIDE + x) * 3];

describe('pasting a box from one photo into another', () => {
  it('copies the box opaquely, fades its margin, and leaves the rest of the photo alone', () => {
    const rng = seededRng(7);
    for (let trial = 0; trial < 50; trial++) {
      const source = photo(120, [24, 24, 36, 36], 250);
      const target = photo(40);
      const box: NormalizedBox = [24 / SIDE, 24 / SIDE, 36 / SIDE, 36 / SIDE];
      const [x1, y1, x2, y2] = pasteBox(target, source, SIDE, box, rng).map((v) => v * SIDE);
      // Inside the photo, at a size within the drawn scale of the donor's 12 px.
      expect(x1).toBeGreaterThanOrEqual(0);
      expect(y1).toBeGreaterThanOrEqual(0);
      expect(x2).toBeLessThanOrEqual(SIDE);
      expect(y2).toBeLessThanOrEqual(SIDE);
      expect(x2 - x1).toBeGreaterThan(12 * DEFAULT_PASTE.scale[0] - 2);
      expect(x2 - x1).toBeLessThan(12 * DEFAULT_PASTE.scale[1] + 2);
      // The box's own pixels, away from its edge, are the donor's pothole.
      const cx = Math.round((x1 + x2) / 2);
      const cy = Math.round((y1 + y2) / 2);
      expect(at(target, cx, cy)).toBeGreaterThan(240);
      // The margin mixes the donor's road (120) into the target's (40): never brighter than it.
      const mx = Math.floor(x1) - 1;
      if (mx >= 0) expect(at(target, mx, cy)).toBeLessThanOrEqual(121);
      // Far from the paste, nothing changed.
      const far = [
        [0, 0],
        [SIDE - 1, SIDE - 1],
        [0, SIDE - 1],
        [SIDE - 1, 0],
      ].filter(([x, y]) => Math.abs(x - cx) > 20 || Math.abs(y - cy) > 20);
      for (const [x, y] of far) expect(at(target, x, y)).toBe(40);
    }
  });

  it('cuts a box at the photo edge without reading past it', () => {
    const source = photo(120, [0, 0, 10, 10], 250);
    const target = photo(40);
    const [x1, y1, x2, y2] = pasteBox(
      target,
      source,
      SIDE,
      [0, 0, 10 / SIDE, 10 / SIDE],
      seededRng(1),
    );
    expect(x2 - x1).toBeGreaterThan(0);
    expect(y2 - y1).toBeGreaterThan(0);
    expect(
      at(target, Math.round(((x1 + x2) / 2) * SIDE), Math.round(((y1 + y2) / 2) * SIDE)),
    ).toBeGreaterThan(240);
  });

  it('keeps a paste within the largest share of the photo', () => {
    const source = photo(120, [4, 4, 60, 60], 250);
    const target = photo(40);
    const [x1, , x2] = pasteBox(
      target,
      source,
      SIDE,
      [4 / SIDE, 4 / SIDE, 60 / SIDE, 60 / SIDE],
      seededRng(2),
    );
    expect(x2 - x1).toBeLessThanOrEqual(DEFAULT_PASTE.maxShare + 1e-9);
  });

  it('cuts only boxes big enough to show something', () => {
    const donors = pasteDonors(
      [
        [
          [0, 0, 0.05, 0.05],
          [0, 0, 0.3, 0.2],
        ],
        [],
        [[0.5, 0.5, 0.6, 0.6]],
      ],
      SIDE,
      6,
    );
    expect(donors.map((d) => d.example)).toEqual([0, 2]);
  });
});

describe('training batches with pasted potholes', () => {
  it('labels a pasted photo with the pothole, forgets what it said was absent, and keeps its bytes', async () => {
    await useBackend('cpu');
    // Example 0 has a pothole (boxed); 1 and 2 have none, 2 shows a crack.
    const pixels = new Uint8Array(3 * SIDE * SIDE * 3);
    pixels.set(photo(120, [20, 20, 40, 40], 250), 0);
    pixels.set(photo(40), SIDE * SIDE * 3);
    pixels.set(photo(40), 2 * SIDE * SIDE * 3);
    const box: NormalizedBox = [20 / SIDE, 20 / SIDE, 40 / SIDE, 40 / SIDE];
    const labels: { present: 0 | 1 | null; boxes: NormalizedBox[] }[][] = [
      [
        { present: 1, boxes: [box] },
        { present: 0, boxes: [] },
      ],
      [
        { present: 0, boxes: [] },
        { present: 0, boxes: [] },
      ],
      [
        { present: 0, boxes: [] },
        { present: 1, boxes: [] },
      ],
    ];
    const before = pixels.slice();
    const examples = DamageExamples.fromPixels(pixels, labels, {
      size: SIDE,
      storedSize: SIDE,
      normalization: { mean: [0], std: [1 / 255] },
      augment: { minArea: 1, maxAspect: 1, flip: false, brightness: 0, contrast: 0, saturation: 0 },
      paste: { options: { ...DEFAULT_PASTE, rate: 1 }, anchor: 0 },
    });
    const batch = examples.trainingBatch([0, 1, 2], seededRng(3));
    // [pothole, crack] per example: all three now show a pothole; the paste may show a crack
    // too, so "no crack" is no longer known; a crack already there stays.
    expect(Array.from(batch.targets)).toEqual([1, 0, 1, 0, 1, 1]);
    expect(Array.from(batch.known)).toEqual([1, 1, 1, 0, 1, 1]);
    expect(examples.pastesMade).toBe(2);
    // The pasted pothole is in the batch's photos 1 and 2, not in the stored bytes.
    const x = (await batch.x.data()) as Float32Array;
    const brightest = (k: number) =>
      Math.max(...x.subarray(k * SIDE * SIDE * 3, (k + 1) * SIDE * SIDE * 3));
    expect(brightest(1)).toBeGreaterThan(240);
    expect(brightest(2)).toBeGreaterThan(240);
    expect(pixels).toEqual(before);
    batch.x.dispose();
  });

  it('pastes nothing at rate 0', () => {
    const pixels = new Uint8Array(2 * SIDE * SIDE * 3);
    const examples = DamageExamples.fromPixels(
      pixels,
      [[{ present: 1, boxes: [[0.2, 0.2, 0.6, 0.6]] }], [{ present: 0, boxes: [] }]],
      {
        size: SIDE,
        storedSize: SIDE,
        normalization: { mean: [0], std: [1 / 255] },
        augment: {
          minArea: 1,
          maxAspect: 1,
          flip: false,
          brightness: 0,
          contrast: 0,
          saturation: 0,
        },
        paste: { options: { ...DEFAULT_PASTE, rate: 0 }, anchor: 0 },
      },
    );
    const batch = examples.trainingBatch([0, 1], seededRng(3));
    expect(Array.from(batch.targets)).toEqual([1, 0]);
    expect(examples.pastesMade).toBe(0);
    batch.x.dispose();
  });
});
